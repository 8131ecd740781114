"""The agents' pages: the queue, a ticket, and the agent's own preferences."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_datetime
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale, refresh
from flask_login import current_user, login_required
from sqlalchemy import select

from inbox import canned, mentions, tickets, timeline, views
from inbox import queue as work_order
from inbox.extensions import db
from inbox.models import Agent, Team, Ticket
from inbox.models.tickets import PRIORITIES, STATUSES
from inbox.web import workspace_socket

bp = Blueprint("workspace", __name__)

CHANNELS = ("email", "x", "chat")


@bp.record_once
def _socket_handlers(_state: Any) -> None:
    workspace_socket.register()


@bp.app_template_filter("agent_time")
def agent_time(value: datetime | None, format: str = "medium") -> str:  # noqa: A002 - Babel's own name
    """An instant in the signed-in agent's time zone and language."""
    if value is None:
        return ""
    zone = _agent_zone()
    return format_datetime(value.astimezone(zone), format=format, tzinfo=zone, locale=str(get_locale()))


@bp.app_context_processor
def _workspace_globals() -> dict[str, Any]:
    zone = _agent_zone().key if current_user.is_authenticated else "UTC"
    return {"agent_timezone": zone, "get_locale": get_locale}


@bp.get("/")
def home():
    return redirect(url_for("workspace.queue" if current_user.is_authenticated else "auth.login"))


@bp.get("/queue")
@login_required
def queue():
    return render_template(
        "queue.html",
        teams=_visible_teams(),
        saved=views.saved_views(current_user),
        statuses=STATUSES,
        priorities=PRIORITIES,
        channels=CHANNELS,
        params=views.clean_params(request.args),
        breaching_minutes=current_app.config["QUEUE_BREACHING_SOON_MINUTES"],
    )


@bp.get("/tickets/<int:ticket_id>")
@login_required
def ticket_page(ticket_id: int):
    ticket = _visible_ticket(ticket_id)
    customer = ticket.customer
    previous = [t for t in timeline.previous_tickets(customer, ticket.id) if tickets.visible_to(current_user, t)]
    agents = db.session.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.name)).all()
    if ticket.team_id is not None:
        agents = [a for a in agents if ticket.team_id in a.team_ids() or a.is_admin]
    return render_template(
        "ticket.html",
        ticket=ticket,
        customer=customer,
        entries=timeline.timeline(ticket),
        last_message_id=timeline.last_message_id(ticket) or 0,
        previous=previous,
        agents=agents,
        teams=_visible_teams(),
        statuses=STATUSES,
        priorities=PRIORITIES,
        canned_replies=canned.available(current_user),
        reply_channels=sorted({i.channel for i in customer.identities} | {ticket.channel}),
        mention_handles=[mentions.handle(a) for a in agents],
        **_names(),
    )


@bp.get("/tickets/<int:ticket_id>/entries/m<int:message_id>")
@login_required
def message_entry(ticket_id: int, message_id: int):
    """One timeline message, rendered as on the page, for a message that arrives live."""
    ticket = _visible_ticket(ticket_id)
    entry = next((e for e in timeline.timeline(ticket) if e.message and e.message.id == message_id), None)
    if entry is None:
        abort(404)
    return render_template("workspace/_entry.html", entry=entry, ticket=ticket, **_names())


@bp.get("/tickets/next")
@login_required
def next_ticket():
    """The first ticket of the agent's work order after the one they were on: their own first,
    then unassigned ones."""
    current = request.args.get("after", type=int)
    for view in ("mine", "unassigned", "all"):
        flt = views.filter_from_params({"view": view}, current_user)
        page = work_order.page(current_user, flt, limit=2)
        choice = next((t for t in page.tickets if t.id != current), None)
        if choice is not None:
            return redirect(url_for("workspace.ticket_page", ticket_id=choice.id))
    return redirect(url_for("workspace.queue"))


@bp.post("/preferences")
@login_required
def preferences():
    language = request.form.get("language")
    zone = request.form.get("timezone")
    if language in current_app.config["LANGUAGES"]:
        current_user.language = language
    if zone and zone in available_timezones():
        current_user.timezone = zone
    db.session.commit()
    refresh()  # the locale is cached per context; the next page must use the new one
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("workspace.queue")
    return redirect(target)


def _visible_ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    # Another team's ticket answers exactly like a missing one.
    if ticket is None or not tickets.visible_to(current_user, ticket):
        abort(404)
    if ticket.merged_into_id:
        abort(redirect(url_for("workspace.ticket_page", ticket_id=ticket.merged_into_id)))
    return ticket


def _names() -> dict[str, dict[int, str]]:
    """Who and which team an event's ids mean, for the timeline's sentences."""
    return {
        "actor_names": dict(db.session.execute(select(Agent.id, Agent.name)).all()),
        "team_names": dict(db.session.execute(select(Team.id, Team.name)).all()),
    }


def _visible_teams() -> list[Team]:
    if current_user.is_admin:
        return list(db.session.scalars(select(Team).order_by(Team.name)))
    return sorted(current_user.teams, key=lambda t: t.name)


def _agent_zone() -> ZoneInfo:
    try:
        return ZoneInfo(current_user.timezone or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")
