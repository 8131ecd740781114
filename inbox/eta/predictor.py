"""The wait-time predictor: from the live queue to a distribution of this ticket's wait.

The same function runs live and in backtests; its input is a plain snapshot (:class:`LiveState`).

The model follows the queue forward. Agents take the waiting ticket with the earliest due time,
so this ticket is taken once the agents have taken every ticket ahead of it, plus every ticket
that arrives later with an earlier due time and jumps ahead. With ``k`` tickets to get through:

* takes form a Poisson process on the *capacity clock* ``M(s) = μ ∫ c·a(u) du``: ``a(u)`` is the
  number of agents expected online (now: who is online; later: the team's usual staffing for
  that weekday and time, so lunch breaks, shift ends, nights and holidays are in it; ``c`` is
  an agent's concurrent capacity; ``μ`` first replies per busy agent-second, learned);
* jump-ins of each channel and priority arrive as a Poisson process at the usual rate for that
  time (plus any surge seen in the last hour, fading no faster than the surge has lasted so
  far: two hours at least, twelve at most), until the instant after which their due time would
  fall after ours;
* the take time ``S`` therefore satisfies ``Gamma(k + J(S)) ≤ M(S)``, evaluated with the
  Wilson–Hilferty approximation to the gamma distribution (Wilson & Hilferty 1931), with what
  we do not know about the rate ``μ`` (a lognormal factor) folded into the gamma's first two
  moments; the usual hours beyond the next three are read at how fully staffed today has been
  so far for the rest of today (absences last the day), and mixed over three levels of how
  fully staffed a day turns out for the days after (recent days' agent-hours against the
  usual: a small team one agent short is a day at two thirds);
* the first reply follows the take after a take-to-reply delay, mixed over its learned
  quantiles for the ticket's channel.

The result is a :class:`WaitForecast` with a CDF and quantiles. The level at which it is read
is chosen by :mod:`inbox.eta.calibration`, which watches promises mature.
"""
from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox.eta.history import DELAY_POINTS, Outlook, RecentStats

# The trace teams' queue discipline: due = arrival + target × priority scale (wall clock).
TARGET_SECONDS = {"chat": 300.0, "social": 3600.0, "email": 28800.0}
PRIORITY_SCALE = {"urgent": 0.25, "high": 0.5, "normal": 1.0, "low": 2.0}
DEFAULT_TARGETS = {(ch, pr): t * s for ch, t in TARGET_SECONDS.items()
                   for pr, s in PRIORITY_SCALE.items()}

STAFF_MEMORY = 10800.0     # how long a departure from the usual staffing is expected to last
SURGE_MEMORY = 7200.0      # how long an arrival surge is expected to last, at least
MAX_SURGE_MEMORY = 43200.0
RATE_SPREAD = 0.12         # day-to-day spread of the service rate beyond sampling noise
JUMP_SPREAD = 0.15         # day-to-day spread of arrival volume around the usual
# A surge's extra arrivals to come are as uncertain as they are many: the coefficient of
# variation of an exponential duration (nobody knows when an outage ends).
SURGE_SPREAD = 1.0
NEAR_SLOTS = 12
# Three-point Gauss–Hermite rule for a standard normal factor: (node, weight).
NORMAL_NODES = ((0.0, 2 / 3), (math.sqrt(3.0), 1 / 6), (-math.sqrt(3.0), 1 / 6))
HORIZON = 90 * 86400.0
# A closing: where the next CLOSED_SPAN of capacity is under CLOSED_SHARE of the span before it.
# A lunch hour is not one (the hour after it works), nor is a staggered shift's end while its
# later colleagues work on; overtime past the close is a few hundredths of the day's last hours.
CLOSED_SPAN = 7200.0
CLOSED_SHARE = 0.05
CLOSED_STEP = 900.0


@dataclass(frozen=True, slots=True)
class QueuedTicket:
    """A waiting ticket, as far as the predictor cares."""

    channel: str
    priority: str


