"""The ticket event log: every state change is written here, in the same transaction."""
from __future__ import annotations

from typing import Any

from inbox.extensions import db
from inbox.models import Agent, Ticket, TicketEvent, utcnow


def record(
    ticket: Ticket,
    kind: str,
    *,
    actor: Agent | None = None,
    actor_type: str | None = None,
    at=None,  # noqa: ANN001 - an aware datetime; defaults to now
    **data: Any,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        kind=kind,
        actor_type=actor_type or ("agent" if actor else "system"),
        actor_id=actor.id if actor else None,
        data=data,
        created_at=at or utcnow(),
    )
    if ticket.id is None:
        # A ticket not yet flushed has no id; flush so the event can point at it.
        db.session.add(ticket)
        db.session.flush()
        event.ticket_id = ticket.id
    db.session.add(event)
    return event
