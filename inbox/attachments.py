"""Attachment files, stored outside the database under a content-addressed name."""
from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Sequence
from pathlib import Path

from flask import current_app
from werkzeug.utils import secure_filename

from channels.base import Attachment
from inbox.extensions import db
from inbox.models import Message, MessageAttachment


def storage_dir() -> Path:
    path = Path(current_app.config["ATTACHMENTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def safe_filename(name: str, content_type: str) -> str:
    cleaned = secure_filename(name or "")
    if not cleaned:
        cleaned = "attachment" + (mimetypes.guess_extension(content_type or "") or ".bin")
    return cleaned[:200]


def store(message: Message, files: Sequence[Attachment]) -> list[MessageAttachment]:
    """Write each file once (by SHA-256) and record it on the message; oversized files are skipped
    and noted on the message, so the mail itself is never lost for one huge attachment."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    stored = []
    for item in files:
        if len(item.data) > limit:
            skipped = message.meta.get("skipped_attachments", [])
            message.meta = {**message.meta, "skipped_attachments": [*skipped, item.filename]}
            continue
        key = hashlib.sha256(item.data).hexdigest()
        path = storage_dir() / key
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(item.data)
            tmp.replace(path)
        row = MessageAttachment(
            message_id=message.id,
            filename=safe_filename(item.filename, item.content_type),
            content_type=item.content_type or "application/octet-stream",
            size=len(item.data),
            storage_key=key,
            content_id=item.content_id,
            inline=item.inline,
        )
        db.session.add(row)
        stored.append(row)
    return stored


def read(row: MessageAttachment) -> bytes:
    return (storage_dir() / row.storage_key).read_bytes()
