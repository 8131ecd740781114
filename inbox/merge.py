"""Merging: two customer records that are one person, or two tickets that are one matter.

Nothing is deleted: the merged record points at the one it joined (``merged_into_id``), so old
links, ingest's identity lookup and reports still resolve, and each merge is a ticket event.
"""
from __future__ import annotations

from sqlalchemy import select, update

from inbox import events, realtime
from inbox.extensions import db
from inbox.models import Agent, Customer, Identity, Message, Ticket, utcnow
from inbox.presenters import ticket_summary


class MergeError(ValueError):
    """A merge that cannot be done; the message says why."""


def merge_customers(source: Customer, target: Customer, agent: Agent) -> Customer:
    """Move every identity and ticket of ``source`` to ``target``; keep what target lacks."""
    if source.id == target.id:
        raise MergeError("a customer cannot be merged into itself")
    if source.merged_into_id or target.merged_into_id:
        raise MergeError("that customer was already merged")
    now = utcnow()
    for field in ("name", "email", "language", "timezone", "tier"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    target.tags = sorted(set(target.tags or []) | set(source.tags or []))
    db.session.execute(update(Identity).where(Identity.customer_id == source.id).values(customer_id=target.id))
    moved = db.session.scalars(select(Ticket).where(Ticket.customer_id == source.id)).all()
    for ticket in moved:
        ticket.customer_id = target.id
        events.record(ticket, "customer.merged", actor=agent, at=now, old=source.id, new=target.id)
    source.merged_into_id = target.id
    db.session.flush()
    db.session.expire(target, ["identities"])
    for ticket in moved:
        db.session.refresh(ticket, ["customer"])
        realtime.announce_ticket("ticket.updated", ticket, ticket_summary(ticket))
    db.session.commit()
    return target


def merge_tickets(source: Ticket, target: Ticket, agent: Agent) -> Ticket:
    """Move the messages of ``source`` into ``target`` and close ``source``.

    Only tickets of one customer merge: replies on the merged ticket go to its customer, who must
    be the person who wrote every message in it (merge the customers first if they are one).
    """
    if source.id == target.id:
        raise MergeError("a ticket cannot be merged into itself")
    if source.merged_into_id or target.merged_into_id:
        raise MergeError("that ticket was already merged")
    if source.customer_id != target.customer_id:
        raise MergeError("tickets of different customers cannot be merged; merge the customers first")
    now = utcnow()
    db.session.execute(update(Message).where(Message.ticket_id == source.id).values(ticket_id=target.id))
    target.tags = sorted(set(target.tags or []) | set(source.tags or []))
    if source.last_customer_message_at and (
        target.last_customer_message_at is None or source.last_customer_message_at > target.last_customer_message_at
    ):
        target.last_customer_message_at = source.last_customer_message_at
    old_status = source.status
    source.status = "closed"
    source.merged_into_id = target.id
    source.updated_at = target.updated_at = now
    events.record(source, "ticket.merged", actor=agent, at=now, into=target.id, old_status=old_status)
    events.record(target, "ticket.merged", actor=agent, at=now, merged_from=source.id)
    db.session.flush()
    db.session.expire(target, ["messages"])
    realtime.announce_ticket("ticket.updated", source, ticket_summary(source))
    realtime.announce_ticket("ticket.updated", target, ticket_summary(target))
    db.session.commit()
    return target
