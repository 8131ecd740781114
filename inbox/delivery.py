"""What the provider told us about a delivery after it left: delivered, dropped, bounced.

Events arrive late, twice and out of order (SendGrid's Event Webhook retries and batches), so a
state only ever moves forward: a delivery that bounced never turns back into "delivered".
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from inbox import events, realtime
from inbox.extensions import db
from inbox.models import Message, Ticket, utcnow
from inbox.presenters import message_dict

log = logging.getLogger(__name__)

# Later states win; equal or earlier ones are ignored.
_RANK = {"queued": 0, "sent": 1, "delivered": 2, "failed": 3, "bounced": 3}


def record(
    channel: str,
    message_external_id: str,
    state: str,
    *,
    address: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Apply one provider event to our outbound message and commit; whether anything changed."""
    changed = mark(channel, message_external_id, state, address=address, reason=reason, now=now)
    db.session.commit()
    return changed


def mark(
    channel: str,
    message_external_id: str,
    state: str,
    *,
    address: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Move our outbound message to ``state`` (delivered, failed, bounced) without committing."""
    message = db.session.scalar(
        select(Message).where(
            Message.channel == channel,
            Message.external_id == message_external_id,
            Message.direction == "outbound",
        )
    )
    if message is None:
        log.info("%s event for unknown message %s", state, message_external_id)
        return False
    if _RANK.get(state, -1) <= _RANK.get(message.delivery_state, -1):
        return False
    message.delivery_state = state
    if state in ("failed", "bounced"):
        message.delivery_error = f"{state} by {address}: {reason}" if address else f"{state}: {reason}"
    ticket = db.session.get(Ticket, message.ticket_id)
    if ticket is not None:
        events.record(
            ticket, f"message.{state}", at=now or utcnow(), message_id=message.id, address=address, reason=reason
        )
        realtime.announce_ticket("message.updated", ticket, message_dict(message))
    return True
