"""Who is calling the API: a bearer token (no CSRF: not sent by browsers on their own), or the
agent's browser session (then the CSRF token must come in the X-CSRFToken header)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf

from inbox.models import Agent
from inbox.web.auth import agent_by_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def api_error(status: int, message: str):  # noqa: ANN201
    response = jsonify({"error": message})
    response.status_code = status
    return response


def current_agent() -> Agent:
    return g.api_agent


def api_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            agent = agent_by_token(header.removeprefix("Bearer ").strip())
            if agent is None:
                return api_error(401, "invalid API token")
        elif current_user.is_authenticated:
            agent = current_user._get_current_object()
            if request.method not in SAFE_METHODS:
                try:
                    validate_csrf(request.headers.get("X-CSRFToken", ""))
                except (CSRFError, Exception) as error:  # noqa: BLE001 - wtforms raises ValidationError
                    return api_error(400, f"CSRF check failed: {error}")
        else:
            return api_error(401, "sign in or send Authorization: Bearer <token>")
        g.api_agent = agent
        return view(*args, **kwargs)

    return wrapped
