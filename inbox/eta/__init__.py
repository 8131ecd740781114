"""Wait-time promises: a forecast of each ticket's wait from the live queue, read at a level
that online calibration keeps honest.

* :mod:`inbox.eta.predictor` — :class:`LiveState` (a plain snapshot) → :class:`WaitForecast`.
* :mod:`inbox.eta.history` — :class:`TeamHistory`, the recent past summarised for the predictor.
* :mod:`inbox.eta.calibration` — per-channel reading levels learned from matured promises.
* :mod:`inbox.eta.promiser` — the two together: a promise and a median per arrival.
* :mod:`inbox.eta.backtest`, :mod:`inbox.eta.baselines`, :mod:`inbox.eta.trace`,
  :mod:`inbox.eta.simulate` — replaying and generating traces; ``flask eta backtest``.

Pure Python: no Flask, no database.
"""
from inbox.eta.history import RecentStats, TeamHistory
from inbox.eta.predictor import LiveState, QueuedTicket, WaitForecast, forecast_wait, sla_due
from inbox.eta.promiser import Promise, Promiser

__all__ = ["LiveState", "Promise", "Promiser", "QueuedTicket", "RecentStats", "TeamHistory",
           "WaitForecast", "forecast_wait", "sla_due"]
