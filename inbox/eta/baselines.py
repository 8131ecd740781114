"""Simple causal promises that Kept must beat, computed in the same replay as Kept.

* ``static``: the SLA text ("chat within 5 minutes, social within an hour, email within a day").
* ``sla_business_hours``: the SLA targets (5 min, 60 min, 8 h) counted in business hours.
* ``trailing_median_7d`` / ``trailing_p<q>_7d``: quantiles of the channel's first-reply waits
  over the last seven days, wall clock.
* ``trailing_p<q>_business_hours``: the same quantile measured and promised in business time.
* ``last_to_enter_service``: the wait of the channel's most recently answered ticket.
* ``queue_erlang``: tickets ahead over capacity: the ``q``-quantile of the time the online
  agents (or, when none, the last team seen at work) need for that many first replies at the
  recent rate, on the business clock.

Each falls back to the SLA text or SLA hours until it has seen a wait in the channel.
"""
from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass, field
from statistics import NormalDist

from inbox.sla.calendar import BusinessCalendar

STATIC_SECONDS = {"chat": 300.0, "social": 3600.0, "email": 86400.0}
SLA_BUSINESS_SECONDS = {"chat": 300.0, "social": 3600.0, "email": 28800.0}
WEEK = 7 * 86400.0


@dataclass
class _Window:
    """Values seen in the last ``span`` seconds, sorted for quantiles."""

    span: float
    items: deque[tuple[float, float]] = field(default_factory=deque)
    ordered: list[float] = field(default_factory=list)

    def add(self, t: float, v: float) -> None:
        self.items.append((t, v))
        bisect.insort(self.ordered, v)

    def trim(self, now: float) -> None:
        while self.items and self.items[0][0] < now - self.span:
            _, v = self.items.popleft()
            del self.ordered[bisect.bisect_left(self.ordered, v)]

    def quantile(self, p: float) -> float | None:
        o = self.ordered
        return o[min(len(o) - 1, int(p * len(o)))] if o else None


def _erlang_quantile(k: int, rate: float, q: float) -> float:
    """q-quantile of the time for k events of a Poisson process at ``rate``: an Erlang
    quantile, in closed form by the Wilson–Hilferty cube-root approximation."""
    v = 1.0 / (9.0 * k)
    z = NormalDist().inv_cdf(q)
    return k * max(1.0 - v + z * math.sqrt(v), 0.0) ** 3 / rate


class Baselines:
    """Feeds on the replay's events and answers every baseline's promise for an arrival."""

    def __init__(self, calendar: BusinessCalendar | None, q: float = 0.9):
        self.cal = calendar
        self.q = q
        self.wall: dict[str, _Window] = {}
        self.business: dict[str, _Window] = {}
        self.last: dict[str, float] = {}
        self.replies: deque[float] = deque()
        self.online = 0
        self.last_staffed = 1
        self._agent_seconds: deque[tuple[float, float]] = deque()   # (t, running total)
        self._total = 0.0
        self._t: float | None = None
        pct = round(q * 100)
        self.names = ("static", "sla_business_hours", "trailing_median_7d", f"trailing_p{pct}_7d",
                      f"trailing_p{pct}_business_hours", "last_to_enter_service", "queue_erlang")

    def _add(self, t: float, seconds: float) -> float:
        if self.cal is None:
            return seconds
        return self.cal.add_us(int(t * 1e6), int(seconds * 1e6)) / 1e6 - t

    def _between(self, a: float, b: float) -> float:
        if self.cal is None:
            return b - a
        return self.cal.between_us(int(a * 1e6), int(b * 1e6)) / 1e6

    def _open(self, t: float) -> bool:
        return self.cal is None or self.cal.is_open_us(int(t * 1e6))

    def tick(self, t: float, online: int) -> None:
        """Account agent time up to ``t``; ``online`` is the count from ``t`` on."""
        if self._t is not None and t > self._t:
            self._total += self.online * (t - self._t)
            self._agent_seconds.append((t, self._total))
        self._t = t
        self.online = online
        if online and self._open(t):
            self.last_staffed = online

    def replied(self, t: float, channel: str, arrived: float) -> None:
        self.wall.setdefault(channel, _Window(WEEK)).add(t, t - arrived)
        self.business.setdefault(channel, _Window(WEEK)).add(t, self._between(arrived, t))
        self.last[channel] = t - arrived
        self.replies.append(t)

    def promise(self, t: float, channel: str, ahead: int) -> dict[str, float]:
        """Every baseline's promise (seconds) for a ticket with ``ahead`` tickets before it,
        itself included."""
        static = STATIC_SECONDS.get(channel, 3600.0)
        sla_bh = self._add(t, SLA_BUSINESS_SECONDS.get(channel, 3600.0))
        wall = self.wall.setdefault(channel, _Window(WEEK))
        biz = self.business.setdefault(channel, _Window(WEEK))
        wall.trim(t)
        biz.trim(t)
        median, high, bhigh = wall.quantile(0.5), wall.quantile(self.q), biz.quantile(self.q)
        out = dict(zip(self.names, (
            static,
            sla_bh,
            median if median is not None else static,
            high if high is not None else static,
            self._add(t, bhigh) if bhigh is not None else sla_bh,
            self.last.get(channel, static),
            self._queue_erlang(t, ahead),
        ), strict=True))
        return out

    def _queue_erlang(self, t: float, ahead: int) -> float:
        while self.replies and self.replies[0] < t - WEEK:
            self.replies.popleft()
        while len(self._agent_seconds) > 1 and self._agent_seconds[1][0] <= t - WEEK:
            self._agent_seconds.popleft()
        start = self._agent_seconds[0][1] if self._agent_seconds and \
            self._agent_seconds[0][0] <= t - WEEK else 0.0
        agent_seconds = max(self._total - start, 1.0)
        rate = max(len(self.replies), 1) / agent_seconds
        servers = self.online if self.online and self._open(t) else self.last_staffed
        return self._add(t, _erlang_quantile(max(ahead, 1), servers * rate, self.q))
