"""How long each report query takes on a million tickets in PostgreSQL.

Seeds a separate database (``kept_reports_bench``, dropped and created again; ``--reuse`` keeps
the last one) with a year of traffic in SQL (``generate_series``, no Python loop): 1,000,000
tickets over three channels and teams, their events (created, answered, solved, a few reopened),
promises, 400,000 surveys with ratings and NPS, and SLA clocks, and builds the reports' rollup
from them (the seed bypasses the ORM, so nothing marked the hours: a full rebuild). Then times a
refresh after 100 tickets changed, builds every report for the last 28 days, 90 days and the
whole year, several runs each, and prints the p50 of every SQL statement and of each whole report.

Run: ``.venv/bin/python benchmarks/bench_reports.py [--url postgresql://postgres@127.0.0.1:5432]
[--tickets 1000000] [--runs 5] [--reuse]``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, inspect, text

from inbox import create_app, reports
from inbox.extensions import db
from inbox.models.report_rollup import ReportChange, ReportHour
from inbox.reports import rollup
from inbox.reports.query import ReportRange

DATABASE = "kept_reports_bench"

SEED = [
    "SELECT setseed(0.42)",
    """INSERT INTO teams (id, name, timezone, language, channels)
       VALUES (1, 'Tokyo', 'Asia/Tokyo', 'ja', '[]'), (2, 'Seoul', 'Asia/Seoul', 'ko', '[]'),
              (3, 'London', 'Europe/London', 'en', '[]')""",
    """INSERT INTO customers (id, name, email, language, tags, created_at)
       SELECT g, 'Customer ' || g, 'c' || g || '@example.com', 'en', '[]', now() AT TIME ZONE 'UTC'
       FROM generate_series(1, :customers) g""",
    # One row per ticket: arrival over the past year, an exponential first reply (mean 40 min) and
    # resolution (mean 10 h), a promise on 85% of tickets, 2% still open.
    """CREATE TEMP TABLE seed AS
       SELECT g AS id, r.created,
              r.created + make_interval(secs => -ln(1 - random()) * 2400) AS first_at,
              -ln(1 - random()) * 36000 AS resolve_secs,
              random() AS r_status, random() AS r_channel, random() AS r_promise, random() AS r_prio
       FROM generate_series(1, :tickets) g,
            LATERAL (SELECT (now() AT TIME ZONE 'UTC') - random() * interval '365 days' + g * interval '0'
                     AS created) r""",
    """INSERT INTO tickets (id, customer_id, status, priority, channel, language, subject, team_id, tags,
                           created_at, updated_at, last_customer_message_at, first_response_at, solved_at,
                           promised_at, promise_due_at, promise_median_at, promise_quantile, sla_paused_seconds)
       SELECT id, 1 + id % :customers,
              CASE WHEN r_status < 0.02 THEN 'open' WHEN r_status < 0.12 THEN 'closed' ELSE 'solved' END,
              CASE WHEN r_prio < 0.05 THEN 'urgent' WHEN r_prio < 0.2 THEN 'high' WHEN r_prio < 0.9 THEN 'normal'
                   ELSE 'low' END,
              CASE WHEN r_channel < 0.5 THEN 'email' WHEN r_channel < 0.75 THEN 'chat' ELSE 'x' END,
              'en', 'Ticket ' || id, 1 + id % 3, '[]', created, created, created,
              CASE WHEN r_status < 0.01 THEN NULL ELSE first_at END,
              CASE WHEN r_status < 0.12 THEN NULL ELSE first_at + make_interval(secs => resolve_secs) END,
              CASE WHEN r_promise < 0.85 THEN created END,
              CASE WHEN r_promise < 0.85 THEN created + make_interval(secs => 1800 + r_promise * 3600) END,
              CASE WHEN r_promise < 0.85 THEN created + make_interval(secs => 1200 + r_promise * 1800) END,
              CASE WHEN r_promise < 0.85 THEN 0.9 END,
              0
       FROM seed""",
    """INSERT INTO ticket_events (ticket_id, kind, actor_type, data, created_at)
       SELECT id, 'ticket.created', 'customer', '{}', created_at FROM tickets""",
    """INSERT INTO ticket_events (ticket_id, kind, actor_type, data, created_at)
       SELECT id, 'status.changed', 'agent', '{"old": "new", "new": "open"}', first_response_at
       FROM tickets WHERE first_response_at IS NOT NULL""",
    """INSERT INTO ticket_events (ticket_id, kind, actor_type, data, created_at)
       SELECT id, 'status.changed', 'agent', '{"old": "open", "new": "solved"}', solved_at
       FROM tickets WHERE solved_at IS NOT NULL""",
    # Closed tickets: solved once, then closed (their solved_at is cleared, as the app does).
    """INSERT INTO ticket_events (ticket_id, kind, actor_type, data, created_at)
       SELECT id, 'status.changed', 'agent', '{"old": "open", "new": "solved"}', first_response_at + interval '2 hours'
       FROM tickets WHERE status = 'closed' AND first_response_at IS NOT NULL""",
    """INSERT INTO ticket_events (ticket_id, kind, actor_type, data, created_at)
       SELECT id, 'status.changed', 'agent', '{"old": "solved", "new": "closed"}', first_response_at + interval '3 days'
       FROM tickets WHERE status = 'closed' AND first_response_at IS NOT NULL""",
    # 3% of solved tickets were reopened by the customer before their final solve.
    """INSERT INTO ticket_events (ticket_id, kind, actor_type, data, created_at)
       SELECT id, 'status.changed', 'customer', e.data::json, e.at
       FROM tickets, LATERAL (VALUES ('{"old": "solved", "new": "open"}', solved_at - interval '2 hours'),
                                     ('{"old": "open", "new": "solved"}', solved_at - interval '3 hours')) e(data, at)
       WHERE solved_at IS NOT NULL AND id % 33 = 0 AND solved_at - interval '3 hours' > first_response_at""",
    # Surveys on 45% of solved tickets; a third of them rated, one in six answering NPS.
    """INSERT INTO surveys (ticket_id, customer_id, team_id, channel, language, state, solved_at, due_at, sent_at,
                           rating, rated_at, nps_asked, nps_score, comment, commented_at, created_at)
       SELECT id, customer_id, team_id, channel, 'en', 'sent', solved_at, solved_at + interval '1 hour',
              solved_at + interval '1 hour',
              CASE WHEN r < 0.33 THEN LEAST(5, 1 + floor(-ln(1 - random()) * 1.2 + (r * 9)))::int END,
              CASE WHEN r < 0.33 THEN solved_at + interval '2 hours' END,
              id % 6 = 0,
              CASE WHEN id % 6 = 0 AND r < 0.5 THEN floor(random() * 11)::int END,
              CASE WHEN r < 0.02 THEN 'Comment on ticket ' || id END,
              CASE WHEN r < 0.02 THEN solved_at + interval '3 hours' END,
              solved_at
       FROM (SELECT *, random() AS r FROM tickets WHERE solved_at IS NOT NULL AND id % 20 < 9) t""",
]

SLA_SEED = [
    """INSERT INTO ticket_sla_metrics (ticket_id, metric, cycle, target_seconds, started_at, elapsed_seconds,
                                      paused_seconds, due_at, stopped_at, business_seconds, outcome, breached_at)
       SELECT id, 'first_response', 1, 3600, created_at, 0, 0, created_at + interval '1 hour', first_response_at,
              EXTRACT(EPOCH FROM first_response_at - created_at) * 0.6,
              CASE WHEN first_response_at <= created_at + interval '1 hour' THEN 'met' ELSE 'breached' END,
              CASE WHEN first_response_at > created_at + interval '1 hour' THEN created_at + interval '1 hour' END
       FROM tickets WHERE first_response_at IS NOT NULL""",
    """INSERT INTO ticket_sla_metrics (ticket_id, metric, cycle, target_seconds, started_at, elapsed_seconds,
                                      paused_seconds, due_at, stopped_at, business_seconds, outcome, breached_at)
       SELECT id, 'resolution', 1, 86400, created_at, 0, 0, created_at + interval '1 day', solved_at,
              EXTRACT(EPOCH FROM solved_at - created_at) * 0.5,
              CASE WHEN solved_at <= created_at + interval '1 day' THEN 'met' ELSE 'breached' END,
              CASE WHEN solved_at > created_at + interval '1 day' THEN created_at + interval '1 day' END
       FROM tickets WHERE solved_at IS NOT NULL""",
    """INSERT INTO ticket_sla_metrics (ticket_id, metric, cycle, target_seconds, started_at, elapsed_seconds,
                                      paused_seconds, due_at, stopped_at, business_seconds, outcome, breached_at)
       SELECT id, 'next_response', 1, 7200, first_response_at + interval '1 hour', 0, 0,
              first_response_at + interval '3 hours', first_response_at + interval '90 minutes', 1800,
              CASE WHEN id % 10 = 0 THEN 'breached' ELSE 'met' END,
              CASE WHEN id % 10 = 0 THEN first_response_at + interval '3 hours' END
       FROM tickets WHERE first_response_at IS NOT NULL AND id % 3 = 0""",
]


def recreate(server: str) -> None:
    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE}"))
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    engine.dispose()


def seed(tickets: int) -> None:
    db.create_all()
    params = {"tickets": tickets, "customers": max(1, tickets // 5)}
    statements = SEED + (SLA_SEED if inspect(db.engine).has_table("ticket_sla_metrics") else [])
    with db.engine.begin() as conn:
        for statement in statements:
            started = time.perf_counter()
            conn.execute(text(statement), params)
            print(f"  seeded in {time.perf_counter() - started:6.1f} s: {' '.join(statement.split())[:70]}…")
        for table in ("tickets", "ticket_events", "surveys", "customers", "teams"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def ensure_indexes() -> None:
    """Tables and indexes added to the models since the database was seeded."""
    db.create_all()
    for table in db.metadata.sorted_tables:
        if inspect(db.engine).has_table(table.name):
            for index in table.indexes:
                index.create(db.engine, checkfirst=True)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def churn(tickets: int) -> None:
    """Mark the latest tickets changed, as a busy hour of agents would, and time the refresh."""
    ids = db.session.scalars(text("SELECT id FROM tickets ORDER BY created_at DESC LIMIT :n"), {"n": tickets}).all()
    db.session.add_all([ReportChange(scope="ticket", value=i) for i in ids])
    db.session.commit()
    started = time.perf_counter()
    rollup.refresh(db.session)
    print(f"refresh after {tickets} changed tickets: {(time.perf_counter() - started) * 1000:.0f} ms")


class StatementClock:
    """Times every SQL statement the reports send, keyed by report and statement order."""

    def __init__(self) -> None:
        self.report = ""
        self.index = 0
        self.times: dict[tuple[str, int], list[float]] = defaultdict(list)
        self.sql: dict[tuple[str, int], str] = {}
        self._started = 0.0

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        self._started = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        key = (self.report, self.index)
        self.times[key].append(time.perf_counter() - self._started)
        self.sql[key] = " ".join(statement.split())
        self.index += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database from the last run")
    parser.add_argument("--days", type=int, nargs="*", default=[28, 90, 365], help="range lengths to report")
    args = parser.parse_args()
    if not args.reuse:
        recreate(args.url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"{args.url}/{DATABASE}")
    with app.app_context():
        if not args.reuse:
            print(f"seeding {args.tickets:,} tickets into {DATABASE}")
            started = time.perf_counter()
            seed(args.tickets)
            print(f"seeded in {time.perf_counter() - started:.0f} s")
        if args.reuse:
            ensure_indexes()
        if not args.reuse or db.session.scalar(text("SELECT count(*) FROM report_hours")) == 0:
            started = time.perf_counter()
            rollup.rebuild(db.session)
            print(f"rollup built in {time.perf_counter() - started:.1f} s: "
                  f"{db.session.query(ReportHour).count():,} hour rows")
            db.session.remove()
            # What autovacuum does soon after on a live database: the visibility map that lets
            # the rollup's reads be index-only scans.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE report_hours, report_times, report_time_counts"))
        churn(100)
        counts = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in
                  ("tickets", "ticket_events", "surveys")}
        print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        clock = StatementClock()
        event.listen(db.engine, "before_cursor_execute", clock.before)
        event.listen(db.engine, "after_cursor_execute", clock.after)
        today = date.today()
        for days in args.days:
            rng = ReportRange(today - timedelta(days=days - 1), today, "Asia/Tokyo")
            print(f"\n== last {days} days, Asia/Tokyo, p50 of {args.runs} runs (first run warms the cache) ==")
            totals: dict[str, list[float]] = defaultdict(list)
            clock.times.clear()
            for run in range(args.runs + 1):
                for name in reports.BUILDERS:
                    clock.report, clock.index = name, 0
                    with app.test_request_context():
                        started = time.perf_counter()
                        reports.build(name, rng)
                        elapsed = time.perf_counter() - started
                    db.session.remove()
                    if run:
                        totals[name].append(elapsed)
                    else:
                        for key in [k for k in clock.times if k[0] == name]:
                            clock.times[key].clear()
            for name in reports.BUILDERS:
                print(f"{name:16s} whole report {statistics.median(totals[name]) * 1000:8.1f} ms")
                for (report, index), times in sorted(clock.times.items()):
                    if report == name and times:
                        sql = clock.sql[(report, index)]
                        if sql.upper().startswith(("SELECT", "WITH")):
                            print(f"    q{index:<2d} {statistics.median(times) * 1000:8.1f} ms  {sql[:90]}")


if __name__ == "__main__":
    main()
