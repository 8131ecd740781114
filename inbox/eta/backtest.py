"""Replay a trace through Kept's predictor and the baselines, and score every promise.

Events are replayed in time order; at each arrival the predictor sees only what happened
before it (the queue, who is online, the team's history) and its calibration learns only from
promises that have matured by then.

Scoring follows the trace README: over answered tickets, *kept* is the share answered within
the promise, *pinball* the quantile loss at q in minutes, *padding* the median of promised ÷
actual over kept promises, where waits and promises under a minute count as a minute (a
promise is worded in minutes at best).

    python -m inbox.eta.backtest TRACE.jsonl [--quantile 0.9] [--promises-out FILE.csv] [--json]
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from inbox.eta.baselines import Baselines
from inbox.eta.replay import Arrived, Ended, Replay
from inbox.eta.trace import FIRST_REPLY, Trace, TraceError, read_trace
from inbox.sla.calendar import BusinessCalendar

KEPT = "kept"


@dataclass
class Score:
    n: int
    kept: float
    pinball_min: float
    padding: float | None
    kept_by_channel: dict[str, float] = field(default_factory=dict)


@dataclass
class BacktestResult:
    quantile: float
    promises: dict[str, dict[str, float]]          # predictor -> ticket -> promised seconds
    medians: dict[str, float]                      # Kept's median estimate per ticket
    waits: dict[str, tuple[str, float]]            # answered ticket -> (channel, wait seconds)
    scores: dict[str, Score]


def score(pairs: Iterable[tuple[float, float]], q: float) -> tuple[int, float, float, float | None]:
    """(n, kept share, pinball in minutes, median padding) of (wait, promise) pairs."""
    rows = list(pairs)
    if not rows:
        return 0, 0.0, 0.0, None
    kept = [(y, p) for y, p in rows if y <= p]
    loss = sum((1 - q) * (p - y) if y <= p else q * (y - p) for y, p in rows)
    pads = sorted(max(p, 60.0) / max(y, 60.0) for y, p in kept)
    return (len(rows), len(kept) / len(rows), loss / len(rows) / 60.0,
            pads[len(pads) // 2] if pads else None)


def replay(trace: Trace, q: float = 0.9) -> BacktestResult:
    cal = BusinessCalendar.from_spec(trace.calendar) if trace.calendar else None
    kept = Replay(cal, q)
    baselines = Baselines(cal, q)
    promises: dict[str, dict[str, float]] = {KEPT: {}, **{n: {} for n in baselines.names}}
    medians: dict[str, float] = {}
    waits: dict[str, tuple[str, float]] = {}
    for e in trace.events:
        out = kept.apply(e)
        if isinstance(out, Arrived):
            promises[KEPT][e.ticket] = out.promise.promise.total_seconds()
            medians[e.ticket] = out.promise.median.total_seconds()
            for name, secs in baselines.promise(e.t, e.channel, out.position).items():
                promises[name][e.ticket] = secs
        elif isinstance(out, Ended) and e.kind == FIRST_REPLY:
            waits[e.ticket] = (out.channel, e.t - out.arrived)
            baselines.replied(e.t, out.channel, out.arrived)
        baselines.tick(e.t, len(kept.history.online))
    return BacktestResult(q, promises, medians, waits, _scores(promises, waits, q))


def _scores(promises: dict[str, dict[str, float]], waits: dict[str, tuple[str, float]],
            q: float) -> dict[str, Score]:
    out = {}
    for name, given in promises.items():
        pairs = [(ch, y, given.get(tk, 0.0)) for tk, (ch, y) in waits.items()]
        n, kept, pin, pad = score(((y, p) for _, y, p in pairs), q)
        by_channel = {}
        for ch in sorted({c for c, _, _ in pairs}):
            by_channel[ch] = score(((y, p) for c, y, p in pairs if c == ch), q)[1]
        out[name] = Score(n, kept, pin, pad, by_channel)
    return out


def write_promises(result: BacktestResult, out: TextIO, name: str = KEPT) -> None:
    w = csv.writer(out)
    w.writerow(["ticket", "promised_seconds"])
    for ticket, secs in result.promises[name].items():
        w.writerow([ticket, f"{secs:.1f}"])


def format_table(result: BacktestResult) -> str:
    lines = [f"{'predictor':<28} {'n':>6} {'kept':>7} {'pinball_min':>12} {'padding':>8}  kept by channel"]
    for name, s in sorted(result.scores.items(), key=lambda kv: kv[1].pinball_min):
        pad = f"{s.padding:.2f}" if s.padding is not None else "-"
        chans = " ".join(f"{c}={v:.3f}" for c, v in s.kept_by_channel.items())
        lines.append(f"{name:<28} {s.n:>6} {s.kept:>7.3f} {s.pinball_min:>12.3f} {pad:>8}  {chans}")
    return "\n".join(lines)


def as_json(result: BacktestResult) -> dict[str, Any]:
    return {name: {"n": s.n, "kept": round(s.kept, 4), "pinball_min": round(s.pinball_min, 3),
                   "padding": None if s.padding is None else round(s.padding, 2),
                   "kept_by_channel": {c: round(v, 4) for c, v in s.kept_by_channel.items()}}
            for name, s in result.scores.items()}


def run(trace_path: str | Path, quantile: float = 0.9, promises_out: str | Path | None = None,
        json_output: bool = False, out: TextIO | None = None) -> BacktestResult:
    out = out or sys.stdout
    result = replay(read_trace(trace_path), quantile)
    if promises_out:
        with open(promises_out, "w", newline="", encoding="utf-8") as fh:
            write_promises(result, fh)
    out.write((json.dumps(as_json(result), indent=1) if json_output else format_table(result)) + "\n")
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Backtest Kept's wait-time promises on a trace.")
    ap.add_argument("trace")
    ap.add_argument("--quantile", type=float, default=0.9)
    ap.add_argument("--promises-out")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    try:
        run(a.trace, a.quantile, a.promises_out, a.json)
    except (OSError, TraceError) as error:
        ap.exit(2, f"{a.trace}: {error}\n")


if __name__ == "__main__":
    main()
