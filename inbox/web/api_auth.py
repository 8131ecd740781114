"""The API's request plumbing. Who is calling: a bearer token (no CSRF: not sent by browsers on
their own), or the agent's browser session (then the CSRF token must come in the X-CSRFToken
header); JSON bodies checked against a schema; tickets the caller may see."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from marshmallow import Schema

from inbox import tickets
from inbox.extensions import db
from inbox.models import Agent, Ticket
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


def json_body(schema: Schema) -> dict[str, Any]:
    """The request's JSON object, validated and loaded by ``schema``; 400 with the reasons if not."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(api_error(400, "expected a JSON object body"))
    errors = schema.validate(data)
    if errors:
        abort(api_error(400, f"invalid request: {errors}"))
    return schema.load(data)


def visible_ticket(ticket_id: int) -> Ticket:
    """The ticket, if the caller may see it; a ticket of another team answers as if it did not exist."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not tickets.visible_to(current_agent(), ticket):
        abort(api_error(404, "not found"))
    return ticket