@dataclass(frozen=True)
class LiveState:
    """Everything the predictor is told about one arriving (or re-estimated) ticket.

    ``ahead``: the waiting tickets agents will take before this one (earlier due time), in
    work order. ``queue_length``: all other waiting tickets, ahead or behind (a ticket left
    waiting means no agent is idle). ``agents_free``: idle seats when the caller knows them
    from assignments; otherwise the predictor estimates them from recent replies.
    """

    now: datetime
    channel: str
    priority: str
    due: datetime
    ahead: Sequence[QueuedTicket]
    queue_length: int
    agents_online: int
    stats: RecentStats
    longest_wait: float = 0.0
    agent_capacity: float = 1.0
    agents_free: float | None = None
    targets: Mapping[tuple[str, str], float] | None = None


def sla_due(arrived: datetime, channel: str, priority: str,
            targets: Mapping[tuple[str, str], float] | None = None) -> datetime:
    seconds = (targets or DEFAULT_TARGETS).get((channel, priority), TARGET_SECONDS.get(channel, 3600.0))
    return arrived + timedelta(seconds=seconds)


def _gamma_cdf(n: float, x: float) -> float:
    """P(Gamma(n, 1) ≤ x) by Wilson–Hilferty (cube root of a chi-square is near normal)."""
    if x <= 0.0:
        return 0.0
    if n <= 1e-6:
        return 1.0
    v = 1.0 / (9.0 * n)
    z = ((x / n) ** (1.0 / 3.0) - 1.0 + v) / math.sqrt(v)
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def _running_at(bounds: Sequence[float], cum: Sequence[float], t: float) -> float:
    """A running total of a slot-wise constant rate at ``t``, linear beyond its last slot."""
    if t <= bounds[0]:
        return cum[0]
    if t >= bounds[-1]:
        span = bounds[-1] - bounds[0]
        return cum[-1] + (cum[-1] - cum[0]) / span * (t - bounds[-1])
    i = bisect.bisect_right(bounds, t) - 1
    return cum[i] + (cum[i + 1] - cum[i]) * (t - bounds[i]) / (bounds[i + 1] - bounds[i])


class _Clock:
    """A cumulative amount from ``now``: explicit over the next hours, then running totals
    shared by all predictions of the day (outlook columns), each times a factor."""

    __slots__ = ("far", "far_bounds", "far_end", "memory", "near_bounds", "near_cum", "offset", "surge")

    def __init__(self, near_bounds: list[float], near_cum: list[float],
                 far_bounds: Sequence[float], far: Sequence[tuple[float, Sequence[float]]],
                 surge: float = 0.0, memory: float = SURGE_MEMORY):
        self.near_bounds, self.near_cum = near_bounds, near_cum
        self.far_bounds, self.far = far_bounds, far
        self.far_end = self._far(near_bounds[-1])
        self.offset = near_cum[-1] - self.far_end
        self.surge = surge     # extra arrivals per second now, fading over ``memory`` seconds
        self.memory = memory

    def _far(self, t: float) -> float:
        fb = self.far_bounds
        if t <= fb[0] or t >= fb[-1]:
            return sum(k * _running_at(fb, cum, t) for k, cum in self.far)
        # The columns share their slot bounds: find the slot once (this is the hot loop).
        i = bisect.bisect_right(fb, t) - 1
        x = (t - fb[i]) / (fb[i + 1] - fb[i])
        return sum(k * (cum[i] + (cum[i + 1] - cum[i]) * x) for k, cum in self.far)

    def split(self, t: float) -> tuple[float, float]:
        """``at(t)`` as (the amount up to the end of the explicit hours, the usual beyond)."""
        nb = self.near_bounds
        if t < nb[-1]:
            return self.at(t), 0.0
        return self.near_cum[-1], self._far(t) - self.far_end

    def at(self, t: float) -> float:
        return self.usual(t) + self.surged(t)

    def usual(self, t: float) -> float:
        """The part of ``at(t)`` at the usual rates (all of it but the surge)."""
        nb = self.near_bounds
        if t <= nb[0]:
            return 0.0
        if t < nb[-1]:
            return _running_at(nb, self.near_cum, t)
        return self.offset + self._far(t)

    def surged(self, t: float) -> float:
        """The part of ``at(t)`` owed to the surge."""
        if not self.surge or t <= self.near_bounds[0]:
            return 0.0
        m = self.memory
        return self.surge * m * (1.0 - math.exp(-(t - self.near_bounds[0]) / m))


