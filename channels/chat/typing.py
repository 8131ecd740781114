"""Typing indicators, both ways. Nothing is stored: a lost indicator is harmless.

The workspace calls :func:`agent_typing` (or its agents emit ``chat.typing`` on ``/agents``,
see :mod:`channels.chat.namespace`); the visitor's ``typing`` reaches agents who can see the
ticket as ``chat.typing`` on ``/agents``.
"""
from __future__ import annotations

from channels.chat.rooms import NAMESPACE, visitor_of, visitor_room
from inbox import realtime
from inbox.extensions import socketio
from inbox.models import Agent, Ticket


def agent_typing(ticket: Ticket, agent: Agent, typing: bool = True) -> None:
    """Show (or hide) "<agent> is typing…" in the visitor's widget."""
    visitor_id = visitor_of(ticket.thread_key)
    if ticket.channel != "chat" or visitor_id is None:
        return
    socketio.emit("typing", {"typing": bool(typing), "name": agent.name, "avatar_url": agent.avatar_url},
                  to=visitor_room(visitor_id), namespace=NAMESPACE)


def visitor_typing(ticket: Ticket, typing: bool) -> None:
    socketio.emit("chat.typing", {"ticket_id": ticket.id, "typing": bool(typing), "who": "visitor"},
                  to=realtime.rooms_for_ticket(ticket), namespace=realtime.AGENTS_NAMESPACE)
