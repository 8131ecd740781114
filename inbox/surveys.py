"""Satisfaction surveys: scheduled when a ticket is solved, sent after a delay, rated by one click.

A solved ticket gets a survey row due ``delay`` later and a timer job at that instant; a sweep
catches timers lost to a restart. Whatever fires, the survey is sent only if the ticket is still
solved and the customer has not written since; the claim is a conditional UPDATE, so two timers
never send it twice. The message goes through :func:`inbox.automatic.send`, the gate every
automatic message passes (per-recipient budgets, bounce suppression).

Links carry a signed, expiring token naming one survey of one ticket (itsdangerous); a second
click changes the rating. A rating of 1 or 2 opens a follow-up task for the team's lead.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import event as sa_event
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from inbox import automatic, events, jobs, realtime, survey_messages, survey_settings, tickets
from inbox.extensions import db
from inbox.models import Agent, FollowUp, Survey, Team, Ticket, utcnow
from inbox.presenters import iso
from inbox.survey_messages import SurveyLinks

log = logging.getLogger(__name__)

TOKEN_SALT = "kept.survey.v1"
LOW_RATINGS = (1, 2)
SOLVED = ("solved", "closed")
SWEEP_SECONDS = 300
_TIMERS = "kept_survey_timers"


class SurveyError(ValueError):
    """A survey answer that cannot be recorded; the message says why."""


class SurveyLinkError(SurveyError):
    """A survey link that is forged, altered, for a survey not sent, or too old."""

    def __init__(self, reason: str, *, expired: bool = False):
        super().__init__(reason)
        self.expired = expired


# --- scheduling: called by the ticket and ingest paths inside their transactions -------------

def on_status_change(ticket: Ticket, old: str, new: str, *, now: datetime) -> None:
    """Schedule a survey when a ticket becomes solved; cancel a pending one when it reopens."""
    if new == "solved" and old not in SOLVED:
        schedule(ticket, now=now)
    elif old in SOLVED and new not in SOLVED:
        cancel_pending(ticket, "ticket reopened", now=now)


def on_customer_message(ticket: Ticket, *, now: datetime) -> None:
    """The customer wrote again: whatever they think of the answer, they are not done."""
    cancel_pending(ticket, "customer wrote again", now=now)


def schedule(ticket: Ticket, *, now: datetime) -> Survey | None:
    settings = survey_settings.load()
    if not settings.enabled or ticket.channel not in settings.channels:
        return None
    # One survey per ticket: a ticket solved again after a reopen keeps its first survey's links.
    already = db.session.scalar(
        select(exists().where(Survey.ticket_id == ticket.id, Survey.state.in_(("scheduled", "sent"))))
    )
    if already:
        return None
    survey = Survey(
        ticket_id=ticket.id, customer_id=ticket.customer_id, team_id=ticket.team_id, channel=ticket.channel,
        language=_language(ticket), state="scheduled", solved_at=now,
        due_at=now + timedelta(minutes=settings.delay_minutes), created_at=now,
    )
    db.session.add(survey)
    db.session.flush()
    events.record(ticket, "survey.scheduled", at=now, survey_id=survey.id, due_at=iso(survey.due_at))
    db.session.info.setdefault(_TIMERS, []).append((survey.id, survey.due_at))
    return survey


def cancel_pending(ticket: Ticket, reason: str, *, now: datetime) -> int:
    pending = db.session.scalars(
        select(Survey).where(Survey.ticket_id == ticket.id, Survey.state == "scheduled")
    ).all()
    for survey in pending:
        survey.state, survey.state_reason = "cancelled", reason
        events.record(ticket, "survey.cancelled", at=now, survey_id=survey.id, reason=reason)
    return len(pending)


@sa_event.listens_for(Session, "after_commit")
def _start_timers(session: Session) -> None:
    # Timers start only once the survey row is committed, so the job always finds it.
    timers = session.info.pop(_TIMERS, None)
    if not timers or not has_app_context():
        return
    for survey_id, due_at in timers:
        try:
            jobs.enqueue("surveys.send", survey_id, at=due_at)
        except Exception:  # the sweep sends it
            log.exception("could not start the timer of survey %s", survey_id)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_timers(session: Session, previous_transaction) -> None:  # noqa: ANN001
    session.info.pop(_TIMERS, None)


# --- sending ---------------------------------------------------------------------------------

@jobs.job("surveys.send")
def send_job(survey_id: int) -> None:
    survey = db.session.get(Survey, survey_id)
    if survey is not None and survey.state == "scheduled":
        deliver(survey)
        db.session.commit()


@jobs.job("surveys.sweep", every=SWEEP_SECONDS)
def sweep(now: datetime | None = None) -> int:
    """Send every survey whose timer was lost (a restart of the in-process runner)."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Survey).where(Survey.state == "scheduled", Survey.due_at <= now).order_by(Survey.due_at).limit(500)
    ).all()
    for survey in due:
        deliver(survey, now=now)
        db.session.commit()
    return len(due)


