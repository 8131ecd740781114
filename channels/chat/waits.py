"""Telling a waiting visitor where they stand, live, without the number jumping on every tick.

The raw estimate comes from :func:`inbox.promises.live_wait`. It is smoothed exponentially, and a
new ``wait`` is told only when something the visitor would notice changed: their place in line,
whether anyone can answer at all, or the smoothed wait moved by more than 20 % and at least 30
seconds. What was last told, and the smoothed value, are kept in the ``settings`` table so every
web process and worker tells the same story; each telling is also a ticket event, so reports can
compare what was told with what happened.

Recomputed when a chat ticket or an agent's presence changes (a listener on the session kicks
the ``chat.refresh_waits`` job after commit) and every few seconds by the same job.
"""
from __future__ import annotations

import logging
import threading
import weakref
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import delete, event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from channels.chat import wording
from channels.chat.rooms import NAMESPACE, visitor_of, visitor_room
from inbox import events, jobs
from inbox.extensions import db, socketio
from inbox.models import Agent, Setting, Ticket, utcnow
from inbox.presenters import iso
from inbox.promises import LiveWait, live_wait, waiting_chats

log = logging.getLogger(__name__)

KEY_PREFIX = "chat.wait."
SMOOTHING = 0.3  # weight of the newest estimate
MIN_CHANGE_RATIO = 0.2
MIN_CHANGE_SECONDS = 30
REFRESH_SECONDS = 5.0
_KICK = "kept_chat_wait_kick"
QUEUE_FIELDS = ("status", "first_response_at", "abandoned_at", "merged_into_id", "team_id", "priority",
                "sla_due_at", "created_at")
# Refreshes enqueued and not yet started, per job runner (each app has its own).
_pending: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_pending_lock = threading.Lock()


def _key(ticket: Ticket) -> str:
    return f"{KEY_PREFIX}{ticket.id}"


def is_waiting(ticket: Ticket) -> bool:
    return (ticket.channel == "chat" and ticket.status in ("new", "open") and ticket.first_response_at is None
            and ticket.abandoned_at is None and ticket.merged_into_id is None)


def state_of(wait: LiveWait) -> str:
    if not wait.open_now:
        return wording.CLOSED
    if wait.seconds is None:
        return wording.NO_AGENTS
    return wording.WAITING


def should_tell(told: dict[str, Any] | None, state: str, position: int, smoothed: float | None) -> bool:
    """Hysteresis: a place in line or an availability change is told at once, a drifting estimate
    only when it moved enough that the visitor would call the old one wrong."""
    if told is None or told.get("state") != state or told.get("position") != position:
        return True
    if smoothed is None or told.get("seconds") is None:
        return (smoothed is None) != (told.get("seconds") is None)
    change = abs(smoothed - told["seconds"])
    return change > MIN_CHANGE_RATIO * told["seconds"] and change >= MIN_CHANGE_SECONDS


def smooth(told: dict[str, Any] | None, state: str, position: int, raw: int | None) -> float | None:
    """Exponential smoothing of the raw estimate, restarted whenever the place in line or the
    availability changes: those are real jumps, not noise to be averaged away."""
    if raw is None:
        return None
    if told is None or told.get("ema") is None or told.get("state") != state or told.get("position") != position:
        return float(raw)
    return SMOOTHING * raw + (1 - SMOOTHING) * float(told["ema"])


def _told_seconds(smoothed: float | None) -> int | None:
    if smoothed is None:
        return None
    # Rounded to whole half-minutes: a visitor reads "about 4 minutes", never 3:47.
    return max(30, int(round(smoothed / 30.0)) * 30)


def payload(ticket: Ticket, told: dict[str, Any]) -> dict[str, Any]:
    customer = ticket.customer
    raw_open = told.get("next_open_at")
    next_open = datetime.fromisoformat(raw_open.replace("Z", "+00:00")) if raw_open else None
    return {
        "state": told["state"],
        "position": told["position"],
        "seconds": told["seconds"],
        "agents_online": told.get("agents_online", 0),
        "open_now": told["state"] != wording.CLOSED,
        "next_open_at": told.get("next_open_at"),
        "ask_email": told["state"] != wording.WAITING,
        "text": wording.wait_text(told["state"], told["position"], told["seconds"], next_open,
                                  ticket.language, customer.timezone if customer else None),
    }


