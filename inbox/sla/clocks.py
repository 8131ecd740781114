"""One clock: start, pause, resume, stop, re-target, and the due and warning instants it arms.

A clock counts business time on its calendar, in stretches: ``elapsed_seconds`` holds what the
stretches before ``segment_started_at`` counted, so pausing, resuming or switching calendar
never re-measures the past. Due and warning instants are added forward from the current
stretch's start with the remaining business time. Timers are handed to the job runner only after
the transaction commits, so a job never looks for a row that is not there yet.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from inbox.extensions import db
from inbox.models import SLAPolicy, Ticket, TicketSLAMetric
from inbox.sla import calendars, policies
from inbox.sla.calendar import BusinessCalendar

log = logging.getLogger(__name__)

_PENDING_TIMERS = "kept_sla_timers"
FIRE_JOB = "sla.fire"


def calendar_of(metric: TicketSLAMetric) -> BusinessCalendar:
    return calendars.calendar_by_id(metric.calendar_id)


def open_metrics(ticket: Ticket) -> list[TicketSLAMetric]:
    return list(db.session.scalars(
        select(TicketSLAMetric)
        .where(TicketSLAMetric.ticket_id == ticket.id, TicketSLAMetric.stopped_at.is_(None))
        .order_by(TicketSLAMetric.id)
    ))


def start(ticket: Ticket, metric: str, policy: SLAPolicy, calendar_id: int | None, now: datetime) -> TicketSLAMetric:
    """A new cycle of ``metric`` from ``now``, paused at once if the ticket's clock is paused."""
    cycle = (db.session.scalar(
        select(func.max(TicketSLAMetric.cycle)).where(TicketSLAMetric.ticket_id == ticket.id,
                                                      TicketSLAMetric.metric == metric)
    ) or 0) + 1
    target = policy.target_seconds(metric)
    paused = ticket.sla_paused_since is not None
    row = TicketSLAMetric(
        ticket_id=ticket.id, metric=metric, cycle=cycle, policy_id=policy.id, policy_version=policy.version,
        calendar_id=calendar_id, target_seconds=target, warn_after_seconds=policies.warn_after(policy, target),
        started_at=now, segment_started_at=None if paused else now, paused_at=now if paused else None,
        elapsed_seconds=0.0, paused_seconds=0.0,
    )
    db.session.add(row)
    db.session.flush()
    arm(row)
    return row


def checkpoint(metric: TicketSLAMetric, now: datetime) -> None:
    """Bank the business time of the running stretch and begin a new stretch at ``now``."""
    if metric.segment_started_at is None:
        return
    if now > metric.segment_started_at:
        metric.elapsed_seconds += calendar_of(metric).between(metric.segment_started_at, now).total_seconds()
        metric.segment_started_at = now


def arm(metric: TicketSLAMetric) -> None:
    """Work out the due and warning instants of a running clock and schedule the next firing."""
    if metric.segment_started_at is None or metric.stopped_at is not None:
        metric.due_at = metric.warn_at = metric.next_fire_at = None
        return
    cal = calendar_of(metric)
    metric.due_at = _after(cal, metric.segment_started_at, metric.target_seconds - metric.elapsed_seconds)
    if metric.warn_after_seconds is not None and metric.warned_at is None:
        metric.warn_at = _after(cal, metric.segment_started_at, metric.warn_after_seconds - metric.elapsed_seconds)
    else:
        metric.warn_at = None
    pending = [at for at, fired in ((metric.warn_at, metric.warned_at), (metric.due_at, metric.breached_at))
               if at is not None and fired is None]
    metric.next_fire_at = min(pending) if pending else None
    if metric.next_fire_at is not None:
        schedule(metric.id, metric.next_fire_at)