def deliver(survey: Survey, *, now: datetime | None = None) -> str:
    """Send a scheduled survey if it still should go; returns its new state (caller commits)."""
    now = now or utcnow()
    ticket = db.session.get(Ticket, survey.ticket_id)
    settings = survey_settings.load()
    reason = _stale(survey, ticket, settings)
    if not _claim(survey, "cancelled" if reason else "sent", reason):
        return survey.state
    if reason:
        events.record(ticket, "survey.cancelled", at=now, survey_id=survey.id, reason=reason)
        return "cancelled"
    nps_days = settings.nps_days_for(survey.team_id)
    ask_nps = nps_days > 0 and not nps_asked_since(survey.customer_id, now - timedelta(days=nps_days))
    links = links_for(survey, nps=ask_nps, now=now)
    content = survey_messages.compose(survey, ticket, links, settings)
    try:
        message = automatic.send(ticket, text=content.text, kind="survey", channel=survey.channel,
                                 html=content.html, subject=content.subject,
                                 options=_options(survey, content.options), now=now)
    except tickets.TicketError as error:
        survey.state, survey.state_reason = "cancelled", str(error)
        events.record(ticket, "survey.cancelled", at=now, survey_id=survey.id, reason=str(error))
        return "cancelled"
    if message is None:
        survey.state, survey.state_reason = "suppressed", "automatic-message limit or suppression"
        return "suppressed"
    survey.sent_at, survey.message_id, survey.nps_asked = now, message.id, ask_nps
    events.record(ticket, "survey.sent", at=now, survey_id=survey.id, channel=survey.channel, nps=ask_nps)
    return "sent"


def nps_asked_since(customer_id: int, since: datetime) -> bool:
    return bool(db.session.scalar(
        select(exists().where(Survey.customer_id == customer_id, Survey.nps_asked.is_(True),
                              Survey.sent_at >= since))
    ))


def _stale(survey: Survey, ticket: Ticket | None, settings: survey_settings.SurveySettings) -> str | None:
    if ticket is None:
        return "ticket gone"
    if not settings.enabled:
        return "surveys switched off"
    if survey.channel not in settings.channels:
        return f"surveys switched off on {survey.channel}"
    if ticket.status not in SOLVED:
        return "ticket reopened"
    if ticket.last_customer_message_at and ticket.last_customer_message_at > survey.solved_at:
        return "customer wrote again"
    return None


def _claim(survey: Survey, state: str, reason: str | None) -> bool:
    claimed = db.session.execute(
        update(Survey).where(Survey.id == survey.id, Survey.state == "scheduled")
        .values(state=state, state_reason=reason).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(survey)
    return claimed == 1


def _options(survey: Survey, options: dict[str, Any]) -> dict[str, Any]:
    # On X a survey goes by DM: a public reply would let anyone click the customer's link.
    return {**options, "x_mode": "dm"} if survey.channel == "x" else options


def _language(ticket: Ticket) -> str:
    languages = current_app.config["LANGUAGES"]
    for candidate in (ticket.language, ticket.customer.language if ticket.customer else None):
        if candidate and candidate[:2] in languages:
            return candidate[:2]
    return current_app.config["INBOX_DEFAULT_LANGUAGE"]


# --- links -----------------------------------------------------------------------------------

class _ClockSigner(TimestampSigner):
    """A timestamp signer whose clock can be set, so expiry is decided by the caller's ``now``."""

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now.timestamp()) if self._now else super().get_timestamp()


def _serializer(now: datetime | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT, signer=_ClockSigner,
                                  signer_kwargs={"now": now})


def token_for(survey: Survey, *, now: datetime | None = None) -> str:
    return _serializer(now).dumps({"s": survey.id, "t": survey.ticket_id})


def survey_for_token(token: str, *, now: datetime | None = None) -> Survey:
    """The survey a link names, or SurveyLinkError; a link is good for one survey of one ticket."""
    max_age = current_app.config["SURVEY_LINK_MAX_AGE_DAYS"] * 86400
    try:
        data = _serializer(now).loads(token, max_age=max_age)
    except SignatureExpired:
        raise SurveyLinkError("this survey link has expired", expired=True) from None
    except BadSignature:
        raise SurveyLinkError("this survey link is not valid") from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise SurveyLinkError("this survey link is not valid")
    survey = db.session.get(Survey, data["s"])
    if survey is None or survey.ticket_id != data.get("t") or survey.state != "sent":
        raise SurveyLinkError("this survey link is not valid")
    return survey


def links_for(survey: Survey, *, nps: bool = False, now: datetime | None = None) -> SurveyLinks:
    base = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/survey/{token_for(survey, now=now)}"
    return SurveyLinks(
        page=base,
        ratings={str(score): f"{base}/rate/{score}" for score in range(1, 6)},
        nps={str(score): f"{base}/nps/{score}" for score in range(0, 11)} if nps else {},
    )


# --- answers ---------------------------------------------------------------------------------

