"""How honest the forecast is about an answer before a long closing.

A ticket written in the last hours before the team closes for a night, a weekend or a holiday
block is answered either that evening or after the reopening, and its promise lands on one side
or the other. This reads, for every such arrival, the forecast's chance of an answer by an hour
after the closing (replies to tickets taken just before it) and counts how often that came true,
in bands of that chance. A well-spread forecast answers about as often as it said in every band;
a too-wide one answers more often than it said when it was fairly sure, and less often when it
was fairly unsure.

Run: ``.venv/bin/python benchmarks/eval_closings.py [--teams lisbon-small sydney-holidays
berlin-surge] [--seeds 1 2 3 4] [--public] [--hours 3] [--closed-hours 12]``.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.eta.replay import Arrived, Replay
from inbox.eta.simulate import simulate
from inbox.eta.trace import FIRST_REPLY, Trace, read_trace
from inbox.sla.calendar import BusinessCalendar

PUBLIC = Path(__file__).resolve().parents[2] / "shared" / "traces" / "tokyo-public.jsonl"
REPLY_SLACK = 3600.0     # a ticket taken just before the closing has its reply within this


@dataclass(frozen=True)
class Outcome:
    chance: float        # the forecast's chance of an answer by the closing plus REPLY_SLACK
    answered: bool       # whether it came
    promised_before: bool


def _closing(cal: BusinessCalendar, t: float, hours: float, closed_hours: float) -> float | None:
    """The end of the open spell ``t`` is in, if it comes within ``hours`` and the team then
    stays closed for at least ``closed_hours``."""
    spells = cal.open_intervals_us(int(t * 1e6), int((t + 21 * 86400) * 1e6))
    first, following = next(spells, None), next(spells, None)
    if first is None or following is None:
        return None
    start, end, reopen = first[0] / 1e6, first[1] / 1e6, following[0] / 1e6
    if not start <= t < end or end - t > hours * 3600 or reopen - end < closed_hours * 3600:
        return None
    return end


def outcomes(trace: Trace, hours: float, closed_hours: float, q: float = 0.9) -> Iterator[Outcome]:
    cal = BusinessCalendar.from_spec(trace.calendar)
    replay = Replay(cal, q)
    pending: dict[str, tuple[float, float, bool]] = {}
    for e in trace.events:
        out = replay.apply(e)
        if isinstance(out, Arrived):
            end = _closing(cal, e.t, hours, closed_hours)
            if end is not None:
                by = end + REPLY_SLACK - e.t
                pending[e.ticket] = (out.promise.forecast.cdf(by), e.t + by,
                                     out.promise.promise.total_seconds() <= by)
        elif e.kind == FIRST_REPLY and e.ticket in pending:
            chance, deadline, before = pending.pop(e.ticket)
            yield Outcome(chance, e.t <= deadline, before)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teams", nargs="+", default=["lisbon-small", "sydney-holidays", "berlin-surge"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--public", action="store_true", help="the public trace instead of the teams")
    ap.add_argument("--hours", type=float, default=3.0, help="arrivals this close to the closing")
    ap.add_argument("--closed-hours", type=float, default=12.0, help="closings at least this long")
    a = ap.parse_args(argv)
    traces = [read_trace(PUBLIC)] if a.public else [simulate(t, s) for t in a.teams for s in a.seeds]
    bands: dict[int, list[Outcome]] = {}
    for trace in traces:
        for o in outcomes(trace, a.hours, a.closed_hours):
            bands.setdefault(min(int(o.chance * 10), 9), []).append(o)
    print(f"{'forecast chance':>16} {'tickets':>8} {'mean chance':>12} {'answered':>9} {'promised before':>16}")
    for k in sorted(bands):
        rows = bands[k]
        n = len(rows)
        print(f"{k / 10:>9.1f} – {(k + 1) / 10:.1f} {n:>8d} {sum(o.chance for o in rows) / n:>12.3f} "
              f"{sum(o.answered for o in rows) / n:>9.3f} {sum(o.promised_before for o in rows) / n:>16.3f}")


if __name__ == "__main__":
    main()
