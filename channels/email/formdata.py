"""Reading SendGrid's multipart/form-data POST as bytes.

Werkzeug's form parser decodes every field as UTF-8, but Inbound Parse posts each field in the
mail's own charset (named in the ``charsets`` field), so a Shift_JIS body would be mangled
before we could read it. We use Werkzeug's sans-IO decoder, which hands us the raw bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import (
    Data,
    Epilogue,
    Field,
    File,
    MultipartDecoder,
    NeedData,
)

from channels.base import WebhookRejected


@dataclass(frozen=True)
class FormPart:
    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None


class FormData:
    """The fields of one POST, in order; a name may repeat."""

    def __init__(self, parts: list[FormPart]):
        self.parts = parts
        self._by_name = {p.name: p for p in reversed(parts)}

    def get(self, name: str) -> FormPart | None:
        return self._by_name.get(name)

    def bytes(self, name: str) -> bytes:
        part = self._by_name.get(name)
        return part.data if part else b""

    def __contains__(self, name: str) -> bool:
        return name in self._by_name


def parse_form_data(body: bytes, content_type: str | None) -> FormData:
    """Split a multipart/form-data body into its parts; raise WebhookRejected if it is not one."""
    mimetype, options = parse_options_header(content_type or "")
    if mimetype != "multipart/form-data":
        raise WebhookRejected("expected multipart/form-data", status=415)
    boundary = options.get("boundary", "").encode("latin-1", "replace")
    if not boundary:
        raise WebhookRejected("multipart/form-data without a boundary")
    if not body:
        raise WebhookRejected("empty body")
    decoder = MultipartDecoder(boundary, max_form_memory_size=None)
    decoder.receive_data(body)
    decoder.receive_data(None)
    parts: list[FormPart] = []
    current: dict | None = None
    chunks: list[bytes] = []
    while True:
        try:
            event = decoder.next_event()
        except ValueError as exc:
            raise WebhookRejected(f"malformed multipart body: {exc}") from exc
        if isinstance(event, (Field, File)):
            current = {
                "name": event.name,
                "filename": getattr(event, "filename", None),
                "content_type": event.headers.get("content-type"),
            }
            chunks = []
        elif isinstance(event, Data):
            chunks.append(event.data)
            if not event.more_data and current is not None:
                parts.append(FormPart(data=b"".join(chunks), **current))
                current = None
        elif isinstance(event, (Epilogue, NeedData)):
            break
    if not parts:
        raise WebhookRejected("multipart body without fields")
    return FormData(parts)
