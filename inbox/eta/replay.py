"""Kept's promises over a stream of trace events, one event at a time.

The backtest feeds it a trace file and the live model the install's own history
(:mod:`inbox.eta.live`), so both make exactly the same promises. At each arrival the promiser
sees only what happened before it (the queue in work order, who is online, the team's history),
and its calibration learns only from promises that have matured by then.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from inbox.eta.history import TeamHistory
from inbox.eta.predictor import DEFAULT_TARGETS, LiveState, QueuedTicket
from inbox.eta.promiser import Promise, Promiser
from inbox.eta.trace import ABANDONED, ARRIVAL, FIRST_REPLY, TraceEvent, to_datetime
from inbox.sla.calendar import BusinessCalendar


@dataclass(frozen=True)
class Arrived:
    """An arrival's promise, and the ticket's place in the work order (1: next to be taken)."""

    promise: Promise
    position: int


@dataclass(frozen=True)
class Ended:
    """A waiting ticket answered or left: its channel and when it arrived (epoch seconds)."""

    channel: str
    arrived: float


class Replay:
    """``promises`` keeps the promise issued at each arrival when ``keep`` is set (tests compare
    the live model's with the backtest's on the exported trace)."""

    def __init__(self, calendar: BusinessCalendar | None, q: float, keep: bool = False):
        self.history = TeamHistory(calendar)
        self.promiser = Promiser(q)
        self.promises: dict[str, float] | None = {} if keep else None
        self._arrived: dict[str, tuple[float, str, float]] = {}   # ticket -> (time, channel, due)
        self._queue: list[tuple[float, int, str]] = []           # waiting tickets in work order
        self._queued: dict[str, QueuedTicket] = {}
        self._seq = 0
        self.events = 0

    def apply(self, e: TraceEvent) -> Arrived | Ended | None:
        at = to_datetime(e.t)
        self.promiser.advance(at)
        self.history.advance(at)
        self.events += 1
        if e.kind == ARRIVAL:
            return self._arrival(e)    # the promise is made before the arrival is recorded
        self.history.record(e)
        if e.kind in (FIRST_REPLY, ABANDONED):
            if e.kind == FIRST_REPLY:
                self.promiser.answered(e.ticket, at)
            else:
                self.promiser.abandoned(e.ticket, at)
            info = self._leave_queue(e.ticket)
            if info is not None:
                return Ended(info[1], info[0])
        return None

    def _leave_queue(self, ticket: str) -> tuple[float, str, float] | None:
        """Take a waiting ticket out of the work order: its (arrival, channel, due), or None."""
        info = self._arrived.pop(ticket, None)
        if info is None or self._queued.pop(ticket, None) is None:
            return None
        due = info[2]
        k = bisect.bisect_left(self._queue, (due, -1, ""))
        while self._queue[k][2] != ticket:
            k += 1
        del self._queue[k]
        return info

    def _arrival(self, e: TraceEvent) -> Arrived:
        at = to_datetime(e.t)
        # A ticket arriving again while it waits (a repeated line in an export) is promised
        # afresh from now, as the referee scores it; left in the work order twice, its reply
        # removed one entry and the other broke the next arrival's queue.
        self._leave_queue(e.ticket)
        ch, pr = e.channel, e.priority
        due = e.t + DEFAULT_TARGETS.get((ch, pr), 3600.0)
        i = bisect.bisect_right(self._queue, (due, self._seq, ""))
        state = LiveState(
            now=at, channel=ch, priority=pr, due=to_datetime(due),
            ahead=[self._queued[tk] for _, _, tk in self._queue[:i]], queue_length=len(self._queue),
            agents_online=len(self.history.online), stats=self.history.stats(at),
            longest_wait=self.history.longest_wait(at),
        )
        p = self.promiser.promise(e.ticket, state)
        if self.promises is not None:
            self.promises[e.ticket] = p.promise.total_seconds()
        self.history.arrival(at, e.ticket, ch, pr)
        self._arrived[e.ticket] = (e.t, ch, due)
        bisect.insort(self._queue, (due, self._seq, e.ticket))
        self._queued[e.ticket] = QueuedTicket(ch, pr)
        self._seq += 1
        return Arrived(p, i + 1)
