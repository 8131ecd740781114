"""A visitor's conversation: their messages in (through the one ingest path), their history out,
the limits that protect agents from floods, and the name and email address they give."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from channels.base import CHAT, EMAIL, Inbound, ThreadHints
from channels.base import Identity as SenderIdentity
from channels.chat.rooms import conversation_key
from inbox import events, realtime
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Customer, Identity, Message, Ticket, utcnow
from inbox.presenters import iso, ticket_summary

_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Deliberately loose (one @, a dot in the domain, no spaces): the address is confirmed by the
# visitor reading our mail, not by a regular expression.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
VISIBLE_OUTBOUND = ("reply", "notice", "update", "survey")
RATE_WINDOW = timedelta(minutes=1)


@dataclass
class Visitor:
    """What one widget connection told us: who (by token), in which language and time zone."""

    visitor_id: str
    language: str | None = None
    timezone: str | None = None
    page: str | None = None
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    """A message the visitor must change or resend later; ``error`` is a stable code for the widget."""

    error: str
    detail: str
    retry_after: int | None = None
    limit: int | None = None

    def ack(self, client_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "id": client_id, "error": self.error, "text": self.detail}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        if self.limit is not None:
            body["limit"] = self.limit
        return body


def language_of(raw: object) -> str | None:
    """The page's language reduced to one Kept speaks (``ja-JP`` → ``ja``), or None."""
    if not isinstance(raw, str):
        return None
    base = raw.strip().replace("_", "-").split("-")[0].lower()
    return base if base in current_app.config["LANGUAGES"] else None


def timezone_of(raw: object) -> str | None:
    """An IANA zone name the browser reported, if zoneinfo knows it."""
    if not isinstance(raw, str) or not raw or len(raw) > 64:
        return None
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return raw


def chat_identity(visitor_id: str) -> Identity | None:
    return db.session.scalar(select(Identity).where(Identity.channel == CHAT, Identity.external_id == visitor_id))


def current_ticket(visitor_id: str) -> Ticket | None:
    """The visitor's latest conversation, open or not."""
    return db.session.scalar(
        select(Ticket).where(Ticket.thread_key == conversation_key(visitor_id)).order_by(Ticket.id.desc()).limit(1)
    )


def message_payload(message: Message) -> dict[str, Any]:
    """A message as the widget shows it; agents' internal notes never reach this."""
    if message.direction == "inbound":
        sender = "visitor"
    else:
        sender = "agent" if message.kind == "reply" else "system"
    author = None
    if message.author is not None:
        author = {"name": message.author.name, "avatar_url": message.author.avatar_url}
    return {
        "id": message.id,
        "client_id": (message.meta or {}).get("client_id") if sender == "visitor" else None,
        "from": sender,
        "kind": message.kind,
        "channel": message.channel,
        "text": message.text,
        "author": author,
        "at": iso(message.created_at),
    }


