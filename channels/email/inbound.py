"""A SendGrid Inbound Parse POST → one normalised :class:`Inbound`.

Inbound Parse posts in two modes (SendGrid docs, "Inbound Parse Webhook"): *raw*, where the
``email`` field holds the whole MIME message, and *parsed*, where SendGrid splits it into
``headers``, ``text``, ``html``, ``attachmentN`` and friends, each text field in the mail's own
charset as named by the ``charsets`` field. Both end up as the same :class:`MailParts`.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from channels.base import EMAIL, Attachment, Identity, Inbound
from channels.email.autoreply import classify
from channels.email.bounces import Bounce, read_bounce
from channels.email.charsets import decode_bytes, decode_header_value, language_of
from channels.email.formdata import FormData
from channels.email.mime import MailParts, html_to_text, parse_headers, parse_mime
from channels.email.quoting import latest_reply
from channels.email.settings import EmailSettings
from channels.email.threading import (
    derived_message_id,
    message_ids,
    normalise_message_id,
    thread_hints,
)
from inbox.attachments import safe_filename

log = logging.getLogger(__name__)

# Message.external_id holds 500 characters; a longer "id" is junk we still must recognise again.
MAX_MESSAGE_ID = 400
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")


class UnusableMail(Exception):
    """A POST that holds no mail we can make a ticket of; it is kept in quarantine instead."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ReceivedEmail:
    inbound: Inbound
    bounce: Bounce | None = None


def read_inbound(form: FormData, body: bytes, settings: EmailSettings) -> ReceivedEmail:
    """Normalise one Inbound Parse POST; raise :class:`UnusableMail` when there is no mail in it."""
    charsets = _json(form.bytes("charsets"))
    if "email" in form:
        raw = form.bytes("email")
        if not raw.strip():
            raise UnusableMail("raw mode post with an empty email field")
        parts = parse_mime(raw)
        mode, identity_bytes = "raw", raw
    elif "headers" in form or "from" in form:
        parts = _parsed_mode_parts(form, charsets)
        raw = body
        mode = "parsed"
        identity_bytes = form.bytes("headers") + form.bytes("text") + form.bytes("html")
    else:
        raise UnusableMail("post has neither an email field nor parsed mail fields")

    headers = parts.headers
    envelope = _json(form.bytes("envelope"))
    sender = _sender(headers.raw("from"), form, charsets, envelope)
    if sender is None:
        raise UnusableMail("no usable sender address")

    raw_message_id = headers.raw("message-id")
    message_id = normalise_message_id(raw_message_id) or derived_message_id(identity_bytes)
    if len(message_id) > MAX_MESSAGE_ID:
        message_id = derived_message_id(message_id.encode("utf-8", "surrogateescape"))
    subject = headers.get("subject")
    if subject is None and "subject" in form:
        subject = decode_bytes(form.bytes("subject"), charsets.get("subject")).strip()
    recipients = _addresses(headers, ("to", "cc", "delivered-to", "x-original-to"))
    envelope_to = envelope.get("to") if isinstance(envelope.get("to"), list) else []
    recipients += [str(a).lower() for a in envelope_to]

    bounce = read_bounce(parts)
    envelope_from = envelope.get("from") if "from" in envelope else None
    auto_kind = classify(
        headers,
        sender=sender.external_id,
        envelope_from=envelope_from if isinstance(envelope_from, str) else None,
        message_id=message_id,
        is_delivery_report=bounce is not None,
        settings=settings,
    )
    hints = thread_hints(
        in_reply_to=headers.raw("in-reply-to"),
        references=headers.raw("references"),
        subject=subject,
        recipients=recipients,
        settings=settings,
        extra_references=(bounce.original_message_id,) if bounce and bounce.original_message_id else (),
    )

    full_text = parts.text or ""
    text = full_text.strip() if auto_kind else latest_reply(full_text)
    meta: dict[str, Any] = {
        "mode": mode,
        "message_id": message_id,
        "in_reply_to": message_ids(headers.raw("in-reply-to")),
        "references": message_ids(headers.raw("references")),
        "to": _addresses(headers, ("to",)),
        "cc": _addresses(headers, ("cc",)),
    }
    if text != full_text.strip():
        meta["full_text"] = full_text
    reply_to = _addresses(headers, ("reply-to",))
    if reply_to and reply_to[0] != sender.external_id:
        meta["reply_to"] = reply_to[0]
    for field, key in (("spam_score", "spam_score"), ("SPF", "spf"), ("dkim", "dkim")):
        if field in form:
            meta[key] = decode_bytes(form.bytes(field)).strip()
    if bounce:
        meta["bounce"] = bounce.as_meta()

    inbound = Inbound(
        channel=EMAIL,
        external_id=message_id,
        sender=sender,
        text=text,
        raw=raw,
        html=parts.html,
        subject=subject,
        thread=hints,
        attachments=tuple(parts.attachments),
        sent_at=_date(headers.raw("date")),
        language_hint=_language(headers.get("content-language"), parts.body_charset or charsets.get("text")),
        auto_kind=auto_kind,
        meta=meta,
    )
    return ReceivedEmail(inbound=inbound, bounce=bounce)


