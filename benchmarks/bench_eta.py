"""How fast the wait-time predictor answers, live and in a backtest.

* Predictions per second on a realistic live state: the public Tokyo trace replayed to a busy
  Tuesday morning (a few hundred tickets waiting, seven agents), then the same snapshot asked
  for a promise and a median again and again, for tickets of each channel.
* Wall time of the full backtest of the public trace (Kept and every baseline), of a
  simulated contact centre (four weeks, tens of thousands of calls), and of one three times
  its size (99 agents, about 230,000 calls: the size a large real centre's month may be).

Run: ``.venv/bin/python benchmarks/bench_eta.py``.
"""
from __future__ import annotations

import bisect
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.eta.backtest import replay
from inbox.eta.history import TeamHistory
from inbox.eta.predictor import DEFAULT_TARGETS, LiveState, QueuedTicket, sla_due
from inbox.eta.promiser import Promiser
from inbox.eta.simulate import TEAMS, simulate
from inbox.eta.trace import ABANDONED, ARRIVAL, FIRST_REPLY, read_trace
from inbox.sla.calendar import BusinessCalendar

PUBLIC = Path(__file__).resolve().parents[2] / "shared" / "traces" / "tokyo-public.jsonl"
ROUNDS = 2000


def live_snapshot(path: Path, until: datetime) -> tuple[TeamHistory, list[tuple[float, QueuedTicket]]]:
    trace = read_trace(path)
    history = TeamHistory(BusinessCalendar.from_spec(trace.calendar))
    queue: dict[str, tuple[float, QueuedTicket]] = {}
    for e in trace.events:
        if e.t >= until.timestamp():
            break
        history.record(e)
        if e.kind == ARRIVAL:
            queue[e.ticket] = (e.t + DEFAULT_TARGETS[(e.channel, e.priority)], QueuedTicket(e.channel, e.priority))
        elif e.kind in (FIRST_REPLY, ABANDONED):
            queue.pop(e.ticket, None)
    return history, sorted(queue.values(), key=lambda x: x[0])


def bench_predictions() -> None:
    now = datetime(2026, 3, 12, 1, 30, tzinfo=UTC)     # Thursday 10:30 in Tokyo
    history, queue = live_snapshot(PUBLIC, now)
    promiser = Promiser(0.9)
    dues = [d for d, _ in queue]
    stats = history.stats(now)
    for channel in ("chat", "social", "email"):
        due = sla_due(now, channel, "normal")
        ahead = [tk for _, tk in queue[:bisect.bisect_right(dues, due.timestamp())]]
        state = LiveState(now=now, channel=channel, priority="normal", due=due, ahead=ahead,
                          queue_length=len(queue), agents_online=len(history.online), stats=stats,
                          longest_wait=history.longest_wait(now))
        start = time.perf_counter()
        for _ in range(ROUNDS):
            p = promiser.estimate(state)
        elapsed = time.perf_counter() - start
        print(f"{channel:>6}: {ROUNDS / elapsed:8.0f} promises/s  ({len(ahead)} ahead of {len(queue)} waiting,"
              f" {len(history.online)} online; promise {p.promise}, median {p.median})")
    start = time.perf_counter()
    for _ in range(200):
        history.stats(now)
    print(f" stats: {200 / (time.perf_counter() - start):8.0f} history summaries/s")


def bench_backtests() -> None:
    start = time.perf_counter()
    result = replay(read_trace(PUBLIC), 0.9)
    print(f"backtest tokyo-public: {time.perf_counter() - start:6.1f} s for {len(result.promises['kept'])} arrivals")
    centre = TEAMS["contact-centre"]
    large = replace(centre, name="contact-centre-x3", shifts=centre.shifts * 3,
                    daily={ch: 3 * n for ch, n in centre.daily.items()})
    for label, team in (("contact-centre", centre), ("contact-centre x3", large)):
        trace = simulate(team, seed=1)      # simulated outside the timing: only the replay counts
        start = time.perf_counter()
        result = replay(trace, 0.9)
        print(f"backtest {label} (simulated): {time.perf_counter() - start:6.1f} s for "
              f"{len(result.promises['kept'])} arrivals")


if __name__ == "__main__":
    if not PUBLIC.exists():
        sys.exit(f"the public trace is not at {PUBLIC}")
    bench_predictions()
    bench_backtests()
