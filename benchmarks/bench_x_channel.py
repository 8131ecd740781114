"""How fast the X channel acknowledges webhooks, and counts and splits replies.

X expects every webhook POST to be answered within 3 seconds, so the route ingests inline; this
measures the time from request to answer through the real route (signature check, parse, one
ingest transaction per message) on a file SQLite database, for single Activity API events and for
Account Activity bodies carrying many DMs at once. It also measures ``count_x`` (called by the
composer as the agent types) and ``split_for_x`` on real support tweets.
Run: ``.venv/bin/python benchmarks/bench_x_channel.py``.
"""
from __future__ import annotations

import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels.x.counting import count_x, split_for_x
from channels.x.demo import XUser, direct_message, mention, signed_request, snowflake
from inbox import create_app
from inbox.extensions import db

TWCS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "twcs-sample" / "twcs.csv"
SECRET = "bench-secret"
US = XUser("1111111111111111111", "KeptSupport", "Kept Support")
REQUESTS = 300


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return f"p50 {at(0.5):6.1f} ms  p95 {at(0.95):6.1f} ms  max {ordered[-1]:6.1f} ms"


def timed_posts(client, bodies: list[dict]) -> list[float]:
    samples = []
    for body in bodies:
        raw, headers = signed_request(body, SECRET)
        start = time.perf_counter()
        response = client.post("/channels/x/webhook", data=raw, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return samples


def account_activity_batch(size: int) -> dict:
    events, users = [], {}
    for n in range(size):
        sender = XUser(str(5_000_000 + n), f"customer{n}", f"Customer {n}")
        events.append({
            "type": "message_create", "id": snowflake(), "created_timestamp": str(int(time.time() * 1000)),
            "message_create": {"target": {"recipient_id": US.id}, "sender_id": sender.id,
                               "message_data": {"text": f"Order {n} has not arrived", "entities": {}}},
        })
        users[sender.id] = {"id": sender.id, "name": sender.name, "screen_name": sender.username}
    return {"for_user_id": US.id, "direct_message_events": events, "users": users}


def bench_webhook() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite3",
                         ATTACHMENTS_DIR=f"{tmp}/attachments", X_CONSUMER_SECRET=SECRET, X_ACCOUNT_ID=US.id)
        with app.app_context():
            db.create_all()
            client = app.test_client()
            people = [XUser(str(3_000_000 + n), f"user{n}", f"User {n}") for n in range(50)]
            mentions = [mention(people[n % 50], f"@KeptSupport order {n} is late", account=US) for n in range(REQUESTS)]
            dms = [direct_message(people[n % 50], f"my order number is {n}", account=US) for n in range(REQUESTS)]
            print(f"webhook, one mention per POST ({REQUESTS}):   {percentiles(timed_posts(client, mentions))}")
            print(f"webhook, one DM per POST ({REQUESTS}):        {percentiles(timed_posts(client, dms))}")
            print(f"webhook, redelivered mentions ({REQUESTS}):   {percentiles(timed_posts(client, mentions))}")
            for size in (10, 50, 100):
                samples = timed_posts(client, [account_activity_batch(size) for _ in range(5)])
                print(f"webhook, AAA body with {size:3d} DMs (5 POSTs): {percentiles(samples)}")
            db.engine.dispose()


def bench_counting() -> None:
    if not TWCS.exists():
        print(f"corpus missing, counting not measured: {TWCS}")
        return
    with TWCS.open(encoding="utf-8", newline="") as handle:
        tweets = [row["text"] for row in csv.DictReader(handle) if row["text"]]
    start = time.perf_counter()
    for text in tweets:
        count_x(text)
    per_count = (time.perf_counter() - start) / len(tweets) * 1e6
    print(f"count_x on {len(tweets)} real tweets:          {per_count:7.0f} µs per text")
    replies = ["\n\n".join(tweets[i:i + 6]) for i in range(0, len(tweets), 6)]
    timings, parts = [], []
    for reply in replies:
        start = time.perf_counter()
        split = split_for_x(reply)
        timings.append((time.perf_counter() - start) * 1000)
        parts.append(len(split))
        assert all(count_x(part) <= 280 for part in split)
    print(f"split_for_x on {len(replies)} six-tweet replies: {percentiles(timings)}; "
          f"{statistics.mean(parts):.1f} parts on average, none over 280")


if __name__ == "__main__":
    bench_counting()
    bench_webhook()
