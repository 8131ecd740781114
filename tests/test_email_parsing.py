"""Inbound Parse POSTs → normalised Inbound values, without the web layer."""

from __future__ import annotations

import base64

import pytest

from channels.base import WebhookRejected
from channels.email.formdata import parse_form_data
from channels.email.inbound import UnusableMail, read_inbound
from channels.email.settings import EmailSettings
from tests.email_fixtures import mails
from tests.email_fixtures.posts import (
    corpus_content_type,
    corpus_posts,
    form_body,
    parsed_post,
    raw_post,
)

SETTINGS = EmailSettings(support_address="support@kept.example", message_id_domain="mail.kept.example")

JAPANESE = "お世話になっております。注文番号１２３の商品がまだ届きません。"
KOREAN = "안녕하세요. 주문한 상품이 아직 도착하지 않았습니다."
CHINESE = "您好，我的订单还没有到。"
TRADITIONAL = "您好，我的訂單還沒有到。"


def read(body_and_type):
    body, content_type = body_and_type
    return read_inbound(parse_form_data(body, content_type), body, SETTINGS)


def read_raw(mime: bytes):
    return read(raw_post(mime)).inbound


@pytest.mark.parametrize("path", corpus_posts(), ids=lambda p: p.name)
def test_every_corpus_post_becomes_an_inbound_or_a_clear_rejection(path):
    body = path.read_bytes()
    if not body:
        with pytest.raises(WebhookRejected):
            parse_form_data(body, corpus_content_type(path))
        return
    inbound = read((body, corpus_content_type(path))).inbound
    assert inbound.sender.external_id
    assert inbound.text.strip()
    assert inbound.subject


def test_parsed_mode_sample_keeps_sender_name_subject_and_text():
    path = next(p for p in corpus_posts() if p.name == "default_data.txt")
    inbound = read((path.read_bytes(), corpus_content_type(path))).inbound
    assert inbound.sender.external_id == "test@example.com"
    assert inbound.sender.display_name == "Example User"
    assert inbound.subject == "Inbound Parse Test Data"
    assert inbound.text == "Hello Twilio SendGrid!"
    assert inbound.external_id.startswith("sha256:")


def test_captured_hotmail_post_decodes_the_rfc2047_sender_name_and_keeps_cid_images():
    path = next(p for p in corpus_posts() if p.name == "raw_email.txt")
    inbound = read((path.read_bytes(), corpus_content_type(path))).inbound
    assert inbound.sender.display_name == "Jérémie Desautels"
    image = inbound.attachments[0]
    assert image.inline and image.content_id == "e8fde86f-45f9-445f-b57d-50a8f56911d2"
    assert image.data[:3] == b"\xff\xd8\xff"


def test_parsed_mode_attachments_take_names_types_and_content_ids_from_attachment_info():
    path = next(p for p in corpus_posts() if p.name == "email_with_attachments.txt")
    inbound = read((path.read_bytes(), corpus_content_type(path))).inbound
    by_name = {a.filename: a for a in inbound.attachments}
    assert by_name["image001.png"].content_id == "image001.png@01D85101.00357470"
    assert by_name["image001.png"].content_type == "image/png"
    assert by_name["001.jpg"].content_type == "image/jpeg"
    assert inbound.external_id == "DM5PR02MB24413C34955E22A565384AC1CDEE9@DM5PR02MB2441.namprd02.prod.outlook.com"


CHARSET_CASES = [
    ("ISO-2022-JP", "iso2022_jp", JAPANESE, "7bit", "ja"),
    ("Shift_JIS", "cp932", JAPANESE, "base64", "ja"),
    ("Shift_JIS", "cp932", JAPANESE, "8bit", "ja"),
    ("EUC-JP", "euc_jp", JAPANESE, "base64", "ja"),
    ("EUC-KR", "euc_kr", KOREAN, "base64", "ko"),
    ("ks_c_5601-1987", "cp949", KOREAN, "8bit", "ko"),
    ("UTF-8", "utf-8", KOREAN, "8bit", None),
    ("GB2312", "gb2312", CHINESE, "base64", "zh"),
    ("GBK", "gbk", CHINESE, "8bit", "zh"),
    ("Big5", "big5", TRADITIONAL, "base64", "zh"),
    ("windows-1252", "cp1252", "Grüße aus Köln – danke für Ihre Hilfe", "8bit", None),
    ("windows-1251", "cp1251", "Здравствуйте, мой заказ не пришёл", "base64", None),
    ("windows-1250", "cp1250", "Dzień dobry, zamówienie nie dotarło", "8bit", None),
]


