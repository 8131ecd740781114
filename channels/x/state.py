"""Small durable values the X channel keeps between runs: polling cursors, rate-limit resets and
the posts of a thread already published.

They live in the generic ``settings`` table under ``x.``-prefixed keys, so a restart (or another
worker) picks up exactly where the last run stopped.
"""
from __future__ import annotations

from typing import Any

from inbox.extensions import db
from inbox.models import Setting


def load(key: str) -> dict[str, Any]:
    row = db.session.get(Setting, f"x.{key}")
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


def save(key: str, value: dict[str, Any]) -> None:
    """Store and commit at once: a cursor must not wait for (or roll back with) other work."""
    row = db.session.get(Setting, f"x.{key}")
    if row is None:
        db.session.add(Setting(key=f"x.{key}", value=value))
    else:
        row.value = value
    db.session.commit()


def forget(key: str) -> None:
    row = db.session.get(Setting, f"x.{key}")
    if row is not None:
        db.session.delete(row)
        db.session.commit()


class DurableThreadProgress:
    """The posts of a thread published so far, kept until the whole thread is out."""

    def posted(self, key: str) -> list[str]:
        return [str(post_id) for post_id in load(f"thread.{key}").get("posts", [])]

    def record(self, key: str, post_ids: list[str]) -> None:
        save(f"thread.{key}", {"posts": list(post_ids)})

    def done(self, key: str) -> None:
        forget(f"thread.{key}")
