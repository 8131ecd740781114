"""SendGrid webhooks: Inbound Parse (mail in) and, optionally, the Event Webhook (delivery state).

SendGrid retries an Inbound Parse POST on 5xx for up to 72 hours and silently drops it on any
4xx or 3xx (SendGrid docs, "Inbound Parse Webhook"). So: 2xx only once the mail (or its raw
quarantined copy) is committed, 5xx for anything that is our fault, 4xx only for a request that
can never succeed.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, current_app, jsonify, request

from channels.base import EMAIL, WebhookRejected
from channels.email import events
from channels.email.formdata import parse_form_data
from channels.email.inbound import UnusableMail, read_inbound
from channels.email.settings import EmailSettings
from inbox import quarantine, suppression
from inbox.ingest import ingest

log = logging.getLogger(__name__)

blueprint = Blueprint("email_channel", __name__)


@blueprint.errorhandler(WebhookRejected)
def _rejected(error: WebhookRejected) -> tuple[Response, int]:
    log.warning("email webhook rejected (%s) from %s: %s", error.status, request.remote_addr, error.reason)
    response = jsonify(error=error.reason)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="inbound email"'
    return response, error.status


@blueprint.post("/inbound")
def inbound() -> tuple[Response, int]:
    settings = EmailSettings.from_config(current_app.config)
    _check_basic_auth(settings)
    body = _read_body(settings.inbound_max_bytes)
    form = parse_form_data(body, request.content_type)
    try:
        received = read_inbound(form, body, settings)
    except UnusableMail as error:
        held = quarantine.keep(EMAIL, body, error.reason, {"content_type": request.content_type})
        return jsonify(status="quarantined", quarantine_id=held), 200
    except Exception as error:
        # A parser bug would fail the same way on every SendGrid retry and the mail would be
        # dropped after 72 hours; keeping it raw lets an admin retry it once the bug is fixed.
        log.exception("could not parse inbound email")
        held = quarantine.keep(
            EMAIL, body, f"parse error: {type(error).__name__}: {error}", {"content_type": request.content_type}
        )
        return jsonify(status="quarantined", quarantine_id=held), 200

    result = ingest(received.inbound)
    bounce = received.bounce
    # Only a bounce of a mail we sent may suppress an address: anyone can mail us a fake DSN.
    ours = bounce is not None and (bounce.original_message_id or "").endswith("@" + settings.message_id_domain)
    if bounce is not None and ours and bounce.permanent and bounce.recipient:
        suppression.record_bounce(
            bounce.recipient, bounce.original_message_id, bounce.diagnostic or bounce.status or "hard bounce"
        )
    if result.quarantined_id is not None:
        return jsonify(status="quarantined", quarantine_id=result.quarantined_id), 200
    return jsonify(
        status="duplicate" if result.duplicate else "accepted", message_id=result.message_id, ticket_id=result.ticket_id
    ), 200


def _check_basic_auth(settings: EmailSettings) -> None:
    """SendGrid sends the credentials embedded in the parse URL (https://user:pass@host/...)."""
    if not settings.inbound_username or not settings.inbound_password:
        # Not a bad request: once configured, SendGrid's retry will get through.
        log.error("INBOUND_EMAIL_USERNAME/INBOUND_EMAIL_PASSWORD are not set; refusing inbound mail")
        raise WebhookRejected("inbound email is not configured", status=503)
    auth = request.authorization
    given_user = (auth.username or "") if auth and auth.type == "basic" else ""
    given_password = (auth.password or "") if auth and auth.type == "basic" else ""
    # Both compared, always, in constant time: no early exit tells which one was wrong.
    user_ok = hmac.compare_digest(given_user.encode(), settings.inbound_username.encode())
    password_ok = hmac.compare_digest(given_password.encode(), settings.inbound_password.encode())
    if not (user_ok and password_ok):
        raise WebhookRejected("missing or wrong credentials", status=401)


def _read_body(limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise WebhookRejected(f"body over {limit} bytes", status=413)
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise WebhookRejected(f"body over {limit} bytes", status=413)
    return body


@blueprint.post("/events")
def delivery_events() -> tuple[Response, int]:
    """SendGrid retries events on any non-2xx for 24 hours; apply them, then answer."""
    settings = EmailSettings.from_config(current_app.config)
    body = _read_body(settings.inbound_max_bytes)
    changed = events.apply(events.verify(body, request.headers, settings.event_public_key))
    return jsonify(status="ok", changed=changed), 200
