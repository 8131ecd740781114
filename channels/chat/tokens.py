"""Visitor tokens: a visitor id signed with the app's secret, kept by the widget in localStorage.

The token is the visitor's only credential: whoever holds it continues that conversation, so it
is signed (itsdangerous, HMAC with ``SECRET_KEY`` and a salt of its own, so no other signed value
of the app can pass for one) and re-issued on every connection, which makes its age a sliding
window of inactivity.
"""
from __future__ import annotations

import re
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "kept.chat.visitor-token"
_VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_visitor_id() -> str:
    return secrets.token_urlsafe(16)


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def issue(visitor_id: str, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"v": visitor_id})


def read(token: object, secret_key: str, max_age_seconds: int) -> str | None:
    """The visitor id in a valid, unexpired token; None for anything else."""
    if not isinstance(token, str) or len(token) > 512:
        return None
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age_seconds)
    except BadSignature:  # also covers SignatureExpired
        return None
    visitor_id = data.get("v") if isinstance(data, dict) else None
    return visitor_id if isinstance(visitor_id, str) and _VISITOR_ID.match(visitor_id) else None