class WaitForecast:
    """The distribution of one ticket's wait (seconds from ``now`` to the first reply)."""

    def __init__(self, now: float, immediate: float, backlog: float, capacity: _Clock,
                 jumps: list[tuple[float, float, _Clock]], reply_delays: Sequence[float],
                 rate_spread: float, dispersion: float = 1.0,
                 staff_levels: Sequence[tuple[float, float]] = ((1.0, 1.0),),
                 today_end: float = 0.0,
                 today_levels: Sequence[tuple[float, float]] = ((1.0, 1.0),)):
        self.now = now
        self.immediate = immediate        # P(an idle agent takes the ticket on arrival)
        self.backlog = backlog            # work (in average tickets) before the take, if not
        self._capacity = capacity
        # Jump-ins per arrivals clock: the clock, and its classes' (cutoff, weight, usual count
        # and surge count by the cutoff). A class stops jumping in at its cutoff, so past it the
        # counts are fixed.
        by_clock: dict[int, tuple[_Clock, list[tuple[float, float, float, float]]]] = {}
        for cutoff, weight, clock in jumps:
            by_clock.setdefault(id(clock), (clock, []))[1].append(
                (cutoff, weight, clock.usual(cutoff), clock.surged(cutoff)))
        self._jumps = tuple(by_clock.values())
        self._last_cutoff = max((cutoff for cutoff, _, _ in jumps), default=now)
        self._peaks: tuple[list[float], list[float]] | None = None
        self._delays = tuple(sorted(reply_delays)) or (0.0,)
        # Behind a queue the delay is a small addition to a long take time, and half the points
        # (pairs averaged) convolve it as well at half the cost of the whole forecast.
        d = self._delays
        self._coarse = tuple((d[i] + d[min(i + 1, len(d) - 1)]) / 2 for i in range(0, len(d), 2))
        # The rate is known to a lognormal spread: E[1/k] and E[1/k²] for k ~ LN(0, s²). Its spread
        # is its own (sampling and day-to-day): the calibration's dispersion widens the counts of
        # work, which the forecast can understate; widening the pace too squared that on long
        # queues, whose promises it padded by hours.
        s2 = rate_spread * rate_spread
        self._rate_m1, self._rate_m2 = math.exp(s2 / 2.0), math.exp(2.0 * s2)
        self._dispersion2 = dispersion * dispersion
        self._staff = tuple(staff_levels)
        # The usual capacity from the end of the explicit hours to the end of today, which is
        # read at how full today is turning out (``today_levels``); the days after it at
        # ``staff_levels``.
        self._today = tuple(today_levels)
        self._usual_today = capacity.split(today_end)[1]
        self._today_end = today_end
        # (wait, cdf) pairs already computed, so a second quantile starts where the first left off.
        self._probes: list[tuple[float, float]] = []

    def days_after_today(self, wait: float) -> float:
        """How many days of the team's usual capacity after today a wait of ``wait`` seconds runs
        through, a day being the mean of the next four weeks' days that have any. A seventh of the
        coming week's, as it was, is a sliver in a holiday week: a Lisbon team's Easter Saturday,
        four agent-hours with the rest of the week closed, read as seven days' worth, so a Good
        Friday ticket answered that Saturday noon ran through about five. Nought while how full a day
        turns out is not known (no staffing levels yet): there is no spread of days to guard."""
        if len(self._staff) < 2:
            return 0.0
        usual = self._capacity.split(self.now + wait)[1]
        later = usual - min(usual, self._usual_today)
        if later <= 0.0:
            return 0.0
        ends = [self._capacity.split(self._today_end + k * 86400.0)[1] for k in range(29)]
        days = [b - a for a, b in zip(ends, ends[1:], strict=False) if b - a > 0.0]
        day = sum(days) / len(days) if days else 0.0
        return later / day if day > 0.0 else 0.0

    def closing_after(self, wait: float, until: float) -> float | None:
        """The wait (seconds) at which the team next closes, at or after ``wait`` and before
        ``until``, found at CLOSED_STEP resolution on the capacity clock; None if it does not."""
        cap = self._capacity
        t, end = self.now + wait, self.now + until
        while t < end:
            before = cap.at(t) - cap.at(max(self.now, t - CLOSED_SPAN))
            if before > 0.0 and cap.at(t + CLOSED_SPAN) - cap.at(t) < CLOSED_SHARE * before:
                return t - self.now
            t += CLOSED_STEP
        return None

    @property
    def longest_reply_delay(self) -> float:
        """The take-to-reply delay's highest point: a ticket taken by closing is answered by then."""
        return self._delays[-1]

    def take_cdf(self, s: float) -> float:
        """P(an agent has taken the ticket by epoch second ``s``)."""
        if s < self.now:
            return 0.0
        return self.immediate + (1.0 - self.immediate) * self._queued_take_cdf(s)

    def _queued_take_cdf(self, s: float) -> float:
        """P(taken by ``s``) for a ticket no idle agent took on arrival.

        The ticket is taken the first time the takes have caught up with the work ahead of it,
        jump-ins included; what arrives after that does not matter. Two kinds of chance decide
        when that is. Some is common to the whole stretch (the team's pace today, how busy a day
        it is, how long a surge lasts): under such a factor the first passage has exactly the
        running maximum of the covering chances as its CDF. The chance that the capacity used by
        ``s`` covers the work due by ``s`` falls again wherever tickets jump in faster than
        agents take them (after closing, until the last class's cutoff; a lunch hour in a busy
        spell), so the maximum is taken over the slot bounds, between which capacity and
        arrivals are linear. The rest comes ticket by ticket (which handling runs long, when
        each jump-in comes), and a walk of such steps that ends level with the ticket has likely
        been past it on the way: ``_taken`` adds the chance of having reached the ticket and
        fallen short again. Read as a common factor alone, a ticket with two ahead of it, taken
        at twelve an hour while ten an hour jump in, had 0.47 of a take within the hour and 0.66
        within three, where a simulated queue gives 0.66 and 0.86, and small desks' afternoon
        emails were promised the next morning and answered within the hour.
        """
        if s < self.now or self.immediate >= 1.0:
            return 0.0
        chance = self._covered(s)
        if s <= self.now or not self._jumps:
            return chance
        return max(chance, self._peak_before(s))

    def _peak_before(self, s: float) -> float:
        """The highest covering chance at the slot bounds up to ``s``. Past the last class's
        cutoff nothing more jumps in and the chance only grows, so no bound beyond it counts.
        Worked out only as far as the searches on this forecast have reached."""
        if self._peaks is None:
            clock, end = self._capacity, self._last_cutoff
            near = [b for b in clock.near_bounds if self.now < b <= end]
            far = clock.far_bounds
            lo = bisect.bisect_right(far, max(clock.near_bounds[-1], self.now))
            self._peaks = (near + list(far[lo:bisect.bisect_right(far, end)]), [])
        bounds, running = self._peaks
        i = bisect.bisect_right(bounds, s)
        best = running[-1] if running else 0.0
        for b in bounds[len(running):i]:
            best = max(best, self._covered(b))
            running.append(best)
        return running[i - 1] if i else 0.0

    def _covered(self, s: float) -> float:
        """P(the capacity used by ``s`` covers the work due by ``s``)."""
        near, usual = self._capacity.split(s)
        if near + usual <= 0.0:
            return 0.0
        usual_jumped = surged = 0.0
        for clock, classes in self._jumps:
            by_s = None
            for cutoff, weight, usual_by_cutoff, surged_by_cutoff in classes:
                if s < cutoff:
                    if by_s is None:
                        by_s = clock.usual(s), clock.surged(s)
                    usual_jumped += weight * by_s[0]
                    surged += weight * by_s[1]
                else:
                    usual_jumped += weight * usual_by_cutoff
                    surged += weight * surged_by_cutoff
        jumped = usual_jumped + surged
        n = self.backlog + jumped
        # The work to get through is uncertain beyond the handling times: how many jump in is
        # itself Poisson, the usual arrival rate is only known to about JUMP_SPREAD, and how
        # long a surge goes on is anyone's guess (its extra arrivals, to about SURGE_SPREAD).
        var = (n + jumped + (JUMP_SPREAD * usual_jumped) ** 2 + (SURGE_SPREAD * surged) ** 2) \
            * self._dispersion2
        # The take comes when the work W (mean n, variance var) is done at a rate known to a
        # factor k: P(W/k ≤ capacity). W/k is matched by a gamma on its first two moments. A
        # few-point quadrature over k instead puts the tail at its outer nodes (±1.7σ for
        # three points, where a normal's 90th percentile is 1.3σ), padding long queues.
        mean = n * self._rate_m1
        var = (var + n * n) * self._rate_m2 - mean * mean
        shape, scale = mean * mean / var, var / mean
        # Of that variance, the handling times and the Poisson count of jump-ins come ticket by
        # ticket (the walk's own steps); the rest is common to the stretch.
        steps = (n + jumped) * self._dispersion2
        common = math.sqrt(max(0.0, var - steps))
        # Beyond the next hours, staffing is the usual times how full today has been so far, and
        # on the days after, how full a day turns out.
        if not usual:
            return _taken(shape, scale, near, mean, jumped, steps, common)
        today = min(usual, self._usual_today)
        later = usual - today
        return sum(wt * wf * _taken(shape, scale, near + lt * today + f * later, mean, jumped, steps, common)
                   for lt, wt in self._today for f, wf in self._staff)

    def cdf(self, wait: float) -> float:
        # Taken at once by an idle agent, the wait is the take-to-reply delay alone.
        at_once = self._delay_cdf(wait)
        if self.immediate >= 1.0:
            return at_once
        s = self.now + wait
        # Delays that coincide (every one nought where a reply is the take, as on a phone line)
        # are worked out once.
        seen: dict[float, float] = {}
        queued = 0.0
        for r in self._coarse:
            v = seen.get(r)
            if v is None:
                v = seen[r] = self._queued_take_cdf(s - r)
            queued += v
        queued /= len(self._coarse)
        return self.immediate * at_once + (1.0 - self.immediate) * queued

    def _delay_cdf(self, wait: float) -> float:
        """P(the take-to-reply delay ≤ ``wait``). The delay's points are its quantiles at
        (k + 0.5) / n: the CDF runs straight between them and from nought to the first, and past
        the last it is an exponential tail through the last two.

        Read as a step up at each point, the chance reached one at the 95th percentile: an idle
        agent's promise read at 0.9 was the delay's 85th percentile, and every reply slower than
        its 95th had a PIT of one, which the calibration read as forecasts too narrow."""
        d = self._delays
        n = len(d)
        if wait < 0.0:
            return 0.0
        i = bisect.bisect_right(d, wait)
        if i == 0:
            return 0.5 / n * wait / d[0]     # here 0 ≤ wait < d[0]
        if i < n:
            lo, hi = d[i - 1], d[i]
            return (i - 0.5 + (wait - lo) / (hi - lo)) / n
        if n < 2 or d[-1] <= d[-2]:
            return 1.0
        # Survival is 1.5/n at the next-to-last point and 0.5/n at the last: a third.
        return 1.0 - 0.5 / n * math.exp(-(wait - d[-1]) * math.log(3.0) / (d[-1] - d[-2]))

    def quantile(self, p: float) -> float:
        """The smallest wait (seconds) with ``cdf(wait) ≥ p``, to within a second or 0.2 %."""
        p = min(max(p, 1e-6), 1 - 1e-9)
        if self._probe(0.0) >= p:
            return 0.0
        # Start from the tightest bracket earlier searches on this forecast left.
        lo = max((w for w, c in self._probes if c < p), default=0.0)
        known = min((w for w, c in self._probes if c >= p), default=None)
        hi = known if known is not None else max(60.0, 2.0 * lo)
        if known is None:
            while self._probe(hi) < p:
                lo, hi = hi, hi * 2.0
                if hi > HORIZON:
                    return HORIZON
        while hi - lo > max(1.0, 0.002 * hi):
            mid = 0.5 * (lo + hi)
            if self._probe(mid) >= p:
                hi = mid
            else:
                lo = mid
        return hi

    def _probe(self, wait: float) -> float:
        c = self.cdf(wait)
        self._probes.append((wait, c))
        return c


