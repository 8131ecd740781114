"""Kept's promises over a stream of trace events, one event at a time.

The backtest feeds it a trace file and the live model the install's own history
(:mod:`inbox.eta.live`), so both make exactly the same promises. At each arrival the promiser
sees only what happened before it (the queue in work order, who is online, the team's history),
and its calibration learns only from promises that have matured by then.
"""
from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass

from inbox.eta.history import TeamHistory
from inbox.eta.predictor import DEFAULT_TARGETS, LiveState, QueuedTicket
from inbox.eta.promiser import Promise, Promiser
from inbox.eta.trace import ABANDONED, ARRIVAL, FIRST_REPLY, TraceEvent, to_datetime
from inbox.sla.calendar import BusinessCalendar

# Agents take the waiting ticket due first, so a ticket still waiting after one that arrived
# after it and is due after it has been answered was already in an agent's hands, and its reply is
# a handling time away; or it was passed over (closed without a reply, answered elsewhere), and no
# reply is coming. Past PASSED_OVER_HANDLINGS mean handling times (at least PASSED_OVER_MIN) it is
# taken to be passed over and leaves the queue. Left in it, such tickets stood ahead of every
# arrival for the rest of the history: with one ticket in a hundred answered nowhere in the trace,
# the public trace's promises were read behind a growing pile of them (pinball 7.97 -> 18.6
# minutes, posts kept 0.84), and the calibration counted each as a promise broken for good.
# Twenty: a channel's handling time is read at most five times the mean (``service_times``), so
# this is four of the slowest channel's. With every reply in the trace, no ticket is passed over
# (the public trace and the twelve simulated teams' seeds 1-12, with presence events, without
# them and cut at 11:00). The install's own history says when a ticket was closed unanswered
# (``install_history.LEFT``), so the live model infers nothing: a ticket its agents skip is still
# a customer waiting on a promise.
PASSED_OVER_HANDLINGS = 20.0
PASSED_OVER_MIN = 3600.0


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
    the live model's with the backtest's on the exported trace). ``closes_logged``: the events say
    when a ticket left unanswered, so none is taken to be passed over (PASSED_OVER_HANDLINGS)."""

    def __init__(self, calendar: BusinessCalendar | None, q: float, keep: bool = False,
                 closes_logged: bool = False):
        self.history = TeamHistory(calendar)
        self.promiser = Promiser(q)
        self.promises: dict[str, float] | None = {} if keep else None
        self._arrived: dict[str, tuple[float, str, float]] = {}   # ticket -> (time, channel, due)
        self._queue: list[tuple[float, int, str]] = []           # waiting tickets in work order
        self._queued: dict[str, QueuedTicket] = {}
        self._seq = 0
        self.events = 0
        self._infer_passed_over = not closes_logged
        self._overtaken: dict[str, float] = {}                   # ticket -> when it is passed over
        self._passing: list[tuple[float, str]] = []              # heap of those times

    def apply(self, e: TraceEvent) -> Arrived | Ended | None:
        at = to_datetime(e.t)
        self.promiser.advance(at)
        self.history.advance(at)
        self.events += 1
        self._pass_over(e.t)
        if e.kind == ARRIVAL:
            return self._arrival(e)    # the promise is made before the arrival is recorded
        self.history.record(e)
        if e.kind in (FIRST_REPLY, ABANDONED):
            if e.kind == FIRST_REPLY:
                self.promiser.answered(e.ticket, at)
                if self._infer_passed_over:
                    self._overtake(e.ticket, e.t)
            else:
                self.promiser.abandoned(e.ticket, at)
            info = self._leave_queue(e.ticket)
            if info is not None:
                return Ended(info[1], info[0])
        return None

    def _leave_queue(self, ticket: str) -> tuple[float, str, float] | None:
        """Take a ticket out of the work order, if it is still in it: its (arrival, channel,
        due), or None for a ticket not waiting. A ticket passed over is out of the work order
        already, but its late reply is still its wait."""
        info = self._arrived.pop(ticket, None)
        if info is None:
            return None
        self._overtaken.pop(ticket, None)
        self._unqueue(ticket, info[2])
        return info

    def _unqueue(self, ticket: str, due: float) -> None:
        if self._queued.pop(ticket, None) is not None:
            del self._queue[self._index(ticket, due)]

    def _index(self, ticket: str, due: float) -> int:
        k = bisect.bisect_left(self._queue, (due, -1, ""))
        while self._queue[k][2] != ticket:
            k += 1
        return k

    def _overtake(self, ticket: str, now: float) -> None:
        """``ticket`` was answered: every ticket still waiting that is due before it and arrived
        before it has been overtaken, and is passed over if it is still waiting a long handling
        time later (PASSED_OVER_HANDLINGS). Replies come from the front of the queue, so this looks
        at a few tickets."""
        info = self._arrived.get(ticket)
        if info is None or ticket not in self._queued:
            return
        arrived, _, due = info
        deadline = None
        for _, _, other in self._queue[:self._index(ticket, due)]:
            if other in self._overtaken or self._arrived[other][0] >= arrived:
                continue
            if deadline is None:
                deadline = now + max(PASSED_OVER_MIN, PASSED_OVER_HANDLINGS * self.history.mean_handling())
            self._overtaken[other] = deadline
            heapq.heappush(self._passing, (deadline, other))

    def _pass_over(self, now: float) -> None:
        """Take out of the work order the overtaken tickets whose time is up by ``now``."""
        while self._passing and self._passing[0][0] <= now:
            deadline, ticket = heapq.heappop(self._passing)
            # A ticket that left the work order since, or was overtaken again, is no longer marked
            # for this deadline (an overtaken ticket is always still in the work order).
            if self._overtaken.get(ticket) != deadline:
                continue
            del self._overtaken[ticket]
            self._unqueue(ticket, self._arrived[ticket][2])
            at = to_datetime(deadline)
            self.history.passed_over(at, ticket)
            self.promiser.abandoned(ticket, at)     # not scored, as a visitor who left is not

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
            agents_online=self.history.taking(at), stats=self.history.stats(at),
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
