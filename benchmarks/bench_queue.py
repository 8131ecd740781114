"""Queue API latency with 100,000 open tickets on PostgreSQL.

Seeds a separate database (``kept_bench``, created if missing) with bulk inserts, then times
``GET /api/queue`` through the Flask app: the default view, filtered views, a search and a deep
keyset page. Prints p50/p95 per case and the plan of the default query.

    .venv/bin/python benchmarks/bench_queue.py [--tickets 100000] [--runs 200]

KEPT_BENCH_DATABASE_URL overrides postgresql://postgres@127.0.0.1:5432/kept_bench.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from inbox import create_app, queue, views  # noqa: E402
from inbox.extensions import db  # noqa: E402
from inbox.models import Agent, Customer, Message, Team, Ticket, utcnow  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/kept_bench"
TOKEN = "bench-token-not-secret"
WORDS = ["order", "parcel", "refund", "invoice", "login", "password", "delivery", "address", "size", "charge",
         "注文", "配送", "返金", "請求", "ログイン", "주문", "배송", "환불", "결제", "로그인"]
OPEN = ["new", "open", "pending", "on-hold"]
BATCH = 10_000


def ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def seed(n_tickets: int, rng: random.Random) -> tuple[int, int]:
    db.drop_all()
    db.create_all()
    teams = [Team(name=f"Team {i}", channels=[]) for i in range(4)]
    db.session.add_all(teams)
    db.session.flush()
    agents = []
    for i in range(40):
        agent = Agent(email=f"agent{i}@bench.example", name=f"Agent {i}", password_hash="-", teams=[teams[i % 4]],
                      languages=["en"])
        agents.append(agent)
    admin = Agent(email="admin@bench.example", name="Admin", password_hash="-", role="admin", teams=teams)
    member = agents[0]
    member.teams = teams[:2]
    member.api_token_hash = Agent.hash_token(TOKEN)
    db.session.add_all([*agents, admin])
    db.session.commit()
    now = utcnow()
    n_customers = n_tickets // 4
    for start in range(0, n_customers, BATCH):
        db.session.execute(insert(Customer), [
            {"name": f"Customer {i}", "email": f"c{i}@example.com", "tags": [], "created_at": now}
            for i in range(start, min(n_customers, start + BATCH))
        ])
    db.session.commit()
    total = n_tickets + n_tickets // 5  # plus solved ones the queue must skip
    for start in range(0, total, BATCH):
        rows, texts = [], []
        for i in range(start, min(total, start + BATCH)):
            words = rng.sample(WORDS, 3)
            due = None if rng.random() < 0.05 else now + timedelta(minutes=rng.uniform(-120, 3 * 24 * 60))
            rows.append({
                "id": i + 1, "customer_id": rng.randrange(1, n_customers + 1),
                "status": rng.choice(OPEN) if i < n_tickets else "solved",
                "priority": rng.choices(["low", "normal", "high", "urgent"], [2, 6, 2, 1])[0],
                "channel": rng.choices(["email", "x", "chat"], [6, 3, 2])[0], "language": "en",
                "subject": f"{words[0]} {words[1]} #{i}", "preview": " ".join(words),
                "team_id": rng.choice(teams).id,
                "assignee_id": rng.choice(agents).id if rng.random() < 0.6 else None,
                "tags": ["vip"] if rng.random() < 0.05 else [],
                "created_at": now - timedelta(minutes=rng.uniform(0, 10_000)), "updated_at": now,
                "sla_due_at": due, "first_response_due_at": due, "sla_paused_seconds": 0.0,
            })
            texts.append({"ticket_id": i + 1, "direction": "inbound", "channel": "email", "kind": "message",
                          "text": " ".join(rng.sample(WORDS, 6)) + f" ref {i}", "meta": {},
                          "delivery_state": "received", "created_at": now})
        db.session.execute(insert(Ticket), rows)
        db.session.execute(insert(Message), texts)
        db.session.commit()
    db.session.execute(text("SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return total, member.id


def timed(client, url: str, runs: int) -> tuple[float, float, int]:  # noqa: ANN001
    headers = {"Authorization": f"Bearer {TOKEN}"}
    client.get(url, headers=headers)  # warm caches and the plan
    samples = []
    rows = 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
        rows = len(response.json["tickets"])
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep the database a previous run seeded")
    args = parser.parse_args()
    url = os.environ.get("KEPT_BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        started = time.perf_counter()
        if args.reuse:
            member_id = db.session.scalar(text("SELECT id FROM agents WHERE email = 'agent0@bench.example'"))
            total = db.session.scalar(text("SELECT count(*) FROM tickets"))
            print(f"reusing {total:,} tickets")
        else:
            total, member_id = seed(args.tickets, random.Random(7))
            print(f"seeded {total:,} tickets ({args.tickets:,} open) and {total:,} messages "
                  f"in {time.perf_counter() - started:.1f} s")
        client = app.test_client()
        deep = _deep_cursor(member_id, pages=100)
        cases = [
            ("default view (all open, agent of 2 of 4 teams)", "/api/queue"),
            ("filtered: channel=email & priority=high", "/api/queue?channel=email&priority=high"),
            ("view=mine", "/api/queue?view=mine"),
            ("view=breaching (due within 30 min)", "/api/queue?view=breaching"),
            ("tag=vip & status=pending", "/api/queue?tag=vip&status=pending"),
            ("search q=refund (a word in 30% of tickets)", "/api/queue?q=refund"),
            ("search q=返金 (CJK, 30% of tickets)", "/api/queue?q=%E8%BF%94%E9%87%91"),
            ("search q=ref 4242 (a reference in a few messages)", "/api/queue?q=ref%204242"),
            ("page 101 by keyset cursor", f"/api/queue?cursor={deep}"),
        ]
        print(f"\nGET through the Flask app, 50 rows a page, {args.runs} runs each (ms):")
        print(f"{'case':52} {'p50':>8} {'p95':>8} {'rows':>5}")
        for name, path in cases:
            p50, p95, rows = timed(client, path, args.runs)
            print(f"{name:52} {p50:8.2f} {p95:8.2f} {rows:5d}")
        member = db.session.get(Agent, member_id)
        sql = queue.queue_query(member, views.filter_from_params({}, member)).where(
            Ticket.sla_due_at.is_not(None)).limit(51)
        compiled = sql.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars().all()
        print("\nplan of the default page:\n  " + "\n  ".join(plan))


def _deep_cursor(member_id: int, pages: int) -> str:
    member = db.session.get(Agent, member_id)
    flt = views.filter_from_params({}, member)
    cursor = None
    for _ in range(pages):
        cursor = queue.page(member, flt, after=cursor, limit=50).next_cursor
    return cursor.encode()


if __name__ == "__main__":
    main()
