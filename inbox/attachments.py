"""Attachment files, stored outside the database under a content-addressed name.

The database keeps the name, type and size; the bytes live in ``ATTACHMENTS_DIR`` (a folder
under ``instance/`` by default), named by their SHA-256 so the same file mailed twice is stored
once. Names and types coming from outside are never trusted: the name is cleaned, the type is
sniffed from the bytes where they say what they are.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
import uuid
from collections.abc import Sequence
from pathlib import Path

import filetype
from flask import current_app

from channels.base import Attachment
from inbox.extensions import db
from inbox.models import Message, MessageAttachment

_MAX_NAME = 150
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]")
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def storage_dir() -> Path:
    path = Path(current_app.config["ATTACHMENTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def safe_filename(name: str | None, content_type: str = "application/octet-stream", index: int = 1) -> str:
    """A file name safe to show and to put in a Content-Disposition header.

    Keeps non-ASCII letters (a Japanese file name stays Japanese, unlike Werkzeug's
    ``secure_filename``) but drops any directory part, reserved and control characters and
    leading dots; falls back to ``part-N.ext`` from the content type.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip().lstrip(".").strip()
    if not name or set(name) <= {"_", " "}:
        return f"part-{index}{mimetypes.guess_extension(content_type or '') or '.bin'}"
    if len(name) > _MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        keep_extension = dot and 0 < len(extension) <= 10
        name = f"{stem[: _MAX_NAME - len(extension) - 1]}.{extension}" if keep_extension else name[:_MAX_NAME]
    return name


def sniff_content_type(data: bytes, declared: str | None, filename: str | None) -> str:
    """The type the bytes show (magic numbers), else the declared type, else the extension's.

    Declared types are kept for what magic numbers cannot tell (text, HTML, CSV); the web layer
    never lets a browser render an attachment in our origin anyway.
    """
    sniffed = filetype.guess_mime(data[:8192]) if data else None
    if sniffed:
        return sniffed
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream" and _CONTENT_TYPE.match(declared):
        return declared
    return mimetypes.guess_type(filename or "")[0] or "application/octet-stream"


def store(message: Message, files: Sequence[Attachment]) -> list[MessageAttachment]:
    """Write each file once (by SHA-256) and record it on the message; oversized files are skipped
    and noted on the message, so the mail itself is never lost for one huge attachment."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    stored = []
    for index, item in enumerate(files, start=1):
        if len(item.data) > limit:
            skipped = message.meta.get("skipped_attachments", [])
            message.meta = {**message.meta, "skipped_attachments": [*skipped, item.filename]}
            continue
        key = hashlib.sha256(item.data).hexdigest()
        path = storage_dir() / key
        if not path.exists():
            # A name of its own per writer: two deliveries of one file may race to store it.
            tmp = path.with_name(f"{key}.{uuid.uuid4().hex}.part")
            tmp.write_bytes(item.data)
            tmp.replace(path)
        content_type = sniff_content_type(item.data, item.content_type, item.filename)
        row = MessageAttachment(
            message_id=message.id,
            filename=safe_filename(item.filename, content_type, index),
            content_type=content_type,
            size=len(item.data),
            storage_key=key,
            content_id=item.content_id.strip("<>")[:255] if item.content_id else None,
            inline=item.inline,
        )
        db.session.add(row)
        stored.append(row)
    return stored


def path_of(row: MessageAttachment) -> Path:
    return storage_dir() / row.storage_key


def read(row: MessageAttachment) -> bytes:
    return path_of(row).read_bytes()
