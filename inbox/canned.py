"""Canned replies: reply templates with variables, rendered in Jinja's sandbox.

Templates are written by agents, so they run in ``SandboxedEnvironment`` and see plain
dictionaries only — never a model, whose attributes lead to the session and the database.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from flask import current_app
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import or_, select

from inbox.extensions import db
from inbox.models import Agent, CannedReply, Ticket

_ENV = SandboxedEnvironment(autoescape=False, trim_blocks=True, lstrip_blocks=True)


class CannedError(ValueError):
    """A template that cannot be rendered; the message says why."""


def available(agent: Agent) -> list[CannedReply]:
    """Replies for every team and the agent's own teams, by title."""
    query = select(CannedReply).where(
        or_(CannedReply.team_id.is_(None), CannedReply.team_id.in_(agent.team_ids() or {-1}))
    )
    return list(db.session.scalars(query.order_by(CannedReply.title, CannedReply.id)))


def create(
    agent: Agent, title: str, body: str, *, team_id: int | None = None, language: str | None = None
) -> CannedReply:
    if not title.strip() or not body.strip():
        raise CannedError("a canned reply needs a title and a body")
    check(body)
    reply = CannedReply(title=title.strip()[:200], body=body, team_id=team_id, language=language,
                        created_by_id=agent.id)
    db.session.add(reply)
    db.session.commit()
    return reply


def check(body: str) -> None:
    try:
        _ENV.parse(body)
    except TemplateError as error:
        raise CannedError(f"template error: {error}") from None


def variables(ticket: Ticket, agent: Agent) -> dict:
    customer = ticket.customer
    return {
        "customer": {
            "first_name": customer.first_name if customer else "",
            "name": customer.display() if customer else "",
            "email": customer.email if customer else None,
        },
        "ticket": {"id": ticket.id, "subject": ticket.subject or "", "channel": ticket.channel,
                   "status": ticket.status, "priority": ticket.priority},
        "agent": {"name": agent.name, "first_name": agent.name.split(" ")[0]},
        "promise": promise_text(ticket),
    }


def promise_text(ticket: Ticket) -> str:
    """The promised time as the customer reads it: their language and time zone."""
    if ticket.promise_due_at is None:
        return ""
    customer = ticket.customer
    zone_name = (customer.timezone if customer else None) or current_app.config["INBOX_DEFAULT_TIMEZONE"]
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    language = ticket.language or current_app.config["INBOX_DEFAULT_LANGUAGE"]
    return format_datetime(ticket.promise_due_at.astimezone(zone), format="medium", tzinfo=zone, locale=language)


def render(body: str, ticket: Ticket, agent: Agent) -> str:
    try:
        return _ENV.from_string(body).render(variables(ticket, agent))
    except TemplateError as error:  # SecurityError is a TemplateError
        raise CannedError(f"template error: {error}") from None
