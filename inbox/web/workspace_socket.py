"""The workspace's Socket.IO events on /agents: presence, and who is viewing or typing on a ticket.

Viewing and typing are not stored anywhere. A browser opening a ticket joins the ticket's room
and says hello; everyone already there answers with their own state, so a newcomer learns who is
present without a server-side list that several processes would have to share. The server
stamps every message with the sender's name, so nobody can speak for someone else.
"""
from __future__ import annotations

import hashlib
from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import emit, join_room, leave_room, rooms

from inbox import presence, tickets
from inbox.extensions import db, socketio
from inbox.models import Ticket
from inbox.realtime import AGENTS_NAMESPACE, ticket_room

_TICKET_ROOM_PREFIX = "ticket:"


def register() -> None:
    """Bind the handlers to the current Socket.IO server (one per app; see realtime)."""
    handlers = {
        "presence.hello": presence_hello,
        "ticket.watch": watch,
        "ticket.here": here,
        "ticket.typing": typing,
        "ticket.unwatch": unwatch,
        "disconnect": disconnect,
    }
    for name, handler in handlers.items():
        socketio.on_event(name, handler, namespace=AGENTS_NAMESPACE)


def presence_hello(_data: Any = None) -> dict:
    """The workspace page is open: count this socket towards the agent being present."""
    if not current_user.is_authenticated:
        return {"ok": False}
    agent = presence.socket_opened(current_user._get_current_object(), request.sid)
    return {"ok": True, **presence.presence_dict(agent)}


def watch(data: Any) -> dict:
    ticket_id = _ticket_id(data)
    ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
    # A ticket the agent may not see is refused exactly like one that does not exist.
    if ticket is None or not current_user.is_authenticated or not tickets.visible_to(current_user, ticket):
        return {"ok": False}
    for room in _ticket_rooms():
        if room != ticket_room(ticket.id):
            _announce(int(room.removeprefix(_TICKET_ROOM_PREFIX)), "left")
            leave_room(room)
    join_room(ticket_room(ticket.id))
    _announce(ticket.id, "viewing", hello=True)
    return {"ok": True}


def here(data: Any) -> None:
    """An answer to a newcomer's hello: still viewing, or typing."""
    ticket_id = _ticket_id(data)
    if ticket_id and ticket_room(ticket_id) in _ticket_rooms():
        _announce(ticket_id, "typing" if isinstance(data, dict) and data.get("typing") else "viewing")


def typing(data: Any) -> None:
    ticket_id = _ticket_id(data)
    if ticket_id and ticket_room(ticket_id) in _ticket_rooms():
        _announce(ticket_id, "typing" if isinstance(data, dict) and data.get("typing") else "viewing")


def unwatch(data: Any) -> None:
    ticket_id = _ticket_id(data)
    if ticket_id and ticket_room(ticket_id) in _ticket_rooms():
        _announce(ticket_id, "left")
        leave_room(ticket_room(ticket_id))


def disconnect(*_reason: Any) -> None:
    for room in _ticket_rooms():
        _announce(int(room.removeprefix(_TICKET_ROOM_PREFIX)), "left")
    presence.socket_closed(request.sid)


def _announce(ticket_id: int, state: str, *, hello: bool = False) -> None:
    emit("viewer.update", {
        "ticket_id": ticket_id,
        # A stable, opaque key per tab: two tabs of one agent are two viewers, and the socket id
        # itself is never shown to other clients.
        "key": hashlib.sha256(request.sid.encode()).hexdigest()[:16],
        "agent_id": current_user.id,
        "name": current_user.name,
        "state": state,
        "hello": hello,
    }, to=ticket_room(ticket_id), include_self=False, namespace=AGENTS_NAMESPACE)


def _ticket_rooms() -> list[str]:
    return [r for r in rooms(namespace=AGENTS_NAMESPACE) if r.startswith(_TICKET_ROOM_PREFIX)]


def _ticket_id(data: Any) -> int | None:
    try:
        return int(data["ticket_id"]) if isinstance(data, dict) else None
    except (KeyError, TypeError, ValueError):
        return None
