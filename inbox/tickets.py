"""What agents do to tickets: reply, note, and change status, priority, team or assignee.

Every action is one transaction that records its events, runs the SLA step, writes outbound
messages to the outbox, and announces the change to agents after commit.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from channels.base import Attachment, Outbound
from channels.base import Identity as RecipientIdentity
from inbox import attachments, events, outbox, promises, realtime, surveys
from inbox.extensions import db
from inbox.models import Agent, Identity, Message, Team, Ticket, TicketEvent, utcnow
from inbox.models.tickets import PRIORITIES, STATUSES
from inbox.presenters import message_dict, ticket_summary
from inbox.sla import engine as sla


class TicketError(ValueError):
    """An action a user asked for that cannot be done; the message says why."""


def visible_to(agent: Agent, ticket: Ticket) -> bool:
    return agent.is_admin or ticket.team_id is None or ticket.team_id in agent.team_ids()


# Events that move a conversation to another channel (``data["to"]``) until the customer writes
# on the ticket's own channel again.
HANDOVER_EVENTS = ("chat.handed_to_email",)


def default_channel(ticket: Ticket) -> str:
    """Where a reply goes unless the sender picks: the ticket's channel, or the channel the
    conversation was handed over to (a chat visitor who left an email address and went away)."""
    handover = db.session.scalar(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind.in_(HANDOVER_EVENTS))
        .order_by(TicketEvent.id.desc()).limit(1)
    )
    if handover is None:
        return ticket.channel
    came_back = db.session.scalar(
        select(Message.id).where(Message.ticket_id == ticket.id, Message.direction == "inbound",
                                 Message.channel == ticket.channel, Message.created_at > handover.created_at).limit(1)
    )
    return ticket.channel if came_back is not None else handover.data.get("to", ticket.channel)


def recipient_identity(ticket: Ticket, channel: str | None = None) -> Identity:
    """The identity to answer on: the one the customer last wrote from on ``channel``."""
    channel = channel or default_channel(ticket)
    last = db.session.scalar(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.direction == "inbound", Message.channel == channel,
               Message.identity_id.is_not(None))
        .order_by(Message.id.desc())
        .limit(1)
    )
    if last is not None and last.identity is not None:
        return last.identity
    identity = db.session.scalar(
        select(Identity).where(Identity.customer_id == ticket.customer_id, Identity.channel == channel)
        .order_by(Identity.id.desc()).limit(1)
    )
    if identity is None:
        raise TicketError(f"the customer has no {channel} identity to reply to")
    return identity


def thread_context(ticket: Ticket, channel: str) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Provider ids of the ticket's messages on ``channel`` (oldest first) and what the adapter
    needs to answer in thread: the latest inbound message's id and the meta its channel stored."""
    rows = db.session.execute(
        select(Message.external_id, Message.direction, Message.meta)
        .where(Message.ticket_id == ticket.id, Message.channel == channel, Message.external_id.is_not(None))
        .order_by(Message.id)
    ).all()
    references = tuple(row.external_id for row in rows)
    inbound = [row for row in rows if row.direction == "inbound"]
    meta: dict[str, Any] = {"thread_key": ticket.thread_key}
    if inbound:
        meta["reply_to"] = inbound[-1].external_id
        meta["reply_to_meta"] = dict(inbound[-1].meta or {})
    return references, meta