def history(ticket: Ticket | None) -> list[dict[str, Any]]:
    if ticket is None:
        return []
    limit = current_app.config["CHAT_HISTORY_LIMIT"]
    rows = db.session.scalars(
        select(Message)
        .where(Message.ticket_id == ticket.id,
               (Message.direction == "inbound") | ((Message.direction == "outbound")
                                                   & Message.kind.in_(VISIBLE_OUTBOUND)))
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return [message_payload(m) for m in reversed(list(rows))]


def refusal_for(visitor: Visitor, client_id: object, text: object, now: datetime) -> Refusal | None:
    """Why this message cannot be taken now (in the visitor's language), or None."""
    with force_locale(visitor.language or "en"):
        return _refusal_for(visitor, client_id, text, now)


def _refusal_for(visitor: Visitor, client_id: object, text: object, now: datetime) -> Refusal | None:
    config = current_app.config
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        return Refusal("invalid", _("A message needs an id of 1–64 letters, digits, '-' or '_'."))
    if not isinstance(text, str) or not text.strip():
        return Refusal("empty", _("A message needs some text."))
    limit = config["CHAT_MAX_MESSAGE_CHARS"]
    if len(text) > limit:
        return Refusal("too_long", _("Messages can be at most %(limit)s characters.", limit=limit), limit=limit)
    if _already_stored(visitor, client_id):
        return None  # a re-send is always answered, whatever the rate
    per_minute = config["CHAT_RATE_PER_MINUTE"]
    recent = _recent_times(visitor, now)
    if len(recent) >= per_minute:
        retry_after = max(1, int((recent[-per_minute] + RATE_WINDOW - now).total_seconds()) + 1)
        return Refusal("rate_limited",
                       _("At most %(limit)s messages a minute; please wait a moment.", limit=per_minute),
                       retry_after=retry_after, limit=per_minute)
    return None


def _already_stored(visitor: Visitor, client_id: str) -> bool:
    return db.session.scalar(
        select(Message.id).where(Message.channel == CHAT, Message.external_id == external_id(visitor, client_id))
    ) is not None


def _recent_times(visitor: Visitor, now: datetime) -> list[datetime]:
    """When the visitor's stored messages of the last minute arrived, oldest first."""
    identity = chat_identity(visitor.visitor_id)
    if identity is None:
        return []
    return list(db.session.scalars(
        select(Message.created_at)
        .where(Message.identity_id == identity.id, Message.direction == "inbound",
               Message.created_at > now - RATE_WINDOW)
        .order_by(Message.created_at)
    ))


def external_id(visitor: Visitor, client_id: str) -> str:
    # Unique per visitor and client id: a message re-sent after a reconnect is stored once.
    return f"{visitor.visitor_id}:{client_id}"


def inbound(visitor: Visitor, client_id: str, text: str, now: datetime) -> Inbound:
    raw = json.dumps({"visitor": visitor.visitor_id, "id": client_id, "text": text, "page": visitor.page,
                      "timezone": visitor.timezone, "language": visitor.language}, ensure_ascii=False)
    return Inbound(
        channel=CHAT,
        external_id=external_id(visitor, client_id),
        sender=SenderIdentity(CHAT, visitor.visitor_id, visitor.name),
        text=text,
        raw=raw.encode(),
        thread=ThreadHints(conversation_key=conversation_key(visitor.visitor_id)),
        sent_at=now,
        language_hint=visitor.language,
        meta={"client_id": client_id, "page": visitor.page, "timezone": visitor.timezone},
    )


def receive(visitor: Visitor, client_id: str, text: str, now: datetime | None = None):  # noqa: ANN201
    """Store the visitor's message through the ingest path; returns the IngestResult."""
    now = now or utcnow()
    result = ingest(inbound(visitor, client_id, text, now), now=now)
    if not result.duplicate and visitor.timezone:
        _remember_timezone(visitor)
    return result


def _remember_timezone(visitor: Visitor) -> None:
    identity = chat_identity(visitor.visitor_id)
    if identity is not None and identity.customer.timezone != visitor.timezone:
        identity.customer.timezone = visitor.timezone
        db.session.commit()


class IdentifyError(ValueError):
    """A name or address the widget must ask again for."""


def identify(visitor: Visitor, name: object = None, email: object = None) -> dict[str, str | None]:
    """The visitor's name and email address, kept on their customer.

    An address becomes an email identity of the same customer, so a reply by email reaches them
    on the same ticket. An address that already belongs to a customer makes the visitor that
    customer (a returning customer on a new device): the chat identity and the visitor's
    conversations move to them, and the anonymous customer is marked merged.
    """
    name = name.strip()[:200] if isinstance(name, str) and name.strip() else None
    address = None
    if email not in (None, ""):
        if not isinstance(email, str) or len(email) > 320 or not _EMAIL.match(email.strip()):
            raise IdentifyError("invalid_email")
        address = email.strip().lower()
    identity = _ensure_chat_identity(visitor)
    customer = identity.customer
    if name:
        visitor.name = name
        identity.display_name = name
        if not customer.name:
            customer.name = name
    if address:
        customer = _attach_email(identity, address)
    ticket = current_ticket(visitor.visitor_id)
    if ticket is not None and address:
        events.record(ticket, "chat.email_given", actor_type="customer", email=address)
        realtime.announce_ticket("ticket.updated", ticket, ticket_summary(ticket))
    db.session.commit()
    return {"name": customer.name, "email": email_of(customer)}


def email_of(customer: Customer) -> str | None:
    identity = db.session.scalar(
        select(Identity).where(Identity.customer_id == customer.id, Identity.channel == EMAIL)
        .order_by(Identity.id.desc()).limit(1)
    )
    return identity.external_id if identity else None


def _ensure_chat_identity(visitor: Visitor) -> Identity:
    identity = chat_identity(visitor.visitor_id)
    if identity is None:
        customer = Customer(name=visitor.name, language=visitor.language, timezone=visitor.timezone)
        identity = Identity(customer=customer, channel=CHAT, external_id=visitor.visitor_id,
                            display_name=visitor.name)
        db.session.add_all([customer, identity])
        db.session.flush()
    return identity


def _attach_email(identity: Identity, address: str) -> Customer:
    customer = identity.customer
    existing = db.session.scalar(select(Identity).where(Identity.channel == EMAIL, Identity.external_id == address))
    if existing is None:
        db.session.add(Identity(customer=customer, channel=EMAIL, external_id=address))
        if not customer.email:
            customer.email = address
        db.session.flush()
        return customer
    if existing.customer_id == customer.id:
        return customer
    known = existing.customer
    anonymous = customer
    identity.customer = known
    tickets = db.session.scalars(select(Ticket).where(Ticket.thread_key == conversation_key(identity.external_id),
                                                      Ticket.customer_id == anonymous.id))
    for ticket in tickets:
        ticket.customer = known
        events.record(ticket, "customer.changed", actor_type="customer", old=anonymous.id, new=known.id,
                      reason="chat visitor gave the address of a known customer")
    others = db.session.scalar(select(func.count(Identity.id)).where(Identity.customer_id == anonymous.id,
                                                                    Identity.id != identity.id))
    if not others:
        anonymous.merged_into_id = known.id
    if not known.name and anonymous.name:
        known.name = anonymous.name
    db.session.flush()
    return known