def _after(cal: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    # Already past the mark (a target shortened under a running clock): due from this stretch's
    # start, so the timer fires at once rather than pretending the moment is still ahead.
    if seconds <= 0:
        return start
    return cal.add(start, timedelta(seconds=seconds))


def pause(metric: TicketSLAMetric, now: datetime) -> None:
    if metric.paused_at is not None or metric.stopped_at is not None:
        return
    checkpoint(metric, now)
    metric.segment_started_at = None
    metric.paused_at = now
    arm(metric)


def resume(metric: TicketSLAMetric, now: datetime) -> None:
    if metric.paused_at is None or metric.stopped_at is not None:
        return
    metric.paused_seconds += max(0.0, (now - metric.paused_at).total_seconds())
    metric.paused_at = None
    metric.segment_started_at = now
    arm(metric)


def stop(metric: TicketSLAMetric, now: datetime, *, measured: bool = True) -> str:
    """Stop the clock and record its outcome.

    ``measured`` is False when the clock ends without the thing it measures happening (a ticket
    solved before any reply, a target removed): the outcome is then "cancelled", unless the
    target had already passed.
    """
    checkpoint(metric, now)
    if metric.paused_at is not None:
        metric.paused_seconds += max(0.0, (now - metric.paused_at).total_seconds())
        metric.paused_at = None
    metric.segment_started_at = None
    metric.stopped_at = now
    metric.business_seconds = metric.elapsed_seconds
    late = metric.breached_at is not None or metric.elapsed_seconds > metric.target_seconds
    metric.outcome = "breached" if late else "met" if measured else "cancelled"
    metric.warn_at = metric.next_fire_at = None
    return metric.outcome


def retarget(metric: TicketSLAMetric, policy: SLAPolicy, calendar_id: int | None, now: datetime) -> bool:
    """Point a running clock at a policy's current target and calendar; True if its due time moved.

    Time already counted stays counted: only the remaining business time is measured against
    the new target, on the new calendar, from now.
    """
    before = metric.due_at
    checkpoint(metric, now)
    target = policy.target_seconds(metric.metric)
    metric.policy_id, metric.policy_version = policy.id, policy.version
    metric.calendar_id = calendar_id
    metric.target_seconds = target
    metric.warn_after_seconds = policies.warn_after(policy, target)
    arm(metric)
    return metric.due_at != before


def schedule(metric_id: int, at: datetime) -> None:
    """Run the firing job for this clock at ``at``, once the current transaction has committed."""
    db.session.info.setdefault(_PENDING_TIMERS, []).append((metric_id, at))


@event.listens_for(Session, "after_commit")
def _start_timers(session: Session) -> None:
    pending = session.info.pop(_PENDING_TIMERS, None)
    if not pending or not has_app_context():
        return
    from inbox import jobs

    latest: dict[int, datetime] = {}
    for metric_id, at in pending:
        latest[metric_id] = at  # a clock re-armed twice in one transaction needs only its last instant
    for metric_id, at in latest.items():
        try:
            jobs.enqueue(FIRE_JOB, metric_id, at=at)
        except Exception:  # the periodic sweep re-arms it
            log.exception("could not schedule SLA timer for metric %s", metric_id)


@event.listens_for(Session, "after_soft_rollback")
def _drop_timers(session: Session, previous_transaction) -> None:  # noqa: ANN001
    session.info.pop(_PENDING_TIMERS, None)


def sync_ticket(ticket: Ticket, metrics: list[TicketSLAMetric] | None = None) -> None:
    """Copy the running clocks' due instants onto the ticket; ``sla_due_at`` is the soonest."""
    metrics = open_metrics(ticket) if metrics is None else [m for m in metrics if m.stopped_at is None]
    due: dict[str, datetime | None] = {"first_response": None, "next_response": None, "resolution": None}
    for metric in metrics:
        if metric.due_at is not None:
            due[metric.metric] = metric.due_at
    ticket.first_response_due_at = due["first_response"]
    ticket.next_response_due_at = due["next_response"]
    ticket.resolution_due_at = due["resolution"]
    running = [at for at in due.values() if at is not None]
    ticket.sla_due_at = min(running) if running else None
