"""Visitors coming and going: a visitor who leaves while waiting either hands the conversation to
email (they gave an address) or, after ``CHAT_ABANDON_SECONDS`` without coming back, abandons it.

Leaving and returning are ticket events (``chat.visitor_left`` / ``chat.visitor_returned``), so the
decision is taken by a job scheduled at the moment of leaving + the timeout, which re-reads the
ticket when it fires: a visitor who came back in between has a later ``visitor_returned`` event
and nothing happens. Abandonment is recorded (``Ticket.abandoned_at`` = when they left, event
``chat.abandoned``) because the promise module learns how long visitors are willing to wait.

Which sockets a visitor has open is known per process; a web deployment keeps one visitor's tabs
on one process with the sticky sessions Socket.IO needs anyway.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from channels.base import EMAIL
from channels.chat import conversation
from inbox import events, jobs, realtime
from inbox.extensions import db
from inbox.models import Identity, Ticket, TicketEvent, utcnow
from inbox.models.tickets import OPEN_STATUSES
from inbox.presenters import iso, ticket_summary

LEFT = "chat.visitor_left"
RETURNED = "chat.visitor_returned"
HANDED_TO_EMAIL = "chat.handed_to_email"
ABANDONED = "chat.abandoned"

_sockets: dict[str, set[str]] = {}
_lock = threading.Lock()


def socket_opened(visitor_id: str, sid: str) -> bool:
    """Note a socket; True when it is the visitor's first one here."""
    with _lock:
        sids = _sockets.setdefault(visitor_id, set())
        first = not sids
        sids.add(sid)
    return first


def socket_closed(visitor_id: str, sid: str) -> bool:
    """Forget a socket; True when it was the visitor's last one here."""
    with _lock:
        sids = _sockets.get(visitor_id, set())
        sids.discard(sid)
        if sids:
            return False
        _sockets.pop(visitor_id, None)
    return True


def is_connected(visitor_id: str) -> bool:
    with _lock:
        return bool(_sockets.get(visitor_id))


def _last_presence(ticket: Ticket) -> TicketEvent | None:
    return db.session.scalar(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind.in_((LEFT, RETURNED)))
        .order_by(TicketEvent.id.desc()).limit(1)
    )


def _open_ticket(visitor_id: str) -> Ticket | None:
    ticket = conversation.current_ticket(visitor_id)
    return ticket if ticket is not None and ticket.status in OPEN_STATUSES else None


def _announce(ticket: Ticket, present: bool) -> None:
    realtime.announce_ticket("chat.visitor", ticket, {"ticket_id": ticket.id, "present": present})


def visitor_left(visitor_id: str, now: datetime | None = None) -> TicketEvent | None:
    """The visitor's last tab closed: record it and schedule the decision. Commits."""
    now = now or utcnow()
    ticket = _open_ticket(visitor_id)
    if ticket is None:
        return None
    left = events.record(ticket, LEFT, actor_type="customer", at=now)
    db.session.flush()
    # Scheduled before the commit that tells agents, so nobody who saw the visitor leave can look
    # for the decision before it is due. Should the commit fail, the job finds no such departure.
    delay = timedelta(seconds=current_app.config["CHAT_ABANDON_SECONDS"])
    jobs.enqueue("chat.visitor_gone", ticket.id, left.id, at=now + delay)
    _announce(ticket, False)
    db.session.commit()
    return left


def visitor_returned(visitor_id: str, now: datetime | None = None) -> TicketEvent | None:
    """A tab opened again after the visitor had left: record it, which cancels the pending decision."""
    ticket = _open_ticket(visitor_id)
    if ticket is None:
        return None
    last = _last_presence(ticket)
    if last is None or last.kind != LEFT:
        return None
    back = events.record(ticket, RETURNED, actor_type="customer", at=now or utcnow())
    _announce(ticket, True)
    db.session.commit()
    return back


def handed_to_email(ticket: Ticket) -> bool:
    return db.session.scalar(
        select(TicketEvent.id).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == HANDED_TO_EMAIL).limit(1)
    ) is not None


@jobs.job("chat.visitor_gone")
def visitor_gone(ticket_id: int, left_event_id: int) -> str | None:
    """Fires CHAT_ABANDON_SECONDS after the visitor left; returns what it decided."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.status not in OPEN_STATUSES or ticket.abandoned_at is not None:
        return None
    last = _last_presence(ticket)
    if last is None or last.id != left_event_id:
        return None  # they came back (and perhaps left again: that departure has its own job)
    address = db.session.scalar(
        select(Identity.external_id).where(Identity.customer_id == ticket.customer_id, Identity.channel == EMAIL)
        .order_by(Identity.id.desc()).limit(1)
    )
    now = utcnow()
    if address is not None:
        if handed_to_email(ticket):
            return None
        # inbox.tickets.default_channel reads this event: later replies go by email until the
        # visitor writes in the chat again.
        events.record(ticket, HANDED_TO_EMAIL, at=now, to=EMAIL, email=address, left_at=iso(last.created_at))
        decision = "email"
    elif ticket.first_response_at is None:
        ticket.abandoned_at = last.created_at
        waited = (last.created_at - ticket.created_at).total_seconds()
        events.record(ticket, ABANDONED, at=now, left_at=iso(last.created_at), waited_seconds=round(waited))
        decision = "abandoned"
    else:
        return None  # answered and no address: the conversation simply waits for them in the widget
    ticket.updated_at = now
    db.session.flush()
    realtime.announce_ticket("ticket.updated", ticket, ticket_summary(ticket))
    db.session.commit()
    return decision
