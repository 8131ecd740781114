"""Who is at work: agents set online, away or offline; closing their last workspace goes away.

Presence feeds automatic assignment, the promise module's capacity and the chat widget, all
through :func:`online_agents`. Sockets are rows, not process memory, so an agent with two tabs on
two web processes goes away only when both are closed.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from inbox import jobs, realtime
from inbox.extensions import db
from inbox.models import Agent, AgentSocket, AutoAway, utcnow
from inbox.models.agents import PRESENCE


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
    if db.session.get(AgentSocket, sid) is None:
        db.session.add(AgentSocket(sid=sid, agent_id=agent.id, connected_at=now))
    auto = db.session.get(AutoAway, agent.id)
    if auto is not None:
        db.session.delete(auto)
        if agent.presence == "away":
            _change(agent, "online", now)
    db.session.commit()
    return agent


def socket_closed(sid: str, *, now: datetime | None = None) -> Agent | None:
    """A workspace disconnected. With none left, an online agent goes away once
    ``PRESENCE_AWAY_AFTER_SECONDS`` pass without one reopening (moving between pages closes one
    socket and opens another; that must not flap presence)."""
    now = now or utcnow()
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
    _change(agent, "away", now)
    db.session.commit()
    grace = timedelta(seconds=current_app.config["PRESENCE_REASSIGN_GRACE_SECONDS"])
    jobs.enqueue("presence.reassign_if_still_away", agent.id, at=now + grace)


def presence_dict(agent: Agent) -> dict:
    return {"agent_id": agent.id, "name": agent.name, "presence": agent.presence}


def _change(agent: Agent, state: str, now: datetime) -> None:
    if agent.presence == state:
        return
    agent.presence = state
    agent.presence_changed_at = now
    rooms = [realtime.agent_room(agent.id), realtime.ADMINS_ROOM, *(realtime.team_room(t.id) for t in agent.teams)]
    realtime.announce("agent.presence", presence_dict(agent), rooms)
