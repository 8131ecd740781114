"""Warnings and breaches: fired at their instant, exactly once, however many workers run.

Every clock that can still warn or breach has ``next_fire_at`` set, and a ``sla.fire`` job is
scheduled at that instant when the clock is armed (after commit). Nothing runs while nothing is
due. A periodic sweep is the safety net for timers lost to a restart or a dropped task: it fires
what is overdue and re-schedules what comes due before the next sweep, reading only live rows
through the ``next_fire_at`` index.

Jobs may run more than once (Celery redelivers, the sweep duplicates): a firing is claimed with
a conditional UPDATE (``... SET breached_at = :now WHERE id = :id AND breached_at IS NULL``) in
the same transaction as its event, push and escalation; the one that updates the row wins and the
others change nothing. The ticket row is locked first, in the same order as the agent actions
that change clocks, so a reply racing the breach either stops the clock first or sees it fired.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from channels.base import Identity as RecipientIdentity
from channels.base import Outbound
from config import Config
from inbox import events, jobs, outbox, realtime
from inbox.extensions import db
from inbox.models import Agent, SLAPolicy, Team, Ticket, TicketSLAMetric, utcnow
from inbox.models.tickets import OPEN_STATUSES, PRIORITY_RANK
from inbox.presenters import iso, ticket_summary
from inbox.sla import clocks

log = logging.getLogger(__name__)

# A Celery ETA task can start a hair before its instant; within this margin it re-schedules itself
# at the instant instead of leaving the firing to the next sweep.
EARLY_MARGIN = timedelta(seconds=5)
SWEEP_BATCH = 500
EVENTS = {"warning": "sla.warning", "breach": "sla.breached"}


@jobs.job(clocks.FIRE_JOB)
def fire(metric_id: int, now: datetime | None = None) -> str | None:
    """Fire the clock's warning or breach if it is due; returns "warning", "breach" or None."""
    now = now or utcnow()
    metric = db.session.get(TicketSLAMetric, metric_id)
    if metric is None or metric.next_fire_at is None:
        return None
    if metric.next_fire_at > now:
        if metric.next_fire_at - now <= EARLY_MARGIN and not _is_manual():
            jobs.enqueue(clocks.FIRE_JOB, metric_id, at=metric.next_fire_at)
        return None
    ticket_id = metric.ticket_id
    db.session.rollback()  # start clean: the ticket lock comes before the claim
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is not None and (ticket.status not in OPEN_STATUSES or ticket.merged_into_id is not None):
        _stop_left_behind(ticket, now)
        return None
    kind = _claim(metric_id, now)
    if kind is None or ticket is None:
        db.session.rollback()
        return None
    metric = db.session.get(TicketSLAMetric, metric_id)
    _announce(ticket, metric, kind, now)
    _escalate(ticket, metric, kind, now)
    db.session.commit()
    return kind


def _stop_left_behind(ticket: Ticket, now: datetime) -> None:
    """Clocks of a ticket closed or merged by a path that bypassed the SLA steps: end them unjudged."""
    ended = min(now, ticket.updated_at or now)
    metrics = clocks.open_metrics(ticket)
    for metric in metrics:
        clocks.stop(metric, max(ended, metric.started_at), measured=False)
    clocks.sync_ticket(ticket, metrics)
    db.session.commit()


def _claim(metric_id: int, now: datetime) -> str | None:
    """Take the breach if due, else the warning if due; None if someone else took it or it moved."""
    live = (TicketSLAMetric.id == metric_id) & TicketSLAMetric.stopped_at.is_(None) \
        & TicketSLAMetric.paused_at.is_(None)
    breach = db.session.execute(
        update(TicketSLAMetric)
        .where(live, TicketSLAMetric.breached_at.is_(None), TicketSLAMetric.due_at <= now)
        .values(breached_at=now, next_fire_at=None)
        .execution_options(synchronize_session=False)
    )
    if breach.rowcount == 1:
        return "breach"
    # A warning whose breach is also due is not worth a separate push: the breach says more.
    warning = db.session.execute(
        update(TicketSLAMetric)
        .where(live, TicketSLAMetric.warned_at.is_(None), TicketSLAMetric.breached_at.is_(None),
               TicketSLAMetric.warn_at <= now)
        .values(warned_at=now, next_fire_at=TicketSLAMetric.due_at)
        .execution_options(synchronize_session=False)
    )
    return "warning" if warning.rowcount == 1 else None


def _announce(ticket: Ticket, metric: TicketSLAMetric, kind: str, now: datetime) -> None:
    due = metric.due_at if kind == "breach" else metric.warn_at
    data = {
        "ticket_id": ticket.id,
        "metric": metric.metric,
        "cycle": metric.cycle,
        "policy_id": metric.policy_id,
        "policy_version": metric.policy_version,
        "due_at": iso(metric.due_at),
        "fires_at": iso(due),
        "fired_at": iso(now),
    }
    events.record(ticket, EVENTS[kind], at=now, **{k: v for k, v in data.items() if k != "ticket_id"})
    realtime.announce_ticket(EVENTS[kind], ticket, {**data, "ticket": ticket_summary(ticket)})
    if kind == "breach":
        # The second firing of the same clock (its breach) is re-armed; nothing else to schedule.
        return
    if metric.next_fire_at is not None:
        clocks.schedule(metric.id, metric.next_fire_at)


