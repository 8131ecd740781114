"""Who is at work: agents set online, away or offline; closing their last workspace goes away.

Presence feeds automatic assignment, the promise module's capacity and the chat widget, all
through :func:`online_agents`. Sockets are rows, not process memory, so an agent with two tabs on
two web processes goes away only when both are closed.

A web process that dies (killed, out of memory, a host lost) never runs its disconnect handlers,
and its rows would keep their agents online, counted as capacity in every promise, for ever. So
each process stamps the rows of the sockets it serves every ``PRESENCE_HEARTBEAT_SECONDS``, and the
periodic job :func:`sweep_stale_sockets` treats a row unstamped for ``PRESENCE_STALE_SECONDS`` as
closed. A live process whose row was swept (a pause longer than that) puts it back on its next
stamp, as a reconnect would.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, func, select, update

from config import Config
from inbox import jobs, realtime
from inbox.extensions import db, socketio
from inbox.models import Agent, AgentSocket, AutoAway, utcnow
from inbox.models.agents import PRESENCE

log = logging.getLogger(__name__)


class PresenceError(ValueError):
    """A presence state that does not exist."""


def online_agents(channel: str | None = None, team_id: int | None = None) -> list[Agent]:
    """Active agents who are online, optionally only those taking ``channel`` and in ``team_id``.

    An agent with no channel skills listed takes every channel.
    """
    query = select(Agent).where(Agent.active.is_(True), Agent.presence == "online").order_by(Agent.id)
    agents = list(db.session.scalars(query))
    if team_id is not None:
        agents = [a for a in agents if team_id in a.team_ids()]
    if channel is not None:
        agents = [a for a in agents if takes_channel(a, channel)]
    return agents


def takes_channel(agent: Agent, channel: str) -> bool:
    return not agent.channels or channel in agent.channels


def speaks(agent: Agent, language: str | None) -> bool:
    if not language:
        return True
    return language in (agent.languages or []) or language == agent.language


def set_presence(agent: Agent, state: str, *, now: datetime | None = None) -> Agent:
    """The agent's own choice; going offline hands their open chats to someone online."""
    if state not in PRESENCE:
        raise PresenceError(f"presence must be one of {', '.join(PRESENCE)}")
    db.session.execute(delete(AutoAway).where(AutoAway.agent_id == agent.id))
    _change(agent, state, now or utcnow())
    if state == "offline":
        from inbox import assignment

        assignment.reassign_open_chats(agent)
    db.session.commit()
    return agent


def socket_opened(agent: Agent, sid: str, *, now: datetime | None = None) -> Agent:
    """A workspace connected; an agent the system had set away is back online."""
    now = now or utcnow()
    _note_socket(agent.id, sid, now)
    db.session.commit()
    _beat_for(current_app._get_current_object()).add(sid, agent.id)
    return agent


def _note_socket(agent_id: int, sid: str, now: datetime) -> None:
    if db.session.get(AgentSocket, sid) is None:
        db.session.add(AgentSocket(sid=sid, agent_id=agent_id, connected_at=now, seen_at=now))
    auto = db.session.get(AutoAway, agent_id)
    if auto is not None:
        db.session.delete(auto)
        agent = db.session.get(Agent, agent_id)
        if agent is not None and agent.presence == "away":
            _change(agent, "online", now)


def socket_closed(sid: str, *, now: datetime | None = None) -> Agent | None:
    """A workspace disconnected. With none left, an online agent goes away once
    ``PRESENCE_AWAY_AFTER_SECONDS`` pass without one reopening (moving between pages closes one
    socket and opens another; that must not flap presence)."""
    now = now or utcnow()
    _beat_for(current_app._get_current_object()).discard(sid)
    row = db.session.get(AgentSocket, sid)
    if row is None:
        return None
    agent = db.session.get(Agent, row.agent_id)
    db.session.delete(row)
    db.session.commit()
    if agent.presence == "online" and not _has_sockets(agent):
        delay = current_app.config["PRESENCE_AWAY_AFTER_SECONDS"]
        if delay <= 0:
            _go_away(agent, now)
        else:
            jobs.enqueue("presence.away_if_gone", agent.id, at=now + timedelta(seconds=delay))
    return agent


@jobs.job("presence.away_if_gone")
def away_if_gone(agent_id: int, now: datetime | None = None) -> bool:
    agent = db.session.get(Agent, agent_id)
    if agent is None or agent.presence != "online" or _has_sockets(agent):
        return False
    _go_away(agent, now or utcnow())
    return True


