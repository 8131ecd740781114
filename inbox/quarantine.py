"""Inbound payloads we could not turn into a ticket message, kept raw so nothing is lost."""
from __future__ import annotations

import logging
from typing import Any

from inbox.extensions import db
from inbox.models import Agent, QuarantinedPayload, utcnow

log = logging.getLogger(__name__)


def keep(channel: str, raw: bytes, reason: str, meta: dict[str, Any] | None = None) -> int:
    """Store a payload for an admin to inspect, retry or discard; commits."""
    held = QuarantinedPayload(channel=channel, raw=raw, reason=reason, meta=meta or {})
    db.session.add(held)
    db.session.commit()
    log.warning("quarantined %s payload %s: %s", channel, held.id, reason)
    return held.id


def discard(held: QuarantinedPayload, agent: Agent) -> None:
    held.status = "discarded"
    held.resolved_at = utcnow()
    held.resolved_by_id = agent.id
    db.session.commit()


def mark_retried(held: QuarantinedPayload, agent: Agent) -> None:
    held.status = "retried"
    held.resolved_at = utcnow()
    held.resolved_by_id = agent.id
    db.session.commit()
