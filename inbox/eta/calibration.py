"""Online calibration: the level at which each channel's wait forecast is read.

The predictor gives a whole distribution ``F`` for each ticket. If ``F`` were right, the
probability integral transform ``F(actual wait)`` of answered tickets would be uniform and
reading ``F`` at ``q`` would keep a share ``q`` of promises. It is not exactly right (staffing,
pace and arrivals drift), so per channel we keep the recent PIT values and read new forecasts
at their empirical ``q``-quantile instead: recalibration by the PIT (Kuleshov, Fenner & Ermon
2018, "Accurate Uncertainties for Deep Learning Using Calibrated Regression"), on a sliding
window as split conformal prediction does. Working in the forecast's own probability scale
matters here: a night-long email wait and a two-minute chat wait are corrected by how
surprising each was, not by a shared multiplier that would pad the night.

The forecast's spread is corrected the same way: a per-channel dispersion factor grows
when more than a tenth of outcomes fall in the forecasts' outer tenth and shrinks when fewer
do, so the level read from the window is not pushed into tails the forecast cannot represent.
That widening fades with a two-day half-life: outcomes of one bad spell arrive together (a surge
the forecast missed matures as hundreds of late tickets), and the forecasts after it, right again,
must not be read far out in their tails for weeks.

On top, an adaptive conformal step (Gibbs & Candès 2021, "Adaptive Conformal Inference Under
Distribution Shift") nudges the quantile read from the window by ``γ·(miss − (1 − q))`` after
every outcome, so the long-run kept share tracks ``q`` even when the window lags a shift. The
sum of those steps is kept whole and only the offset applied is bounded: ACI's long-run
guarantee rests on every miss staying counted until kept promises have paid it back. Clamping
the sum itself forgot the misses of a surge beyond the bound, and email, whose outcomes come
hours after the promise, settled a point or two below ``q`` for good. The step ``γ = 0.004``
(Gibbs & Candès use 0.005) sets how hard a debt of misses is paid back: at half that, a small
team's channel, a few hundred outcomes a month, could not pay back one bad day within the month.
The offset applied is bounded at ±0.10 (the level read is capped on its own, see CALM_LEVEL): at
±0.06 the bound held small teams' email below ``q`` for weeks after a bad spell.

Outcomes are not independent when promises made while nobody was online all wait for the same
reopening: a fortnight's closure matures as a hundred and fifty emails answered in the same two
days, one draw of the pace the team came back at. Counted one by one they filled the window
and, all kept, spent the offset, and the promises of the second day back were read at 0.80
while one agent of three was away (``SPELL_OUTCOMES``). Thinning such a spell is in the spirit
of block methods for dependent data: n outcomes sharing a common factor carry far less than n
outcomes' worth of information.

Feedback is strictly causal and uses censoring: an outcome is known when the first reply
comes, and a still-waiting ticket is known to be late as soon as its promise runs out (its PIT
is then at least the level it was promised at). A chat visitor who leaves is not scored, so a
lateness counted for them is withdrawn.
"""
from __future__ import annotations

import bisect
import heapq
import math
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

TAIL = 0.1
# How far into its tail a forecast is read. After a bad spell (a surge the forecast did not see
# coming) the window of outcomes is full of misses and asks for the 99.9th percentile; out there
# the forecast's tail is its crudest part (three levels of staffing, a queue outrunning
# capacity overnight), and reading it promised days for waits of hours: padding that
# kept almost no more promises. So past CALM_LEVEL only while promises are being broken now: from
# when more than 1 - q of the channel's latest RECENT matured promises missed, until fewer than
# half that do (the gap keeps a forecast that needs its far tail from flapping in and out of it).
# Even then a promise reaches at most twice its calm reading (``promiser.FAR_REACH``).
CALM_LEVEL = 0.975
MAX_LEVEL = 0.999
RECENT = 50
# Promises made while nobody is online (a night, a weekend, a holiday block) all wait on one
# thing, how fast the team gets through the backlog when it is back, so their outcomes are one
# draw of that pace, not as many independent ones. Of one such spell's outcomes in a channel the
# first SPELL_OUTCOMES count in full and the n-th after them only when n is a square: a spell of
# N counts as about SPELL_OUTCOMES + √N.
SPELL_OUTCOMES = 50
# A widening learnt in one bad spell (a surge the forecast did not see coming) fades with this
# half-life, so good forecasts afterwards are not read far out in their tails for weeks.
SPREAD_HALF_LIFE = 2 * 86400.0
# Promises made while nobody is online and those made while agents are can be wrong in opposite
# directions: in a centre whose agents are known only by their replies, the nights were read as
# waits for a morning that comes sooner (kept 1.0, padded) while the shift breaks were read as
# agents still there (kept 0.77). One offset for the channel averages the two. Each of these two
# regimes has an offset of its own on top (group-conditional calibration, in the spirit of
# Vovk et al.'s Mondrian conformal predictors), stepped by its own outcomes at REGIME_STEP and
# bounded at REGIME_MAX. The offsets only share the channel's level out between the regimes: a
# window or an offset of the nights' own failed (a month holds some thirty nights, each one draw:
# the public trace's night email kept 0.881).
REGIME_STEP = 0.002
REGIME_MAX = 0.10


