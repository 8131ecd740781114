"""An :class:`Outbound` → the SendGrid v3 mail it becomes, with the headers a thread needs.

Threading (RFC 5322 section 3.6.4): our own ``Message-ID``, ``In-Reply-To`` naming the latest
message and ``References`` naming the thread, so the customer's client files our reply under
their mail and their next reply names ours. Automatic mail follows RFC 3834 so that well-behaved
auto-responders stay silent.
"""

from __future__ import annotations

import base64
import hashlib
import re

from sendgrid.helpers.mail import (
    Attachment as SGAttachment,
)
from sendgrid.helpers.mail import (
    ContentId,
    CustomArg,
    Disposition,
    FileContent,
    FileName,
    FileType,
    From,
    Header,
    Mail,
    ReplyTo,
    To,
)

from channels.base import Outbound
from channels.email.settings import EmailSettings
from channels.email.threading import message_ids

# Long threads would make References grow without bound; RFC 5322 suggests keeping the first
# id (the thread's root) and the most recent ones.
MAX_REFERENCES = 20
_TOKEN = re.compile(r"\[#\d+\]")
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|vs|antw|回复|答复|返信|회신)\s*:", re.IGNORECASE)


def message_id(outbound: Outbound, settings: EmailSettings) -> str:
    """Our Message-ID for this delivery, without angle brackets.

    Derived from the idempotency key, so a retried delivery carries the same id and the customer's
    client shows one message even if SendGrid accepted both attempts. The ticket number leads, so
    a reply naming only this id still finds its ticket.
    """
    digest = hashlib.sha256(outbound.idempotency_key.encode("utf-8")).hexdigest()[:32]
    ticket = f"t{outbound.ticket_id}." if outbound.ticket_id is not None else ""
    return f"kept.{ticket}{digest}@{settings.message_id_domain}"


def subject_for(outbound: Outbound) -> str:
    subject = " ".join((outbound.subject or "").split())
    if outbound.references and subject and not _REPLY_PREFIX.match(subject):
        subject = f"Re: {subject}"
    if outbound.ticket_id is not None and f"[#{outbound.ticket_id}]" not in subject:
        subject = _TOKEN.sub("", subject).strip()
        subject = f"{subject} [#{outbound.ticket_id}]".strip()
    return subject or "(no subject)"


def recipient_address(outbound: Outbound) -> str:
    """Where the customer asked replies to go (their Reply-To), else their address."""
    reply_meta = outbound.meta.get("reply_to_meta") or {}
    return str(reply_meta.get("reply_to") or outbound.recipient.external_id)


def build_mail(outbound: Outbound, settings: EmailSettings) -> Mail:
    own_id = message_id(outbound, settings)
    mail = Mail(
        from_email=From(settings.support_address, outbound.sender_name or settings.support_name),
        to_emails=To(recipient_address(outbound), outbound.recipient.display_name),
        subject=subject_for(outbound),
        plain_text_content=outbound.text or " ",
        html_content=outbound.html or None,
    )
    reply_to = (
        settings.ticket_address(outbound.ticket_id) if outbound.ticket_id is not None else settings.support_address
    )
    mail.reply_to = ReplyTo(reply_to, settings.support_name)
    for name, value in headers_for(outbound, own_id, settings).items():
        mail.add_header(Header(name, value))
    for attachment in outbound.attachments:
        mail.add_attachment(
            SGAttachment(
                FileContent(base64.b64encode(attachment.data).decode("ascii")),
                FileName(attachment.filename),
                FileType(attachment.content_type),
                Disposition("inline" if attachment.inline else "attachment"),
                ContentId(attachment.content_id) if attachment.content_id else None,
            )
        )
    # Custom args come back on every Event Webhook event, tying it to our message.
    mail.add_custom_arg(CustomArg("kept_message_id", own_id))
    if outbound.ticket_id is not None:
        mail.add_custom_arg(CustomArg("kept_ticket", str(outbound.ticket_id)))
    return mail


def headers_for(outbound: Outbound, own_id: str, settings: EmailSettings) -> dict[str, str]:
    headers = {"Message-ID": f"<{own_id}>"}
    # Only real Message-IDs: a mail that came without one is stored under a derived "sha256:" key.
    thread = [
        ref
        for value in outbound.references
        for ref in message_ids(value)
        if "@" in ref and not ref.startswith("sha256:")
    ]
    if thread:
        kept = thread if len(thread) <= MAX_REFERENCES else [thread[0], *thread[-(MAX_REFERENCES - 1) :]]
        headers["In-Reply-To"] = f"<{thread[-1]}>"
        headers["References"] = " ".join(f"<{ref}>" for ref in kept)
    if outbound.automatic:
        # RFC 3834 section 5: "auto-replied" for replies to a message, "auto-generated" otherwise.
        headers["Auto-Submitted"] = "auto-replied" if outbound.kind == "notice" else "auto-generated"
        # Exchange/Outlook honour this and send no out-of-office or receipts back.
        headers["X-Auto-Response-Suppress"] = "All"
        headers["X-Loop"] = settings.support_address
    return headers
