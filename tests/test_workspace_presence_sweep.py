"""Workspace sockets left behind by a web process that died are swept, so their agents stop
counting as online (in assignment and in every promise's capacity); sockets of a living process
are stamped and kept."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from inbox import jobs, presence
from inbox.extensions import db
from inbox.models import Agent, AgentSocket, utcnow
from tests.test_workspace_socket import connect, wait_for


def _agent(email: str) -> Agent:
    db.session.expire_all()
    return db.session.scalar(db.select(Agent).where(Agent.email == email))


def _rows(agent_id: int) -> list[AgentSocket]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AgentSocket).where(AgentSocket.agent_id == agent_id)))


@pytest.mark.config(PRESENCE_HEARTBEAT_SECONDS=1, PRESENCE_STALE_SECONDS=4)
def test_a_dead_processs_sockets_are_swept_and_a_living_ones_are_kept(live_server, make_agent, make_team):
    team = make_team("Tokyo", channels=["email"])
    gone = make_agent("ghost@kept.example", presence="online", teams=[team]).id
    here = make_agent("sam@kept.example", presence="online", teams=[team]).id
    # What a web process killed mid-shift leaves: a socket row nobody will close or stamp again.
    long_ago = utcnow() - timedelta(minutes=5)
    db.session.add(AgentSocket(sid="dead-process-sid", agent_id=gone, connected_at=long_ago, seen_at=long_ago))
    db.session.commit()

    client, events = connect(live_server, "sam@kept.example")
    try:
        assert client.call("presence.hello", {}, namespace="/agents", timeout=5)["presence"] == "online"
        opened = _rows(here)[0].seen_at
        # Longer than the stale limit: only a heartbeat keeps Sam's row fresh.
        time.sleep(5.5)
        assert _rows(here)[0].seen_at > opened + timedelta(seconds=3)

        assert jobs.run_job("presence.sweep_stale") == 1
        assert _rows(gone) == []
        assert _agent("ghost@kept.example").presence == "away"
        assert wait_for(events, "agent.presence", lambda d: d["agent_id"] == gone)["presence"] == "away"
        assert [a.email for a in presence.online_agents()] == ["sam@kept.example"]
        assert len(_rows(here)) == 1
    finally:
        client.disconnect()


@pytest.mark.config(PRESENCE_HEARTBEAT_SECONDS=1, PRESENCE_STALE_SECONDS=4)
def test_a_living_socket_swept_during_a_long_pause_is_put_back_by_the_next_stamp(live_server, make_agent):
    agent = make_agent("sam@kept.example", presence="online").id
    client, _ = connect(live_server, "sam@kept.example")
    try:
        client.call("presence.hello", {}, namespace="/agents", timeout=5)
        # As if the process had stalled past the limit and the sweep had run meanwhile.
        later = utcnow() + timedelta(seconds=30)
        assert presence.sweep_stale_sockets(now=later) == 1
        assert _agent("sam@kept.example").presence == "away"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not _rows(agent):
            time.sleep(0.1)
        assert len(_rows(agent)) == 1
        # The system had set Sam away, so the socket coming back makes Sam online again.
        assert _agent("sam@kept.example").presence == "online"
    finally:
        client.disconnect()


def test_an_agent_with_a_fresh_socket_elsewhere_stays_online(app, make_agent):
    agent = make_agent("sam@kept.example", presence="online").id
    now = utcnow()
    db.session.add_all([
        AgentSocket(sid="dead", agent_id=agent, connected_at=now - timedelta(hours=1),
                    seen_at=now - timedelta(hours=1)),
        AgentSocket(sid="alive", agent_id=agent, connected_at=now, seen_at=now),
    ])
    db.session.commit()
    assert presence.sweep_stale_sockets() == 1
    assert [row.sid for row in _rows(agent)] == ["alive"]
    assert _agent("sam@kept.example").presence == "online"