@jobs.job("presence.sweep_stale", every=Config.PRESENCE_HEARTBEAT_SECONDS)
def sweep_stale_sockets(now: datetime | None = None) -> int:
    """Close the sockets no living process has stamped lately; their agents go away at once if
    none is left (the grace for moving between pages has long passed). Returns how many."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["PRESENCE_STALE_SECONDS"])
    stale = list(db.session.scalars(select(AgentSocket).where(AgentSocket.seen_at < cutoff)))
    if not stale:
        return 0
    agent_ids = sorted({row.agent_id for row in stale})
    for row in stale:
        db.session.delete(row)
    db.session.commit()
    for agent_id in agent_ids:
        agent = db.session.get(Agent, agent_id)
        if agent is not None and agent.presence == "online" and not _has_sockets(agent):
            _go_away(agent, now)
    log.info("swept %d stale workspace socket(s) of agents %s", len(stale), agent_ids)
    return len(stale)


class _Heartbeat:
    """This process's workspace sockets, stamped in the database while the process lives."""

    def __init__(self, app: Flask):
        self.app = app
        self.sockets: dict[str, int] = {}      # sid -> agent id
        self.lock = threading.Lock()
        self.running = False

    def add(self, sid: str, agent_id: int) -> None:
        with self.lock:
            self.sockets[sid] = agent_id
            start = not self.running
            self.running = True
        if start:
            socketio.start_background_task(self._run)

    def discard(self, sid: str) -> None:
        with self.lock:
            self.sockets.pop(sid, None)

    def stop(self) -> None:
        """Forget every socket (the app is shutting down); the beat ends at its next wake."""
        with self.lock:
            self.sockets.clear()

    def _run(self) -> None:
        interval = self.app.config["PRESENCE_HEARTBEAT_SECONDS"]
        while True:
            socketio.sleep(interval)
            with self.lock:
                sockets = dict(self.sockets)
                if not sockets:
                    # Nothing to stamp: stop; the next socket opened starts a new beat.
                    self.running = False
                    return
            try:
                with self.app.app_context():
                    self.stamp(sockets)
            except Exception:
                log.exception("could not stamp %d workspace socket(s)", len(sockets))

    def stamp(self, sockets: dict[str, int]) -> None:
        now = utcnow()
        sids = list(sockets)
        db.session.execute(update(AgentSocket).where(AgentSocket.sid.in_(sids)).values(seen_at=now))
        present = set(db.session.scalars(select(AgentSocket.sid).where(AgentSocket.sid.in_(sids))))
        with self.lock:
            # Closed while we were stamping: not to be put back.
            missing = [sid for sid in sids if sid not in present and sid in self.sockets]
        for sid in missing:
            _note_socket(sockets[sid], sid, now)
        db.session.commit()


def _beat_for(app: Flask) -> _Heartbeat:
    beat = app.extensions.get("kept_presence_beat")
    if beat is None:
        beat = app.extensions.setdefault("kept_presence_beat", _Heartbeat(app))
    return beat


@jobs.job("presence.reassign_if_still_away")
def reassign_if_still_away(agent_id: int) -> int:
    """Open chats of an agent who went away with their workspace move after
    ``PRESENCE_REASSIGN_GRACE_SECONDS``, unless the agent is back."""
    from inbox import assignment

    agent = db.session.get(Agent, agent_id)
    if agent is None or agent.presence == "online":
        return 0
    moved = assignment.reassign_open_chats(agent)
    db.session.commit()
    return moved


def _has_sockets(agent: Agent) -> bool:
    count = select(func.count()).select_from(AgentSocket).where(AgentSocket.agent_id == agent.id)
    return bool(db.session.scalar(count))


def _go_away(agent: Agent, now: datetime) -> None:
    db.session.merge(AutoAway(agent_id=agent.id, since=now))
    # Scheduled before the commit that tells the team, as the visitor's departure in the chat is.
    grace = timedelta(seconds=current_app.config["PRESENCE_REASSIGN_GRACE_SECONDS"])
    jobs.enqueue("presence.reassign_if_still_away", agent.id, at=now + grace)
    _change(agent, "away", now)
    db.session.commit()


def presence_dict(agent: Agent) -> dict:
    return {"agent_id": agent.id, "name": agent.name, "presence": agent.presence}


def _change(agent: Agent, state: str, now: datetime) -> None:
    if agent.presence == state:
        return
    agent.presence = state
    agent.presence_changed_at = now
    rooms = [realtime.agent_room(agent.id), realtime.ADMINS_ROOM, *(realtime.team_room(t.id) for t in agent.teams)]
    realtime.announce("agent.presence", presence_dict(agent), rooms)
