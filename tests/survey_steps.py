"""Steps shared by the survey tests: a ticket on a channel, answered and solved, and time moved on."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import select

from channels.base import Identity, Inbound, ThreadHints
from inbox import tickets
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Agent, Message, Survey, Ticket, utcnow
from tests import factories

_seq = itertools.count(1)


def chat(visitor: str = "visitor-1", text: str = "Is the blue one in stock?", name: str = "Ana Lima") -> Inbound:
    return Inbound(channel="chat", external_id=f"chat-{next(_seq)}", sender=Identity("chat", visitor, name),
                   text=text, raw=text.encode(), thread=ThreadHints(conversation_key=f"chat:{visitor}"))


def inbound_on(channel: str, **kwargs) -> Inbound:  # noqa: ANN003
    if channel == "email":
        return factories.email(**kwargs)
    if channel == "x":
        return factories.dm(**kwargs)
    return chat(**kwargs)


def solved_ticket(agent: Agent, channel: str = "email", **kwargs) -> Ticket:  # noqa: ANN003
    """A customer writes, the agent answers and solves the ticket."""
    ticket = db.session.get(Ticket, ingest(inbound_on(channel, **kwargs)).ticket_id)
    tickets.reply(ticket, agent, "Here is what happened, and it is fixed now.")
    tickets.update(ticket, agent, status="solved")
    return ticket


def run_jobs(app, after: timedelta) -> int:  # noqa: ANN001
    """Run every job due by now + ``after``, as the job runner would once that time has passed."""
    return app.extensions["kept_jobs"].run_due(now=utcnow() + after)


def surveys_sent(ticket: Ticket) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(Message).where(Message.ticket_id == ticket.id, Message.kind == "survey").order_by(Message.id)
    ))


def survey_of(ticket: Ticket) -> Survey:
    db.session.expire_all()
    return db.session.scalars(select(Survey).where(Survey.ticket_id == ticket.id).order_by(Survey.id.desc())).first()


def later(days: float = 0, hours: float = 0) -> datetime:
    return utcnow() + timedelta(days=days, hours=hours)
