"""Admin reports, one module per report; each ``build(range)`` returns a :class:`Report`.

Every figure is an SQL aggregate over the range's rows (tickets, events, surveys, SLA clocks),
so a report costs the same whether it covers a hundred tickets or a million.
"""
from __future__ import annotations

from collections.abc import Callable

from inbox.reports import promises, response_times, satisfaction, sla, volume
from inbox.reports.output import Report
from inbox.reports.query import RangeError, ReportRange

BUILDERS: dict[str, Callable[[ReportRange], Report]] = {
    "sla": sla.build,
    "response_times": response_times.build,
    "promises": promises.build,
    "satisfaction": satisfaction.build,
    "volume": volume.build,
}

__all__ = ["BUILDERS", "RangeError", "Report", "ReportRange", "build"]


def build(name: str, rng: ReportRange) -> Report:
    if name not in BUILDERS:
        raise KeyError(name)
    return BUILDERS[name](rng)
