"""Collision detection: did anything happen on a ticket since an agent last looked?

The composer sends the id of the newest message it has shown; a reply is held back (the API
answers 409) when someone else wrote since, unless the agent sends it anyway. Who is viewing or
typing is not stored: it travels between browsers in the ticket's Socket.IO room.
"""
from __future__ import annotations

from sqlalchemy import or_, select

from inbox.extensions import db
from inbox.models import Agent, Message, Ticket


def messages_since(ticket: Ticket, last_seen_id: int | None, agent: Agent) -> list[Message]:
    """Messages on ``ticket`` after ``last_seen_id`` that ``agent`` did not write, oldest first."""
    if last_seen_id is None:
        return []
    query = select(Message).where(
        Message.ticket_id == ticket.id,
        Message.id > last_seen_id,
        or_(Message.author_agent_id.is_(None), Message.author_agent_id != agent.id),
    )
    return list(db.session.scalars(query.order_by(Message.id)))
