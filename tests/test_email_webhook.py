"""POST /channels/email/inbound end to end: auth, limits, tickets, threading, auto-mail, bounces."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from inbox import outbox, suppression, tickets
from inbox.extensions import db
from inbox.models import (
    Message,
    MessageAttachment,
    OutboxItem,
    QuarantinedPayload,
    Ticket,
)
from tests.email_fixtures import mails
from tests.email_fixtures.fake_sendgrid import FakeSendGrid
from tests.email_fixtures.posts import (
    corpus_content_type,
    corpus_posts,
    form_body,
    parsed_post,
    raw_post,
)

URL = "/channels/email/inbound"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def auth_header(app, password: str | None = None) -> dict[str, str]:
    user = app.config["INBOUND_EMAIL_USERNAME"]
    secret = password if password is not None else app.config["INBOUND_EMAIL_PASSWORD"]
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}


def post(client, app, body_and_type, **headers):
    body, content_type = body_and_type
    return client.post(URL, data=body, content_type=content_type, headers={**auth_header(app), **headers})


def post_raw(client, app, mime: bytes, **kwargs):
    return post(client, app, raw_post(mime, **kwargs))


def test_a_post_without_credentials_is_refused(client):
    body, content_type = raw_post(mails.plain_mail())
    response = client.post(URL, data=body, content_type=content_type)
    assert response.status_code == 401
    assert "Basic" in response.headers["WWW-Authenticate"]
    assert count(Message) == 0


def test_a_wrong_password_is_refused(client, app):
    body, content_type = raw_post(mails.plain_mail())
    response = client.post(URL, data=body, content_type=content_type, headers=auth_header(app, "guess"))
    assert response.status_code == 401


def test_a_body_that_is_not_multipart_is_refused_with_415(client, app):
    response = client.post(URL, json={"email": "x"}, headers=auth_header(app))
    assert response.status_code == 415
    assert "multipart/form-data" in response.json["error"]


@pytest.mark.config(INBOUND_EMAIL_MAX_BYTES=2048)
def test_a_body_over_the_size_cap_is_refused_with_413(client, app):
    response = post_raw(client, app, mails.plain_mail("x" * 5000))
    assert response.status_code == 413
    assert count(Message) == 0


@pytest.mark.sqlite_only
@pytest.mark.parametrize("path", corpus_posts(), ids=lambda p: p.name)
def test_every_corpus_post_becomes_a_message_or_quarantine_and_never_a_500(client, app, path):
    body = path.read_bytes()
    response = post(client, app, (body, corpus_content_type(path)))
    if not body:
        assert response.status_code == 400  # the upstream sample file is empty: no mail in it
        return
    assert response.status_code == 200, response.text
    assert count(Message) + count(QuarantinedPayload) == 1


def test_the_parsed_mode_sample_opens_a_ticket_for_its_sender(client, app):
    path = next(p for p in corpus_posts() if p.name == "default_data.txt")
    response = post(client, app, (path.read_bytes(), corpus_content_type(path)))
    assert response.json["status"] == "accepted"
    ticket = db.session.get(Ticket, response.json["ticket_id"])
    message = db.session.get(Message, response.json["message_id"])
    assert message.text == "Hello Twilio SendGrid!"
    assert message.raw == path.read_bytes()
    assert ticket.customer.email == "test@example.com"


def test_attachments_are_stored_with_their_content_ids(client, app):
    path = next(p for p in corpus_posts() if p.name == "email_with_attachments.txt")
    response = post(client, app, (path.read_bytes(), corpus_content_type(path)))
    rows = {
        r.filename: r
        for r in db.session.scalars(
            select(MessageAttachment).where(MessageAttachment.message_id == response.json["message_id"])
        )
    }
    assert set(rows) == {"001.jpg", "image001.png"}
    assert rows["image001.png"].content_id == "image001.png@01D85101.00357470" and rows["image001.png"].inline


def test_the_same_message_delivered_twice_is_stored_once(client, app):
    first = post_raw(client, app, mails.plain_mail())
    second = post_raw(client, app, mails.plain_mail())
    assert second.status_code == 200 and second.json["status"] == "duplicate"
    assert second.json["message_id"] == first.json["message_id"]
    assert count(Message) == 1


def test_a_message_without_message_id_is_recognised_when_delivered_again(client, app):
    mime = mails.plain_mail(Message_ID=None)
    first = post_raw(client, app, mime)
    second = post_raw(client, app, mime)
    assert second.json["status"] == "duplicate" and second.json["message_id"] == first.json["message_id"]


def test_japanese_mail_arrives_decoded(client, app):
    text = "お世話になっております。注文番号１２３の商品がまだ届きません。"
    response = post_raw(
        client,
        app,
        mails.charset_mail(
            text, "ISO-2022-JP", codec="iso2022_jp", subject="配送について", name="山田", transfer="7bit"
        ),
    )
    message = db.session.get(Message, response.json["message_id"])
    assert message.text == text and message.subject == "配送について"
    assert message.ticket.customer.name == "山田"


def test_a_reply_joins_its_ticket_by_in_reply_to(client, app):
    first = post_raw(client, app, mails.plain_mail(Message_ID="<root@mail.example.com>"))
    reply = post_raw(
        client,
        app,
        mails.plain_mail("Any news?", Message_ID="<r2@mail.example.com>", In_Reply_To="<root@mail.example.com>"),
    )
    assert reply.json["ticket_id"] == first.json["ticket_id"]


def test_a_reply_joins_its_ticket_by_the_subject_token(client, app):
    first = post_raw(client, app, mails.plain_mail())
    token = f"Re: Question [#{first.json['ticket_id']}]"
    reply = post_raw(client, app, mails.plain_mail("Any news?", Message_ID="<r3@mail.example.com>", Subject=token))
    assert reply.json["ticket_id"] == first.json["ticket_id"]


def test_a_reply_joins_its_ticket_by_the_plus_address(client, app):
    first = post_raw(client, app, mails.plain_mail())
    to = f"support+t{first.json['ticket_id']}@{app.config['SUPPORT_EMAIL_ADDRESS'].split('@')[1]}"
    reply = post_raw(client, app, mails.plain_mail("Any news?", Message_ID="<r4@mail.example.com>", To=to), to=to)
    assert reply.json["ticket_id"] == first.json["ticket_id"]


def test_a_new_mail_without_hints_opens_a_new_ticket(client, app):
    first = post_raw(client, app, mails.plain_mail())
    other = post_raw(client, app, mails.plain_mail("Another matter", Message_ID="<new@mail.example.com>"))
    assert other.json["ticket_id"] != first.json["ticket_id"]


@pytest.fixture
def sendgrid(app):
    with FakeSendGrid() as fake:
        app.config.update(SENDGRID_API_KEY="SG.test", SENDGRID_API_HOST=fake.url)
        yield fake


def agent_reply(app, make_agent, ticket_id: int, text: str = "It ships today.") -> Message:
    agent = make_agent()
    message = tickets.reply(db.session.get(Ticket, ticket_id), agent, text)
    outbox.deliver_due()
    return db.session.get(Message, message.id)


def test_a_customer_reply_to_our_reply_threads_by_our_message_id(client, app, make_agent, sendgrid):
    first = post_raw(client, app, mails.plain_mail(Message_ID="<q1@mail.example.com>"))
    ours = agent_reply(app, make_agent, first.json["ticket_id"])
    sent = sendgrid.next_request()["json"]
    assert sent["headers"]["Message-ID"] == f"<{ours.external_id}>"
    assert sent["headers"]["In-Reply-To"] == "<q1@mail.example.com>"
    assert sent["subject"] == f"Re: Question [#{first.json['ticket_id']}]"
    reply = post_raw(
        client,
        app,
        mails.plain_mail(
            "Thanks!",
            Message_ID="<q2@mail.example.com>",
            Subject="Re: Question",
            In_Reply_To=sent["headers"]["Message-ID"],
        ),
    )
    assert reply.json["ticket_id"] == first.json["ticket_id"]


def test_an_out_of_office_reply_is_recorded_marked_and_sends_nothing(client, app, make_agent, sendgrid):
    first = post_raw(client, app, mails.plain_mail())
    ours = agent_reply(app, make_agent, first.json["ticket_id"])
    queued = count(OutboxItem)
    response = post_raw(
        client, app, mails.out_of_office(Message_ID="<ooo@mail.example.com>", In_Reply_To=f"<{ours.external_id}>")
    )
    message = db.session.get(Message, response.json["message_id"])
    assert message.ticket_id == first.json["ticket_id"] and message.auto_kind == "auto-reply"
    assert count(OutboxItem) == queued


def test_mailing_list_mail_answering_nothing_of_ours_is_quarantined_not_a_ticket(client, app):
    response = post_raw(client, app, mails.list_mail())
    assert response.status_code == 200 and response.json["status"] == "quarantined"
    assert count(Ticket) == 0 and count(QuarantinedPayload) == 1


def test_a_hard_bounce_marks_our_reply_bounced_and_suppresses_the_address(client, app, make_agent, sendgrid):
    first = post_raw(client, app, mails.plain_mail(From="Gone <gone@example.com>"))
    ours = agent_reply(app, make_agent, first.json["ticket_id"])
    response = post_raw(client, app, mails.dsn_bounce(ours.external_id, recipient="gone@example.com"), envelope_from="")
    bounce = db.session.get(Message, response.json["message_id"])
    assert bounce.ticket_id == first.json["ticket_id"] and bounce.auto_kind == "bounce"
    db.session.refresh(ours)
    assert ours.delivery_state == "bounced" and "gone@example.com" in ours.delivery_error
    assert suppression.is_suppressed("Gone@Example.com")


def test_our_own_notice_coming_back_is_not_a_new_ticket(client, app, make_agent, sendgrid):
    first = post_raw(client, app, mails.plain_mail())
    ours = agent_reply(app, make_agent, first.json["ticket_id"])
    echoed = mails.plain_mail(
        "It ships today.", Message_ID=f"<{ours.external_id}>", From=app.config["SUPPORT_EMAIL_ADDRESS"]
    )
    response = post_raw(client, app, echoed)
    assert response.json["status"] == "duplicate"
    assert count(Ticket) == 1


def test_a_mail_naming_us_in_x_loop_is_recorded_as_a_loop(client, app):
    first = post_raw(client, app, mails.plain_mail(Message_ID="<l1@mail.example.com>"))
    looped = post_raw(
        client,
        app,
        mails.plain_mail(
            "auto",
            Message_ID="<l2@mail.example.com>",
            In_Reply_To="<l1@mail.example.com>",
            X_Loop=app.config["SUPPORT_EMAIL_ADDRESS"],
        ),
    )
    assert db.session.get(Message, looped.json["message_id"]).auto_kind == "loop"
    assert looped.json["ticket_id"] == first.json["ticket_id"]


def test_a_post_with_no_usable_sender_is_quarantined_raw(client, app):
    body = raw_post(b"Subject: hello\r\n\r\nwho am I\r\n", envelope_from="")
    response = post(client, app, body)
    assert response.status_code == 200 and response.json["status"] == "quarantined"
    held = db.session.get(QuarantinedPayload, response.json["quarantine_id"])
    assert held.raw == body[0] and held.reason == "no usable sender address"


def test_a_post_of_unknown_fields_is_quarantined(client, app):
    response = post(client, app, form_body([("something", "else")]))
    assert response.json["status"] == "quarantined"


def test_a_failure_on_our_side_answers_5xx_and_keeps_nothing_half_done(client, app, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    app.config.update(ATTACHMENTS_DIR=str(blocker), PROPAGATE_EXCEPTIONS=False)
    response = post_raw(client, app, mails.nested_mail())
    assert response.status_code == 500
    db.session.rollback()  # the request shares the test's app context; end its transaction
    assert count(Message) == 0 and count(Ticket) == 0


def test_parsed_mode_in_shift_jis_is_decoded_with_the_charsets_field(client, app):
    text = "ご注文の件でご連絡しました。"
    body = parsed_post(
        headers="From: customer@example.jp\nMessage-ID: <sj@example.jp>\nSubject: =?Shift_JIS?B?"
        + base64.b64encode("ご注文".encode("cp932")).decode()
        + "?=\n",
        text=text.encode("cp932"),
        charset="Shift_JIS",
    )
    response = post(client, app, body)
    message = db.session.get(Message, response.json["message_id"])
    assert message.text == text and message.subject == "ご注文"


def test_a_bounce_of_a_mail_we_never_sent_suppresses_nothing(client, app):
    post_raw(client, app, mails.dsn_bounce("someone-else@elsewhere.example", recipient="victim@example.com"))
    assert not suppression.is_suppressed("victim@example.com")
