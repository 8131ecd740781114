"""SendGrid Inbound Parse POST bodies, built the way SendGrid builds them."""

from __future__ import annotations

import json
from pathlib import Path

BOUNDARY = "xYzZY"
CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"


def form_body(fields: list[tuple[str, bytes | str]] | list, boundary: str = BOUNDARY) -> tuple[bytes, str]:
    """multipart/form-data from (name, value) or (name, value, filename, content_type) tuples."""
    out = b""
    for field in fields:
        name, value, *rest = field
        filename = rest[0] if rest else None
        content_type = rest[1] if len(rest) > 1 else None
        data = value.encode("utf-8") if isinstance(value, str) else value
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def raw_post(
    mime: bytes, *, envelope_from: str = "customer@example.com", to: str = "support@kept.example"
) -> tuple[bytes, str]:
    """A "POST the raw, full MIME message" Inbound Parse request."""
    return form_body(
        [
            ("dkim", "{@example.com : pass}"),
            ("email", mime),
            ("to", to),
            ("from", envelope_from),
            ("sender_ip", "192.0.2.1"),
            ("envelope", json.dumps({"to": [to], "from": envelope_from})),
            ("charsets", json.dumps({"to": "UTF-8", "subject": "UTF-8", "from": "UTF-8"})),
            ("SPF", "pass"),
            ("spam_score", "0.1"),
        ]
    )


def parsed_post(
    *,
    headers: str,
    text: bytes | None = None,
    html: bytes | None = None,
    charset: str = "UTF-8",
    sender: str = "Customer <customer@example.com>",
    subject: bytes | str = "Hello",
    attachments: list[tuple[str, bytes, str, str | None]] = (),
    envelope_from: str = "customer@example.com",
) -> tuple[bytes, str]:
    """A default-mode (parsed) Inbound Parse request; text fields in ``charset`` like SendGrid."""
    fields: list = [("headers", headers), ("dkim", "{@example.com : pass}"), ("to", "support@kept.example")]
    charsets = {"to": "UTF-8", "from": "UTF-8", "subject": charset}
    if html is not None:
        fields.append(("html", html))
        charsets["html"] = charset
    fields.append(("from", sender))
    if text is not None:
        fields.append(("text", text))
        charsets["text"] = charset
    info = {}
    content_ids = {}
    for index, (filename, data, content_type, content_id) in enumerate(attachments, start=1):
        fields.append((f"attachment{index}", data, filename, content_type))
        info[f"attachment{index}"] = {"filename": filename, "name": filename, "type": content_type}
        if content_id:
            info[f"attachment{index}"]["content-id"] = content_id
            content_ids[content_id] = f"attachment{index}"
    fields += [
        ("sender_ip", "192.0.2.1"),
        ("envelope", json.dumps({"to": ["support@kept.example"], "from": envelope_from})),
        ("attachments", str(len(attachments))),
        ("subject", subject),
        ("charsets", json.dumps(charsets)),
        ("SPF", "pass"),
    ]
    if attachments:
        fields.append(("attachment-info", json.dumps(info)))
        fields.append(("content-ids", json.dumps(content_ids)))
    return form_body(fields)


def corpus_posts() -> list[Path]:
    """Every Inbound Parse POST in the shared corpora, empty upstream files included; the test
    skips, saying why, on a checkout without the shared corpora beside it."""
    posts = sorted(CORPORA.glob("sendgrid-inbound-*/*.txt"))
    if not posts:
        import pytest

        pytest.skip(f"SendGrid corpus not found under {CORPORA}: the shared corpora sit beside the checkout in CI")
    return posts


def corpus_content_type(path: Path) -> str:
    return f"multipart/form-data; boundary={BOUNDARY}"