def _taken(shape: float, scale: float, capacity: float, mean: float, jumped: float, steps: float,
           common: float) -> float:
    """P(the takes expected by now, ``capacity``, have reached the ticket, now or on the way): the
    work (mean ``mean``, ``jumped`` of it jump-ins) covered, on its gamma, plus the chance of
    having crossed and fallen short again, averaged over the spread common to the stretch
    (``common``; ``steps`` is the variance that comes ticket by ticket)."""
    covered = _gamma_cdf(shape, capacity / scale)
    if covered > 1.0 - 1e-6 or capacity <= 0.0 or jumped <= 0.0 or steps <= 0.0:
        return covered
    m, theta = capacity - mean, -math.log(min(jumped / capacity, 1.0))
    nodes = NORMAL_NODES if common > 0.0 else NORMAL_NODES[:1]
    back = sum(w * _crossed_back(m + z * common, steps, theta) for z, w in nodes)
    return min(1.0, covered + back)


def _crossed_back(m: float, v: float, theta: float) -> float:
    """P(a walk that steps up with each take and down with each jump-in reached the ticket and
    ends short of it), ``m`` and ``v`` being the mean and variance of how far past the ticket it
    ends and ``theta`` minus the log of the jump-ins per take (at most one).

    By the reflection principle with a change of measure (for a random walk whose up and down
    steps come at different rates): a path that reached the ticket and ends k short, with every
    step after the crossing turned over, is a path that ends k past it, and e^(-θk) times as
    likely as that one is to it. Summed over k ≥ 1 on a normal for the end, with a half-step
    continuity correction. Without jump-ins no path comes back; with them as fast as the takes it
    is the plain mirror image. Brownian motion's reflection, whose e^(2μa/σ²) reads the walk as
    continuous, overshoots where few jump in: an email with nothing ahead of it, a quarter hour
    before a desk's last agent left, had 0.92 of a take by then (the walk's own reading 0.83).
    """
    tail = 0.5 * math.erfc(-(m - theta * v - 0.5) / math.sqrt(2.0 * v))
    if tail <= 0.0:
        return 0.0
    e = -theta * m + 0.5 * theta * theta * v + math.log(tail)
    return math.exp(e) if e < 0.0 else 1.0


