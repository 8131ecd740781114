"""The bridge from the database to the wait predictor: the same model live as in a backtest.

A team's promise model is a pure function of the install's history: the events of
:mod:`inbox.eta.install_history` fed to the same :class:`inbox.eta.replay.Replay` that
:func:`inbox.eta.backtest.replay` feeds a trace file. At each arrival the promiser
issues the promise it would have made, and its calibration learns from those promises maturing.

Each process keeps one replay per team and applies only events it has not seen, up to a short
lag behind now (rows are stamped before their transaction commits). The replay window starts on
a Monday at 00:00 UTC, so every web process and worker started the same week replays the same
events into the same state; a new week starts a fresh replay. Live estimates read a copy of the
history, never the replay itself, so asking does not change the answer the next process gives.
"""
from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from inbox.eta.history import RecentStats
from inbox.eta.install_history import LEFT, calendar_of, class_of, history_events, team_filter
from inbox.eta.predictor import LiveState, QueuedTicket, sla_due
from inbox.eta.replay import Replay
from inbox.eta.trace import to_datetime
from inbox.extensions import db
from inbox.models import Team, Ticket
from inbox.models.tickets import PRIORITY_RANK
from inbox.sla.calendar import BusinessCalendar

__all__ = ["LEFT", "WAITING", "Estimate", "Replay", "TeamModel", "calendar_of", "class_of", "estimate",
           "forget_models", "live_state", "model_for", "replay_start", "waiting_tickets"]

log = logging.getLogger(__name__)

WAITING = ("new", "open")
# Rows are stamped when their transaction starts; replaying only up to this far behind now keeps
# a slow commit from landing behind the replay. Events that do are caught within the overlap.
LAG = timedelta(seconds=30)
OVERLAP = timedelta(minutes=10)
# The chat widget asks for every waiting visitor every few seconds: a model caught up this
# recently answers without asking the database again.
CATCH_UP_EVERY = timedelta(seconds=2)
# A live estimate's copy of the history is reused for this long (the chat widget asks often).
PEEK_SECONDS = 5.0


@dataclass
class TeamModel:
    """One team's replay, how far it has got, and a recent copy of its history for estimates."""

    team_id: int | None
    calendar: BusinessCalendar
    q: float
    start: datetime
    replay: Replay
    applied_to: datetime
    seen: dict[tuple[str, str | None, str | None, float], datetime] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _peek: tuple[float, RecentStats] | None = None

    def catch_up(self, until: datetime) -> int:
        """Apply the events up to ``until`` not applied yet; returns how many."""
        if until <= self.applied_to:
            return 0
        since = max(self.start, self.applied_to - OVERLAP)
        fresh = []
        for e in history_events(self.team_id, since, until, initial_presence=False, origin=self.start):
            key = (e.kind, e.ticket, e.agent, e.t)
            if key not in self.seen:
                fresh.append(e)
                self.seen[key] = to_datetime(e.t)
        for e in fresh:
            self.replay.apply(e)
        self.applied_to = until
        horizon = until - OVERLAP
        self.seen = {k: t for k, t in self.seen.items() if t > horizon}
        if fresh:
            self._peek = None
        return len(fresh)

    def stats(self, now: datetime) -> RecentStats:
        """The history's summary at ``now``, from a copy: summarising moves the history's own
        bookkeeping (its outlook day, its last hour of arrivals) to ``now``, which the replay
        must reach only through events."""
        t = now.timestamp()
        if self._peek is not None and abs(self._peek[0] - t) < PEEK_SECONDS:
            return self._peek[1]
        history = self.replay.history
        snapshot = copy.deepcopy(history, {id(history.calendar): history.calendar})
        stats = snapshot.stats(now)
        self._peek = (t, stats)
        return stats


_models_lock = threading.Lock()


def _models() -> dict[tuple, TeamModel]:
    # Per app: one app per process in production; each test's app starts from nothing.
    return current_app.extensions.setdefault("kept_promise_models", {})


def replay_start(now: datetime, weeks: int) -> datetime:
    """The replay window's start: the Monday (00:00 UTC) ``weeks`` before this week's, the same
    for every process. The window grows through the week and starts afresh each Monday, so a
    full replay happens once a week per process rather than every day."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday(), weeks=weeks)


def model_for(team: Team | None, q: float, now: datetime) -> TeamModel:
    """The team's promise model, caught up to ``now`` less the commit lag."""
    weeks = current_app.config["PROMISE_HISTORY_WEEKS"]
    calendar = calendar_of(team)
    start = replay_start(now, weeks)
    team_id = team.id if team is not None else None
    key = (team_id, q, start, calendar)
    with _models_lock:
        models = _models()
        model = models.get(key)
        if model is None:
            for old in [k for k in models if k[0] == team_id]:
                del models[old]
            model = TeamModel(team_id, calendar, q, start, Replay(calendar, q, closes_logged=True),
                               applied_to=start)
            models[key] = model
    with model.lock:
        began = time.perf_counter()
        if model.replay.events == 0:
            for e in history_events(team_id, start, start, initial_presence=True):
                model.replay.apply(e)
        until = now - LAG
        applied = model.catch_up(until) if until - model.applied_to >= CATCH_UP_EVERY else 0
        spent = time.perf_counter() - began
        if applied > 100 or spent > 0.5:
            log.info("promise model for team %s: %d events replayed in %.2f s", team_id, applied, spent)
    return model


