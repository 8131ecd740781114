"""Ingest throughput and push latency, beside a bare Flask-SocketIO emit on the same machine.

Starts Kept as a real server process (``python -m inbox.serve`` on a fresh database), connects N
python-socketio agent clients, posts M emails through the real SendGrid Inbound Parse webhook and
prints messages/s ingested and the p50/p95/p99 latency from the start of each POST to the
``message.created`` event at each agent. Then it does the same against a bare Flask-SocketIO app
whose POST handler only emits, and prints the ratio: what Kept's parsing, database transaction
and threading cost on top of the transport.

    .venv/bin/python benchmarks/bench_ingest.py [--agents 10] [--messages 300] [--concurrency 4]
                                                  [--database-url postgresql://...]
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import csrf_from  # noqa: E402  (one CSRF scraper for tests and benchmarks)

PASSWORD = "benchmark password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stdout.read().decode() if proc.stdout else ''}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Collector:
    """Arrival times of each tagged event at each client."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        self.done = threading.Condition(self.lock)

    def record(self, tag: str) -> None:
        now = time.perf_counter()
        with self.lock:
            self.arrivals.setdefault(tag, []).append(now)
            self.done.notify_all()

    def wait_all(self, tags: list[str], per_tag: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while any(len(self.arrivals.get(t, [])) < per_tag for t in tags):
                left = deadline - time.monotonic()
                if left <= 0:
                    missing = sum(per_tag - len(self.arrivals.get(t, [])) for t in tags)
                    print(f"  warning: {missing} deliveries missing after {timeout}s")
                    return
                self.done.wait(left)


def connect_clients(url: str, n: int, namespace: str, event: str, tag_of, collector: Collector,  # noqa: ANN001
                    cookie: str | None) -> list[socketio.Client]:
    clients = []
    for _ in range(n):
        client = socketio.Client(reconnection=False)
        client.on(event, lambda data: collector.record(tag_of(data)), namespace=namespace)
        client.connect(url, namespaces=[namespace], headers={"Cookie": cookie} if cookie else {},
                       transports=["websocket"], wait_timeout=10)
        clients.append(client)
    return clients


def run_load(post_one, tags: list[str], concurrency: int, rate: float | None) -> tuple[dict[str, float], float]:  # noqa: ANN001
    """Post every tag; unpaced (as fast as the posters go) or paced at ``rate`` per second, so
    latency is compared at the same offered load rather than at each server's saturation."""
    starts: dict[str, float] = {}
    began = time.perf_counter()
    slots = {tag: began + i / rate for i, tag in enumerate(tags)} if rate else {}

    def go(tag: str) -> None:
        if rate:
            time.sleep(max(0.0, slots[tag] - time.perf_counter()))
        starts[tag] = time.perf_counter()
        post_one(tag)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(go, tags))
    return starts, time.perf_counter() - began


def summarise(name: str, starts: dict[str, float], collector: Collector, elapsed: float, m: int) -> dict:
    latencies = [(arrival - starts[tag]) * 1000 for tag, times in collector.arrivals.items() if tag in starts
                 for arrival in times]
    figures = {
        "rate": m / elapsed,
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "deliveries": len(latencies),
    }
    print(f"{name:>36}: {figures['rate']:8.1f} msg/s   latency p50 {figures['p50']:7.1f} ms   "
          f"p95 {figures['p95']:7.1f} ms   p99 {figures['p99']:7.1f} ms   ({figures['deliveries']} deliveries)")
    return figures


def measure(name: str, post_one, collector: Collector, args: argparse.Namespace) -> dict:  # noqa: ANN001
    results = {}
    for phase, rate in (("saturated", None), (f"paced {args.rate:g}/s", args.rate)):
        collector.arrivals.clear()
        tags = [uuid.uuid4().hex for _ in range(args.messages)]
        starts, elapsed = run_load(post_one, tags, args.concurrency, rate)
        collector.wait_all(tags, args.agents, timeout=60)
        results[phase] = summarise(f"{name}, {phase}", starts, collector, elapsed, args.messages)
    return results


def mail(tag: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Customer {tag[:6]} <c-{tag[:8]}@example.com>"
    message["To"] = "support@kept.example"
    message["Subject"] = f"bench {tag}"
    message["Message-ID"] = f"<{tag}@example.com>"
    message.set_content("My order has not arrived yet. Could you check, please?\n")
    return bytes(message)


def bench_kept(args: argparse.Namespace, workdir: Path) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database, "KEPT_PORT": str(port), "KEPT_DEMO_DATA": "0",
           "KEPT_INSTANCE_DIR": str(workdir), "PUBLIC_URL": url, "INBOUND_EMAIL_USERNAME": "bench",
           "INBOUND_EMAIL_PASSWORD": "bench-secret", "PYTHONPATH": str(ROOT)}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*flask, "users", "create", "bench@kept.example", "--password", PASSWORD, "--admin"], env=env,
                   cwd=ROOT, check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "inbox.serve"], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(f"{url}/login", server)
        http = requests.Session()
        page = http.get(f"{url}/login")
        http.post(f"{url}/login", data={"email": "bench@kept.example", "password": PASSWORD,
                                        "csrf_token": csrf_from(page.text)}, allow_redirects=False)
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        collector = Collector()
        clients = connect_clients(url, args.agents, "/agents", "message.created",
                                  lambda data: (data.get("subject") or "").removeprefix("bench "), collector, cookie)
        poster = threading.local()

        def post_one(tag: str) -> None:
            if not hasattr(poster, "s"):
                poster.s = requests.Session()
            files = {"email": ("email", mail(tag)), "to": (None, "support@kept.example"),
                     "from": (None, f"c-{tag[:8]}@example.com"), "charsets": (None, '{"to":"UTF-8"}')}
            response = poster.s.post(f"{url}/channels/email/inbound", files=files, auth=("bench", "bench-secret"))
            response.raise_for_status()

        figures = measure("Kept ingest → agents", post_one, collector, args)
        for client in clients:
            client.disconnect()
        return figures
    finally:
        server.terminate()
        server.wait(timeout=10)


def bench_bare(args: argparse.Namespace) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "bare_socketio.py"), str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(f"{url}/", server)
        collector = Collector()
        clients = connect_clients(url, args.agents, "/agents", "message.created", lambda data: data["tag"], collector,
                                  None)
        poster = threading.local()

        def post_one(tag: str) -> None:
            if not hasattr(poster, "s"):
                poster.s = requests.Session()
            poster.s.post(f"{url}/emit", json={"tag": tag}).raise_for_status()

        figures = measure("bare Flask-SocketIO", post_one, collector, args)
        for client in clients:
            client.disconnect()
        return figures
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rate", type=float, default=20.0, help="offered load for the latency phase, msg/s")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    print(f"{args.agents} agents, {args.messages} messages, {args.concurrency} concurrent posters, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}, threading async mode, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        kept = bench_kept(args, Path(tmp))
    bare = bench_bare(args)
    saturated, paced = list(kept)
    ratio = {q: kept[paced][q] / bare[paced][q] for q in ("p50", "p95", "p99")}
    print(f"{'Kept ÷ bare':>36}: throughput {kept[saturated]['rate'] / bare[saturated]['rate']:.2f}×   latency at "
          f"{paced}: p50 {ratio['p50']:.1f}×   p95 {ratio['p95']:.1f}×   p99 {ratio['p99']:.1f}×")


if __name__ == "__main__":
    main()
