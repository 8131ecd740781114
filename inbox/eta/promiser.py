"""Kept's promise: the predictor's forecast read at the calibrated level, and watched until it
matures so the calibration can learn from it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox.eta.calibration import Calibrator
from inbox.eta.predictor import LiveState, WaitForecast, forecast_wait


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
        level = self.calibrator.level(state.channel)
        return Promise(
            promise=timedelta(seconds=fc.quantile(level)),
            median=timedelta(seconds=fc.quantile(self.calibrator.median_level(state.channel))),
            level=level,
            forecast=fc,
        )

    def promise(self, ticket: str, state: LiveState) -> Promise:
        p = self.estimate(state)
        self.calibrator.issued(ticket, state.channel, p.forecast, state.now.timestamp(),
                               p.promise.total_seconds(), p.level)
        return p

    def advance(self, now: datetime) -> None:
        self.calibrator.advance(now.timestamp())

    def answered(self, ticket: str, at: datetime) -> None:
        self.calibrator.answered(ticket, at.timestamp())

    def abandoned(self, ticket: str, at: datetime) -> None:
        self.calibrator.abandoned(ticket, at.timestamp())