class Forecast(Protocol):
    immediate: float      # the chance an idle agent takes the ticket on arrival

    def cdf(self, wait: float) -> float: ...


@dataclass
class _Open:
    channel: str
    forecast: Forecast
    issued: float
    promise: float
    level: float
    target: float                # the share of such promises meant to be kept
    late: bool = False
    spell: int = 0               # the closed spell it was made in (0: made while staffed)
    counts: bool | None = None   # whether its outcome counts, decided when it matures


@dataclass
class _Channel:
    window: deque[float] = field(default_factory=deque)   # matured PIT values, oldest first
    values: list[float] = field(default_factory=list)     # sorted: window + late lower bounds
    shift: float = 0.0                                     # the adaptive conformal offset
    integral: float = 0.0                                  # the sum of its steps, unbounded
    log_dispersion: float = 0.0
    recent: deque[bool] = field(default_factory=lambda: deque(maxlen=RECENT))   # latest misses
    missing: bool = False                                  # read past CALM_LEVEL
    updated: float = 0.0                                   # when log_dispersion last moved
    kept: int = 0
    scored: int = 0
    regime: dict[bool, float] = field(default_factory=dict)   # offset by closed / staffed
    regime_n: dict[bool, int] = field(default_factory=dict)   # outcomes counted per regime


