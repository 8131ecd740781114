"""SLA steps called by the domain at the moments that start, stop or pause a clock.

The SLA issue fills these in; callers already invoke them inside their transactions.
"""
from __future__ import annotations

from datetime import datetime

from inbox.models import Message, Ticket


def on_customer_message(ticket: Ticket, message: Message, *, created: bool, now: datetime) -> None:
    """A customer wrote (never called for automatic mail or duplicates)."""


def on_agent_reply(ticket: Ticket, message: Message, *, now: datetime) -> None:
    """An agent's public reply left (notes and automatic notices are not replies)."""


def on_status_change(ticket: Ticket, old: str, new: str, *, now: datetime) -> None:
    """Status moved: pending and on-hold pause the clock; solved stops resolution."""


def on_fields_change(ticket: Ticket, changed: set[str], *, now: datetime) -> None:
    """Priority or team changed: the policy is re-evaluated."""