def _at_least(chances: Sequence[float], k: int) -> float:
    """P(at least k of independent events with these chances happen)."""
    if k <= 0:
        return 1.0
    if k > len(chances):
        return 0.0
    dist = [1.0] + [0.0] * k          # dist[j] = P(exactly j so far), capped at k
    for p in chances:
        for j in range(k, 0, -1):
            dist[j] = dist[j] * (1.0 - p) + dist[j - 1] * p if j < k else dist[j] + dist[j - 1] * p
        dist[0] *= 1.0 - p
    return dist[k]


def forecast_wait(state: LiveState, dispersion: float = 1.0) -> WaitForecast:
    """Build the wait distribution for the ticket described by ``state``.

    ``dispersion`` widens (> 1) or narrows the spread of the work to get through (not of the
    pace, which has its own); the calibration learns it per channel.
    """
    st = state.stats
    ol = st.outlook
    now = state.now.timestamp()
    due = state.due.timestamp()
    mu = st.service_rate
    cap = max(state.agent_capacity, 1e-9)
    weight = st.service_weight

    # Work ahead in average tickets; a chat visitor ahead may leave before being taken.
    ahead = sum(weight.get(t.channel, 1.0) * (1.0 - st.abandon_share.get(t.channel, 0.0))
                for t in state.ahead)
    # The ticket is taken on arrival if there are more idle seats than waiting tickets.
    needed = state.queue_length + 1
    delays = st.reply_delays.get(state.channel) or _prior_delays(mu)
    slowest_reply = max((max(v) for v in st.reply_delays.values() if v), default=max(delays))
    saturated = bool(state.queue_length) and state.longest_wait > slowest_reply
    if saturated:
        # Someone has waited longer than a take-to-reply delay: nobody took it, so no agent
        # has been idle since it arrived (an unanswered ticket may just be being written).
        immediate = 0.0
    elif state.agents_free is not None:
        immediate = 1.0 if state.agents_free >= needed else 0.0
    elif cap == 1.0:
        immediate = _at_least(st.free_chances, needed)
    else:
        free = sum(st.free_chances) * cap
        immediate = 1.0 if free >= needed + 0.5 else 0.0

    # A busy seat spends the mean take-to-reply delay of every handling (a share μ·d̄ of it)
    # before its first reply and the rest after. Tickets at the front of the queue may already be
    # taken, their first reply being written: a take shows only when its reply comes, so they
    # still count as waiting, but need no take.
    busy = state.agents_online * cap if saturated else sum(1.0 - p for p in st.free_chances) * cap
    pooled = [x for v in st.reply_delays.values() for x in v] or list(delays)
    before_reply = min(1.0, mu * sum(pooled) / len(pooled))
    if state.ahead:
        in_hand = busy * before_reply
        ahead *= 1.0 - min(in_hand, len(state.ahead)) / len(state.ahead)
    # The other seats have replied and are only the rest of a handling from free (its mean is
    # (1 - μ·d̄)/μ, not 1/μ), so the first takes come sooner than the steady rate: each such seat
    # brings its next take forward by a share μ·d̄ of one, within about that rest.
    after_reply = max((1.0 - before_reply) / mu, 0.1 / mu)
    early = busy * (1.0 - before_reply) * before_reply

    capacity = _capacity_clock(now, state.agents_online, cap * mu, cap, ol, early, after_reply)
    jumps = _jump_ins(state, now, due)
    spread = math.sqrt(1.0 / max(st.service_replies, 1.0) + RATE_SPREAD ** 2)
    return WaitForecast(now, immediate, ahead + 1.0, capacity, jumps, delays, spread, dispersion,
                        ol.staff_levels, st.today_end, st.today_levels)


