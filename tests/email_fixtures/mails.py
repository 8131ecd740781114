"""Raw MIME for the hard cases, built with the standard library.

Python's ``email`` package re-encodes Shift_JIS and EUC-JP as ISO-2022-JP when asked to, so the
charset cases set the encoded bytes themselves, exactly as a Japanese or Korean mail client would.
"""

from __future__ import annotations

import base64
from email import policy
from email.message import EmailMessage, Message
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n%fake invoice\n"


def encoded_word(text: str, charset: str, codec: str | None = None) -> str:
    """An RFC 2047 B-encoded word with the text in ``charset``."""
    data = text.encode(codec or charset)
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def headers(message: Message, **values: str) -> Message:
    defaults = {
        "From": "Customer <customer@example.com>",
        "To": "support@kept.example",
        "Subject": "Question",
        "Date": "Tue, 03 Mar 2026 10:00:00 +0900",
        "Message-ID": "<question-1@mail.example.com>",
    }
    defaults.update({k.replace("_", "-"): v for k, v in values.items()})
    for name, value in defaults.items():
        if value is not None:
            message[name] = value
    return message


def charset_mail(
    text: str,
    charset: str,
    *,
    codec: str | None = None,
    subject: str,
    name: str,
    transfer: str = "base64",
    **extra: str,
) -> bytes:
    """A text/plain mail whose body, subject and sender name are all in ``charset``."""
    message = Message()
    headers(
        message,
        From=f"{encoded_word(name, charset, codec)} <customer@example.jp>",
        Subject=encoded_word(subject, charset, codec),
        **extra,
    )
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = f'text/plain; charset="{charset}"'
    data = text.encode(codec or charset)
    if transfer == "base64":
        message["Content-Transfer-Encoding"] = "base64"
        message.set_payload(base64.encodebytes(data).decode("ascii"))
        return message.as_bytes()
    message["Content-Transfer-Encoding"] = transfer
    head = message.as_bytes()
    return head + data + b"\n"


def plain_mail(text: str = "Hello, my order has not arrived.", **values: str) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    headers(message, **values)
    message.set_content(text)
    return message.as_bytes()


def nested_mail(**values: str) -> bytes:
    """multipart/mixed( multipart/related( multipart/alternative(text, html), png ), pdf )."""
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("See the photo below.\n", "plain", "utf-8"))
    alternative.attach(MIMEText('<p>See the photo below.</p><img src="cid:photo1@example.com">', "html", "utf-8"))
    related = MIMEMultipart("related")
    related.attach(alternative)
    image = MIMEImage(PNG, "png")
    image.add_header("Content-ID", "<photo1@example.com>")
    image.add_header("Content-Disposition", "inline", filename="photo.png")
    related.attach(image)
    mixed = MIMEMultipart("mixed")
    headers(mixed, **values)
    mixed.attach(related)
    pdf = MIMEApplication(PDF, "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "請求書 2026.pdf"))
    mixed.attach(pdf)
    evil = MIMEApplication(b"#!/bin/sh\n", "octet-stream")
    evil.add_header("Content-Disposition", "attachment", filename="../../etc/passwd")
    mixed.attach(evil)
    return mixed.as_bytes()


def out_of_office(**values: str) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    headers(message, Subject="Automatic reply: Your request [#41]", Auto_Submitted="auto-replied", **values)
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content("I am out of the office until Monday.")
    return message.as_bytes()


def list_mail(**values: str) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    headers(message, Subject="[users] Weekly digest", **values)
    message["List-Id"] = "Users <users.lists.example.org>"
    message["List-Unsubscribe"] = "<mailto:leave@lists.example.org>"
    message["Precedence"] = "list"
    message.set_content("This week on the list...")
    return message.as_bytes()


def dsn_bounce(
    original_message_id: str, recipient: str = "gone@example.com", status: str = "5.1.1", action: str = "failed"
) -> bytes:
    """An RFC 3464 delivery status notification for one of our mails."""
    report = MIMEMultipart("report", report_type="delivery-status")
    headers(
        report,
        From="Mail Delivery System <MAILER-DAEMON@mx.example.com>",
        To="support@kept.example",
        Subject="Undelivered Mail Returned to Sender",
        Message_ID="<bounce-1@mx.example.com>",
    )
    report.attach(
        MIMEText(f"I'm sorry to have to inform you that your message could not be delivered to {recipient}.\n")
    )
    status_part = Message()
    status_part["Content-Type"] = "message/delivery-status"
    per_message = Message()
    per_message["Reporting-MTA"] = "dns; mx.example.com"
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = action
    per_recipient["Status"] = status
    per_recipient["Diagnostic-Code"] = f"smtp; 550 {status} <{recipient}>: Recipient address rejected: User unknown"
    status_part.set_payload([per_message, per_recipient])
    report.attach(status_part)
    original = Message()
    original["Content-Type"] = "text/rfc822-headers"
    original.set_payload(
        f"From: Kept Support <support@kept.example>\nTo: {recipient}\nSubject: Re: Question [#7]\n"
        f"Message-ID: <{original_message_id}>\n"
    )
    report.attach(original)
    return report.as_bytes()


def malformed_mail() -> bytes:
    """Broken headers: bad encoded words, raw 8-bit bytes, a lying charset, no Message-ID."""
    return (
        b"From: =?utf-8?B?broken***?= <customer@example.com>\r\n"
        b"To: support@kept.example\r\n"
        b"Subject: =?x-unknown?Q?caf=E9?= \xe6\x97\xa5\xe6\x9c\xac =?utf-8?B?5pel5pys?=\r\n"
        b"Date: not a date\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"X-Broken-Header-Without-Colon\r\n"
        b"\r\n" + "ご注文の件".encode("shift_jis") + b"\r\n"
    )


def with_attachment(data: bytes, filename: str, content_type: str, **values: str) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    headers(message, **values)
    message.set_content("Please see the attached file.")
    maintype, subtype = content_type.split("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def html_mail(html: str, *, with_image: bool = False, **values: str) -> bytes:
    """An HTML mail (with a text alternative), optionally with the inline PNG ``photo1@example.com``."""
    message = EmailMessage(policy=policy.SMTP)
    headers(message, **values)
    message.set_content("This mail is best viewed in HTML.")
    message.add_alternative(html, subtype="html")
    if with_image:
        message.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid="<photo1@example.com>")
    return message.as_bytes()
