"""How many SLA due times per second the business calendar computes.

A Tokyo team (Mon–Fri 09:00–12:00 and 13:00–18:00, Japanese public holidays) and many random
arrivals for three targets: 1 hour, 8 business hours and 5 business days. Once with arrivals
spread over 2026, once with arrivals in the five days before each Japanese holiday of 2026
(Golden Week, Marine Day, Silver Week...), where due times must jump the closures.
Run: ``.venv/bin/python benchmarks/bench_calendar.py``.
"""
from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
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
SPEC = {
    "timezone": "Asia/Tokyo",
    "hours": {d: [["09:00", "12:00"], ["13:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holiday_country": "JP",
}


def over_the_year(rng: random.Random, n: int) -> list[datetime]:
    year_start = datetime(2026, 1, 1, tzinfo=UTC)
    return [year_start + timedelta(seconds=rng.randrange(365 * 86_400)) for _ in range(n)]


def before_holidays(rng: random.Random, n: int, calendar: BusinessCalendar) -> list[datetime]:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    public_holidays = [d for d in days if calendar.holiday_name(d)]
    starts = []
    for _ in range(n):
        holiday = rng.choice(public_holidays)
        before = datetime(holiday.year, holiday.month, holiday.day, tzinfo=UTC) - timedelta(days=5)
        starts.append(before + timedelta(seconds=rng.randrange(5 * 86_400)))
    return starts


def per_second(call: Callable[[datetime], object], starts: list[datetime]) -> float:
    """Best of a few rounds, calls per second."""
    best = float("inf")
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for start in starts:
            call(start)
        best = min(best, time.perf_counter() - t0)
    return len(starts) / best


def main() -> None:
    t0 = time.perf_counter()
    calendar = BusinessCalendar.from_spec(SPEC)
    add_business_time(datetime(2026, 1, 5, tzinfo=UTC), timedelta(0), calendar)
    print(f"new calendar, first due time (loads JP holidays, builds a block): "
          f"{(time.perf_counter() - t0) * 1000:.1f} ms")
    rng = random.Random(2026)
    sets = {
        "over 2026": over_the_year(rng, STARTS),
        "before JP holidays": before_holidays(rng, STARTS, calendar),
    }
    print(f"{STARTS:,} random arrivals per set, best of {ROUNDS} rounds, warm cache")
    for label, starts in sets.items():
        for name, target in TARGETS.items():
            rate = per_second(lambda s, d=target: add_business_time(s, d, calendar), starts)
            print(f"  add_business_time, {label:>18}, {name:>16}: {rate:>10,.0f} /s")
    starts = sets["over 2026"]
    due = {s: add_business_time(s, TARGETS["8 business hours"], calendar) for s in starts}
    rate = per_second(lambda s: business_time_between(s, due[s], calendar), starts)
    print(f"  business_time_between, 8 business hours apart:          {rate:>10,.0f} /s")
    rate = per_second(
        lambda s: add_business_time(s, TARGETS["8 business hours"], BusinessCalendar.from_spec(SPEC)),
        starts[:20_000])
    print(f"  from_spec then add_business_time (no calendar kept):    {rate:>10,.0f} /s")


if __name__ == "__main__":
    main()
