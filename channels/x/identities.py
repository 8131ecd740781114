"""Who wrote a post or DM, from whichever user shape the payload carries."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels.base import Identity, X


def user_fields(user: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(display name, @handle without the @) from a v2 user, a v1.1 user or an AAA ``users`` entry.

    The Activity API wraps each entry of a DM's ``users`` map in ``{"data": {...}}``; v2 calls the
    handle ``username``, v1.1 ``screen_name``.
    """
    if not user:
        return None, None
    if isinstance(user.get("data"), Mapping):
        user = user["data"]
    name = user.get("name") or None
    handle = user.get("username") or user.get("screen_name") or None
    return name, handle


def identity(user_id: str, user: Mapping[str, Any] | None = None) -> Identity:
    """The customer's identity: the X user id is the key, since handles and names change."""
    name, handle = user_fields(user)
    return Identity(channel=X, external_id=str(user_id), display_name=name, handle=handle)


def users_by_id(users: Any) -> dict[str, Mapping[str, Any]]:
    """Index a v2 ``includes.users`` list or an AAA ``users`` map by user id."""
    if isinstance(users, Mapping):
        return {str(key): value for key, value in users.items() if isinstance(value, Mapping)}
    if isinstance(users, list):
        return {str(user["id"]): user for user in users if isinstance(user, Mapping) and "id" in user}
    return {}
