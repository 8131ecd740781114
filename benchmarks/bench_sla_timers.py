"""SLA timers: how soon after its instant an agent hears of a warning or breach, and what idling costs.

Serves Kept in this process on a fresh database with the in-process job runner, connects one
python-socketio agent, opens N tickets whose first-response target is a few seconds (a warning
at half of it), and prints the p50/p95/max delay from each due instant to the ``sla.warning`` /
``sla.breached`` event at the agent. Then it loads M live clocks due far in the future and times
the safety sweep, the only periodic SLA work, which reads due rows by index.

    .venv/bin/python benchmarks/bench_sla_timers.py [--tickets 200] [--target 3] [--idle-clocks 100000]
                                                     [--database-url postgresql://...]
"""
from __future__ import annotations

import argparse
import queue
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import requests
import socketio
from sqlalchemy import insert
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox import create_app  # noqa: E402
from inbox.extensions import db  # noqa: E402
from inbox.ingest import ingest  # noqa: E402
from inbox.models import Agent, SLAPolicy, TicketSLAMetric, utcnow  # noqa: E402
from inbox.sla import timers  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import csrf_from, free_port  # noqa: E402

PASSWORD = "benchmark password"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--target", type=float, default=3.0, help="first-response target in seconds")
    parser.add_argument("--idle-clocks", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="kept-bench-sla-")
    url = args.database_url or f"sqlite:///{workdir}/kept.sqlite3"
    port = free_port()
    app = create_app("default", SQLALCHEMY_DATABASE_URI=url, JOB_RUNNER="inprocess", REDIS_URL=None,
                     PUBLIC_URL=f"http://127.0.0.1:{port}", ATTACHMENTS_DIR=f"{workdir}/files", TESTING=True)
    with app.app_context():
        db.drop_all()
        db.create_all()
        admin = Agent(email="bench@kept.example", name="Bench", role="admin")
        admin.set_password(PASSWORD)
        db.session.add_all([admin, SLAPolicy(name="Bench", position=0, first_response_seconds=int(args.target),
                                             warn_percent=50, channels=[], priorities=[], team_ids=[],
                                             customer_tags=[], customer_tiers=[], languages=[])])
        db.session.commit()
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        app.extensions["kept_jobs"].start()
        try:
            delays = measure_detection(app, port, args.tickets, args.target)
            sweep_ms = measure_sweep(args.idle_clocks)
        finally:
            app.extensions["kept_jobs"].stop()
            server.shutdown()
    print(f"database: {url.split(':')[0]}, in-process runner, {args.tickets} tickets, target {args.target:g} s")
    for name, values in delays.items():
        ms = [v * 1000 for v in values]
        print(f"{name:13s} n={len(ms):4d}  p50 {statistics.median(ms):6.1f} ms  p95 {percentile(ms, .95):6.1f} ms  "
              f"max {max(ms):6.1f} ms  (limit 5000 ms)")
    print(f"safety sweep over {args.idle_clocks} live clocks, none due: p50 {statistics.median(sweep_ms):.2f} ms "
          f"(every {app.config['SLA_SWEEP_SECONDS']:g} s; nothing else runs while nothing is due)")


def measure_detection(app, port: int, tickets: int, target: float) -> dict[str, list[float]]:  # noqa: ANN001
    base = f"http://127.0.0.1:{port}"
    http = requests.Session()
    page = http.get(f"{base}/login")
    http.post(f"{base}/login", data={"email": "bench@kept.example", "password": PASSWORD,
                                     "csrf_token": csrf_from(page.text)}, allow_redirects=False)
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    received: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    for name in ("sla.warning", "sla.breached"):
        client.on(name, lambda data, name=name: received.put((name, data, time.time())), namespace="/agents")
    client.connect(base, namespaces=["/agents"], headers={"Cookie": cookie}, transports=["websocket"],
                   wait_timeout=5)
    try:
        # Spread the arrivals over the target so timers come due while others are being armed.
        gap = target / tickets
        for _ in range(tickets):
            ingest(factories.email())
            time.sleep(gap)
        delays: dict[str, list[float]] = {"sla.warning": [], "sla.breached": []}
        deadline = time.monotonic() + target + 30
        while sum(map(len, delays.values())) < 2 * tickets and time.monotonic() < deadline:
            try:
                name, data, at = received.get(timeout=1)
            except queue.Empty:
                continue
            instant = datetime.fromisoformat(data["fires_at"].replace("Z", "+00:00")).timestamp()
            delays[name].append(at - instant)
        return delays
    finally:
        client.disconnect()


def measure_sweep(clocks: int) -> list[float]:
    far = utcnow() + timedelta(days=30)
    rows = [{"ticket_id": 1, "metric": "resolution", "cycle": i + 10, "target_seconds": 3600, "started_at": utcnow(),
             "segment_started_at": utcnow(), "elapsed_seconds": 0.0, "paused_seconds": 0.0, "due_at": far,
             "next_fire_at": far + timedelta(seconds=i)} for i in range(clocks)]
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(TicketSLAMetric), rows[start:start + 10_000])
    db.session.commit()
    timings = []
    for _ in range(20):
        began = time.perf_counter()
        timers.sweep()
        timings.append((time.perf_counter() - began) * 1000)
    return timings


if __name__ == "__main__":
    main()
