"""The ``/chat`` Socket.IO namespace the widget talks to (protocol in the README, "Chat widget").

Which pages may open it is decided before this code runs, by Engine.IO's origin check
(:func:`inbox.realtime.make_origin_check`, ``SOCKETIO_CORS_ALLOWED_ORIGINS``).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import join_room

from channels.chat import conversation, presence, tokens, waits
from channels.chat.conversation import IdentifyError, Visitor
from channels.chat.rooms import NAMESPACE, visitor_room
from channels.chat.typing import agent_typing, visitor_typing
from inbox import promises, routing, tickets
from inbox.extensions import db, socketio
from inbox.models import Message, Ticket, utcnow
from inbox.presenters import iso

log = logging.getLogger(__name__)

# A typing indicator is forwarded when it changes, or again after this long while it lasts.
TYPING_REPEAT_SECONDS = 2.0

_visitors: dict[str, Visitor] = {}
_typing: dict[str, tuple[bool, float]] = {}
_lock = threading.Lock()


def _visitor() -> Visitor | None:
    with _lock:
        return _visitors.get(request.sid)


def on_connect(auth: Any = None) -> bool:
    auth = auth if isinstance(auth, dict) else {}
    config = current_app.config
    max_age = config["CHAT_TOKEN_MAX_AGE_DAYS"] * 86_400
    # A missing, forged or expired token starts a new visitor rather than refusing the page.
    visitor_id = tokens.read(auth.get("token"), config["SECRET_KEY"], max_age) or tokens.new_visitor_id()
    page = auth.get("page")
    visitor = Visitor(
        visitor_id,
        language=conversation.language_of(auth.get("lang")),
        timezone=conversation.timezone_of(auth.get("tz")),
        page=page[:500] if isinstance(page, str) else None,
    )
    identity = conversation.chat_identity(visitor_id)
    if identity is not None:
        visitor.name = identity.display_name
    with _lock:
        _visitors[request.sid] = visitor
    join_room(visitor_room(visitor_id))
    if presence.socket_opened(visitor_id, request.sid):
        presence.visitor_returned(visitor_id)
    return True


def on_hello(_data: Any = None) -> dict[str, Any]:
    """Everything a tab needs after (re)connecting: a fresh token, the history, the current wait."""
    visitor = _visitor()
    if visitor is None:
        return {"ok": False, "error": "not_connected"}
    config = current_app.config
    ticket = conversation.current_ticket(visitor.visitor_id)
    identity = conversation.chat_identity(visitor.visitor_id)
    return {
        "ok": True,
        "token": tokens.issue(visitor.visitor_id, config["SECRET_KEY"]),
        "visitor_id": visitor.visitor_id,
        "messages": conversation.history(ticket),
        "wait": waits.last_told(ticket) if ticket is not None else None,
        "availability": availability(visitor),
        "limits": {"max_chars": config["CHAT_MAX_MESSAGE_CHARS"], "per_minute": config["CHAT_RATE_PER_MINUTE"]},
        "identity": {
            "name": identity.customer.name if identity else None,
            "email": conversation.email_of(identity.customer) if identity else None,
        },
    }


def availability(visitor: Visitor) -> dict[str, Any]:
    """Whether someone could answer a new chat now, before the visitor writes anything."""
    team = routing.team_for("chat", visitor.language)
    probe = Ticket(channel="chat", team_id=team.id if team else None, team=team, status="new")
    open_now, next_open_at = promises.opening(probe, utcnow())
    online = promises.agents_online(team.id if team else None)
    state = "closed" if not open_now else ("no_agents" if online == 0 else "waiting")
    return {"state": state, "agents_online": online, "next_open_at": iso(next_open_at)}


def on_message(data: Any = None) -> dict[str, Any]:
    visitor = _visitor()
    data = data if isinstance(data, dict) else {}
    client_id, text = data.get("id"), data.get("text")
    if visitor is None:
        return {"ok": False, "id": client_id, "error": "not_connected", "text": _("Reconnect and send again.")}
    now = utcnow()
    refusal = conversation.refusal_for(visitor, client_id, text, now)
    if refusal is not None:
        return refusal.ack(client_id)
    try:
        result = conversation.receive(visitor, client_id, text, now)
    except Exception:  # the widget keeps the message queued and sends it again
        log.exception("chat message from visitor %s not stored", visitor.visitor_id)
        db.session.rollback()
        with force_locale(visitor.language or "en"):
            return {"ok": False, "id": client_id, "error": "server_error", "text": _("Not sent; trying again.")}
    if not result.duplicate:
        message = db.session.get(Message, result.message_id)
        # The visitor's other tabs show it too; the sending tab already does.
        socketio.emit("message", conversation.message_payload(message), to=visitor_room(visitor.visitor_id),
                      namespace=NAMESPACE, skip_sid=request.sid)
    if result.created_ticket:
        # Told at once on the first message; later ones do not move the visitor in line.
        ticket = db.session.get(Ticket, result.ticket_id)
        if ticket is not None:
            waits.tell(ticket, now)
    return {"ok": True, "id": client_id, "state": "delivered", "message_id": result.message_id,
            "duplicate": result.duplicate}


def on_typing(data: Any = None) -> None:
    visitor = _visitor()
    if visitor is None:
        return
    typing = bool(data.get("typing")) if isinstance(data, dict) else bool(data)
    now = time.monotonic()
    with _lock:
        last = _typing.get(request.sid)
        if last is not None and last[0] == typing and now - last[1] < TYPING_REPEAT_SECONDS:
            return
        _typing[request.sid] = (typing, now)
    ticket = conversation.current_ticket(visitor.visitor_id)
    if ticket is not None and ticket.is_open:
        visitor_typing(ticket, typing)


def on_identify(data: Any = None) -> dict[str, Any]:
    visitor = _visitor()
    if visitor is None:
        return {"ok": False, "error": "not_connected"}
    data = data if isinstance(data, dict) else {}
    try:
        known = conversation.identify(visitor, data.get("name"), data.get("email"))
    except IdentifyError as error:
        with force_locale(visitor.language or "en"):
            return {"ok": False, "error": str(error), "text": _("That email address does not look right.")}
    return {"ok": True, **known}


def on_disconnect(_reason: Any = None) -> None:
    with _lock:
        visitor = _visitors.pop(request.sid, None)
        _typing.pop(request.sid, None)
    if visitor is not None and presence.socket_closed(visitor.visitor_id, request.sid):
        presence.visitor_left(visitor.visitor_id)


def on_agent_typing(data: Any = None) -> None:
    """``chat.typing`` from an agent's workspace on ``/agents``: ``{"ticket_id": n, "typing": bool}``."""
    if not current_user.is_authenticated or not isinstance(data, dict):
        return
    ticket = db.session.get(Ticket, data.get("ticket_id")) if isinstance(data.get("ticket_id"), int) else None
    if ticket is not None and tickets.visible_to(current_user, ticket):
        agent_typing(ticket, current_user._get_current_object(), bool(data.get("typing", True)))


HANDLERS = {
    "connect": on_connect,
    "hello": on_hello,
    "message": on_message,
    "typing": on_typing,
    "identify": on_identify,
    "disconnect": on_disconnect,
}


def register() -> None:
    # The SocketIO object is global and keeps its handlers across create_app calls; register once.
    if any(h[0] == "connect" and h[2] == NAMESPACE for h in socketio.handlers):
        return
    for name, handler in HANDLERS.items():
        socketio.on_event(name, handler, namespace=NAMESPACE)
    from inbox.realtime import AGENTS_NAMESPACE

    socketio.on_event("chat.typing", on_agent_typing, namespace=AGENTS_NAMESPACE)