def tell(ticket: Ticket, now: datetime | None = None) -> dict[str, Any] | None:
    """Recompute the ticket's wait; emit and record it when it changed enough. Returns what was
    emitted, or None. Commits."""
    if not is_waiting(ticket):
        return None
    now = now or utcnow()
    wait = live_wait(ticket, now)
    row = db.session.get(Setting, _key(ticket))
    told = dict(row.value) if row is not None and isinstance(row.value, dict) else None
    state = state_of(wait)
    smoothed = smooth(told, state, wait.position, wait.seconds)
    emit = should_tell(told, state, wait.position, smoothed)
    record = dict(told or {})
    record["ema"] = smoothed
    if emit:
        record.update(state=state, position=wait.position, seconds=_told_seconds(smoothed),
                      agents_online=wait.agents_online, next_open_at=iso(wait.next_open_at), at=iso(now))
        events.record(ticket, "chat.wait_told", at=now, state=state, position=wait.position,
                      seconds=record["seconds"], next_open_at=record["next_open_at"])
    if row is None:
        db.session.add(Setting(key=_key(ticket), value=record))
    else:
        row.value = record
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent recompute stored the first telling; it told the visitor
        db.session.rollback()
        return None
    if not emit:
        return None
    body = payload(ticket, record)
    socketio.emit("wait", body, to=visitor_room(visitor_of(ticket.thread_key) or ""), namespace=NAMESPACE)
    return body


def last_told(ticket: Ticket) -> dict[str, Any] | None:
    """The wait the visitor was last told, for a tab that just connected; None once answered."""
    if not is_waiting(ticket):
        return None
    row = db.session.get(Setting, _key(ticket))
    if row is None or not isinstance(row.value, dict) or "state" not in row.value:
        return tell(ticket)
    return payload(ticket, row.value)


@jobs.job("chat.refresh_waits", every=REFRESH_SECONDS)
def refresh_waits() -> int:
    """Recompute every waiting chat; forget chats no longer waiting. Returns how many were told."""
    with _pending_lock:
        _pending.pop(jobs.runner(), None)
    now = utcnow()
    told = 0
    team_ids = set(db.session.scalars(select(Ticket.team_id).where(
        Ticket.channel == "chat", Ticket.first_response_at.is_(None), Ticket.abandoned_at.is_(None),
        Ticket.status.in_(("new", "open")))))
    waiting_ids: set[int] = set()
    for team_id in team_ids:
        for ticket in waiting_chats(team_id):
            waiting_ids.add(ticket.id)
            if tell(ticket, now) is not None:
                told += 1
    stale = [key for key in db.session.scalars(select(Setting.key).where(Setting.key.like(f"{KEY_PREFIX}%")))
             if int(key.removeprefix(KEY_PREFIX)) not in waiting_ids]
    if stale:
        db.session.execute(delete(Setting).where(Setting.key.in_(stale)))
        db.session.commit()
    return told


def _moves_the_line(obj: object, is_new: bool) -> bool:
    """A change that can move a waiting chat in line or change its estimate: a chat joining,
    leaving or being reordered, or an agent coming or going. A visitor's follow-up message only
    touches preview and timestamps, and must not cost a sweep."""
    if isinstance(obj, Ticket):
        if obj.channel != "chat":
            return False
        state = inspect(obj)
        return is_new or any(state.attrs[name].history.has_changes() for name in QUEUE_FIELDS)
    if isinstance(obj, Agent):
        return inspect(obj).attrs.presence.history.has_changes()
    return False


@event.listens_for(Session, "after_flush")
def _note_queue_changes(session: Session, _context) -> None:  # noqa: ANN001
    if session.info.get(_KICK):
        return
    if any(_moves_the_line(obj, True) for obj in session.new) or \
            any(_moves_the_line(obj, False) for obj in session.dirty):
        session.info[_KICK] = True


@event.listens_for(Session, "after_commit")
def _kick_refresh(session: Session) -> None:
    if not session.info.pop(_KICK, False) or not has_app_context():
        return
    if "chat" not in current_app.config.get("CHANNELS_ENABLED", ()):
        return
    runner = jobs.runner()
    # One pending refresh covers any number of changes before it runs.
    with _pending_lock:
        if _pending.get(runner):
            return
        _pending[runner] = True
    try:
        jobs.enqueue("chat.refresh_waits")
    except Exception:  # the periodic run catches up
        with _pending_lock:
            _pending.pop(runner, None)
        log.exception("could not schedule a chat wait refresh")


@event.listens_for(Session, "after_soft_rollback")
def _drop_kick(session: Session, _previous) -> None:  # noqa: ANN001
    session.info.pop(_KICK, None)
