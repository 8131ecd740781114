"""Who works a ticket: chosen by hand, or by the team's rule among agents who can take it now.

A team's rule is manual (nobody is chosen for them), round-robin (the next eligible agent after
the one chosen last) or least-loaded (the eligible agent with the fewest open tickets on that
channel). Eligible means online, in the team, skilled in the ticket's channel, speaking its
language and under capacity: ``Agent.capacity`` concurrent chats, and
``ASSIGNMENT_ASYNC_CAPACITY`` open email or X tickets, which wait for answers and pile up.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from inbox import events, presence, realtime, team_moves  # noqa: F401 - team_moves listens on Ticket.team_id
from inbox.extensions import db
from inbox.models import Agent, Team, TeamAssignment, Ticket, utcnow
from inbox.models.workspace import ASSIGNMENT_MODES
from inbox.presenters import ticket_summary

# Tickets that occupy an agent: waiting on us, not on the customer.
ACTIVE_STATUSES = ("new", "open")
LIVE_CHANNELS = ("chat",)


class AssignmentError(ValueError):
    """An assignment rule that does not exist."""


def team_mode(team_id: int | None) -> str:
    if team_id is None:
        return "manual"
    row = db.session.get(TeamAssignment, team_id)
    return row.mode if row else "manual"


def set_team_mode(team: Team, mode: str) -> TeamAssignment:
    if mode not in ASSIGNMENT_MODES:
        raise AssignmentError(f"assignment must be one of {', '.join(ASSIGNMENT_MODES)}")
    row = db.session.get(TeamAssignment, team.id) or TeamAssignment(team_id=team.id)
    row.mode = mode
    db.session.add(row)
    db.session.commit()
    return row


def capacity(agent: Agent, channel: str) -> int:
    if channel in LIVE_CHANNELS:
        return agent.capacity
    return current_app.config["ASSIGNMENT_ASYNC_CAPACITY"]


def loads(agent_ids: Iterable[int], channel: str) -> dict[int, int]:
    """Open tickets on ``channel`` each agent is working."""
    ids = list(agent_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(ids), Ticket.channel == channel, Ticket.status.in_(ACTIVE_STATUSES),
               Ticket.merged_into_id.is_(None))
        .group_by(Ticket.assignee_id)
    ).all()
    counts = {agent_id: 0 for agent_id in ids}
    counts.update({agent_id: n for agent_id, n in rows})
    return counts


def eligible_agents(ticket: Ticket, exclude: Iterable[int] = ()) -> list[Agent]:
    """Online agents of the ticket's team who can take it now, by id."""
    skip = set(exclude)
    agents = [
        a for a in presence.online_agents(channel=ticket.channel, team_id=ticket.team_id)
        if a.id not in skip and presence.speaks(a, ticket.language)
    ]
    counts = loads((a.id for a in agents), ticket.channel)
    return [a for a in agents if counts[a.id] < capacity(a, ticket.channel)]


def choose(ticket: Ticket, mode: str, last_agent_id: int | None, exclude: Iterable[int] = ()) -> Agent | None:
    agents = eligible_agents(ticket, exclude)
    if not agents:
        return None
    # Start after the agent chosen last, so ties (and round-robin) rotate through the team.
    pivot = last_agent_id or 0
    rotated = [a for a in agents if a.id > pivot] + [a for a in agents if a.id <= pivot]
    if mode == "least_loaded":
        counts = loads((a.id for a in rotated), ticket.channel)
        return min(rotated, key=lambda a: counts[a.id])
    return rotated[0]


def auto_assign(ticket: Ticket, *, exclude: Iterable[int] = (), now: datetime | None = None) -> Agent | None:
    """Assign by the team's rule, in the current transaction (no commit); None when manual or
    nobody can take it."""
    if ticket.team_id is None or ticket.assignee_id is not None:
        return None
    # Locking the team's rule row makes concurrent arrivals take turns, so two tickets cannot
    # both see the same agent's last free slot (SQLite serialises writers anyway).
    rule = db.session.scalar(
        select(TeamAssignment).where(TeamAssignment.team_id == ticket.team_id).with_for_update()
    )
    if rule is None or rule.mode == "manual":
        return None
    agent = choose(ticket, rule.mode, rule.last_agent_id, exclude)
    if agent is None:
        return None
    rule.last_agent_id = agent.id
    ticket.assignee_id = agent.id
    ticket.assignee = agent
    events.record(ticket, "assignee.changed", at=now or utcnow(), old=None, new=agent.id, reason=rule.mode)
    return agent


def on_ticket_created(ticket: Ticket, *, now: datetime | None = None) -> Agent | None:
    """Called by ingest once a new ticket has its team, before the commit."""
    return auto_assign(ticket, now=now)


def reassign_open_chats(agent: Agent, *, now: datetime | None = None) -> int:
    """Hand an absent agent's live chats to someone online (or back to the team); no commit.
    Email and X tickets stay with their owner: they wait hours, not seconds."""
    now = now or utcnow()
    chats = db.session.scalars(
        select(Ticket).where(Ticket.assignee_id == agent.id, Ticket.channel.in_(LIVE_CHANNELS),
                             Ticket.status.in_(ACTIVE_STATUSES), Ticket.merged_into_id.is_(None))
        .order_by(Ticket.id)
    ).all()
    for ticket in chats:
        ticket.assignee_id = None
        ticket.assignee = None
        events.record(ticket, "assignee.changed", at=now, old=agent.id, new=None, reason="agent absent")
        auto_assign(ticket, exclude=[agent.id], now=now)
        ticket.updated_at = now
        db.session.flush()
        realtime.announce_ticket("ticket.updated", ticket, ticket_summary(ticket))
    return len(chats)
