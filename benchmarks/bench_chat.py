"""Chat: visitor message round trip, agent reply to the widget, and one sweep of live waits.

Serves Kept in this process (threaded server, SQLite file or ``--database-url``), connects V
python-socketio visitors that each send M messages one after another, and prints messages/s and
the p50/p95/p99 time from ``emit("message")`` to the acknowledgement (stored through ingest, wait
told). Then an agent answers every visitor and it prints the time from the reply's commit, through
the outbox and the chat adapter, to the ``message`` event in the widget. Between the two, the time
of one ``chat.refresh_waits`` run over all waiting chats.

    .venv/bin/python benchmarks/bench_chat.py [--visitors 20] [--messages 10] [--database-url ...]
"""
from __future__ import annotations

import argparse
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox import create_app, tickets  # noqa: E402
from inbox.extensions import db  # noqa: E402
from inbox.models import Agent, Ticket  # noqa: E402
from tests.conftest import LiveServer  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def figures(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"{name}: n={len(ms)} p50={percentile(ms, 0.5):.1f} ms p95={percentile(ms, 0.95):.1f} ms "
          f"p99={percentile(ms, 0.99):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kept-bench-chat-"))
    url = args.database_url or f"sqlite:///{workdir / 'kept.sqlite3'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, ATTACHMENTS_DIR=str(workdir / "files"),
                     CHAT_RATE_PER_MINUTE=10_000, PUBLIC_URL="http://127.0.0.1")
    with app.app_context():
        db.drop_all()
        db.create_all()
        agent = Agent(email="mika@kept.example", name="Mika", presence="online", capacity=100)
        agent.set_password("x", method="pbkdf2:sha256:1000")
        db.session.add(agent)
        db.session.commit()
        server = LiveServer(app).start()
        try:
            run(app, server.url, args.visitors, args.messages, agent)
        finally:
            server.stop()


def run(app, base: str, n_visitors: int, n_messages: int, agent: Agent) -> None:  # noqa: ANN001
    visitors = []
    for _ in range(n_visitors):
        client = socketio.Client(reconnection=False)
        inbox_: queue.Queue = queue.Queue()
        client.on("message", inbox_.put, namespace="/chat")
        client.connect(base, namespaces=["/chat"], auth={"lang": "en", "tz": "UTC"}, transports=["websocket"])
        session = client.call("hello", {}, namespace="/chat")
        visitors.append((client, inbox_, session["visitor_id"]))

    acks: list[float] = []
    lock = threading.Lock()

    def chat(index: int) -> None:
        client = visitors[index][0]
        for n in range(n_messages):
            started = time.perf_counter()
            ack = client.call("message", {"id": f"m{n}", "text": f"message {n} from visitor {index}"},
                              namespace="/chat", timeout=30)
            assert ack["ok"], ack
            with lock:
                acks.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=chat, args=(i,)) for i in range(n_visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(f"visitor messages: {len(acks)} in {elapsed:.2f} s = {len(acks) / elapsed:.1f} messages/s "
          f"({n_visitors} visitors in parallel)")
    figures("emit to acknowledgement", acks)

    from channels.chat.waits import refresh_waits

    app.extensions["kept_jobs"].run_due()  # the refreshes the burst kicked
    sweeps = []
    for _ in range(5):
        started = time.perf_counter()
        refresh_waits()
        sweeps.append(time.perf_counter() - started)
    figures(f"one refresh_waits sweep over {n_visitors} waiting chats", sweeps)

    replies: list[float] = []
    agent = db.session.merge(agent)
    for _client, inbox_, visitor_id in visitors:
        ticket = db.session.query(Ticket).filter_by(thread_key=f"chat:{visitor_id}").one()
        sent = time.perf_counter()
        tickets.reply(ticket, agent, "Thanks, looking into it.")
        app.extensions["kept_jobs"].run_due()
        inbox_.get(timeout=10)
        replies.append(time.perf_counter() - sent)
    figures("agent reply to widget (reply transaction, outbox, adapter, emit)", replies)
    for client, _, _ in visitors:
        client.disconnect()


if __name__ == "__main__":
    main()
