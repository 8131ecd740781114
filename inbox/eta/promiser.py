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


def read(forecast: WaitForecast, level: float) -> tuple[float, float]:
    """The wait (seconds) to promise from ``forecast`` at ``level``, and the level it is read at."""
    wait = forecast.quantile(level)
    if level > CALM_LEVEL:
        reach = FAR_REACH * forecast.quantile(CALM_LEVEL)
        if wait > reach:
            return reach, forecast.cdf(reach)
    return wait, level


@dataclass(frozen=True)
class Promise:
    promise: timedelta        # a reply within this, kept with probability q
    median: timedelta         # the middle estimate
    level: float              # the forecast quantile the promise was read at
    forecast: WaitForecast


class Promiser:
    """One team's promise maker: ``promise`` for each arrival, then tell it what happened."""

    def __init__(self, q: float = 0.9, calibrator: Calibrator | None = None):
        self.q = q
        self.calibrator = calibrator or Calibrator(q)

    def estimate(self, state: LiveState) -> Promise:
        """A promise for ``state`` without watching it (for re-estimates and previews)."""
        fc = forecast_wait(state, self.calibrator.dispersion(state.channel))
        wait, level = read(fc, self.calibrator.level(state.channel))
        return Promise(
            promise=timedelta(seconds=wait),
            median=timedelta(seconds=fc.quantile(self.calibrator.median_level(state.channel))),
            level=level,
            forecast=fc,
        )

    def promise(self, ticket: str, state: LiveState) -> Promise:
        p = self.estimate(state)
        self.calibrator.issued(ticket, state.channel, p.forecast, state.now.timestamp(),
                               p.promise.total_seconds(), p.level, state.agents_online == 0)
        return p

    def advance(self, now: datetime) -> None:
        self.calibrator.advance(now.timestamp())

    def answered(self, ticket: str, at: datetime) -> None:
        self.calibrator.answered(ticket, at.timestamp())

    def abandoned(self, ticket: str, at: datetime) -> None:
        self.calibrator.abandoned(ticket, at.timestamp())
