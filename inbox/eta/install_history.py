"""The install's history as trace events: what the promise model replays and what
``flask eta backtest-install`` exports.

The last weeks of arrivals (``tickets.created_at``), first public replies (``first_response_at``
and who sent them), tickets that left unanswered (abandoned chats; tickets solved, closed or
merged without a reply) and agents' presence changes (``agent_presence_log``) become the events
of :mod:`inbox.eta.trace`, in the format of ``shared/traces``: channels in the predictor's classes
(email, social, chat), tickets ``t<id>``, agents ``a<id>``.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select

from inbox.eta.trace import (
    ABANDONED,
    AGENT_OFFLINE,
    AGENT_ONLINE,
    ARRIVAL,
    FIRST_REPLY,
    Trace,
    TraceEvent,
    iter_json_lines,
)
from inbox.extensions import db
from inbox.models import Agent, Message, Team, Ticket, TicketEvent, agent_teams
from inbox.models.promises import AgentPresenceLog
from inbox.sla.calendar import ALWAYS_OPEN, BusinessCalendar

# Kept's channels in the predictor's (and the traces') classes.
CLASS_OF = {"email": "email", "x": "social", "chat": "chat"}
LEFT = ("solved", "closed")


def class_of(channel: str) -> str:
    return CLASS_OF.get(channel, channel)


def calendar_of(team: Team | None) -> BusinessCalendar:
    """The team's business calendar (around the clock without one)."""
    try:
        from inbox.sla.calendars import calendar_for_team
    except ImportError:  # installs without saved calendars answer around the clock
        return ALWAYS_OPEN
    return calendar_for_team(team)



def team_filter(team_id: int | None):  # noqa: ANN202
    return Ticket.team_id.is_(None) if team_id is None else Ticket.team_id == team_id


def _agent_ids(team_id: int | None) -> list[int]:
    if team_id is None:
        return list(db.session.scalars(select(Agent.id)))
    return list(db.session.scalars(select(agent_teams.c.agent_id).where(agent_teams.c.team_id == team_id)))


def history_events(team_id: int | None, start: datetime, end: datetime,
                   initial_presence: bool = True, origin: datetime | None = None) -> list[TraceEvent]:
    """The team's events with ``start < t ≤ end``, in replay order (time, then file order).

    Replies and departures count only for tickets that arrived after ``origin`` (default
    ``start``), the replay's beginning. With ``initial_presence``, agents online at ``start``
    come first, as ``agent_online`` at ``start``. Ticket and agent ids become ``t<id>``, ``a<id>``.
    """
    origin = origin or start
    events: list[tuple[float, int, TraceEvent]] = []

    def add(at: datetime, order: int, event: TraceEvent) -> None:
        events.append((at.timestamp(), order, event))

    agents = _agent_ids(team_id)
    if initial_presence:
        for agent_id in _online_at(agents, start):
            add(start, 0, TraceEvent(start.timestamp(), AGENT_ONLINE, agent=f"a{agent_id}"))
    if agents:
        rows = db.session.execute(
            select(AgentPresenceLog.agent_id, AgentPresenceLog.state, AgentPresenceLog.at)
            .where(AgentPresenceLog.agent_id.in_(agents), AgentPresenceLog.at > start, AgentPresenceLog.at <= end)
            .order_by(AgentPresenceLog.at, AgentPresenceLog.id)
        )
        for agent_id, state, at in rows:
            kind = AGENT_ONLINE if state == "online" else AGENT_OFFLINE
            add(at, 1, TraceEvent(at.timestamp(), kind, agent=f"a{agent_id}"))
    team = team_filter(team_id)
    for ticket_id, channel, priority, at in db.session.execute(
        select(Ticket.id, Ticket.channel, Ticket.priority, Ticket.created_at)
        .where(team, Ticket.created_at > start, Ticket.created_at <= end)
    ):
        add(at, 2, TraceEvent(at.timestamp(), ARRIVAL, ticket=f"t{ticket_id}", channel=class_of(channel),
                              priority=priority or "normal"))
    first_author = (
        select(Message.author_agent_id)
        .where(Message.ticket_id == Ticket.id, Message.direction == "outbound", Message.kind == "reply")
        .order_by(Message.id).limit(1).scalar_subquery()
    )
    for ticket_id, at, agent_id in db.session.execute(
        select(Ticket.id, Ticket.first_response_at, first_author)
        .where(team, Ticket.first_response_at > start, Ticket.first_response_at <= end,
               Ticket.created_at > origin)
    ):
        add(at, 3, TraceEvent(at.timestamp(), FIRST_REPLY, ticket=f"t{ticket_id}",
                              agent=f"a{agent_id}" if agent_id else None))
    for ticket_id, at in _left_unanswered(team_id, start, end, origin):
        add(at, 3, TraceEvent(at.timestamp(), ABANDONED, ticket=f"t{ticket_id}"))
    events.sort(key=lambda row: (row[0], row[1]))
    return [event for _, _, event in events]