class Calibrator:
    """Per-channel reading levels for wait forecasts, corrected as promises mature."""

    def __init__(self, q: float = 0.9, window: int = 300, min_samples: int = 30,
                 step: float = 0.004, max_shift: float = 0.10, spread_step: float = 0.01,
                 spread_half_life: float = SPREAD_HALF_LIFE, seed: int = 0):
        self.q = q
        self.window = window
        self.min_samples = min_samples
        self.step = step
        self.max_shift = max_shift
        self.spread_step = spread_step
        self.spread_half_life = spread_half_life
        self._channels: dict[str, _Channel] = {}
        self._open: dict[str, _Open] = {}
        self._deadlines: list[tuple[float, str]] = []
        self._rng = random.Random(seed)
        self._spells = 0                                   # closed spells seen so far
        self._in_spell = False
        self._matured: dict[tuple[int, str], int] = {}     # (spell, channel) -> outcomes so far

    def _ch(self, channel: str) -> _Channel:
        ch = self._channels.get(channel)
        if ch is None:
            ch = self._channels[channel] = _Channel()
        return ch

    def level(self, channel: str, target: float | None = None, closed: bool = False) -> float:
        """The probability level to read this channel's next forecast at, to keep a share
        ``target`` of promises (q unless given), for a promise made while nobody is online
        (``closed``) or not."""
        c = self._ch(channel)
        return self._read(c, (self.q if target is None else target) + c.shift + c.regime.get(closed, 0.0))

    def _read(self, c: _Channel, wanted: float) -> float:
        if len(c.values) < self.min_samples:
            return min(max(wanted, 0.5), self._ceiling(c))
        vals = c.values
        i = min(len(vals) - 1, max(0, int(wanted * len(vals))))
        return min(max(vals[i], 0.02), self._ceiling(c))

    def _ceiling(self, c: _Channel) -> float:
        return MAX_LEVEL if c.missing else CALM_LEVEL

    def dispersion(self, channel: str) -> float:
        """How much wider than its own estimate the channel's forecasts should be."""
        return math.exp(self._ch(channel).log_dispersion)

    def median_level(self, channel: str) -> float:
        return self._read(self._ch(channel), 0.5)

    def issued(self, ticket: str, channel: str, forecast: Forecast, at: float, promise: float,
               level: float, closed: bool = False, target: float | None = None) -> None:
        """Start watching a promise of ``promise`` seconds made at epoch ``at``; ``closed``
        when nobody was online to take it; ``target`` when it was read to keep another share than
        q (see ``promiser.FAR_DAYS``)."""
        if closed and not self._in_spell:
            self._spells += 1
        self._in_spell = closed
        self._open[ticket] = _Open(channel, forecast, at, promise, level,
                                   self.q if target is None else target,
                                   spell=self._spells if closed else 0)
        heapq.heappush(self._deadlines, (at + promise, ticket))

    def advance(self, now: float) -> None:
        """Count every promise that has run out unanswered by ``now`` as late."""
        dl = self._deadlines
        while dl and dl[0][0] < now:
            deadline, ticket = heapq.heappop(dl)
            p = self._open.get(ticket)
            # A ticket promised again (it arrived twice) leaves its first deadline behind.
            if p is None or p.late or deadline != p.issued + p.promise:
                continue
            p.late = True
            c = self._ch(p.channel)
            bisect.insort(c.values, p.level)
            if self._counts(p):
                self._adapt(c, p, miss=True)

    def answered(self, ticket: str, at: float) -> None:
        self.advance(at)
        p = self._open.pop(ticket, None)
        if p is None:
            return
        c = self._ch(p.channel)
        wait = at - p.issued
        # Randomised PIT: a forecast with an atom (an idle agent answers at once) puts its
        # outcomes anywhere within the atom's probability, not all at its top. Timestamps
        # have one-second resolution, so the atom is what lies within the last second.
        upper = p.forecast.cdf(wait)
        lower = p.forecast.cdf(wait - 1.0) if wait >= 1.0 else 0.0
        pit = lower + self._rng.random() * (upper - lower)
        if p.late:
            _remove(c.values, p.level)
            pit = max(pit, p.level)
        else:
            pit = min(pit, p.level)
            if self._counts(p):
                self._adapt(c, p, miss=False)
        # Tails: too many outcomes in the outer tenth means forecasts too narrow, too few
        # too wide. Same stochastic-approximation step as the level, on the log spread.
        # Only forecasts without an instant-answer atom say anything about the spread of the
        # queueing part, which is all the dispersion widens.
        if p.forecast.immediate < 0.05:
            outer = pit < TAIL / 2 or pit > 1 - TAIL / 2
            c.log_dispersion *= 0.5 ** (max(0.0, at - c.updated) / self.spread_half_life)
            c.updated = at
            c.log_dispersion += self.spread_step * ((1.0 if outer else 0.0) - TAIL)
            c.log_dispersion = min(max(c.log_dispersion, -1.0), 1.5)
        c.scored += 1
        c.kept += wait <= p.promise
        if not self._counts(p):
            return
        c.window.append(pit)
        bisect.insort(c.values, pit)
        if len(c.window) > self.window:
            _remove(c.values, c.window.popleft())

    def _counts(self, p: _Open) -> bool:
        """Whether a matured promise's outcome counts (SPELL_OUTCOMES), in the order they mature."""
        if p.counts is None:
            n = 0
            if p.spell:
                key = (p.spell, p.channel)
                n = self._matured[key] = self._matured.get(key, 0) + 1
            extra = n - SPELL_OUTCOMES
            p.counts = extra <= 0 or math.isqrt(extra) ** 2 == extra
        return p.counts

    def abandoned(self, ticket: str, at: float) -> None:
        self.advance(at)
        p = self._open.pop(ticket, None)
        if p is not None and p.late:
            c = self._ch(p.channel)
            _remove(c.values, p.level)
            if self._counts(p):
                # Withdraw the lateness counted for a visitor who left.
                self._step(c, p, -p.target, counted=False)

    def _adapt(self, c: _Channel, p: _Open, miss: bool) -> None:
        c.recent.append(miss)
        misses = sum(c.recent) / len(c.recent)
        if misses > 1.0 - self.q and len(c.recent) == RECENT:
            c.missing = True
        elif misses < (1.0 - self.q) / 2:
            c.missing = False
        # Each promise against the share it was meant to keep: a promise read further out (a long
        # backlog's) is kept more often by design, which must not lower everyone else's level.
        self._step(c, p, (1.0 if miss else 0.0) - (1.0 - p.target))

    def _step(self, c: _Channel, p: _Open, error: float, counted: bool = True) -> None:
        """The conformal step for one outcome of ``p``, on the channel and on its regime."""
        c.integral += self.step * error
        c.shift = min(max(c.integral, -self.max_shift), self.max_shift)
        # The regimes' offsets only share the channel's level out between them (their mean,
        # weighted by how many outcomes each has had, stays nought): the channel's step keeps the
        # channel as a whole at q, and must stay the sum of its errors to do that.
        k = p.spell != 0
        c.regime_n[k] = c.regime_n.get(k, 0) + counted
        c.regime[k] = c.regime.get(k, 0.0) + REGIME_STEP * error
        total = sum(c.regime_n.values())
        mean = sum(c.regime.get(r, 0.0) * n for r, n in c.regime_n.items()) / total
        for r in c.regime_n:
            c.regime[r] = min(max(c.regime.get(r, 0.0) - mean, -REGIME_MAX), REGIME_MAX)

    def kept_share(self, channel: str) -> float | None:
        c = self._channels.get(channel)
        return c.kept / c.scored if c and c.scored else None


def _remove(values: list[float], v: float) -> None:
    i = bisect.bisect_left(values, v)
    if i < len(values) and values[i] == v:
        del values[i]
