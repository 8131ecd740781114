"""Hard bounces: mark our delivery failed and stop automatic mail to a dead address for a while.

Sending notices to an address that bounces hurts our sender reputation and helps nobody; a
person's reply from an agent is still allowed (the agent sees the failure on the ticket and
decides). The period is ``BOUNCE_SUPPRESSION_DAYS``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from inbox import delivery
from inbox.extensions import db
from inbox.models import utcnow
from inbox.models.suppression import EmailSuppression

log = logging.getLogger(__name__)

EMAIL = "email"


def record_bounce(address: str, original_message_id: str | None, reason: str, *, now: datetime | None = None) -> None:
    """Suppress ``address`` and mark our message ``original_message_id`` bounced; commits.

    Safe to call again for the same bounce (a webhook redelivery): the period is extended, the
    delivery stays bounced, and the ticket gets no second event.
    """
    now = now or utcnow()
    suppress(address, original_message_id, reason, now=now)
    if original_message_id:
        delivery.mark(EMAIL, original_message_id, "bounced", address=address.strip().lower(), reason=reason, now=now)
    db.session.commit()


def record_complaint(address: str, original_message_id: str | None, reason: str = "marked as spam") -> None:
    """The recipient called our mail spam: no more automatic mail for the period; commits."""
    suppress(address, original_message_id, reason)
    db.session.commit()


def suppress(address: str, original_message_id: str | None, reason: str, *, now: datetime | None = None) -> None:
    """Start or extend the suppression of ``address`` (without committing)."""
    now = now or utcnow()
    address = address.strip().lower()
    until = now + timedelta(days=int(current_app.config.get("BOUNCE_SUPPRESSION_DAYS", 30)))
    row = db.session.scalar(select(EmailSuppression).where(EmailSuppression.address == address))
    if row is None:
        row = EmailSuppression(address=address, bounce_count=0, suppressed_until=until)
        db.session.add(row)
    if row.original_message_id != original_message_id or row.bounce_count == 0:
        row.bounce_count += 1
    row.reason = reason
    row.original_message_id = original_message_id
    row.last_bounced_at = now
    row.suppressed_until = max(row.suppressed_until, until) if row.id else until
    log.info("suppressing automatic mail to %s until %s: %s", address, row.suppressed_until, reason)


def is_suppressed(address: str, now: datetime | None = None) -> bool:
    """Whether automatic mail (notices, surveys, updates) to ``address`` must not be sent now."""
    now = now or utcnow()
    until = db.session.scalar(
        select(EmailSuppression.suppressed_until).where(EmailSuppression.address == address.strip().lower())
    )
    return until is not None and until > now


def lift(address: str) -> None:
    """End a suppression early (an admin fixed the address, the mailbox is back); commits."""
    row = db.session.scalar(select(EmailSuppression).where(EmailSuppression.address == address.strip().lower()))
    if row is not None:
        db.session.delete(row)
        db.session.commit()