def send_message(
    ticket: Ticket,
    *,
    text: str,
    kind: str,
    author: Agent | None = None,
    channel: str | None = None,
    html: str | None = None,
    subject: str | None = None,
    files: Sequence[Attachment] = (),
    options: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Message:
    """Write an outbound message and its outbox row in the current transaction (no commit)."""
    now = now or utcnow()
    channel = channel or default_channel(ticket)
    identity = recipient_identity(ticket, channel)
    message = Message(
        ticket_id=ticket.id,
        direction="outbound",
        channel=channel,
        kind=kind,
        author_agent_id=author.id if author else None,
        identity_id=identity.id,
        subject=subject or ticket.subject,
        text=text,
        html=html,
        meta={"options": options or {}},
        delivery_state="queued",
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    attachments.store(message, files)
    db.session.flush()
    references, meta = thread_context(ticket, channel)
    key = outbox.new_key()
    outbox.enqueue(
        Outbound(
            channel=channel,
            idempotency_key=key,
            recipient=RecipientIdentity(channel, identity.external_id, identity.display_name, identity.handle),
            text=text,
            ticket_id=ticket.id,
            message_id=message.id,
            html=html,
            subject=subject or ticket.subject,
            references=references,
            kind=kind,
            automatic=kind != "reply",
            sender_name=author.name if author else None,
            meta={**meta, **(options or {}), "language": ticket.language},
        ),
        message=message,
    )
    realtime.announce_ticket("message.created", ticket, message_dict(message))
    return message


def reply(
    ticket: Ticket,
    agent: Agent,
    text: str,
    *,
    channel: str | None = None,
    html: str | None = None,
    files: Sequence[Attachment] = (),
    options: dict[str, Any] | None = None,
) -> Message:
    """An agent's public reply, sent on the ticket's channel unless another is chosen."""
    if not text.strip():
        raise TicketError("a reply needs some text")
    now = utcnow()
    message = send_message(ticket, text=text, kind="reply", author=agent, channel=channel, html=html,
                           files=files, options=options, now=now)
    events.record(ticket, "message.replied", actor=agent, at=now, message_id=message.id, channel=message.channel)
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        promises.on_first_reply(ticket, now)
    ticket.last_agent_reply_at = now
    if ticket.status == "new":
        _set_status(ticket, "open", agent, now)
    if ticket.assignee_id is None:
        _set_field(ticket, "assignee_id", agent.id, agent, now)
    sla.on_agent_reply(ticket, message, now=now)
    _touch(ticket)
    db.session.commit()
    return message


def note(ticket: Ticket, agent: Agent, text: str) -> Message:
    """An internal note: seen by agents only, never sent, never stops a clock."""
    if not text.strip():
        raise TicketError("a note needs some text")
    now = utcnow()
    message = Message(ticket_id=ticket.id, direction="note", channel="note", kind="note", author_agent_id=agent.id,
                      text=text, delivery_state="received", created_at=now)
    db.session.add(message)
    db.session.flush()
    events.record(ticket, "note.added", actor=agent, at=now, message_id=message.id)
    realtime.announce_ticket("message.created", ticket, message_dict(message))
    _touch(ticket)
    db.session.commit()
    return message


def update(ticket: Ticket, agent: Agent | None, **changes: Any) -> Ticket:
    """Change status, priority, team or assignee; each change is an event."""
    now = utcnow()
    allowed = {"status", "priority", "team_id", "assignee_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise TicketError(f"cannot change {', '.join(sorted(unknown))}")
    changed: set[str] = set()
    if "status" in changes and changes["status"] != ticket.status:
        if changes["status"] not in STATUSES:
            raise TicketError(f"status must be one of {', '.join(STATUSES)}")
        _set_status(ticket, changes["status"], agent, now)
        changed.add("status")
    if "priority" in changes and changes["priority"] != ticket.priority:
        if changes["priority"] not in PRIORITIES:
            raise TicketError(f"priority must be one of {', '.join(PRIORITIES)}")
        _set_field(ticket, "priority", changes["priority"], agent, now)
        changed.add("priority")
    if "team_id" in changes and changes["team_id"] != ticket.team_id:
        if changes["team_id"] is not None and db.session.get(Team, changes["team_id"]) is None:
            raise TicketError("no such team")
        _set_field(ticket, "team_id", changes["team_id"], agent, now)
        changed.add("team_id")
    if "assignee_id" in changes and changes["assignee_id"] != ticket.assignee_id:
        if changes["assignee_id"] is not None and db.session.get(Agent, changes["assignee_id"]) is None:
            raise TicketError("no such agent")
        _set_field(ticket, "assignee_id", changes["assignee_id"], agent, now)
        changed.add("assignee_id")
    if changed & {"priority", "team_id"}:
        sla.on_fields_change(ticket, changed, now=now)
    if changed:
        _touch(ticket)
    db.session.commit()
    return ticket


def _set_status(ticket: Ticket, new: str, agent: Agent | None, now: datetime) -> None:
    old = ticket.status
    ticket.status = new
    if new == "solved":
        ticket.solved_at = now
    elif old == "solved" and new != "closed":
        # Reopened: the ticket is no longer solved. Closing keeps when it was solved, for reports.
        ticket.solved_at = None
    events.record(ticket, "status.changed", actor=agent, at=now, old=old, new=new)
    sla.on_status_change(ticket, old, new, now=now)
    surveys.on_status_change(ticket, old, new, now=now)


def _set_field(ticket: Ticket, field: str, value: Any, agent: Agent | None, now: datetime) -> None:
    old = getattr(ticket, field)
    setattr(ticket, field, value)
    events.record(ticket, f"{field.removesuffix('_id')}.changed", actor=agent, at=now, old=old, new=value)


def _touch(ticket: Ticket) -> None:
    ticket.updated_at = utcnow()
    db.session.flush()
    realtime.announce_ticket("ticket.updated", ticket, ticket_summary(ticket))
