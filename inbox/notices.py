"""What we tell customers on their own channel: wait-time notices and honest updates.

The promise issue fills these steps in; the ingest path already calls them at the right moment.
"""
from __future__ import annotations

from datetime import datetime

from inbox.models import Message, Ticket


def on_customer_message(ticket: Ticket, message: Message, *, created: bool, now: datetime) -> None:
    """Called inside the ingest transaction for every customer message that is not automatic."""
