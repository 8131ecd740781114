"""One ticket's story in time order: messages on every channel, notes, automatic notices, and the
events worth showing an agent (status, assignment, SLA, promise, merges)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from inbox.extensions import db
from inbox.models import Customer, Message, Ticket, TicketEvent
from inbox.models.tickets import OPEN_STATUSES

# Events already told by the message they belong to (its delivery state included) are left out.
HIDDEN_EVENTS = {"message.received", "message.replied", "note.added", "ticket.created", "message.sent",
                 "message.failed"}


@dataclass(frozen=True)
class Entry:
    at: datetime
    message: Message | None = None
    event: TicketEvent | None = None

    @property
    def key(self) -> str:
        return f"m{self.message.id}" if self.message else f"e{self.event.id}"


def timeline(ticket: Ticket) -> list[Entry]:
    messages = db.session.scalars(
        select(Message).where(Message.ticket_id == ticket.id)
        .options(selectinload(Message.attachments), selectinload(Message.author), selectinload(Message.identity))
        .order_by(Message.id)
    ).all()
    events = db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind.not_in(HIDDEN_EVENTS))
        .order_by(TicketEvent.id)
    ).all()
    entries = [Entry(m.created_at, message=m) for m in messages] + [Entry(e.created_at, event=e) for e in events]
    # Messages sort before events of the same instant: the reply, then what it caused.
    return sorted(entries, key=lambda e: (e.at, 0 if e.message else 1, e.message.id if e.message else e.event.id))


def last_message_id(ticket: Ticket) -> int | None:
    return db.session.scalar(select(Message.id).where(Message.ticket_id == ticket.id).order_by(Message.id.desc()))


def previous_tickets(customer: Customer, exclude: int, limit: int = 20) -> list[Ticket]:
    """The customer's other tickets, open ones first, newest first."""
    rows = db.session.scalars(
        select(Ticket).where(Ticket.customer_id == customer.id, Ticket.id != exclude, Ticket.merged_into_id.is_(None))
        .order_by(Ticket.created_at.desc()).limit(limit)
    ).all()
    return sorted(rows, key=lambda t: t.status not in OPEN_STATUSES)
