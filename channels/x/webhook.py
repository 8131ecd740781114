"""The webhook X calls: the CRC challenge (GET) and signed activity (POST).

Kept thin: verify, parse, hand each message to the one ingest path, answer. X waits at most
three seconds and retries failures, so the body is ingested inline (one short transaction per
message, a few milliseconds; see ``benchmarks/x_webhook.py``) and every id makes redelivery
harmless: a message already stored is reported as a duplicate, not stored again.
"""
from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, current_app, jsonify, request

from channels.base import WebhookRejected, X
from channels.x import payloads
from channels.x.settings import XSettings
from channels.x.signature import SIGNATURE_HEADER, crc_response, signature_valid
from inbox import quarantine
from inbox.ingest import ingest

log = logging.getLogger(__name__)

blueprint = Blueprint("x", __name__)


@blueprint.errorhandler(WebhookRejected)
def _rejected(error: WebhookRejected) -> tuple[Response, int]:
    return jsonify(error=error.reason), error.status


@blueprint.get("/webhook")
def crc() -> Response:
    token = request.args.get("crc_token")
    if not token:
        raise WebhookRejected("crc_token is required")
    return jsonify(crc_response(_secret(), token))


@blueprint.post("/webhook")
def receive() -> tuple[Response, int]:
    raw = request.get_data(cache=False)
    if not signature_valid(_secret(), raw, request.headers.get(SIGNATURE_HEADER)):
        raise WebhookRejected(f"missing or invalid {SIGNATURE_HEADER}", status=401)
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise WebhookRejected(f"body is not JSON: {error}") from None

    settings = XSettings.from_config(current_app.config)
    parsed = payloads.parse(body, raw, account_id=settings.account_id)
    stored = duplicates = 0
    for inbound in parsed.inbound:
        # An exception propagates: X gets a 5xx and redelivers, and the messages of this body
        # already stored come back as duplicates.
        result = ingest(inbound)
        if result.duplicate:
            duplicates += 1
        else:
            stored += 1
    # Set aside only once the body's messages are in, so a redelivery does not hold it twice.
    for reason, _event in parsed.unreadable:
        quarantine.keep(X, raw, reason, {"route": "webhook"})
    if parsed.ignored:
        log.debug("X webhook ignored: %s", "; ".join(parsed.ignored))
    return jsonify(
        stored=stored, duplicates=duplicates, ignored=len(parsed.ignored), quarantined=len(parsed.unreadable)
    ), 200


def _secret() -> str:
    secret = XSettings.from_config(current_app.config).consumer_secret
    if not secret:
        # Without the consumer secret nothing can be verified, so nothing is accepted.
        raise WebhookRejected("X_CONSUMER_SECRET is not configured", status=503)
    return secret
