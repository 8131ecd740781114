"""The one gate every automatic message passes: wait-time notices, updates, surveys.

Two auto-responders answering each other can ping-pong forever (RFC 3834 §1 warns of exactly
this); a per-recipient budget stops that on every channel, whatever the other side sends. Mail to
an address that hard-bounced is suppressed for a while. Agents' own replies never pass here.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from channels.base import Attachment
from inbox import tickets
from inbox.extensions import db
from inbox.models import Identity, Message, Ticket, utcnow

AUTOMATIC_KINDS = ("notice", "update", "survey")


def sent_recently(identity: Identity, since: datetime) -> int:
    return db.session.scalar(
        select(func.count(Message.id)).where(
            Message.identity_id == identity.id,
            Message.direction == "outbound",
            Message.kind.in_(AUTOMATIC_KINDS),
            Message.created_at >= since,
        )
    ) or 0


def refusal(identity: Identity, now: datetime | None = None) -> str | None:
    """Why an automatic message to ``identity`` must not go now, or None if it may."""
    now = now or utcnow()
    config = current_app.config
    if identity.channel == "email":
        from inbox import suppression

        if suppression.is_suppressed(identity.external_id, now):
            return "address suppressed after a hard bounce"
    if sent_recently(identity, now - timedelta(hours=1)) >= config["AUTOMATIC_PER_HOUR"]:
        return f"more than {config['AUTOMATIC_PER_HOUR']} automatic messages in an hour"
    if sent_recently(identity, now - timedelta(days=1)) >= config["AUTOMATIC_PER_DAY"]:
        return f"more than {config['AUTOMATIC_PER_DAY']} automatic messages in a day"
    return None


def send(
    ticket: Ticket,
    *,
    text: str,
    kind: str,
    channel: str | None = None,
    html: str | None = None,
    subject: str | None = None,
    files: Sequence[Attachment] = (),
    options: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Message | None:
    """Queue an automatic message in the current transaction, unless the gate refuses it.

    A refusal is recorded as a ticket event (``automatic.suppressed``), so agents can see why a
    customer heard nothing. Returns the message, or None when refused.
    """
    from inbox import events

    if kind not in AUTOMATIC_KINDS:
        raise ValueError(f"automatic messages are {', '.join(AUTOMATIC_KINDS)}, not {kind!r}")
    now = now or utcnow()
    identity = tickets.recipient_identity(ticket, channel)
    reason = refusal(identity, now)
    if reason is not None:
        events.record(ticket, "automatic.suppressed", at=now, message_kind=kind, reason=reason)
        return None
    return tickets.send_message(ticket, text=text, kind=kind, channel=channel, html=html, subject=subject,
                                files=files, options=options, now=now)
