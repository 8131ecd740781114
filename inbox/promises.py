"""The wait a live-chat visitor is told: their place in line and how long until a reply.

:func:`live_wait` is a deliberately simple model — a queue position and Little's-law-style
arithmetic on recent handling times — behind the signature the promise predictor will keep
when it replaces the internals. It returns numbers only: wording belongs to the caller, in the
visitor's language and time zone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from inbox.extensions import db
from inbox.models import Agent, Ticket, utcnow
from inbox.models.tickets import PRIORITY_RANK

CHAT = "chat"
# A chat that has had no answer yet is in line; pending/on-hold chats wait on the customer.
WAITING_STATUSES = ("new", "open")
# Recent solved chats inform the handling time; older ones describe a different shift.
HANDLING_WINDOW = timedelta(hours=24)
HANDLING_SAMPLE = 50


@dataclass(frozen=True)
class LiveWait:
    """Where a waiting chat stands.

    ``position`` is the place in line, 1 meaning next. ``seconds`` is the expected wait for a
    first reply, or None when nobody can answer now (no agent online, or the team is closed).
    ``next_open_at`` is the next opening (UTC) when the team is closed.
    """

    position: int
    seconds: int | None
    agents_online: int
    open_now: bool
    next_open_at: datetime | None


def waiting_chats(team_id: int | None) -> list[Ticket]:
    """The team's chats still waiting for a first reply, in the queue's work order."""
    rows = db.session.scalars(
        select(Ticket).where(
            Ticket.channel == CHAT,
            Ticket.status.in_(WAITING_STATUSES),
            Ticket.first_response_at.is_(None),
            Ticket.abandoned_at.is_(None),
            Ticket.merged_into_id.is_(None),
            Ticket.team_id.is_(None) if team_id is None else Ticket.team_id == team_id,
        )
    )
    return sorted(rows, key=queue_key)


def queue_key(ticket: Ticket) -> tuple:
    """The order of :func:`inbox.queue.queue_query`: soonest SLA due first, then priority, then age."""
    due = ticket.sla_due_at
    return (due is None, due.timestamp() if due else 0.0, PRIORITY_RANK.get(ticket.priority, 9),
            ticket.created_at.timestamp(), ticket.id)


def agents_online(team_id: int | None) -> int:
    """Active agents online who take chat, in the team (any agent, for a ticket with no team)."""
    agents = db.session.scalars(select(Agent).where(Agent.active.is_(True), Agent.presence == "online"))
    return sum(
        1 for agent in agents
        if (not agent.channels or CHAT in agent.channels) and (team_id is None or team_id in agent.team_ids())
    )


def mean_handling_seconds(now: datetime) -> float:
    """Mean time from first reply to solved over recent chats, or the configured default."""
    rows = db.session.execute(
        select(Ticket.first_response_at, Ticket.solved_at)
        .where(Ticket.channel == CHAT, Ticket.solved_at >= now - HANDLING_WINDOW,
               Ticket.first_response_at.is_not(None))
        .order_by(Ticket.solved_at.desc())
        .limit(HANDLING_SAMPLE)
    ).all()
    spans = [(solved - first).total_seconds() for first, solved in rows if solved > first]
    if not spans:
        return float(current_app.config["CHAT_DEFAULT_HANDLING_SECONDS"])
    return sum(spans) / len(spans)


def opening(ticket: Ticket, now: datetime) -> tuple[bool, datetime | None]:
    """Whether the ticket's team is open now and, if not, when it next opens."""
    try:
        from inbox.sla.calendars import calendar_for_ticket
    except ImportError:  # installs without business calendars answer around the clock
        return True, None
    calendar = calendar_for_ticket(ticket)
    if calendar.is_open(now):
        return True, None
    return False, calendar.next_open(now)


def live_wait(ticket: Ticket, now: datetime | None = None) -> LiveWait:
    now = now or utcnow()
    line = waiting_chats(ticket.team_id)
    ids = [t.id for t in line]
    position = ids.index(ticket.id) + 1 if ticket.id in ids else len(ids) + 1
    online = agents_online(ticket.team_id)
    open_now, next_open_at = opening(ticket, now)
    if not open_now or online == 0:
        return LiveWait(position, None, online, open_now, next_open_at)
    floor = current_app.config["CHAT_WAIT_FLOOR_SECONDS"]
    seconds = max(floor, round(position * mean_handling_seconds(now) / online))
    return LiveWait(position, int(seconds), online, open_now, next_open_at)