def forget_models() -> None:
    """Drop every cached model (tests, and an admin changing what a model depends on)."""
    with _models_lock:
        _models().clear()


# -- live state --------------------------------------------------------------------------------

def own_due(ticket: Ticket) -> datetime:
    """When the ticket's first reply is due: its SLA target, else the predictor's default."""
    if ticket.first_response_due_at is not None:
        return ticket.first_response_due_at
    return sla_due(ticket.created_at, class_of(ticket.channel), ticket.priority or "normal")


def waiting_tickets(team_id: int | None, exclude: int | None = None) -> list[Ticket]:
    """The team's tickets waiting for a first reply (any channel)."""
    query = select(Ticket).where(
        team_filter(team_id), Ticket.status.in_(WAITING), Ticket.first_response_at.is_(None),
        Ticket.abandoned_at.is_(None), Ticket.merged_into_id.is_(None))
    if exclude is not None:
        query = query.where(Ticket.id != exclude)
    return list(db.session.scalars(query))


def work_key(ticket: Ticket) -> tuple:
    """The queue's order (:mod:`inbox.queue`): soonest due first, then priority, then age."""
    due = ticket.sla_due_at or own_due(ticket)
    return (due.timestamp(), PRIORITY_RANK.get(ticket.priority, 9), ticket.created_at.timestamp(), ticket.id or 0)


def live_state(ticket: Ticket, now: datetime, stats: RecentStats, agents_online: int,
               waiting: Iterable[Ticket] | None = None) -> LiveState:
    """What the predictor is told about ``ticket`` at ``now``: the tickets agents will take before
    it, all others waiting, who is online for its channel, and the team's recent history."""
    others = list(waiting) if waiting is not None else waiting_tickets(ticket.team_id, exclude=ticket.id)
    mine = work_key(ticket)
    ahead = sorted((t for t in others if work_key(t) < mine), key=work_key)
    longest = max(((now - t.created_at).total_seconds() for t in others), default=0.0)
    return LiveState(
        now=now, channel=class_of(ticket.channel), priority=ticket.priority or "normal", due=own_due(ticket),
        ahead=[QueuedTicket(class_of(t.channel), t.priority or "normal") for t in ahead],
        queue_length=len(others), agents_online=agents_online, stats=stats, longest_wait=max(0.0, longest),
    )


@dataclass(frozen=True)
class Estimate:
    """A live estimate of one ticket's wait for its first reply."""

    made_at: datetime
    quantile: float
    level: float
    promise: timedelta
    median: timedelta
    channel: str
    position: int
    queue_length: int
    agents_online: int
    open_now: bool
    next_open_at: datetime | None
    holiday: str | None
    sla_due_at: datetime | None
    timezone: str
    target: float                  # the share it is read to keep: q, or more (promiser.FAR_DAYS)

    @property
    def due_at(self) -> datetime:
        return self.made_at + self.promise

    @property
    def median_at(self) -> datetime:
        return self.made_at + self.median

    def inputs(self) -> dict[str, Any]:
        """The model inputs worth keeping with a promise."""
        return {"queue_ahead": self.position - 1, "queue_length": self.queue_length,
                "agents_online": self.agents_online, "level": round(self.level, 4), "channel": self.channel,
                "open_now": self.open_now, "beyond_sla": bool(self.sla_due_at and self.due_at > self.sla_due_at),
                "target": round(self.target, 4)}


def estimate(ticket: Ticket, now: datetime, q: float, agents_online: int,
             waiting: Iterable[Ticket] | None = None) -> Estimate:
    """Kept's promise for ``ticket`` at quantile ``q`` from the live queue and the team's model."""
    team = db.session.get(Team, ticket.team_id) if ticket.team_id is not None else None
    model = model_for(team, q, now)
    with model.lock:
        stats = model.stats(now)
        state = live_state(ticket, now, stats, agents_online, waiting)
        promise = model.replay.promiser.estimate(state)
    calendar = model.calendar
    open_now = calendar.is_open(now)
    next_open = None if open_now else calendar.next_open(now)
    holiday = None
    if not open_now:
        holiday = calendar.holiday_name(now.astimezone(ZoneInfo(calendar.timezone)).date())
    return Estimate(
        made_at=now, quantile=q, level=promise.level, promise=promise.promise, median=promise.median,
        channel=state.channel, position=len(state.ahead) + 1, queue_length=state.queue_length,
        agents_online=agents_online, open_now=open_now, next_open_at=next_open, holiday=holiday,
        sla_due_at=ticket.first_response_due_at, timezone=calendar.timezone, target=promise.target,
    )
