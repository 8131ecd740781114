"""@mentions in internal notes: the mentioned agent is told, if they may see the ticket."""
from __future__ import annotations

import re

from sqlalchemy import select

from inbox import realtime
from inbox.extensions import db
from inbox.models import Agent, Mention, Message, Ticket, utcnow

# An agent is mentioned by the part of their email before the @ ("@mika" for mika@kept.example):
# unique, typeable on any keyboard, and free of the spaces that names in Japanese and Korean have.
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._-]+)")


def handle(agent: Agent) -> str:
    return agent.email.split("@", 1)[0]


def mentioned_agents(text: str) -> list[Agent]:
    handles = {h.lower().rstrip(".") for h in _MENTION.findall(text or "")}
    if not handles:
        return []
    agents = db.session.scalars(select(Agent).where(Agent.active.is_(True))).all()
    return [a for a in agents if handle(a).lower() in handles]


def record(note: Message, ticket: Ticket) -> list[Mention]:
    """Mentions for a note just written, and a push to each mentioned agent who can see it."""
    from inbox.tickets import visible_to

    now = utcnow()
    rows = []
    for agent in mentioned_agents(note.text):
        if agent.id == note.author_agent_id or not visible_to(agent, ticket):
            continue
        row = Mention(message_id=note.id, ticket_id=ticket.id, agent_id=agent.id, created_at=now)
        db.session.add(row)
        rows.append(row)
        realtime.announce("mention.created", {
            "ticket_id": ticket.id, "subject": ticket.subject, "message_id": note.id,
            "by": note.author.name if note.author else None, "text": note.text[:200],
        }, [realtime.agent_room(agent.id)])
    db.session.commit()
    return rows


def unread(agent: Agent) -> list[Mention]:
    return list(db.session.scalars(
        select(Mention).where(Mention.agent_id == agent.id, Mention.read_at.is_(None)).order_by(Mention.id.desc())
    ))
