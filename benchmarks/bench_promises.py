"""What the live promise costs: the public Tokyo trace written into a database, then

* the cold start of a team's model (every event of the history window replayed, as a new web
  process or worker does once a day),
* catching up with one new ticket,
* one live estimate (a fresh copy of the history, then a cached one),
* ingesting an email with its promise and notice, end to end in the domain,
* one run of the honest-update job over every waiting ticket.

Run: ``.venv/bin/python benchmarks/bench_promises.py`` (SQLite in a temporary directory).
"""
from __future__ import annotations

import math
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox import create_app, notices, promises
from inbox.eta import live
from inbox.eta.trace import ARRIVAL, read_trace
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import BusinessCalendarRecord, Team, Ticket, utcnow
from tests import factories
from tests.promise_fixtures import load, shifted

PUBLIC = Path(__file__).resolve().parents[2] / "shared" / "traces" / "tokyo-public.jsonl"


def timed(label: str, fn, repeat: int = 1) -> object:  # noqa: ANN001
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    figure = statistics.median(times)
    unit, value = ("ms", figure * 1000) if figure < 1 else ("s", figure)
    print(f"{label:<58} {value:9.1f} {unit}" + (f"  (median of {repeat})" if repeat > 1 else ""))
    return result


def main() -> None:
    if not PUBLIC.exists():
        sys.exit(f"missing {PUBLIC}")
    trace = read_trace(PUBLIC)
    weeks = math.floor((datetime.now(UTC).timestamp() - trace.events[-1].t) / timedelta(weeks=1).total_seconds())
    moved = shifted(trace, timedelta(weeks=weeks))
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite3", PROMISES_ENABLED=True,
                         PROMISE_HISTORY_WEEKS=5, ATTACHMENTS_DIR=tmp)
        with app.app_context():
            db.create_all()
            holidays = [(date.fromisoformat(d) + timedelta(weeks=weeks)).isoformat()
                        for d in trace.calendar.get("holidays", [])]
            record = BusinessCalendarRecord(name="Tokyo", timezone=trace.calendar["timezone"], closed_dates=holidays,
                                            weekly={d: [pair] for d, pair in trace.calendar["hours"].items()})
            team = Team(name="Tokyo", timezone="Asia/Tokyo", language="ja")
            db.session.add_all([record, team])
            db.session.flush()
            team.calendar_id = record.id
            db.session.commit()
            timed("write the trace into the database", lambda: load(moved, team))
            arrivals = sum(e.kind == ARRIVAL for e in moved.events)
            print(f"{len(moved.events)} events, {arrivals} tickets, ending "
                  f"{moved.events[-1].t and datetime.fromtimestamp(moved.events[-1].t, UTC):%Y-%m-%d %H:%M} UTC")
            now = utcnow()
            q = promises.settings().quantile
            model = timed("cold start: replay the team's history window", lambda: live.model_for(team, q, now))
            print(f"  {model.replay.events} events replayed")
            ticks = iter(range(1, 10**6))
            timed("catch up with nothing new (six small queries)",
                  lambda: live.model_for(team, q, now + timedelta(seconds=next(ticks))), 20)
            ticket = db.session.get(Ticket, ingest(factories.email(), now=now).ticket_id)
            timed("catch up with one new ticket", lambda: live.model_for(team, q, now + timedelta(minutes=2)))
            later = now + timedelta(minutes=2)

            def fresh_estimate() -> None:
                model._peek = None
                promises.estimate(ticket, later)

            timed("live estimate, fresh copy of the history", fresh_estimate, 10)
            timed("live estimate, cached copy", lambda: promises.estimate(ticket, later), 50)
            counter = iter(range(10**6))
            timed("ingest an email with its promise and notice",
                  lambda: ingest(factories.email(sender=f"c{next(counter)}@example.com"), now=later), 20)
            waiting = len(live.waiting_tickets(team.id))
            timed(f"honest-update job over {waiting} waiting tickets",
                  lambda: notices.revise_slipping(now=later + timedelta(minutes=1)))


if __name__ == "__main__":
    main()
