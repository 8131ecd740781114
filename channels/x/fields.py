"""Small readers shared by the post and DM normalisers."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


class NotForUs(Exception):
    """An event we recognise but do not ingest (our own echo, a repost); ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def raw_record(obj: Any) -> bytes:
    """A stable JSON encoding of what we were given, kept as the message's raw payload."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8")


def expand_urls(text: str, urls: Any) -> str:
    """Show the links the customer pasted rather than X's t.co wrappers."""
    for url in urls or ():
        short, expanded = url.get("url"), url.get("expanded_url")
        if short and expanded and short != expanded:
            text = text.replace(short, expanded)
    return text


def str_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def iso_time(value: Any) -> datetime | None:
    """v2's ``2026-07-24T21:23:23.000Z``."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return None


def epoch_ms(value: Any) -> datetime | None:
    """v1.1's ``created_timestamp`` / ``timestamp_ms``: milliseconds since the epoch, as a string."""
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
