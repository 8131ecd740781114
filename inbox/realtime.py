"""Socket.IO for agents: who may connect, which rooms they join, and announcements after commit.

Domain code calls :func:`announce` inside its transaction; nothing is emitted until the
transaction commits, and a rollback drops the announcement, so an agent never sees a ticket the
database does not have. With ``REDIS_URL`` set, Flask-SocketIO publishes through Redis, so an
event raised in one web process or a Celery worker reaches agents connected to another.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy import event
from sqlalchemy.orm import Session

from inbox.extensions import db, socketio
from inbox.models import Agent, Ticket

log = logging.getLogger(__name__)

AGENTS_NAMESPACE = "/agents"
_PENDING = "kept_announcements"


def team_room(team_id: int | None) -> str:
    return f"team:{team_id if team_id is not None else 'none'}"


def ticket_room(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def agent_room(agent_id: int) -> str:
    return f"agent:{agent_id}"


ADMINS_ROOM = "admins"


def rooms_for_ticket(ticket: Ticket) -> list[str]:
    """Everyone allowed to see a ticket: its team (or everyone, for a ticket with no team) and admins."""
    return [team_room(ticket.team_id), ADMINS_ROOM]


def rooms_for_agent(agent: Agent) -> list[str]:
    rooms = [agent_room(agent.id), team_room(None)]
    rooms += [team_room(team.id) for team in agent.teams]
    if agent.is_admin:
        rooms.append(ADMINS_ROOM)
    return rooms


def announce(name: str, data: dict[str, Any], rooms: list[str], namespace: str = AGENTS_NAMESPACE) -> None:
    """Queue an event for after the current transaction commits."""
    db.session.info.setdefault(_PENDING, []).append((name, data, rooms, namespace))


def announce_ticket(name: str, ticket: Ticket, data: dict[str, Any]) -> None:
    announce(name, data, rooms_for_ticket(ticket))


@event.listens_for(Session, "after_commit")
def _emit_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for name, data, rooms, namespace in pending or ():
        try:
            # One emit to a list of rooms delivers once per socket, even when it is in several.
            socketio.emit(name, data, to=rooms, namespace=namespace)
        except Exception:  # the commit stands; a lost push is repaired by the next list refresh
            log.exception("could not emit %s", name)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:  # noqa: ANN001
    session.info.pop(_PENDING, None)


def own_origins(environ: dict[str, Any]) -> set[str]:
    """The origins this app is served from: the request's own host and the configured public URL."""
    origins = {current_app.config["PUBLIC_URL"].rstrip("/")}
    host = environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST")
    if host:
        scheme = environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme", "http")
        origins.add(f"{scheme}://{host}")
    return origins


def make_origin_check(app: Flask) -> Callable[[str | None, dict[str, Any]], bool]:
    """Engine.IO's origin check: our own pages, plus the sites allowed to embed the chat widget."""
    widget_origins = {o.rstrip("/") for o in app.config["SOCKETIO_CORS_ALLOWED_ORIGINS"]}

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:
            return True  # not a browser: no cross-site request to guard against
        if "*" in widget_origins or origin.rstrip("/") in widget_origins:
            return True
        with app.app_context():
            return origin.rstrip("/") in own_origins(environ)

    return allowed


def _connect_agent(auth: Any = None) -> bool:
    # The Flask-Login session cookie authenticates the socket; anonymous sockets are refused. The
    # agents' namespace also refuses pages of other sites, even those allowed to embed the widget
    # (cross-site WebSocket hijacking).
    if not current_user.is_authenticated:
        return False
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") not in own_origins(request.environ):
        return False
    for room in rooms_for_agent(current_user):
        join_room(room)
    return True


def register_agent_namespace() -> None:
    # The SocketIO object is global and keeps its handlers across init_app calls; register once.
    if any(h[0] == "connect" and h[2] == AGENTS_NAMESPACE for h in socketio.handlers):
        return
    socketio.on_event("connect", _connect_agent, namespace=AGENTS_NAMESPACE)
