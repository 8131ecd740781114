"""What we tell customers on their own channel: the promised wait, and once, an honest update.

At ticket creation the promise is made (:mod:`inbox.promises`) and a notice goes through the
automatic-message gate (:mod:`inbox.automatic`: per-recipient limits, bounce suppression) on the
customer's channel, in their language, with the time both relative and absolute in their zone:

* email: a reply in the customer's thread, subject and body from the templates;
* X: a public reply to a public mention, with no name and nothing the customer told us, inviting
  a DM; a DM for a DM. Either must fit one post (X-weighted, 280);
* chat: the widget's live ``wait`` line is the notice (it updates as the queue moves), so no
  message is sent unless an admin switches chat notices on.

Every minute, :func:`revise_slipping` re-estimates open, unanswered tickets; when the estimate
has slipped past the promise by a margin, the customer hears once, with an apology and the new
time. Ingest never calls this for auto-replies, bounces or list mail.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import select, update

from inbox import automatic, events, jobs, notice_templates, notice_words, promises
from inbox.eta import live
from inbox.extensions import db
from inbox.models import Customer, Message, Team, Ticket, utcnow
from inbox.models.promises import Promise
from inbox.presenters import iso

log = logging.getLogger(__name__)

X_LIMIT = 280


def on_customer_message(ticket: Ticket, message: Message, *, created: bool, now: datetime) -> None:
    """Called inside the ingest transaction for every customer message that is not automatic."""
    if not created or not promises.enabled():
        return
    # A reopened ticket that was answered before waits for a next reply, which is not what the
    # predictor forecasts (first replies); its promise was scored at that first reply.
    if ticket.first_response_at is not None or ticket.merged_into_id is not None:
        return
    row, est = promises.make(ticket, now)
    tell(ticket, est, kind="notice", now=now, public=_public(message))


def tell(ticket: Ticket, est: live.Estimate, *, kind: str, now: datetime, public: bool | None = None) -> Message | None:
    """Send the notice (or update) for ``est`` on the ticket's channel, if switched on there."""
    if not promises.settings().notices_on(ticket.channel):
        return None
    if public is None:
        public = _public(_last_inbound(ticket))
    variant = _variant(ticket.channel, public)
    language = language_for(ticket)
    variables = variables_for(ticket, est, language, now)
    rendered = notice_templates.render(ticket.channel, variant, language, kind, variables)
    text = rendered.body
    if ticket.channel == "x" and not fits_one_post(text):
        log.warning("the %s %s for ticket %s does not fit one post; using the built-in wording",
                    variant, kind, ticket.id)
        text = notice_templates.render_text(notice_templates.default("x", variant, language, kind)[1], variables)
    options = {"x_mode": "public" if public else "dm"} if ticket.channel == "x" else None
    return automatic.send(ticket, text=text, kind=kind, channel=ticket.channel, subject=rendered.subject,
                          options=options, now=now)


def language_for(ticket: Ticket) -> str:
    """The customer's language: the ticket's, else the customer's, else the team's, else the install's."""
    customer = db.session.get(Customer, ticket.customer_id)
    team = db.session.get(Team, ticket.team_id) if ticket.team_id is not None else None
    for value in (ticket.language, customer.language if customer else None, team.language if team else None):
        if value:
            return notice_words.language_of(value)
    return notice_words.language_of(current_app.config["INBOX_DEFAULT_LANGUAGE"])


def zone_for(ticket: Ticket, est: live.Estimate) -> ZoneInfo:
    """The customer's zone when known; else the team's business calendar's or the team's own;
    else the install's default."""
    customer = db.session.get(Customer, ticket.customer_id)
    team = db.session.get(Team, ticket.team_id) if ticket.team_id is not None else None
    candidates = [customer.timezone if customer else None]
    if team is not None:
        candidates += [est.timezone if team.calendar_id else None, team.timezone if team.timezone != "UTC" else None]
    candidates.append(current_app.config["INBOX_DEFAULT_TIMEZONE"])
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def variables_for(ticket: Ticket, est: live.Estimate, language: str, now: datetime) -> dict[str, str]:
    customer = db.session.get(Customer, ticket.customer_id)
    team = db.session.get(Team, ticket.team_id) if ticket.team_id is not None else None
    words = notice_words.describe(est.due_at, now, language, zone_for(ticket, est), open_now=est.open_now,
                                  holiday=est.holiday)
    return {
        "customer_name": (customer.name or "") if customer else "",
        "first_name": customer.first_name if customer else "",
        "ticket_ref": f"#{ticket.id}",
        "ticket_id": str(ticket.id),
        "subject": ticket.subject or "",
        "promise_relative": words.relative,
        "promise_absolute": words.absolute,
        "closed_note": words.closed_note or "",
        "team_name": team.name if team else current_app.config.get("SUPPORT_EMAIL_NAME", ""),
    }


