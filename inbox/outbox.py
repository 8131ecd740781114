"""Durable delivery of every outbound message.

A message to send is written to the outbox in the same transaction as the change that caused it
(an agent's reply, a notice). Deliveries are claimed with a lease by a conditional UPDATE, so
several workers never send the same row at once, and a row that reached ``sent`` is never claimed
again. Retryable failures back off exponentially with full jitter ("Exponential Backoff and
Jitter", AWS Architecture Blog, 2015), capped, until ``OUTBOX_MAX_ATTEMPTS``; then the row is
dead and an admin can retry it. Providers that accept an idempotency key get ours, so a worker that
dies between the provider's 2xx and our commit does not produce a second copy where it can be avoided.
"""
from __future__ import annotations

import logging
import random
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from channels import registry
from channels.base import Attachment, DeliveryError, Identity, Outbound
from inbox import attachments, events, realtime
from inbox.extensions import db
from inbox.jobs import job
from inbox.models import Message, MessageAttachment, OutboxItem, Ticket, utcnow
from inbox.presenters import message_dict

log = logging.getLogger(__name__)


def new_key() -> str:
    return uuid.uuid4().hex


def enqueue(outbound: Outbound, *, message: Message | None = None) -> OutboxItem:
    """Add a delivery to the current transaction; it is sent after commit by the delivery job."""
    payload = asdict(outbound)
    payload["attachments"] = []  # files travel by reference, never through the JSON payload
    payload["attachment_ids"] = [a.id for a in (message.attachments if message else [])]
    item = OutboxItem(
        idempotency_key=outbound.idempotency_key,
        channel=outbound.channel,
        ticket_id=outbound.ticket_id,
        message_id=message.id if message else outbound.message_id,
        payload=payload,
        state="pending",
        next_attempt_at=utcnow(),
    )
    db.session.add(item)
    if message is not None:
        message.delivery_state = "queued"
    _kick_after_commit()
    return item


def _kick_after_commit() -> None:
    db.session.info["kept_kick_outbox"] = True


def outbound_from(item: OutboxItem) -> Outbound:
    data: dict[str, Any] = dict(item.payload)
    ids = data.pop("attachment_ids", [])
    data["recipient"] = Identity(**data["recipient"])
    data["references"] = tuple(data.get("references") or ())
    files = []
    for row in db.session.scalars(select(MessageAttachment).where(MessageAttachment.id.in_(ids))) if ids else ():
        files.append(Attachment(row.filename, row.content_type, attachments.read(row), row.content_id, row.inline))
    data["attachments"] = tuple(files)
    return Outbound(**data)


def claim(item_id: int, now: datetime | None = None) -> bool:
    """Take the lease on one due row; False if another worker has it or it is not due."""
    now = now or utcnow()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    result = db.session.execute(
        update(OutboxItem)
        .where(
            OutboxItem.id == item_id,
            or_(
                (OutboxItem.state == "pending") & (OutboxItem.next_attempt_at <= now),
                # A worker that died mid-send left its lease behind.
                (OutboxItem.state == "sending") & (OutboxItem.locked_until < now),
            ),
        )
        .values(state="sending", locked_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def due_ids(limit: int = 100, now: datetime | None = None) -> list[int]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(OutboxItem.id)
            .where(
                or_(
                    (OutboxItem.state == "pending") & (OutboxItem.next_attempt_at <= now),
                    (OutboxItem.state == "sending") & (OutboxItem.locked_until < now),
                )
            )
            .order_by(OutboxItem.next_attempt_at)
            .limit(limit)
        )
    )


# The periodic sweep catches rows whose immediate kick was lost and retries whose time came.
@job("outbox.deliver_due", every=2.0)
def deliver_due(limit: int = 100) -> int:
    """Deliver every row that is due now; returns how many were attempted."""
    attempted = 0
    for item_id in due_ids(limit):
        if claim(item_id):
            deliver_claimed(item_id)
            attempted += 1
    return attempted


def deliver_claimed(item_id: int) -> None:
    item = db.session.get(OutboxItem, item_id)
    if item is None or item.state != "sending":
        return
    try:
        outbound = outbound_from(item)
        adapter = registry.adapter_for(item.channel, current_app)
        result = adapter.send(outbound)
    except DeliveryError as error:
        _failed(item, error)
    except Exception as error:  # a bug or an unexpected provider answer: retry, keep the trace
        log.exception("delivery %s crashed", item.id)
        _failed(item, DeliveryError(f"{type(error).__name__}: {error}", retryable=True))
    else:
        _sent(item, result.external_ids, result.detail)
    db.session.commit()


def _sent(item: OutboxItem, external_ids: tuple[str, ...], detail: str) -> None:
    now = utcnow()
    item.state = "sent"
    item.sent_at = now
    item.attempts += 1
    item.locked_until = None
    item.external_ids = list(external_ids)
    item.last_error = None
    message = db.session.get(Message, item.message_id) if item.message_id else None
    if message is not None:
        message.delivery_state = "sent"
        message.sent_at = now
        message.delivery_error = None
        if external_ids and message.external_id is None:
            message.external_id = external_ids[0]
        if detail:
            message.meta = {**(message.meta or {}), "provider_detail": detail, "external_ids": list(external_ids)}
        _announce_message(message, "message.sent")


def _failed(item: OutboxItem, error: DeliveryError) -> None:
    config = current_app.config
    item.attempts += 1
    item.locked_until = None
    item.last_error = error.reason
    message = db.session.get(Message, item.message_id) if item.message_id else None
    if error.retryable and item.attempts < config["OUTBOX_MAX_ATTEMPTS"]:
        ceiling = min(config["OUTBOX_BACKOFF_CAP_SECONDS"], config["OUTBOX_BACKOFF_BASE_SECONDS"] * 2 ** item.attempts)
        delay = max(random.uniform(0, ceiling), error.retry_after or 0)
        item.state = "pending"
        item.next_attempt_at = utcnow() + timedelta(seconds=delay)
        log.info("delivery %s failed (%s), retry in %.1fs", item.id, error.reason, delay)
        return
    item.state = "dead" if error.retryable else "failed"
    reason = error.reason if not error.retryable else f"gave up after {item.attempts} attempts: {error.reason}"
    log.warning("delivery %s %s: %s", item.id, item.state, reason)
    if message is not None:
        message.delivery_state = "failed"
        message.delivery_error = reason
        _announce_message(message, "message.failed", reason=reason)


def _announce_message(message: Message, kind: str, **data: Any) -> None:
    ticket = db.session.get(Ticket, message.ticket_id)
    events.record(ticket, kind, message_id=message.id, **data)
    realtime.announce_ticket("message.updated", ticket, message_dict(message))


def retry(item: OutboxItem) -> None:
    """An admin sends a dead or failed delivery again (a fresh set of attempts)."""
    item.state = "pending"
    item.attempts = 0
    item.next_attempt_at = utcnow()
    if item.message_id:
        message = db.session.get(Message, item.message_id)
        if message is not None:
            message.delivery_state = "queued"
            message.delivery_error = None
    _kick_after_commit()
    db.session.commit()
