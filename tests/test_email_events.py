"""SendGrid's signed Event Webhook updating delivery state."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from inbox import outbox, suppression, tickets
from inbox.extensions import db
from inbox.models import Message, Ticket
from tests.email_fixtures import mails
from tests.email_fixtures.fake_sendgrid import FakeSendGrid
from tests.email_fixtures.posts import raw_post

URL = "/channels/email/events"
PRIVATE = ec.generate_private_key(ec.SECP256R1())
PUBLIC = base64.b64encode(
    PRIVATE.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
).decode()


def signed(body: bytes, timestamp: str = "1767225600", key: ec.EllipticCurvePrivateKey = PRIVATE) -> dict[str, str]:
    signature = key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


@pytest.fixture
def sent_reply(app, client, make_agent):
    """A customer mail and our reply to it, delivered through a fake SendGrid."""
    app.config["SENDGRID_EVENT_PUBLIC_KEY"] = PUBLIC
    with FakeSendGrid() as fake:
        app.config.update(SENDGRID_API_KEY="SG.test", SENDGRID_API_HOST=fake.url)
        user, password = app.config["INBOUND_EMAIL_USERNAME"], app.config["INBOUND_EMAIL_PASSWORD"]
        body, content_type = raw_post(mails.plain_mail(From="Ana <ana@example.com>"))
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        response = client.post(
            "/channels/email/inbound", data=body, content_type=content_type, headers={"Authorization": f"Basic {token}"}
        )
        message = tickets.reply(db.session.get(Ticket, response.json["ticket_id"]), make_agent(), "On its way.")
        outbox.deliver_due()
        sent = fake.next_request()["json"]
    db.session.refresh(message)
    assert sent["custom_args"]["kept_message_id"] == message.external_id
    return message


def post_events(client, events: list[dict]) -> object:
    body = json.dumps(events).encode()
    return client.post(URL, data=body, headers=signed(body))


def test_a_delivered_event_marks_our_reply_delivered(client, sent_reply):
    event = {"event": "delivered", "email": "ana@example.com", "kept_message_id": sent_reply.external_id}
    response = post_events(client, [event])
    assert response.status_code == 200
    assert db.session.get(Message, sent_reply.id).delivery_state == "delivered"


def test_a_bounce_event_marks_the_reply_bounced_and_suppresses_the_address(client, sent_reply):
    event = {
        "event": "bounce",
        "type": "bounce",
        "email": "ana@example.com",
        "reason": "550 5.1.1 no such user",
        "kept_message_id": sent_reply.external_id,
    }
    post_events(client, [event])
    message = db.session.get(Message, sent_reply.id)
    assert message.delivery_state == "bounced" and "550 5.1.1" in message.delivery_error
    assert suppression.is_suppressed("ana@example.com")


def test_a_late_delivered_event_never_undoes_a_bounce(client, sent_reply):
    bounce = {"event": "bounce", "email": "ana@example.com", "kept_message_id": sent_reply.external_id}
    delivered = {"event": "delivered", "email": "ana@example.com", "kept_message_id": sent_reply.external_id}
    post_events(client, [bounce, delivered])
    assert db.session.get(Message, sent_reply.id).delivery_state == "bounced"


def test_a_spam_report_suppresses_automatic_mail(client, sent_reply):
    post_events(
        client, [{"event": "spamreport", "email": "ana@example.com", "kept_message_id": sent_reply.external_id}]
    )
    assert suppression.is_suppressed("ana@example.com")


def test_a_dropped_event_marks_the_reply_failed(client, sent_reply):
    post_events(client, [{"event": "dropped", "reason": "Bounced Address", "kept_message_id": sent_reply.external_id}])
    message = db.session.get(Message, sent_reply.id)
    assert message.delivery_state == "failed" and "Bounced Address" in message.delivery_error


def test_an_unsigned_post_is_refused(client, sent_reply):
    response = client.post(URL, json=[{"event": "delivered", "kept_message_id": sent_reply.external_id}])
    assert response.status_code == 401
    assert db.session.get(Message, sent_reply.id).delivery_state == "sent"


def test_a_post_signed_with_another_key_is_refused(client, sent_reply):
    body = json.dumps([{"event": "delivered", "kept_message_id": sent_reply.external_id}]).encode()
    response = client.post(URL, data=body, headers=signed(body, key=ec.generate_private_key(ec.SECP256R1())))
    assert response.status_code == 401


def test_a_body_changed_after_signing_is_refused(client, sent_reply):
    body = json.dumps([{"event": "delivered", "kept_message_id": sent_reply.external_id}]).encode()
    headers = signed(body)
    response = client.post(URL, data=body.replace(b"delivered", b"bounce"), headers=headers)
    assert response.status_code == 401


def test_events_are_refused_while_no_public_key_is_configured(client, app):
    body = b"[]"
    response = client.post(URL, data=body, headers=signed(body))
    assert response.status_code == 503