def _online_at(agent_ids: Sequence[int], at: datetime) -> list[int]:
    """Agents whose last presence change at or before ``at`` put them online."""
    if not agent_ids:
        return []
    last = (select(AgentPresenceLog.agent_id, func.max(AgentPresenceLog.id).label("id"))
            .where(AgentPresenceLog.agent_id.in_(agent_ids), AgentPresenceLog.at <= at)
            .group_by(AgentPresenceLog.agent_id).subquery())
    rows = db.session.execute(
        select(AgentPresenceLog.agent_id).join(last, AgentPresenceLog.id == last.c.id)
        .where(AgentPresenceLog.state == "online").order_by(AgentPresenceLog.agent_id)
    )
    return [agent_id for (agent_id,) in rows]


def _left_unanswered(team_id: int | None, start: datetime, end: datetime,
                     origin: datetime) -> list[tuple[int, datetime]]:
    """Tickets that left the queue without a reply in ``(start, end]``: abandoned chats, and
    tickets solved, closed or merged unanswered (spam, a customer's "never mind"). They no longer
    wait, so the replay must not keep them in line. The time is the abandonment, else the solve,
    else the last status change or merge in the event log."""
    team = team_filter(team_id)
    out = [(tid, at) for tid, at in db.session.execute(
        select(Ticket.id, Ticket.abandoned_at)
        .where(team, Ticket.first_response_at.is_(None), Ticket.abandoned_at > start, Ticket.abandoned_at <= end,
               Ticket.created_at > origin))]
    gone = select(Ticket.id, Ticket.solved_at).where(
        team, Ticket.first_response_at.is_(None), Ticket.abandoned_at.is_(None), Ticket.created_at > origin,
        Ticket.created_at <= end, or_(Ticket.status.in_(LEFT), Ticket.merged_into_id.is_not(None)))
    rows = db.session.execute(gone).all()
    unsolved = [tid for tid, solved in rows if solved is None]
    changed: dict[int, datetime] = {}
    if unsolved:
        changed = dict(db.session.execute(
            select(TicketEvent.ticket_id, func.max(TicketEvent.created_at))
            .where(TicketEvent.ticket_id.in_(unsolved),
                   TicketEvent.kind.in_(("status.changed", "ticket.merged")))
            .group_by(TicketEvent.ticket_id)).all())
    for tid, solved in rows:
        at = solved or changed.get(tid)
        if at is not None and start < at <= end:
            out.append((tid, at))
    return out


def export_trace(team: Team | None, start: datetime, end: datetime) -> Trace:
    """The team's history in ``(start, end]`` as a trace, in the format of ``shared/traces``."""
    return Trace(calendar_of(team).to_spec(), tuple(history_events(team.id if team else None, start, end)))


def write_install_trace(path: str, team_name: str | None, weeks: int, now: datetime | None = None) -> int:
    """Write the last ``weeks`` of a team's history (by name; None: tickets with no team) as a
    trace file; returns the number of events. Raises LookupError for an unknown team."""
    team = None
    if team_name is not None:
        team = db.session.scalar(select(Team).where(Team.name == team_name))
        if team is None:
            raise LookupError(f"no team named {team_name!r}")
    now = now or datetime.now(UTC)
    trace = export_trace(team, now - timedelta(weeks=weeks), now)
    with open(path, "w", encoding="utf-8") as fh:
        for line in iter_json_lines(trace):
            fh.write(line + "\n")
    return len(trace.events)
