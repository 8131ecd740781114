"""Queue views: the built-in ones every agent has, and named filter sets agents save.

A view is a plain mapping of the queue's query parameters, so a saved view, a link and the API
all mean the same thing by it.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from inbox.extensions import db
from inbox.models import Agent, SavedView, utcnow
from inbox.models.tickets import OPEN_STATUSES, PRIORITIES, STATUSES
from inbox.queue import QueueFilter

BUILT_IN = ("all", "mine", "unassigned", "breaching")
PARAMS = ("view", "team_id", "channel", "status", "priority", "assignee_id", "unassigned", "q", "tag", "breaching")


class ViewError(ValueError):
    """A filter value that cannot be understood; the message says which."""


def filter_from_params(params: Mapping[str, str], agent: Agent, *, now: datetime | None = None) -> QueueFilter:
    """The queue filter for query parameters (a built-in ``view`` first, then explicit filters)."""
    now = now or utcnow()
    view = params.get("view") or "all"
    if view not in BUILT_IN:
        raise ViewError(f"view must be one of {', '.join(BUILT_IN)}")
    statuses = tuple(s for s in (params.get("status") or ",".join(OPEN_STATUSES)).split(",") if s)
    if any(s not in STATUSES for s in statuses):
        raise ViewError(f"status must be among {', '.join(STATUSES)}")
    priority = params.get("priority") or None
    if priority is not None and priority not in PRIORITIES:
        raise ViewError(f"priority must be one of {', '.join(PRIORITIES)}")
    try:
        team_id = int(params["team_id"]) if params.get("team_id") else None
        assignee_id = int(params["assignee_id"]) if params.get("assignee_id") else None
    except ValueError:
        raise ViewError("team_id and assignee_id must be integers") from None
    unassigned = _flag(params.get("unassigned")) or view == "unassigned"
    if view == "mine":
        assignee_id, unassigned = agent.id, False
    due_before = None
    if view == "breaching" or _flag(params.get("breaching")):
        due_before = now + timedelta(minutes=current_app.config["QUEUE_BREACHING_SOON_MINUTES"])
    search = (params.get("q") or "").strip()[:200] or None
    return QueueFilter(
        status=statuses,
        channel=params.get("channel") or None,
        priority=priority,
        team_id=team_id,
        assignee_id=assignee_id,
        unassigned=unassigned,
        search=search,
        tag=(params.get("tag") or "").strip() or None,
        due_before=due_before,
    )


def clean_params(params: Mapping[str, str]) -> dict[str, str]:
    """Only the parameters a view keeps, without empty ones."""
    return {key: str(params[key]) for key in PARAMS if params.get(key) not in (None, "")}


def saved_views(agent: Agent) -> list[SavedView]:
    """The agent's own views and the shared ones, by name."""
    query = select(SavedView).where(or_(SavedView.agent_id == agent.id, SavedView.agent_id.is_(None)))
    return list(db.session.scalars(query.order_by(SavedView.name, SavedView.id)))


def save_view(agent: Agent, name: str, params: Mapping[str, str], *, shared: bool = False) -> SavedView:
    name = name.strip()[:100]
    if not name:
        raise ViewError("a view needs a name")
    filters = clean_params(params)
    filter_from_params(filters, agent)  # refuse a view that could never be shown
    if shared and not agent.is_admin:
        raise ViewError("only admins share views with everyone")
    view = SavedView(agent_id=None if shared else agent.id, name=name, filters=filters)
    db.session.add(view)
    db.session.commit()
    return view


def delete_view(agent: Agent, view_id: int) -> bool:
    view = db.session.get(SavedView, view_id)
    if view is None or (view.agent_id != agent.id and not (view.agent_id is None and agent.is_admin)):
        return False
    db.session.delete(view)
    db.session.commit()
    return True


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")
