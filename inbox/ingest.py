"""The one way in: a normalised inbound message becomes a ticket message.

Every channel calls :func:`ingest` with an :class:`channels.base.Inbound`; nothing here knows which
channel it came from. One transaction: de-duplicate, find or create the customer, thread, store,
run the SLA and promise steps; then announce to agents after the commit.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from channels.base import Inbound
from inbox import assignment, attachments, events, notices, quarantine, realtime, routing, surveys
from inbox.extensions import db
from inbox.models import Customer, Identity, Message, Ticket, utcnow
from inbox.models.tickets import OPEN_STATUSES
from inbox.presenters import message_dict, ticket_summary
from inbox.sla import engine as sla

log = logging.getLogger(__name__)

# Concurrent deliveries of the same message or a new customer's first two messages can race on
# a unique constraint; the loser retries and then finds the winner's rows.
_ATTEMPTS = 3


@dataclass(frozen=True)
class IngestResult:
    message_id: int | None
    ticket_id: int | None
    created_ticket: bool = False
    duplicate: bool = False
    quarantined_id: int | None = None


def ingest(inbound: Inbound, *, now: datetime | None = None) -> IngestResult:
    for attempt in range(_ATTEMPTS):
        try:
            return _ingest_once(inbound, now or utcnow())
        except IntegrityError:
            db.session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
            log.info("ingest race on %s/%s, retrying", inbound.channel, inbound.external_id)
    raise AssertionError("unreachable")


def _ingest_once(inbound: Inbound, now: datetime) -> IngestResult:
    existing = _find_message(inbound.channel, inbound.external_id)
    if existing is not None:
        return IngestResult(existing.id, existing.ticket_id, duplicate=True)

    identity = _identity_for(inbound)
    ticket, reopened = _thread(inbound, identity.customer, now)
    if ticket is None:
        # Automatic mail that answers nothing of ours has no ticket to be recorded on; keep it
        # for an admin rather than opening tickets for out-of-office replies and list traffic.
        db.session.rollback()
        held = quarantine.keep(
            inbound.channel, inbound.raw, f"automatic message ({inbound.auto_kind}) matching no ticket",
            {"external_id": inbound.external_id, "sender": inbound.sender.external_id},
        )
        return IngestResult(None, None, quarantined_id=held)

    created = ticket.id is None
    if created:
        db.session.add(ticket)
        db.session.flush()
        events.record(ticket, "ticket.created", actor_type="customer", at=now, channel=inbound.channel)
        assignment.on_ticket_created(ticket, now=now)
    elif reopened:
        events.record(ticket, "status.changed", actor_type="customer", at=now, old="solved", new="open",
                      reason="customer replied")

    message = Message(
        ticket_id=ticket.id,
        direction="inbound",
        channel=inbound.channel,
        external_id=inbound.external_id,
        kind="message",
        identity_id=identity.id,
        subject=inbound.subject,
        text=inbound.text,
        html=inbound.html,
        raw=inbound.raw,
        meta=dict(inbound.meta),
        auto_kind=inbound.auto_kind,
        delivery_state="received",
        sent_at=inbound.sent_at,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    attachments.store(message, inbound.attachments)

    if not inbound.auto_generated:
        ticket.last_customer_message_at = now
        if not created and ticket.status in ("pending", "on-hold"):
            old = ticket.status
            ticket.status = "open"
            events.record(ticket, "status.changed", actor_type="customer", at=now, old=old, new="open",
                          reason="customer replied")
        ticket.preview = _preview(inbound.text) or ticket.preview
    events.record(ticket, "message.received", actor_type="customer", at=now, message_id=message.id,
                  auto_kind=inbound.auto_kind)

    # Auto-replies, bounces and duplicates never start, stop or re-clock anything.
    if not inbound.auto_generated:
        sla.on_customer_message(ticket, message, created=created or reopened, now=now)
        notices.on_customer_message(ticket, message, created=created or reopened, now=now)
        surveys.on_customer_message(ticket, now=now)

    realtime.announce_ticket("ticket.created" if created else "ticket.updated", ticket, ticket_summary(ticket))
    realtime.announce_ticket("message.created", ticket, message_dict(message))
    db.session.commit()
    return IngestResult(message.id, ticket.id, created_ticket=created)


def _find_message(channel: str, external_id: str) -> Message | None:
    return db.session.scalar(select(Message).where(Message.channel == channel, Message.external_id == external_id))


def _identity_for(inbound: Inbound) -> Identity:
    sender = inbound.sender
    identity = db.session.scalar(
        select(Identity).where(Identity.channel == sender.channel, Identity.external_id == sender.external_id)
    )
    if identity is None:
        customer = Customer(name=sender.display_name, language=inbound.language_hint)
        if sender.channel == "email":
            customer.email = sender.external_id
        identity = Identity(customer=customer, channel=sender.channel, external_id=sender.external_id)
        db.session.add_all([customer, identity])
    # Handles and names change (X lets people rename); the identity key does not.
    if sender.handle and identity.handle != sender.handle:
        identity.handle = sender.handle
    if sender.display_name and identity.display_name != sender.display_name:
        identity.display_name = sender.display_name
    customer = identity.customer
    if customer.merged_into_id:
        customer = db.session.get(Customer, customer.merged_into_id) or customer
    if not customer.name and sender.display_name:
        customer.name = sender.display_name
    db.session.flush()
    return identity


def _thread(inbound: Inbound, customer: Customer, now: datetime) -> tuple[Ticket | None, bool]:
    """The ticket this message belongs to (new if none), and whether it reopened."""
    ticket = _by_references(inbound) or _by_ticket_ref(inbound, customer) or _by_conversation(inbound, customer)
    while ticket is not None and ticket.merged_into_id:
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    if ticket is not None:
        if ticket.status in OPEN_STATUSES:
            return ticket, False
        if inbound.auto_generated:
            return ticket, False  # recorded on the ticket, never reopens it
        window = timedelta(days=current_app.config["REOPEN_WINDOW_DAYS"])
        if ticket.status == "solved" and ticket.solved_at and now - ticket.solved_at <= window:
            ticket.status = "open"
            ticket.solved_at = None
            return ticket, True
    elif inbound.auto_generated:
        return None, False
    return _new_ticket(inbound, customer, now), False


def _by_references(inbound: Inbound) -> Ticket | None:
    refs = [ref for ref in inbound.thread.references if ref]
    if not refs:
        return None
    message = db.session.scalar(
        select(Message)
        .where(Message.channel == inbound.channel, Message.external_id.in_(refs))
        .order_by(Message.id.desc())
        .limit(1)
    )
    return message.ticket if message else None


def _by_ticket_ref(inbound: Inbound, customer: Customer) -> Ticket | None:
    if inbound.thread.ticket_ref is None:
        return None
    ticket = db.session.get(Ticket, inbound.thread.ticket_ref)
    # A ticket number alone is guessable; only its own customer may continue a ticket by it.
    if ticket is not None and ticket.customer_id == customer.id:
        return ticket
    return None


def _by_conversation(inbound: Inbound, customer: Customer) -> Ticket | None:
    key = inbound.thread.conversation_key
    if not key:
        return None
    return db.session.scalar(
        select(Ticket)
        .where(Ticket.customer_id == customer.id, Ticket.thread_key == key)
        .order_by(Ticket.id.desc())
        .limit(1)
    )


def _new_ticket(inbound: Inbound, customer: Customer, now: datetime) -> Ticket:
    team = routing.team_for(inbound.channel, inbound.language_hint)
    language = inbound.language_hint or customer.language or (team.language if team else None)
    return Ticket(
        customer_id=customer.id,
        customer=customer,
        status="new",
        priority="normal",
        channel=inbound.channel,
        language=language or current_app.config["INBOX_DEFAULT_LANGUAGE"],
        subject=(inbound.subject or _preview(inbound.text) or "")[:500] or None,
        preview=_preview(inbound.text),
        thread_key=inbound.thread.conversation_key,
        team_id=team.id if team else None,
        created_at=now,
        updated_at=now,
    )


def _preview(text: str) -> str | None:
    line = " ".join((text or "").split())
    return line[:200] or None
