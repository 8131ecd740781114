"""Where chat events go: one Socket.IO room per visitor, shared by all their tabs."""
from __future__ import annotations

NAMESPACE = "/chat"
THREAD_PREFIX = "chat:"


def visitor_room(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


def conversation_key(visitor_id: str) -> str:
    """The ticket thread key: every message of one visitor belongs to their one open ticket."""
    return f"{THREAD_PREFIX}{visitor_id}"


def visitor_of(thread_key: str | None) -> str | None:
    if thread_key and thread_key.startswith(THREAD_PREFIX):
        return thread_key.removeprefix(THREAD_PREFIX)
    return None
