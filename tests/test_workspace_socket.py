"""Socket.IO for the workspace: room isolation, tickets moving between teams, presence, and who
is viewing or typing on a ticket."""
from __future__ import annotations

import queue
import time

import pytest
import socketio

from inbox import tickets
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Agent, Ticket
from tests import factories
from tests.conftest import session_cookie_for

EVENTS = ("ticket.created", "ticket.updated", "ticket.removed", "message.created", "viewer.update", "agent.presence")


def connect(live, email: str) -> tuple[socketio.Client, queue.Queue]:  # noqa: ANN001
    client = socketio.Client(reconnection=False)
    received: queue.Queue = queue.Queue()
    for name in EVENTS:
        client.on(name, lambda data, name=name: received.put((name, data)), namespace="/agents")
    client.connect(live.url, namespaces=["/agents"], headers={"Cookie": session_cookie_for(live, email)},
                   transports=["websocket"], wait_timeout=5)
    return client, received


def wait_for(received: queue.Queue, name: str, match=lambda data: True, timeout: float = 5.0) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got, data = received.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if got == name and match(data):
            return data
    raise AssertionError(f"no {name} within {timeout}s")


def nothing_named(received: queue.Queue, name: str) -> bool:
    return all(got != name for got, _ in list(received.queue))


def test_a_ticket_moved_to_another_team_is_removed_from_the_old_teams_screens(live_server, make_agent, make_team):
    tokyo, seoul = make_team("Tokyo", channels=["email"]), make_team("Seoul", channels=["x"])
    make_agent("mika@kept.example", teams=[tokyo])
    make_agent("jiwoo@kept.example", teams=[seoul])
    mika, mika_events = connect(live_server, "mika@kept.example")
    jiwoo, jiwoo_events = connect(live_server, "jiwoo@kept.example")
    try:
        ticket_id = ingest(factories.email()).ticket_id
        wait_for(mika_events, "ticket.created")
        mover = db.session.scalar(db.select(Agent).where(Agent.email == "mika@kept.example"))
        tickets.update(db.session.get(Ticket, ticket_id), mover, team_id=seoul.id)
        assert wait_for(mika_events, "ticket.removed")["id"] == ticket_id
        assert wait_for(jiwoo_events, "ticket.updated")["id"] == ticket_id
        assert nothing_named(jiwoo_events, "ticket.created")  # it was never Seoul's before
    finally:
        mika.disconnect()
        jiwoo.disconnect()


def test_two_agents_on_one_ticket_see_each_other_viewing_and_typing(live_server, make_agent):
    make_agent("sam@kept.example", name="Sam")
    make_agent("ana@kept.example", name="Ana")
    ticket_id = ingest(factories.email()).ticket_id
    sam, sam_events = connect(live_server, "sam@kept.example")
    ana, ana_events = connect(live_server, "ana@kept.example")
    try:
        assert sam.call("ticket.watch", {"ticket_id": ticket_id}, namespace="/agents", timeout=5) == {"ok": True}
        assert ana.call("ticket.watch", {"ticket_id": ticket_id}, namespace="/agents", timeout=5) == {"ok": True}
        hello = wait_for(sam_events, "viewer.update")
        assert (hello["name"], hello["state"], hello["hello"]) == ("Ana", "viewing", True)
        # Sam's page answers the hello, so Ana learns Sam was already there.
        sam.emit("ticket.here", {"ticket_id": ticket_id}, namespace="/agents")
        assert wait_for(ana_events, "viewer.update")["name"] == "Sam"
        ana.emit("ticket.typing", {"ticket_id": ticket_id, "typing": True}, namespace="/agents")
        assert wait_for(sam_events, "viewer.update", lambda d: d["state"] == "typing")["name"] == "Ana"
        ana.disconnect()
        assert wait_for(sam_events, "viewer.update", lambda d: d["state"] == "left")["name"] == "Ana"
    finally:
        sam.disconnect()
        if ana.connected:
            ana.disconnect()


def test_an_agent_of_another_team_cannot_join_a_tickets_room(live_server, make_agent, make_team):
    tokyo, seoul = make_team("Tokyo", channels=["email"]), make_team("Seoul", channels=["x"])
    make_agent("mika@kept.example", teams=[tokyo])
    make_agent("jiwoo@kept.example", teams=[seoul])
    ticket_id = ingest(factories.email()).ticket_id
    mika, mika_events = connect(live_server, "mika@kept.example")
    jiwoo, jiwoo_events = connect(live_server, "jiwoo@kept.example")
    try:
        assert jiwoo.call("ticket.watch", {"ticket_id": ticket_id}, namespace="/agents", timeout=5) == {"ok": False}
        mika.call("ticket.watch", {"ticket_id": ticket_id}, namespace="/agents", timeout=5)
        mika.emit("ticket.typing", {"ticket_id": ticket_id, "typing": True}, namespace="/agents")
        # Jiwoo's own ticket arriving proves the earlier events had their chance to come.
        ingest(factories.dm())
        wait_for(jiwoo_events, "ticket.created")
        assert nothing_named(jiwoo_events, "viewer.update")
    finally:
        mika.disconnect()
        jiwoo.disconnect()


@pytest.mark.config(PRESENCE_AWAY_AFTER_SECONDS=0)
def test_an_agent_goes_away_when_their_last_workspace_disconnects(live_server, make_agent):
    agent = make_agent("sam@kept.example", presence="online")
    first, _ = connect(live_server, "sam@kept.example")
    second, events = connect(live_server, "sam@kept.example")
    try:
        assert first.call("presence.hello", {}, namespace="/agents", timeout=5)["presence"] == "online"
        assert second.call("presence.hello", {}, namespace="/agents", timeout=5)["ok"] is True
        first.disconnect()
        # Still one workspace open: a round trip on it proves the first disconnect was handled.
        assert second.call("presence.hello", {}, namespace="/agents", timeout=5)["presence"] == "online"
        watcher, watcher_events = connect(live_server, "sam@kept.example")
        second.disconnect()
        assert wait_for(watcher_events, "agent.presence")["presence"] == "away"
        watcher.disconnect()
    finally:
        for client in (first, second):
            if client.connected:
                client.disconnect()
    db.session.expire_all()
    assert db.session.get(Agent, agent.id).presence == "away"