def _parsed_mode_parts(form: FormData, charsets: dict[str, Any]) -> MailParts:
    headers = parse_headers(form.bytes("headers"))
    parts = MailParts(headers=headers, body_charset=charsets.get("text") or charsets.get("html"))
    if "text" in form:
        parts.text = decode_bytes(form.bytes("text"), charsets.get("text")).replace("\r\n", "\n")
    if "html" in form:
        parts.html = decode_bytes(form.bytes("html"), charsets.get("html"))
    content_type = headers.raw("content-type") or ""
    if re.match(r"\s*multipart/report", content_type, re.IGNORECASE):
        found = re.search(r"report-type\s*=\s*\"?([\w-]+)", content_type, re.IGNORECASE)
        parts.report_type = found.group(1).lower() if found else None
    info = _json(form.bytes("attachment-info"))
    cids = {str(v): str(k) for k, v in _json(form.bytes("content-ids")).items()}
    index = 0
    for part in form.parts:
        if not re.fullmatch(r"attachment\d+", part.name):
            continue
        index += 1
        details = info.get(part.name) if isinstance(info.get(part.name), dict) else {}
        content_type = str(details.get("type") or part.content_type or "application/octet-stream").lower()
        content_id = details.get("content-id") or cids.get(part.name)
        filename = details.get("filename") or details.get("name") or part.filename
        if parts.report_type:
            _read_report_attachment(parts, content_type, part.data)
        parts.attachments.append(
            Attachment(
                filename=safe_filename(decode_header_value(str(filename)) if filename else None, content_type, index),
                content_type=content_type,
                data=part.data,
                content_id=str(content_id).strip("<>") if content_id else None,
                inline=bool(content_id),
            )
        )
    if parts.text is None and parts.html is not None:
        parts.text = html_to_text(parts.html)
    return parts


def _read_report_attachment(parts: MailParts, content_type: str, data: bytes) -> None:
    """In parsed mode SendGrid hands a DSN's machine-readable parts over as attachments."""
    if content_type in ("message/delivery-status", "message/global-delivery-status"):
        parser_parts = parse_mime(b"Content-Type: message/delivery-status\r\n\r\n" + data)
        parts.delivery_status = parser_parts.delivery_status
    elif content_type in ("message/rfc822", "text/rfc822-headers", "message/global"):
        parts.returned_headers = parse_headers(data)


def _sender(
    raw_from: str | None, form: FormData, charsets: dict[str, Any], envelope: dict[str, Any]
) -> Identity | None:
    candidates: list[str] = []
    if raw_from:
        candidates.append(raw_from)
    if "from" in form:
        candidates.append(decode_bytes(form.bytes("from"), charsets.get("from")))
    for candidate in candidates:
        for name, address in getaddresses([candidate]):
            address = address.strip().lower()
            if _ADDRESS.match(address):
                display = decode_header_value(name).strip() or None
                return Identity(channel=EMAIL, external_id=address, display_name=display)
    envelope_from = envelope.get("from")
    if isinstance(envelope_from, str) and _ADDRESS.match(envelope_from.strip().lower()):
        return Identity(channel=EMAIL, external_id=envelope_from.strip().lower())
    return None


def _addresses(headers, names: tuple[str, ...]) -> list[str]:
    values = [v for name in names for v in ([headers.raw(name)] if headers.raw(name) else [])]
    found = []
    for _, address in getaddresses(values):
        address = address.strip().lower()
        if _ADDRESS.match(address) and address not in found:
            found.append(address)
    return found


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        # RFC 5322 "-0000": the time is UTC but the sender's zone is unknown.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _language(content_language: str | None, charset: str | None) -> str | None:
    if content_language:
        primary = re.split(r"[-_,;\s]", content_language.strip())[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", primary):
            return primary
    return language_of(charset)


def _json(data: bytes) -> dict[str, Any]:
    if not data:
        return {}
    try:
        value = json.loads(decode_bytes(data))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
