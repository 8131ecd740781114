"""Safe names for attachment files: no paths, no control characters, a sane length."""
from __future__ import annotations

import mimetypes
import re
import unicodedata

_MAX_LENGTH = 150
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]")


def safe_filename(name: str | None, content_type: str = "application/octet-stream", index: int = 1) -> str:
    """A file name that is safe to show and to put in a Content-Disposition header.

    Keeps non-ASCII letters (a Japanese file name stays Japanese) but drops any directory part,
    reserved characters and leading dots, and falls back to ``part-N.ext`` from the content type.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if not name or set(name) <= {"_", " "}:
        extension = mimetypes.guess_extension(content_type or "") or ".bin"
        return f"part-{index}{extension}"
    if len(name) > _MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: _MAX_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:_MAX_LENGTH]
    return name
