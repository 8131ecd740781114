"""A team's history written into the database from a simulated trace, for the promise tests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from inbox.eta.simulate import Shift, simulate
from inbox.eta.simulate import Team as SimTeam
from inbox.eta.trace import ABANDONED, AGENT_OFFLINE, AGENT_ONLINE, ARRIVAL, FIRST_REPLY, Trace, TraceEvent, to_datetime
from inbox.extensions import db
from inbox.models import Agent, BusinessCalendarRecord, Customer, Message, Team, Ticket
from inbox.models.promises import AgentPresenceLog

BERLIN_HOURS = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
SMALL_TEAM = SimTeam(
    name="promise-tests", timezone="Europe/Berlin", hours={d: ["09:00", "18:00"] for d in BERLIN_HOURS},
    holidays=(), start=date(2026, 3, 23), days=10,
    shifts=(Shift(9.0, 18.0, 12.0), Shift(9.0, 18.0, 13.0)),
    daily={"email": 30, "social": 10, "chat": 15},
    priorities={"email": {"normal": 0.8, "high": 0.2}, "social": {"normal": 1.0}, "chat": {"normal": 1.0}},
    service_minutes={"email": 10, "social": 8, "chat": 8},
)
KEPT_CHANNEL = {"email": "email", "social": "x", "chat": "chat"}


def berlin_team(name: str = "Berlin") -> Team:
    """A team working Mon–Fri 09:00–18:00 in Berlin, on a saved business calendar."""
    calendar = BusinessCalendarRecord(name=f"{name} hours", timezone="Europe/Berlin", weekly=BERLIN_HOURS)
    team = Team(name=name, timezone="Europe/Berlin", language="en")
    db.session.add_all([calendar, team])
    db.session.flush()
    team.calendar_id = calendar.id
    db.session.commit()
    return team


@dataclass
class Loaded:
    trace: Trace
    tickets: dict[str, int]     # trace ticket -> ticket id
    agents: dict[str, int]      # trace agent -> agent id


def simulated_trace(seed: int = 5, shift: timedelta = timedelta(0)) -> Trace:
    """The small team's ten days, moved by ``shift`` (whole weeks keep weekdays and hours).

    Events a trace puts in the same second are a millisecond apart here: the trace's file order
    is causal, the database's rows only have their times.
    """
    return shifted(simulate(SMALL_TEAM, seed=seed), shift)


def shifted(trace: Trace, shift: timedelta) -> Trace:
    """The trace moved by ``shift``, with events that share a second a millisecond apart."""
    s = shift.total_seconds()
    events, last, same = [], None, 0
    for e in trace.events:
        same = same + 1 if e.t == last else 0
        last = e.t
        events.append(TraceEvent(e.t + s + same / 1000, e.kind, e.ticket, e.agent, e.channel, e.priority))
    return Trace(trace.calendar, tuple(events))


def load(trace: Trace, team: Team) -> Loaded:
    """Write a trace's events as the rows the app keeps: tickets, first replies, presence changes."""
    customer = Customer(name="Trace Customer")
    db.session.add(customer)
    agents: dict[str, Agent] = {}
    tickets: dict[str, Ticket] = {}
    rows: list = []
    for e in trace.events:
        at = to_datetime(e.t)
        if e.agent and e.agent not in agents:
            agents[e.agent] = Agent(email=f"{e.agent}@trace.example", name=e.agent, password_hash="-", teams=[team])
            db.session.add(agents[e.agent])
        if e.kind in (AGENT_ONLINE, AGENT_OFFLINE):
            rows.append(AgentPresenceLog(agent=agents[e.agent], state="online" if e.kind == AGENT_ONLINE else "offline",
                                         at=at))
        elif e.kind == ARRIVAL:
            ticket = Ticket(customer=customer, status="new", priority=e.priority, channel=KEPT_CHANNEL[e.channel],
                            team_id=team.id, created_at=at, updated_at=at, last_customer_message_at=at)
            tickets[e.ticket] = ticket
            rows.append(ticket)
        elif e.kind == FIRST_REPLY and e.ticket in tickets:
            ticket = tickets[e.ticket]
            ticket.first_response_at = at
            ticket.status = "open"
            rows.append(Message(ticket=ticket, direction="outbound", channel=ticket.channel, kind="reply",
                                author=agents.get(e.agent), text="-", delivery_state="sent", created_at=at))
        elif e.kind == ABANDONED and e.ticket in tickets:
            tickets[e.ticket].abandoned_at = at
    db.session.add_all(rows)
    db.session.commit()
    return Loaded(trace, {k: t.id for k, t in tickets.items()}, {k: a.id for k, a in agents.items()})