@pytest.mark.parametrize(("charset", "codec", "text", "transfer", "language"), CHARSET_CASES, ids=lambda v: str(v))
def test_raw_mail_in_each_charset_decodes_body_subject_and_sender_name(charset, codec, text, transfer, language):
    mime = mails.charset_mail(text, charset, codec=codec, subject=text[:12], name=text[:5], transfer=transfer)
    inbound = read_raw(mime)
    assert inbound.text == text
    assert inbound.subject == text[:12]
    assert inbound.sender.display_name == text[:5]
    assert inbound.language_hint == language


@pytest.mark.parametrize(("charset", "codec", "text"), [c[:3] for c in CHARSET_CASES], ids=lambda v: str(v))
def test_parsed_mode_fields_are_decoded_with_the_charsets_field(charset, codec, text):
    body = parsed_post(
        headers=(
            f"From: {mails.encoded_word(text[:5], charset, codec)} <customer@example.jp>\n"
            f"Subject: {mails.encoded_word(text[:12], charset, codec)}\n"
            "Message-ID: <p1@example.jp>\n"
        ),
        text=text.encode(codec),
        html=f"<p>{text}</p>".encode(codec),
        charset=charset,
        subject=text[:12].encode(codec),
    )
    inbound = read(body).inbound
    assert inbound.text == text
    assert inbound.html == f"<p>{text}</p>"
    assert inbound.subject == text[:12]
    assert inbound.sender.display_name == text[:5]


def test_an_encoded_word_split_inside_a_multibyte_character_is_rejoined():
    data = JAPANESE.encode("utf-8")
    words = " ".join(f"=?UTF-8?B?{base64.b64encode(data[i : i + 7]).decode()}?=" for i in range(0, len(data), 7))
    inbound = read_raw(mails.plain_mail().replace(b"Subject: Question", b"Subject: " + words.encode()))
    assert inbound.subject == JAPANESE


def test_a_lying_charset_falls_back_to_a_best_effort_decode():
    mime = mails.charset_mail(JAPANESE, "utf-8", codec="cp932", subject="x", name="y", transfer="8bit")
    inbound = read_raw(mime)
    assert inbound.text == JAPANESE


def test_an_unknown_charset_never_fails_the_mail():
    mime = mails.charset_mail("plain words", "x-no-such-charset", codec="ascii", subject="s", name="n")
    assert read_raw(mime).text == "plain words"


def test_malformed_headers_still_give_a_sender_subject_and_a_stable_key():
    first = read_raw(mails.malformed_mail())
    again = read_raw(mails.malformed_mail())
    assert first.sender.external_id == "customer@example.com"
    assert "日本" in first.subject and "café" in first.subject
    assert first.sent_at is None
    assert first.external_id.startswith("sha256:") and first.external_id == again.external_id


def test_nested_multipart_gives_text_html_inline_image_and_safe_attachment_names():
    inbound = read_raw(mails.nested_mail())
    assert inbound.text == "See the photo below."
    assert 'src="cid:photo1@example.com"' in inbound.html
    by_name = {a.filename: a for a in inbound.attachments}
    assert by_name["photo.png"].inline and by_name["photo.png"].content_id == "photo1@example.com"
    assert by_name["請求書 2026.pdf"].content_type == "application/pdf"
    assert "passwd" in by_name and not by_name["passwd"].inline


def test_message_id_is_kept_without_angle_brackets():
    assert read_raw(mails.plain_mail(Message_ID="<abc.123@mail.example.com>")).external_id == "abc.123@mail.example.com"


def test_in_reply_to_comes_first_then_references_newest_first():
    inbound = read_raw(mails.plain_mail(In_Reply_To="<c@x>", References="<a@x> <b@x> <c@x>"))
    assert inbound.thread.references == ("c@x", "b@x", "a@x")
    assert inbound.thread.conversation_key is None


def test_subject_token_gives_the_ticket_reference():
    assert read_raw(mails.plain_mail(Subject="Re: Where is my parcel? [#1234]")).thread.ticket_ref == 1234


