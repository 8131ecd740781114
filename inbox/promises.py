"""The wait Kept promises each customer: made at ticket creation, watched, scored at the first reply.

Every estimate comes from the wait predictor (:mod:`inbox.eta.predictor`) through the live
bridge (:mod:`inbox.eta.live`): the team's replayed history, calibrated on its own matured
promises, and the live queue in the order agents work it. A promise is the forecast read at the
calibrated level for the admin's quantile q ("9 in 10 customers hear back within the time we
state"), so it is later than the SLA target whenever the queue says so: the customer is told
the honest time.

:func:`live_wait` is what the chat widget shows a waiting visitor (numbers only; wording belongs
to the caller, in the visitor's language and time zone).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from inbox import events
from inbox.eta import live
from inbox.extensions import db
from inbox.jobs import job
from inbox.models import Agent, Setting, Team, Ticket, utcnow
from inbox.models.promises import Promise
from inbox.models.tickets import PRIORITY_RANK
from inbox.presenters import iso

CHAT = "chat"
# A chat that has had no answer yet is in line; pending/on-hold chats wait on the customer.
WAITING_STATUSES = ("new", "open")
SETTINGS_KEY = "promises"
QUANTILE_RANGE = (0.5, 0.99)


@dataclass
class PromiseSettings:
    """What admins choose: the quantile promised, and on which channels a notice message goes.

    Chat is off by default: the widget's live ``wait`` line is the chat notice, and a message
    saying the same would only repeat it.
    """

    quantile: float = 0.9
    notices: dict[str, bool] = field(default_factory=lambda: {"email": True, "x": True, "chat": False})

    def notices_on(self, channel: str) -> bool:
        return bool(self.notices.get(channel, False))


class SettingsError(ValueError):
    """A setting an admin entered that cannot be used."""


def settings() -> PromiseSettings:
    defaults = PromiseSettings(quantile=current_app.config["PROMISE_QUANTILE"])
    row = db.session.get(Setting, SETTINGS_KEY)
    if row is None or not isinstance(row.value, dict):
        return defaults
    notices = {**defaults.notices, **(row.value.get("notices") or {})}
    return PromiseSettings(quantile=float(row.value.get("quantile", defaults.quantile)), notices=notices)


def save_settings(new: PromiseSettings) -> PromiseSettings:
    """Validate and store; the caller commits."""
    low, high = QUANTILE_RANGE
    if not low <= new.quantile <= high:
        raise SettingsError(f"the quantile must be between {low} and {high}")
    row = db.session.get(Setting, SETTINGS_KEY)
    if row is None:
        row = Setting(key=SETTINGS_KEY)
        db.session.add(row)
    row.value = asdict(new)
    return new


def enabled() -> bool:
    return bool(current_app.config.get("PROMISES_ENABLED", True))


# -- estimates -------------------------------------------------------------------------------------

def online_for(ticket: Ticket) -> int:
    """Agents online who take the ticket's channel, in its team (any agent for a ticket with no team)."""
    from inbox import presence

    return len(presence.online_agents(channel=ticket.channel, team_id=ticket.team_id))


@job("promises.warm", every=120.0)
def warm() -> int:
    """Replay and catch up every team's model ahead of need, so the first customer after a start
    (or after Monday's new replay window) is not the one who waits seconds for the replay."""
    if not enabled():
        return 0
    now, q = utcnow(), settings().quantile
    teams = [None, *db.session.scalars(select(Team).order_by(Team.id))]
    for team in teams:
        live.model_for(team, q, now)
    return len(teams)


def estimate(ticket: Ticket, now: datetime, q: float | None = None) -> live.Estimate:
    """The predictor's promise and median for ``ticket`` right now."""
    return live.estimate(ticket, now, q if q is not None else settings().quantile, online_for(ticket))


def make(ticket: Ticket, now: datetime) -> tuple[Promise, live.Estimate]:
    """Promise ``ticket`` a first reply: stored on the ticket, as a :class:`Promise` row and as a
    ``promise.made`` event, in the caller's transaction."""
    est = estimate(ticket, now)
    ticket.promised_at = now
    ticket.promise_due_at = est.due_at
    ticket.promise_median_at = est.median_at
    ticket.promise_quantile = est.quantile
    row = Promise(ticket_id=ticket.id, team_id=ticket.team_id, channel=ticket.channel, made_at=now,
                  quantile=est.quantile, level=est.level, due_at=est.due_at, median_at=est.median_at,
                  sla_due_at=est.sla_due_at, open_now=est.open_now, inputs=est.inputs())
    db.session.add(row)
    events.record(ticket, "promise.made", at=now, due_at=iso(est.due_at), median_at=iso(est.median_at),
                  quantile=est.quantile, next_open_at=iso(est.next_open_at), **est.inputs())
    return row, est


def current(ticket: Ticket) -> Promise | None:
    """The ticket's latest promise."""
    return db.session.scalar(select(Promise).where(Promise.ticket_id == ticket.id).order_by(Promise.id.desc()).limit(1))


def score(promised: float, wait: float, q: float) -> tuple[bool, float, float | None]:
    """(kept, pinball loss in minutes, padding) of one promise, as the backtest scores it: waits and
    promises under a minute count as a minute for the padding."""
    kept = wait <= promised
    loss = (1 - q) * (promised - wait) if kept else q * (wait - promised)
    padding = max(promised, 60.0) / max(wait, 60.0) if kept else None
    return kept, loss / 60.0, padding


def on_first_reply(ticket: Ticket, now: datetime) -> None:
    """The first public reply left: score the ticket's promise (in the caller's transaction).

    The promise scored is the one first made; an honest update told the customer a later time,
    but it does not excuse the first promise.
    """
    row = current(ticket)
    if row is None or row.outcome is not None:
        return
    promised = (row.due_at - row.made_at).total_seconds()
    wait = max(0.0, (now - row.made_at).total_seconds())
    kept, loss, padding = score(promised, wait, row.quantile)
    row.outcome = "kept" if kept else "late"
    row.first_reply_at = now
    row.wait_seconds = wait
    row.pinball = loss
    row.padding = padding
    events.record(ticket, "promise.kept" if kept else "promise.missed", at=now, promise_id=row.id,
                  wait_seconds=round(wait), promised_seconds=round(promised))


# -- the chat widget's live wait -------------------------------------------------------------------

@dataclass(frozen=True)
class LiveWait:
    """Where a waiting chat stands.

    ``position`` is the place in line, 1 meaning next. ``seconds`` is the promised wait for a
    first reply (the predictor at the admin's quantile), or None when nobody can answer now (no
    agent online, or the team is closed). ``next_open_at`` is the next opening (UTC) when closed.
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
    est = live.estimate(ticket, now, settings().quantile, online)
    return LiveWait(position, max(1, round(est.promise.total_seconds())), online, open_now, next_open_at)
