"""Warnings and breaches on Celery: a real worker with two processes on Redis and PostgreSQL."""
from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from inbox import jobs
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Ticket
from tests import factories
from tests.conftest import REDIS_URL
from tests.sla_support import events_of, make_policy, metrics_of
from tests.test_sla_timers import DETECTION_LIMIT, agent_socket, latency, wait_for

ROOT = Path(__file__).resolve().parents[1]
DUPLICATES = 20
_DONE = re.compile(r"/(ForkPoolWorker-\d+)\] Task kept\.run_job\[[^\]]+\] succeeded")


class Worker:
    """``celery -A wsgi.celery worker --concurrency 2``, its log read line by line."""

    def __init__(self, database: str, secret: str):
        env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": REDIS_URL, "JOB_RUNNER": "celery",
               "SECRET_KEY": secret, "KEPT_DEMO_DATA": "0", "PYTHONPATH": str(ROOT)}
        self.lines: queue.Queue = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "wsgi.celery", "worker", "--concurrency", "2", "--pool", "prefork",
             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--hostname", f"sla-test-{uuid.uuid4().hex[:8]}@%h"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.log: list[str] = []

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, predicate, timeout: float, what: str) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while not predicate():
            try:
                self.log.append(self.lines.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"worker: no {what} within {timeout}s\n{''.join(self.log)}") from None

    def finished_by(self) -> list[str]:
        return [m.group(1) for line in self.log if (m := _DONE.search(line))]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.mark.config(REDIS_URL=REDIS_URL, JOB_RUNNER="celery")
def test_a_celery_worker_fires_warning_and_breach_within_seconds_exactly_once(app, database, live_server,
                                                                             make_agent):
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set: SLA timers on Celery not run (.ci/run sets it)")
    if not database.startswith("postgresql"):
        pytest.skip("the Celery worker test runs on PostgreSQL; on SQLite the in-process runner test covers timers")
    make_agent("sam@kept.example", role="admin")
    make_policy(first=4, warn_percent=50)
    worker = Worker(database, app.config["SECRET_KEY"])
    client = None
    try:
        worker.wait_for(lambda: any("ready." in line for line in worker.log), 30, "ready line")
        client, received = agent_socket(live_server, "sam@kept.example")
        ticket_id = ingest(factories.email()).ticket_id
        (metric,) = metrics_of(ticket_id, "first_response")
        # Every copy of the timer races for the same firing in both worker processes.
        for _ in range(DUPLICATES):
            jobs.enqueue("sla.fire", metric.id, at=metric.due_at)

        warning, warned_at = wait_for(received, "sla.warning", timeout=2 + 3 * DETECTION_LIMIT)
        breach, breached_at = wait_for(received, "sla.breached", timeout=2 + 3 * DETECTION_LIMIT)
        # The warning's own job, the breach it schedules, and the duplicates have all run.
        worker.wait_for(lambda: len(worker.finished_by()) >= DUPLICATES + 2, 30, "finished timer jobs")
    finally:
        if client is not None:
            client.disconnect()
        worker.stop()
    delays = latency(warning, warned_at), latency(breach, breached_at)
    print(f"Celery SLA detection latency: warning {delays[0] * 1000:.0f} ms, breach {delays[1] * 1000:.0f} ms")
    assert all(0 <= delay < DETECTION_LIMIT for delay in delays)
    # Which child runs which copy is the pool's choice: on a busy machine one child can take all
    # of them. Exactly once is the database claim's doing either way, and is what is checked.
    ran_in = set(worker.finished_by())
    print(f"timer jobs ran in: {sorted(ran_in)}")
    assert ran_in <= {"ForkPoolWorker-1", "ForkPoolWorker-2"} and ran_in
    db.session.expire_all()
    assert len(events_of(ticket_id, "sla.warning")) == 1
    assert len(events_of(ticket_id, "sla.breached")) == 1
    assert [name for name, _, _ in list(received.queue)].count("sla.breached") == 0
    assert db.session.get(Ticket, ticket_id).sla_due_at is not None