def _prior_delays(mu: float) -> tuple[float, ...]:
    """Without observations, a first reply is assumed to come within a third of a service."""
    mean = 0.3 / mu
    return tuple(-mean * math.log(1 - p) for p in DELAY_POINTS)


def _capacity_clock(now: float, online: float, rate: float, cap: float, ol: Outlook,
                    early: float, after_reply: float) -> _Clock:
    """Expected takes from now: agents online take at ``rate`` each, plus ``early`` takes from
    seats that have already replied, coming over about ``after_reply`` seconds; and an agent
    coming online (a shift start, the end of a break) takes a waiting ticket at once. Staffing
    is the usual for each slot, plus or minus the agents more or fewer online now than usual, a
    difference that fades over ``STAFF_MEMORY`` and shrinks as the usual does. On days no past
    day describes (a new install), the outlook's staffing is the calendar's open share times the
    history's fallback (``TeamHistory._fallback_staff``), and an outlook with no such day at all
    is read here times the agents online now (at least one). Once agents are online the fallback
    so counts twice; counting it once measured worse, so it stands until a better reading is found.
    """
    i = ol.slot_at(now)
    scale = 1.0 if ol.learned else max(online, 1.0)
    usual_now = ol.staff[i] * scale
    bounds = [now]
    cum = [0.0]
    t = now
    prev = online
    for j in range(i, min(i + NEAR_SLOTS, len(ol.staff))):
        end = ol.bounds[j + 1]
        if end <= t:
            continue
        decay = math.exp(-(0.5 * (t + end) - now) / STAFF_MEMORY)
        usual = ol.staff[j] * scale
        # A departure from the usual is counted in agents: one agent away is one agent fewer
        # later on too. Counted as a share of the usual, nobody online in the quarter hour before
        # a shift starts (when the usual is a fraction of an agent) or in a team's lunch gap read
        # as the whole team gone for hours. But it follows the usual down: agents online beyond
        # the usual at closing time are working late and leave as the rest did (kept for hours,
        # tickets written after closing were promised answers that came the next working day).
        # Someone online when nobody usually is (a weekend shift) has no usual to follow.
        follow = min(1.0, usual / usual_now) if usual_now > 0.0 else 1.0
        agents = max(0.0, usual + (online - usual_now) * decay * follow)
        cum.append(cum[-1] + rate * agents * (end - t) + cap * max(0.0, agents - prev)
                   + early * (math.exp(-(t - now) / after_reply) - math.exp(-(end - now) / after_reply)))
        prev = agents
        bounds.append(end)
        t = end
    return _Clock(bounds, cum, ol.bounds, ((rate * scale, ol.staff_cum), (cap * scale, ol.starts_cum)))