def _escalate(ticket: Ticket, metric: TicketSLAMetric, kind: str, now: datetime) -> None:
    """The policy's escalation actions, when it asks for them on this kind of firing."""
    policy = db.session.get(SLAPolicy, metric.policy_id) if metric.policy_id else None
    if policy is None or policy.escalate_on != kind:
        return
    reason = EVENTS[kind]
    changed: set[str] = set()
    first_team = _team(ticket.team_id)
    leads = {first_team.lead_id} if first_team is not None and first_team.lead_id else set()
    raise_to = policy.escalate_priority
    if raise_to and PRIORITY_RANK[raise_to] < PRIORITY_RANK.get(ticket.priority, 9):
        events.record(ticket, "priority.changed", at=now, old=ticket.priority, new=raise_to, reason=reason)
        ticket.priority = raise_to
        changed.add("priority")
    if policy.escalate_team_id and policy.escalate_team_id != ticket.team_id and _team(policy.escalate_team_id):
        events.record(ticket, "team.changed", at=now, old=ticket.team_id, new=policy.escalate_team_id, reason=reason)
        old_team = ticket.team_id
        ticket.team_id = policy.escalate_team_id
        changed.add("team_id")
        # Agents of the old team lose sight of the ticket; they see it leave.
        realtime.announce("ticket.updated", ticket_summary(ticket), [realtime.team_room(old_team)])
    if policy.escalate_notify_lead:
        new_team = _team(ticket.team_id)
        if new_team and new_team.lead_id:
            leads.add(new_team.lead_id)
        for lead_id in sorted(leads):
            lead = db.session.get(Agent, lead_id)
            if lead is not None and lead.active:
                notify_lead(ticket, metric, lead, kind)
    if changed:
        from inbox.sla import engine  # the engine imports this module to register its jobs

        engine.on_fields_change(ticket, changed, now=now)
        ticket.updated_at = now
        db.session.flush()
        realtime.announce_ticket("ticket.updated", ticket, ticket_summary(ticket))


def _team(team_id: int | None) -> Team | None:
    return db.session.get(Team, team_id) if team_id is not None else None


def notify_lead(ticket: Ticket, metric: TicketSLAMetric, lead: Agent, kind: str) -> None:
    """An internal email to a team lead, through the outbox like every other message.

    It carries no ticket id, so its Reply-To is the support address rather than the ticket's:
    the lead's answer must not land on the customer's ticket as if the customer wrote it.
    """
    what = "breached" if kind == "breach" else "is about to breach"
    label = metric.metric.replace("_", " ")
    due = metric.due_at.strftime("%Y-%m-%d %H:%M UTC") if metric.due_at else "unknown"
    url = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/tickets/{ticket.id}"
    text = (f"Ticket #{ticket.id} ({ticket.subject or 'no subject'}) {what} its {label} target, "
            f"due {due}. Priority: {ticket.priority}.\n\n{url}\n")
    outbox.enqueue(Outbound(
        channel="email",
        idempotency_key=outbox.new_key(),
        recipient=RecipientIdentity("email", lead.email, lead.name),
        text=text,
        subject=f"SLA {what}: ticket #{ticket.id} ({label})",
        kind="update",
        automatic=True,
        meta={"internal": True, "language": lead.language, "sla_ticket_id": ticket.id},
    ))


def _is_manual() -> bool:
    # Tests hold jobs until they run them; re-queueing there would just spin.
    return isinstance(jobs.runner(), jobs.ManualRunner)


@jobs.job("sla.sweep", every=Config.SLA_SWEEP_SECONDS)
def sweep(now: datetime | None = None) -> int:
    """Fire what is overdue and schedule what comes due before the next sweep; returns how many fired."""
    now = now or utcnow()
    horizon = now + timedelta(seconds=current_app.config["SLA_SWEEP_SECONDS"])
    rows = db.session.execute(
        select(TicketSLAMetric.id, TicketSLAMetric.next_fire_at)
        .where(TicketSLAMetric.next_fire_at <= horizon)
        .order_by(TicketSLAMetric.next_fire_at)
        .limit(SWEEP_BATCH)
    ).all()
    db.session.rollback()
    fired = 0
    for metric_id, at in rows:
        if at <= now:
            try:
                fired += fire(metric_id, now) is not None
            except Exception:
                db.session.rollback()
                log.exception("SLA firing for metric %s failed", metric_id)
        elif not _is_manual():
            jobs.enqueue(clocks.FIRE_JOB, metric_id, at=at)
    return fired


@jobs.job("sla.reevaluate_open")
def reevaluate_open(reason: str = "policy.changed", force: bool = False, now: datetime | None = None) -> int:
    """Re-target every open ticket after an admin changed policies or calendars; returns how many changed."""
    from inbox.sla import engine

    now = now or utcnow()
    ids = list(db.session.scalars(
        select(Ticket.id).where(Ticket.status.in_(OPEN_STATUSES), Ticket.merged_into_id.is_(None)).order_by(Ticket.id)
    ))
    changed = 0
    for ticket_id in ids:
        ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
        if ticket is not None and engine.reevaluate(ticket, now, reason=reason, force=force):
            ticket.updated_at = now
            db.session.flush()
            realtime.announce_ticket("ticket.updated", ticket, ticket_summary(ticket))
            changed += 1
        db.session.commit()
    return changed
