"""The SendGrid adapter against a fake SendGrid on 127.0.0.1, through the real sendgrid client."""

from __future__ import annotations

import base64

import pytest

from channels.base import EMAIL, Attachment, DeliveryError, Identity, Outbound
from channels.email import make_adapter
from channels.email.sendgrid_adapter import SendGridAdapter
from channels.sandbox import SandboxAdapter
from tests.email_fixtures.fake_sendgrid import FakeSendGrid


@pytest.fixture
def fake():
    with FakeSendGrid() as server:
        yield server


@pytest.fixture
def adapter(fake):
    return make_adapter(
        {
            "SENDGRID_API_KEY": "SG.test-key",
            "SENDGRID_API_HOST": fake.url,
            "SUPPORT_EMAIL_ADDRESS": "support@kept.example",
            "SUPPORT_EMAIL_NAME": "Kept Support",
            "EMAIL_MESSAGE_ID_DOMAIN": "mail.kept.example",
        }
    )


def reply(**fields) -> Outbound:
    values = {
        "channel": EMAIL,
        "idempotency_key": "outbox-17",
        "recipient": Identity(EMAIL, "yuki@example.jp", display_name="山田 由紀"),
        "text": "Your parcel left the warehouse today.",
        "html": "<p>Your parcel left the warehouse today.</p>",
        "subject": "Where is my parcel?",
        "ticket_id": 123,
        "references": ("first@example.jp", "kept.t123.aaa@mail.kept.example", "second@example.jp"),
        "sender_name": "Ann Agent",
    }
    values.update(fields)
    return Outbound(**values)


def test_the_adapter_is_sendgrid_when_an_api_key_is_set(adapter):
    assert isinstance(adapter, SendGridAdapter)


def test_without_an_api_key_mail_goes_to_the_sandbox():
    assert isinstance(make_adapter({"SENDGRID_API_KEY": None}), SandboxAdapter)


def test_a_reply_sends_threading_headers_token_and_agent_name(adapter, fake):
    result = adapter.send(reply())
    sent = fake.next_request()
    body = sent["json"]
    assert sent["path"] == "/v3/mail/send"
    assert sent["headers"]["Authorization"] == "Bearer SG.test-key"
    assert body["from"] == {"email": "support@kept.example", "name": "Ann Agent"}
    assert body["reply_to"] == {"email": "support+t123@kept.example", "name": "Kept Support"}
    assert body["personalizations"][0]["to"] == [{"email": "yuki@example.jp", "name": "山田 由紀"}]
    assert body["subject"] == "Re: Where is my parcel? [#123]"
    assert body["content"] == [
        {"type": "text/plain", "value": "Your parcel left the warehouse today."},
        {"type": "text/html", "value": "<p>Your parcel left the warehouse today.</p>"},
    ]
    own_id = result.external_ids[0]
    assert body["headers"] == {
        "Message-ID": f"<{own_id}>",
        "In-Reply-To": "<second@example.jp>",
        "References": "<first@example.jp> <kept.t123.aaa@mail.kept.example> <second@example.jp>",
    }
    assert own_id.startswith("kept.t123.") and own_id.endswith("@mail.kept.example")
    assert result.detail == "sg-accepted-1"
    assert body["custom_args"] == {"kept_message_id": own_id, "kept_ticket": "123"}


def test_a_retry_reuses_the_same_message_id(adapter, fake):
    first = adapter.send(reply())
    second = adapter.send(reply())
    assert first.external_ids == second.external_ids
    assert fake.next_request()["json"]["headers"]["Message-ID"] == fake.next_request()["json"]["headers"]["Message-ID"]


def test_automatic_notice_carries_auto_submitted_and_suppression_headers(adapter, fake):
    adapter.send(reply(kind="notice", automatic=True, references=("first@example.jp",), sender_name=None))
    body = fake.next_request()["json"]
    assert body["headers"]["Auto-Submitted"] == "auto-replied"
    assert body["headers"]["X-Auto-Response-Suppress"] == "All"
    assert body["headers"]["X-Loop"] == "support@kept.example"
    assert body["from"]["name"] == "Kept Support"


