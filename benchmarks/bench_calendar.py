"""How many SLA due times per second the business calendar computes.

A Tokyo team (Mon–Fri 09:00–12:00 and 13:00–18:00, Japanese public holidays) and many random
arrivals spread over 2026, Golden Week and the year end included, for three targets: 1 hour,
8 business hours and 5 business days. Run: ``.venv/bin/python benchmarks/bench_calendar.py``.
"""
from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.sla.calendar import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
)

STARTS = 200_000
ROUNDS = 3
TARGETS = {
    "1 hour": timedelta(hours=1),
    "8 business hours": timedelta(hours=8),
    "5 business days": timedelta(hours=5 * 8),
}


def tokyo() -> BusinessCalendar:
    day = [("09:00", "12:00"), ("13:00", "18:00")]
    return BusinessCalendar("Asia/Tokyo", {d: day for d in range(5)}, holiday_country="JP")


def random_starts(n: int) -> list[datetime]:
    rng = random.Random(2026)
    year_start = datetime(2026, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=365).total_seconds())
    return [year_start + timedelta(seconds=rng.randrange(span)) for _ in range(n)]


def rate(fn, starts: list[datetime], arg) -> float:
    """Best of a few rounds, calls per second."""
    best = float("inf")
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for start in starts:
            fn(start, arg)
        best = min(best, time.perf_counter() - t0)
    return len(starts) / best


def main() -> None:
    starts = random_starts(STARTS)
    t0 = time.perf_counter()
    calendar = tokyo()
    add_business_time(starts[0], timedelta(0), calendar)
    cold = time.perf_counter() - t0
    print(f"first call on a new calendar (builds one block): {cold * 1000:.2f} ms")
    for start in starts:
        add_business_time(start, TARGETS["5 business days"], calendar)

    print(f"{STARTS:,} random starts over 2026, JP holidays, best of {ROUNDS} rounds")
    for name, target in TARGETS.items():
        per_second = rate(lambda s, d: add_business_time(s, d, calendar), starts, target)
        print(f"  add_business_time {name:>17}: {per_second:>10,.0f} due times/s")
    due = [add_business_time(s, TARGETS["8 business hours"], calendar) for s in starts]
    pairs = dict(zip(starts, due, strict=True))
    per_second = rate(lambda s, _: business_time_between(s, pairs[s], calendar), starts, None)
    print(f"  business_time_between (8 h apart): {per_second:>10,.0f} measurements/s")


if __name__ == "__main__":
    main()