def test_plus_address_token_gives_the_ticket_reference():
    assert read_raw(mails.plain_mail(To="Kept <support+t77@kept.example>")).thread.ticket_ref == 77


def test_a_plus_address_on_another_domain_is_not_a_ticket_token():
    assert read_raw(mails.plain_mail(To="support+t77@elsewhere.example")).thread.ticket_ref is None


def test_a_new_mail_without_hints_has_no_thread():
    inbound = read_raw(mails.plain_mail())
    assert inbound.thread.references == () and inbound.thread.ticket_ref is None


def test_quoted_history_is_folded_and_the_full_text_kept():
    text = (
        "Thanks, that worked!\n\n"
        "On Tue, Mar 3, 2026 at 10:00 AM Kept Support <support@kept.example> wrote:\n"
        "> Please restart the router.\n> Best, Ann\n"
    )
    inbound = read_raw(mails.plain_mail(text))
    assert inbound.text == "Thanks, that worked!"
    assert "Please restart the router." in inbound.meta["full_text"]


def test_out_of_office_is_marked_as_an_auto_reply():
    assert read_raw(mails.out_of_office()).auto_kind == "auto-reply"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Auto-Submitted", "auto-generated"),
        ("X-Autoreply", "yes"),
        ("X-Autorespond", "vacation"),
        ("Precedence", "bulk"),
        ("X-Auto-Response-Suppress", "OOF"),
    ],
)
def test_each_auto_reply_header_marks_the_mail(header, value):
    assert read_raw(mails.plain_mail(**{header.replace("-", "_"): value})).auto_kind == "auto-reply"


def test_auto_submitted_no_is_a_person():
    assert read_raw(mails.plain_mail(Auto_Submitted="no")).auto_kind is None


def test_mailing_list_mail_is_marked_as_list():
    assert read_raw(mails.list_mail()).auto_kind == "list"


def test_empty_return_path_marks_an_auto_reply():
    assert read_raw(mails.plain_mail(Return_Path="<>")).auto_kind == "auto-reply"


def test_postmaster_sender_marks_a_bounce():
    assert read_raw(mails.plain_mail(From="postmaster@mx.example.com")).auto_kind == "bounce"


def test_our_own_message_id_coming_back_is_a_loop():
    assert read_raw(mails.plain_mail(Message_ID="<kept.t7.abc@mail.kept.example>")).auto_kind == "loop"


def test_x_loop_naming_us_is_a_loop():
    assert read_raw(mails.plain_mail(X_Loop="support@kept.example")).auto_kind == "loop"


def test_dsn_hard_bounce_names_the_failed_recipient_and_our_original_message():
    received = read(raw_post(mails.dsn_bounce("kept.t7.abc@mail.kept.example"), envelope_from=""))
    assert received.inbound.auto_kind == "bounce"
    assert received.bounce.recipient == "gone@example.com"
    assert received.bounce.original_message_id == "kept.t7.abc@mail.kept.example"
    assert received.bounce.permanent
    assert received.inbound.thread.references[-1] == "kept.t7.abc@mail.kept.example"
    assert received.inbound.meta["bounce"]["status"] == "5.1.1"


def test_dsn_delay_is_not_permanent():
    received = read(raw_post(mails.dsn_bounce("x@mail.kept.example", status="4.4.1", action="delayed")))
    assert received.bounce is not None and not received.bounce.permanent


def test_a_post_without_a_sender_is_unusable():
    with pytest.raises(UnusableMail):
        read(raw_post(b"Subject: hi\r\n\r\nno sender here\r\n", envelope_from=""))


def test_a_post_with_no_mail_fields_is_unusable():
    with pytest.raises(UnusableMail):
        read(form_body([("hello", "world")]))


def test_a_body_that_is_not_multipart_is_rejected():
    with pytest.raises(WebhookRejected) as caught:
        parse_form_data(b'{"a": 1}', "application/json")
    assert caught.value.status == 415


def test_html_only_mail_gets_a_plain_text_version():
    body = parsed_post(headers="From: a@example.com\n", html=b"<p>Hello</p><p>World &amp; co</p><script>x()</script>")
    assert read(body).inbound.text == "Hello\nWorld & co"