def x_weight(text: str) -> int:
    """The length X gives ``text``."""
    # The X channel owns X's counting rules (twitter-text); without the channel installed, count
    # every character double, which over-counts and so never lets a long post through.
    try:
        from channels.x.counting import count_x
    except ImportError:
        return len(text) * 2
    return count_x(text)


def fits_one_post(text: str) -> bool:
    return x_weight(text) <= X_LIMIT


def _variant(channel: str, public: bool) -> str:
    if channel == "x":
        return "public" if public else "private"
    return "default"


def _public(message: Message | None) -> bool:
    return bool(message is not None and message.channel == "x" and (message.meta or {}).get("public") is True)


def _last_inbound(ticket: Ticket) -> Message | None:
    return db.session.scalar(select(Message).where(
        Message.ticket_id == ticket.id, Message.direction == "inbound", Message.channel == ticket.channel)
        .order_by(Message.id.desc()).limit(1))


# -- honest updates --------------------------------------------------------------------------------

def margin(promised: timedelta) -> timedelta:
    """How far an estimate may slip past a promise before the customer is told."""
    config = current_app.config
    return max(timedelta(seconds=config["PROMISE_REVISE_MIN_SECONDS"]), promised * config["PROMISE_REVISE_SHARE"])


@jobs.job("promises.revise", every=60)
def revise_slipping(now: datetime | None = None) -> int:
    """Re-estimate open, unanswered tickets with a promise; tell each slipping customer once.

    Returns how many were told. Safe to run twice at once: a ticket's revision is claimed with a
    conditional update before anything is sent.
    """
    if not promises.enabled():
        return 0
    now = now or utcnow()
    rows = db.session.execute(
        select(Promise, Ticket).join(Ticket, Ticket.id == Promise.ticket_id).where(
            Promise.outcome.is_(None), Promise.revised_at.is_(None), Ticket.channel != "chat",
            Ticket.status.in_(live.WAITING), Ticket.first_response_at.is_(None), Ticket.abandoned_at.is_(None),
            Ticket.merged_into_id.is_(None))
        .order_by(Promise.id)
    ).all()
    q = promises.settings().quantile
    waiting: dict[int | None, list[Ticket]] = {}
    online: dict[tuple[int | None, str], int] = {}
    told = 0
    for row, ticket in rows:
        if row.id != promises.current(ticket).id:
            continue
        if ticket.team_id not in waiting:
            waiting[ticket.team_id] = live.waiting_tickets(ticket.team_id)
        if (ticket.team_id, ticket.channel) not in online:
            online[(ticket.team_id, ticket.channel)] = promises.online_for(ticket)
        others = [t for t in waiting[ticket.team_id] if t.id != ticket.id]
        est = live.estimate(ticket, now, q, online[(ticket.team_id, ticket.channel)], waiting=others)
        if est.due_at <= row.due_at + margin(row.due_at - row.made_at):
            continue
        claimed = db.session.execute(
            update(Promise).where(Promise.id == row.id, Promise.revised_at.is_(None))
            .values(revised_at=now, revised_due_at=est.due_at)
        ).rowcount
        if not claimed:
            continue
        sent = tell(ticket, est, kind="update", now=now)
        events.record(ticket, "promise.revised", at=now, promise_id=row.id, due_at=iso(row.due_at),
                      new_due_at=iso(est.due_at), told=sent is not None, **est.inputs())
        db.session.commit()
        told += sent is not None
    _withdraw_unanswerable()
    db.session.commit()
    return told


def _withdraw_unanswerable() -> None:
    """Promises whose ticket left without a reply (an abandoned chat, a ticket solved or merged
    unanswered) are never scored, as the backtest leaves abandoned tickets out."""
    gone = select(Ticket.id).where(Ticket.first_response_at.is_(None)).where(
        (Ticket.abandoned_at.is_not(None)) | Ticket.status.in_(live.LEFT) | Ticket.merged_into_id.is_not(None))
    db.session.execute(update(Promise).where(Promise.outcome.is_(None), Promise.ticket_id.in_(gone))
                       .values(outcome="withdrawn").execution_options(synchronize_session=False))