def _jump_ins(state: LiveState, now: float, due: float) -> list[tuple[float, float, _Clock]]:
    """(cutoff, weight, arrivals clock) per class that can still arrive and jump ahead."""
    st = state.stats
    ol = st.outlook
    targets = state.targets or DEFAULT_TARGETS
    clocks: dict[str, _Clock] = {}
    jumps: list[tuple[float, float, _Clock]] = []
    for ch, mix in st.class_mix.items():
        stay = 1.0 - st.abandon_share.get(ch, 0.0)
        # A chat visitor who arrives while nobody is online has mostly left by the time someone
        # comes: arrivals in closed hours jump in at their own (learned) chance of staying.
        closed_stay = 1.0 - st.closed_abandon_share.get(ch, 1.0 - stay)
        for pr, share in mix.items():
            cutoff = due - targets.get((ch, pr), TARGET_SECONDS.get(ch, 3600.0))
            if cutoff <= now or share <= 0.0:
                continue
            clock = clocks.get(ch)
            if clock is None:
                memory = min(max(SURGE_MEMORY, st.surge_age.get(ch, 0.0)), MAX_SURGE_MEMORY)
                level = st.arrival_level
                clock = _arrival_clock(now, ol, ch, st.surge.get(ch, 0.0) * stay, memory,
                                       stay * level, closed_stay * level)
                clocks[ch] = clock
            jumps.append((cutoff, share * st.service_weight.get(ch, 1.0), clock))
    return jumps


def _arrival_clock(now: float, ol: Outlook, channel: str, surge: float, memory: float,
                   stay: float, closed_stay: float) -> _Clock:
    """Expected arrivals of a channel from now that will still be waiting for a take: the usual
    rate, those arriving while someone is online times ``stay`` and the rest times
    ``closed_stay``, plus the recent surge (already counted as staying), fading."""
    cum = ol.arrivals_cum.get(channel)
    if cum is None:
        return _Clock([now, now], [0.0, 0.0], (now, now + 1.0), (), surge, memory)
    if closed_stay == stay:
        return _Clock([now, now], [0.0, 0.0], ol.bounds, ((stay, cum),), surge, memory)
    staffed = ol.staffed_arrivals_cum[channel]
    return _Clock([now, now], [0.0, 0.0], ol.bounds, ((closed_stay, cum), (stay - closed_stay, staffed)),
                  surge, memory)
