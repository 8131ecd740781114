"""SendGrid's Event Webhook: signed delivery events → our delivery states.

Signed with ECDSA over ``timestamp + body`` (SendGrid docs, "Event Webhook Security Features");
the ``sendgrid`` package's ``EventWebhook`` helper does the check. Each event carries the custom
args we set when sending, so ``kept_message_id`` names our message without a lookup table.
"""
from __future__ import annotations

import binascii
import json
import logging
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from sendgrid.helpers.eventwebhook import EventWebhook, EventWebhookHeader

from channels.base import EMAIL, WebhookRejected
from inbox import delivery, suppression

log = logging.getLogger(__name__)

# SendGrid event name → our delivery state. "processed", "deferred", opens and clicks change
# nothing an agent needs to act on.
_STATES = {"delivered": "delivered", "dropped": "failed"}


def verify(body: bytes, headers: Any, public_key: str | None) -> list[dict[str, Any]]:
    """The events of a correctly signed POST; raise WebhookRejected otherwise."""
    if not public_key:
        raise WebhookRejected("SENDGRID_EVENT_PUBLIC_KEY is not configured", status=503)
    signature = headers.get(EventWebhookHeader.SIGNATURE)
    timestamp = headers.get(EventWebhookHeader.TIMESTAMP)
    if not signature or not timestamp:
        raise WebhookRejected("missing event webhook signature", status=401)
    try:
        verifier = EventWebhook(public_key)
        valid = verifier.verify_signature(body.decode("utf-8"), signature, timestamp)
    except (ValueError, binascii.Error, UnicodeDecodeError, UnsupportedAlgorithm) as error:
        raise WebhookRejected(f"unverifiable event webhook signature: {error}", status=401) from None
    if not valid:
        raise WebhookRejected("wrong event webhook signature", status=401)
    try:
        events = json.loads(body)
    except ValueError:
        raise WebhookRejected("event body is not JSON") from None
    if not isinstance(events, list):
        raise WebhookRejected("event body is not a list of events")
    return [e for e in events if isinstance(e, dict)]


def apply(events: list[dict[str, Any]]) -> int:
    """Record each event that concerns one of our messages; returns how many changed something."""
    changed = 0
    for event in events:
        kind = str(event.get("event") or "")
        message_id = str(event.get("kept_message_id") or "").strip("<>") or None
        address = str(event.get("email") or "").lower() or None
        reason = str(event.get("reason") or event.get("response") or kind)
        if kind == "bounce" and event.get("type", "bounce") == "bounce" and address:
            suppression.record_bounce(address, message_id, reason)
            changed += 1
        elif kind == "spamreport" and address:
            suppression.record_complaint(address, message_id)
            changed += 1
        elif kind in _STATES and message_id:
            changed += delivery.record(EMAIL, message_id, _STATES[kind], address=address, reason=reason)
    return changed
