"""Raw MIME → the parts of a mail we keep: decoded headers, text, HTML, attachments.

Structure is parsed by the stdlib ``email`` package (policy ``default``). Header values are read
as the parser stored them (``raw_items``) and decoded by :mod:`channels.email.charsets`, because
real mail carries 8-bit headers and broken encoded words that the policy's own header classes
either mangle or reject.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser

import nh3

from channels.base import Attachment
from channels.email.charsets import decode_bytes, decode_header_value
from inbox.attachments import safe_filename


class Headers:
    """Case-insensitive, decoded access to a message's headers."""

    def __init__(self, message: Message, fallback_charset: str | None = None):
        self._items = [(name.lower(), value) for name, value in message.raw_items()]
        self._fallback = fallback_charset

    def get(self, name: str) -> str | None:
        values = self.get_all(name)
        return values[0] if values else None

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        return [decode_header_value(str(v), self._fallback) for n, v in self._items if n == name]

    def raw(self, name: str) -> str | None:
        """The undecoded value: for structured ids (Message-ID, References) decoding only hurts."""
        name = name.lower()
        for n, v in self._items:
            if n == name:
                return re.sub(r"\r?\n[ \t]", " ", str(v)).strip()
        return None

    def __contains__(self, name: str) -> bool:
        return any(n == name.lower() for n, _ in self._items)


@dataclass
class MailParts:
    headers: Headers
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    body_charset: str | None = None
    # multipart/report (RFC 6522): the machine-readable report and the returned original.
    report_type: str | None = None
    delivery_status: list[Message] = field(default_factory=list)
    returned_headers: Headers | None = None


def parse_headers(data: bytes) -> Headers:
    """Headers from a bare header block (SendGrid's parsed-mode ``headers`` field)."""
    return Headers(BytesHeaderParser(policy=policy.default).parsebytes(data))


def parse_mime(raw: bytes) -> MailParts:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    charset = _first_text_charset(message)
    parts = MailParts(headers=Headers(message, charset), body_charset=charset)
    _collect(message, parts, counter=[0])
    if parts.text is None and parts.html is not None:
        parts.text = html_to_text(parts.html)
    return parts


def html_to_text(html: str) -> str:
    """A readable plain text of an HTML body, for mail that sends no text part."""
    marked = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d|blockquote|table)>", "\n", html)
    text = htmllib.unescape(nh3.clean(marked, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _collect(part: Message, parts: MailParts, counter: list[int]) -> None:
    ctype = _safe(part.get_content_type, "application/octet-stream")
    if ctype == "multipart/report":
        parts.report_type = (part.get_param("report-type") or "").lower() or None
    if ctype in ("message/rfc822", "message/global") and parts.report_type and parts.returned_headers is None:
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            parts.returned_headers = Headers(inner[0])
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        parts.delivery_status = _status_blocks(part)
        return
    if ctype == "text/rfc822-headers" and parts.report_type:
        parts.returned_headers = parse_headers(_payload(part))
    if part.is_multipart() and ctype.startswith("multipart/"):
        for child in _safe(part.iter_parts, ()) if hasattr(part, "iter_parts") else part.get_payload():
            _collect(child, parts, counter)
        return
    counter[0] += 1
    disposition = _safe(part.get_content_disposition, None)
    filename = _filename(part)
    is_body = disposition != "attachment" and not filename
    if ctype == "text/plain" and is_body:
        text = decode_bytes(_payload(part), part.get_content_charset()).replace("\r\n", "\n")
        parts.text = text if parts.text is None else f"{parts.text}\n{text}"
        return
    if ctype == "text/html" and is_body:
        html = decode_bytes(_payload(part), part.get_content_charset())
        parts.html = html if parts.html is None else f"{parts.html}\n{html}"
        return
    if not filename and ctype in ("message/rfc822", "message/global"):
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            filename = f"{Headers(inner[0]).get('subject') or 'message'}.eml"
    content_id = (part.get("content-id") or "").strip().strip("<>").strip() or None
    parts.attachments.append(
        Attachment(
            filename=safe_filename(filename, ctype, counter[0]),
            content_type=ctype,
            data=_payload(part),
            content_id=content_id,
            inline=disposition == "inline" or (content_id is not None and disposition != "attachment"),
        )
    )


def _payload(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    # message/* parts carry a parsed message rather than bytes; keep it as an .eml.
    inner = part.get_payload()
    if isinstance(inner, list) and inner:
        try:
            return inner[0].as_bytes(policy=policy.compat32)
        except Exception:  # noqa: BLE001 - re-serialising a malformed message can fail many ways
            return str(inner[0]).encode("utf-8", "surrogateescape")
    if isinstance(inner, str):
        return inner.encode("utf-8", "surrogateescape")
    return b""


def _filename(part: Message) -> str | None:
    name = _safe(part.get_filename, None) or part.get_param("name")
    if isinstance(name, tuple):  # an RFC 2231 value the stdlib left undecoded
        name = decode_bytes(name[2].encode("latin-1", "replace"), name[0])
    if not name:
        return None
    return decode_header_value(str(name))


def _status_blocks(part: Message) -> list[Message]:
    blocks = part.get_payload()
    if isinstance(blocks, list):
        return [b for b in blocks if isinstance(b, Message)]
    # A report whose body the parser kept as text: parse each blank-line-separated block.
    text = blocks if isinstance(blocks, str) else ""
    parser = BytesHeaderParser(policy=policy.default)
    return [
        parser.parsebytes(chunk.strip().encode("utf-8", "surrogateescape"))
        for chunk in re.split(r"\n\s*\n", text)
        if chunk.strip()
    ]


def _first_text_charset(message: Message) -> str | None:
    for part in message.walk():
        if part.get_content_maintype() == "text":
            charset = part.get_content_charset()
            if charset:
                return charset
    return None


def _safe(call, default):
    try:
        return call()
    except Exception:  # noqa: BLE001 - malformed headers must degrade to defaults, not fail the mail
        return default