def rate(survey: Survey, rating: int, *, now: datetime | None = None) -> Survey:
    """Record or change the 1–5 rating (the caller commits)."""
    if rating not in range(1, 6):
        raise SurveyError("a rating is 1 to 5")
    now = now or utcnow()
    previous = survey.rating
    if previous == rating:
        return survey
    survey.rating, survey.rated_at = rating, now
    ticket = db.session.get(Ticket, survey.ticket_id)
    events.record(ticket, "survey.rated", actor_type="customer", at=now, survey_id=survey.id, rating=rating,
                  previous=previous)
    if rating in LOW_RATINGS:
        _follow_up(survey, ticket, now)
    return survey


def rate_nps(survey: Survey, score: int, *, now: datetime | None = None) -> Survey:
    if not survey.nps_asked:
        raise SurveyError("this survey did not ask that question")
    if score not in range(0, 11):
        raise SurveyError("a score is 0 to 10")
    now = now or utcnow()
    if survey.nps_score != score:
        previous = survey.nps_score
        survey.nps_score, survey.nps_at = score, now
        events.record(db.session.get(Ticket, survey.ticket_id), "survey.nps_rated", actor_type="customer",
                      at=now, survey_id=survey.id, score=score, previous=previous)
    return survey


def comment(survey: Survey, text: str, *, now: datetime | None = None) -> Survey:
    text = text.strip()
    if not text:
        raise SurveyError("the comment is empty")
    if len(text) > 5000:
        raise SurveyError("the comment is too long (5000 characters at most)")
    now = now or utcnow()
    survey.comment, survey.commented_at = text, now
    events.record(db.session.get(Ticket, survey.ticket_id), "survey.commented", actor_type="customer", at=now,
                  survey_id=survey.id)
    return survey


def _follow_up(survey: Survey, ticket: Ticket, now: datetime) -> FollowUp:
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.survey_id == survey.id))
    if follow_up is not None:
        follow_up.rating = survey.rating
        if follow_up.state == "done":  # rated low again after the lead closed it: look again
            follow_up.state, follow_up.done_at, follow_up.done_by_id = "open", None, None
        _announce(follow_up, "follow_up.updated")
        return follow_up
    team = db.session.get(Team, ticket.team_id) if ticket.team_id else None
    follow_up = FollowUp(survey_id=survey.id, ticket_id=ticket.id, team_id=ticket.team_id,
                         assignee_id=team.lead_id if team else None, rating=survey.rating, state="open",
                         created_at=now)
    db.session.add(follow_up)
    db.session.flush()
    events.record(ticket, "follow_up.created", at=now, follow_up_id=follow_up.id, rating=survey.rating,
                  assignee_id=follow_up.assignee_id)
    _announce(follow_up, "follow_up.created")
    return follow_up


def _announce(follow_up: FollowUp, name: str) -> None:
    rooms = [realtime.ADMINS_ROOM]
    if follow_up.assignee_id:
        rooms.insert(0, realtime.agent_room(follow_up.assignee_id))
    realtime.announce(name, follow_up_dict(follow_up), rooms)


# --- follow-ups ------------------------------------------------------------------------------

def follow_ups_for(agent: Agent, *, state: str | None = "open", limit: int = 200) -> list[FollowUp]:
    """Follow-ups the agent should see: theirs, their teams' as lead, or all for an admin."""
    query = select(FollowUp).order_by(FollowUp.id.desc()).limit(limit)
    if state:
        query = query.where(FollowUp.state == state)
    if not agent.is_admin:
        led = select(Team.id).where(Team.lead_id == agent.id)
        query = query.where((FollowUp.assignee_id == agent.id) | FollowUp.team_id.in_(led))
    return list(db.session.scalars(query))


def may_handle(agent: Agent, follow_up: FollowUp) -> bool:
    if agent.is_admin or follow_up.assignee_id == agent.id:
        return True
    team = db.session.get(Team, follow_up.team_id) if follow_up.team_id else None
    return team is not None and team.lead_id == agent.id


def complete_follow_up(follow_up: FollowUp, agent: Agent, *, now: datetime | None = None) -> FollowUp:
    now = now or utcnow()
    if follow_up.state != "done":
        follow_up.state, follow_up.done_at, follow_up.done_by_id = "done", now, agent.id
        events.record(db.session.get(Ticket, follow_up.ticket_id), "follow_up.done", actor=agent, at=now,
                      follow_up_id=follow_up.id)
        _announce(follow_up, "follow_up.updated")
    return follow_up


def follow_up_dict(follow_up: FollowUp) -> dict[str, Any]:
    survey = follow_up.survey or db.session.get(Survey, follow_up.survey_id)
    ticket = follow_up.ticket or db.session.get(Ticket, follow_up.ticket_id)
    return {
        "id": follow_up.id,
        "ticket_id": follow_up.ticket_id,
        "ticket_subject": ticket.subject if ticket else None,
        "team_id": follow_up.team_id,
        "assignee_id": follow_up.assignee_id,
        "rating": follow_up.rating,
        "comment": survey.comment if survey else None,
        "state": follow_up.state,
        "created_at": iso(follow_up.created_at),
        "done_at": iso(follow_up.done_at),
    }