def test_automatic_update_is_auto_generated(adapter, fake):
    adapter.send(reply(kind="survey", automatic=True))
    assert fake.next_request()["json"]["headers"]["Auto-Submitted"] == "auto-generated"


def test_a_person_s_reply_has_no_auto_submitted_header(adapter, fake):
    adapter.send(reply())
    assert "Auto-Submitted" not in fake.next_request()["json"]["headers"]


def test_a_first_message_has_no_re_prefix_or_thread_headers(adapter, fake):
    adapter.send(reply(references=(), subject="Your request"))
    body = fake.next_request()["json"]
    assert body["subject"] == "Your request [#123]"
    assert set(body["headers"]) == {"Message-ID"}


def test_the_ticket_token_is_not_repeated(adapter, fake):
    adapter.send(reply(subject="RE: Where is my parcel? [#123]"))
    assert fake.next_request()["json"]["subject"] == "RE: Where is my parcel? [#123]"


def test_the_customer_s_reply_to_address_is_honoured(adapter, fake):
    adapter.send(reply(meta={"reply_to_meta": {"reply_to": "orders@example.jp"}}))
    assert fake.next_request()["json"]["personalizations"][0]["to"][0]["email"] == "orders@example.jp"


def test_attachments_are_sent_base64_with_inline_content_ids(adapter, fake):
    files = (
        Attachment("invoice.pdf", "application/pdf", b"%PDF-1.4"),
        Attachment("logo.png", "image/png", b"\x89PNG", content_id="logo@kept", inline=True),
    )
    adapter.send(reply(attachments=files))
    sent = {a["filename"]: a for a in fake.next_request()["json"]["attachments"]}
    assert sent["invoice.pdf"] == {
        "content": base64.b64encode(b"%PDF-1.4").decode(),
        "filename": "invoice.pdf",
        "type": "application/pdf",
        "disposition": "attachment",
    }
    assert sent["logo.png"]["disposition"] == "inline" and sent["logo.png"]["content_id"] == "logo@kept"


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_throttling_and_outages_are_retryable(adapter, fake, status):
    fake.answer(status, {"errors": [{"message": "slow down"}]}, Retry_After="30")
    with pytest.raises(DeliveryError) as caught:
        adapter.send(reply())
    assert caught.value.retryable
    assert caught.value.retry_after == 30


def test_a_503_without_retry_after_is_retryable_without_a_delay(adapter, fake):
    fake.answer(503)
    with pytest.raises(DeliveryError) as caught:
        adapter.send(reply())
    assert caught.value.retryable and caught.value.retry_after is None


def test_after_a_429_the_retry_is_delivered_with_the_same_message_id(adapter, fake):
    fake.answer(429, Retry_After="1")
    with pytest.raises(DeliveryError):
        adapter.send(reply())
    result = adapter.send(reply())
    first, second = fake.next_request(), fake.next_request()
    assert (
        first["json"]["headers"]["Message-ID"]
        == second["json"]["headers"]["Message-ID"]
        == f"<{result.external_ids[0]}>"
    )


def test_a_400_is_a_permanent_failure_with_sendgrid_s_words(adapter, fake):
    fake.answer(
        400, {"errors": [{"message": "Does not contain a valid address.", "field": "personalizations.0.to.0.email"}]}
    )
    with pytest.raises(DeliveryError) as caught:
        adapter.send(reply())
    assert not caught.value.retryable
    assert caught.value.reason == "SendGrid 400: Does not contain a valid address. (personalizations.0.to.0.email)"


def test_a_403_is_a_permanent_failure(adapter, fake):
    fake.answer(403, {"errors": [{"message": "The from address does not match a verified Sender Identity."}]})
    with pytest.raises(DeliveryError) as caught:
        adapter.send(reply())
    assert not caught.value.retryable and "verified Sender Identity" in caught.value.reason


def test_an_unreachable_sendgrid_is_retryable():
    with FakeSendGrid() as server:
        url = server.url
    adapter = make_adapter({"SENDGRID_API_KEY": "SG.k", "SENDGRID_API_HOST": url, "SENDGRID_TIMEOUT": 2})
    with pytest.raises(DeliveryError) as caught:
        adapter.send(reply())
    assert caught.value.retryable
