"""Builders for SLA tests: saved calendars and policies, and a settable clock for agent actions."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from inbox.extensions import db
from inbox.models import BusinessCalendarRecord, SLAPolicy, Ticket, TicketEvent, TicketSLAMetric
from inbox.sla import policies

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def make_calendar(name: str, timezone: str, hours: list[list[str]] | None = None, *, days=WEEKDAYS,
                  country: str | None = None, subdivision: str | None = None, **fields: Any) -> BusinessCalendarRecord:
    record = BusinessCalendarRecord(
        name=name, timezone=timezone, weekly={day: hours or [["09:00", "18:00"]] for day in days},
        holiday_country=country, holiday_subdivision=subdivision, closed_dates=fields.pop("closed_dates", []),
        special_hours=fields.pop("special_hours", {}), **fields,
    )
    db.session.add(record)
    db.session.commit()
    return record


def make_policy(name: str = "Policy", *, first: float | None = None, next_: float | None = None,
                resolution: float | None = None, **fields: Any) -> SLAPolicy:
    """A saved policy; targets in business seconds, placed after every existing policy."""
    values: dict[str, Any] = {"channels": [], "priorities": [], "team_ids": [], "customer_tags": [],
                              "customer_tiers": [], "languages": []}
    values.update(fields)
    policy = SLAPolicy(name=name, position=policies.next_position(), first_response_seconds=first,
                       next_response_seconds=next_, resolution_seconds=resolution, **values)
    db.session.add(policy)
    db.session.commit()
    return policy


def metrics_of(ticket: Ticket | int, metric: str | None = None) -> list[TicketSLAMetric]:
    ticket_id = ticket if isinstance(ticket, int) else ticket.id
    query = select(TicketSLAMetric).where(TicketSLAMetric.ticket_id == ticket_id)
    if metric:
        query = query.where(TicketSLAMetric.metric == metric)
    return list(db.session.scalars(query.order_by(TicketSLAMetric.metric, TicketSLAMetric.cycle)))


def events_of(ticket: Ticket | int, kind: str) -> list[TicketEvent]:
    ticket_id = ticket if isinstance(ticket, int) else ticket.id
    return list(db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == kind).order_by(TicketEvent.id)
    ))


class Clock:
    """The instant agent actions (``inbox.tickets``) believe it is; ingest takes ``now=`` itself."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: datetime):
        self.now = start
        monkeypatch.setattr("inbox.tickets.utcnow", lambda: self.now)

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment
