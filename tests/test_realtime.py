"""Socket.IO for agents: authenticated connections only, events after commit, across processes."""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import socketio

from inbox.ingest import ingest
from tests import factories
from tests.conftest import REDIS_URL, free_port, session_cookie_for

ROOT = Path(__file__).resolve().parents[1]


def connect_agent(url: str, cookie: str | None) -> tuple[socketio.Client, queue.Queue]:
    client = socketio.Client(reconnection=False)
    received: queue.Queue = queue.Queue()
    for name in ("ticket.created", "ticket.updated", "message.created"):
        client.on(name, lambda data, name=name: received.put((name, data)), namespace="/agents")
    headers = {"Cookie": cookie} if cookie else {}
    client.connect(url, namespaces=["/agents"], headers=headers, transports=["websocket"], wait_timeout=5)
    return client, received


def next_event(received: queue.Queue, name: str, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got, data = received.get(timeout=max(0.01, deadline - time.monotonic()))
        if got == name:
            return data
    raise AssertionError(f"no {name} within {timeout}s")


def test_an_anonymous_socket_connection_is_refused(live_server):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, namespaces=["/agents"], transports=["websocket"], wait_timeout=5)


def test_a_signed_in_agent_receives_a_new_ticket_with_its_list_row(live_server, make_agent):
    make_agent("sam@kept.example")
    client, received = connect_agent(live_server.url, session_cookie_for(live_server, "sam@kept.example"))
    try:
        result = ingest(factories.email(subject="Broken zipper"))
        row = next_event(received, "ticket.created")
        assert row["id"] == result.ticket_id and row["subject"] == "Broken zipper"
        assert row["customer"]["name"] == "Ana Lima" and row["status"] == "new"
        message = next_event(received, "message.created")
        assert message["ticket_id"] == result.ticket_id
    finally:
        client.disconnect()


def test_an_agent_never_receives_events_of_a_team_they_cannot_see(live_server, make_agent, make_team):
    tokyo, seoul = make_team("Tokyo", channels=["email"]), make_team("Seoul", channels=["x"])
    make_agent("mika@kept.example", teams=[tokyo])
    make_agent("jiwoo@kept.example", teams=[seoul])
    mika, mika_events = connect_agent(live_server.url, session_cookie_for(live_server, "mika@kept.example"))
    jiwoo, jiwoo_events = connect_agent(live_server.url, session_cookie_for(live_server, "jiwoo@kept.example"))
    try:
        ingest(factories.email())  # routed to Tokyo, the team taking email
        next_event(mika_events, "ticket.created")
        ingest(factories.dm())  # routed to Seoul; Jiwoo sees it, which also proves the email never came
        assert next_event(jiwoo_events, "ticket.created")["channel"] == "x"
        assert all(name != "ticket.created" or data["channel"] == "x" for name, data in list(jiwoo_events.queue))
    finally:
        mika.disconnect()
        jiwoo.disconnect()


@pytest.mark.config(REDIS_URL=REDIS_URL)
def test_an_event_reaches_an_agent_connected_to_a_second_server_process(app, database, live_server, make_agent):
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set: cross-process Socket.IO through Redis not run (.ci/run sets it)")
    make_agent("sam@kept.example")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": REDIS_URL, "KEPT_PORT": str(port),
           "SECRET_KEY": app.config["SECRET_KEY"], "JOB_RUNNER": "manual", "KEPT_DEMO_DATA": "0",
           "PYTHONPATH": str(ROOT)}
    second = subprocess.Popen([sys.executable, str(ROOT / "tests" / "support" / "second_server.py")], env=env,
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{url}/login", timeout=1)
                break
            except requests.ConnectionError:
                assert second.poll() is None, second.stdout.read().decode()
                assert time.monotonic() < deadline, "second server did not start"
                time.sleep(0.1)
        cookie = session_cookie_for(live_server, "sam@kept.example")
        client, received = connect_agent(url, cookie)
        try:
            # Posted through this process; the agent is connected to the other one.
            result = ingest(factories.email(subject="Across processes"))
            assert next_event(received, "ticket.created", timeout=10)["id"] == result.ticket_id
        finally:
            client.disconnect()
    finally:
        second.terminate()
        second.wait(timeout=10)
