"""SLA steps called by the domain at the moments that start, stop or pause a clock.

Callers (``inbox.ingest``, ``inbox.tickets``) invoke these inside their transactions and announce
``ticket.updated`` afterwards; the rules they implement are in the README, "SLA clock". Every
step re-evaluates which policy applies (first match in admin order), so a priority or team
change, or an admin's edit, re-targets the running clocks from that moment on.
"""
from __future__ import annotations

from datetime import datetime

from inbox import events
from inbox.extensions import db
from inbox.models import Message, SLAPolicy, Team, Ticket, TicketSLAMetric
from inbox.models.tickets import OPEN_STATUSES
from inbox.presenters import iso
from inbox.sla import calendars, clocks, policies
from inbox.sla import timers as _timers  # noqa: F401 - registers the firing jobs wherever the engine runs

PAUSED_STATUSES = ("pending", "on-hold")
DONE_STATUSES = ("solved", "closed")
REPLY_METRICS = ("first_response", "next_response")


def on_customer_message(ticket: Ticket, message: Message, *, created: bool, now: datetime) -> None:
    """A customer wrote (never called for automatic mail or duplicates)."""
    if ticket.merged_into_id is not None or ticket.status not in OPEN_STATUSES:
        return
    metrics = clocks.open_metrics(ticket)
    # Ingest has already moved a pending or on-hold ticket back to open: the reply resumes the clock.
    if ticket.sla_paused_since is not None and ticket.status not in PAUSED_STATUSES:
        _resume(ticket, metrics, now, reason="customer replied")
    reevaluate(ticket, now, reason="ticket.created" if created else "message.received")


def on_agent_reply(ticket: Ticket, message: Message, *, now: datetime) -> None:
    """An agent's public reply left (notes and automatic notices are not replies)."""
    if not message.is_public_reply:
        return
    metrics = clocks.open_metrics(ticket)
    for metric in metrics:
        if metric.metric in REPLY_METRICS:
            _stop(ticket, metric, now, measured=True, reason="agent replied")
    clocks.sync_ticket(ticket, metrics)


def on_status_change(ticket: Ticket, old: str, new: str, *, now: datetime) -> None:
    """Status moved: pending and on-hold pause the clock; solved stops resolution."""
    metrics = clocks.open_metrics(ticket)
    if new in DONE_STATUSES:
        for metric in metrics:
            # Solving measures resolution; reply clocks end without the reply they waited for.
            _stop(ticket, metric, now, measured=metric.metric == "resolution", reason=f"status {new}")
        _end_pause(ticket, now)
        clocks.sync_ticket(ticket, metrics)
        return
    if new in PAUSED_STATUSES and ticket.sla_paused_since is None:
        ticket.sla_paused_since = now
        for metric in metrics:
            clocks.pause(metric, now)
        events.record(ticket, "sla.paused", at=now, status=new)
    elif new not in PAUSED_STATUSES and ticket.sla_paused_since is not None:
        _resume(ticket, metrics, now, reason=f"status {new}")
    reevaluate(ticket, now, reason="status.changed")


def on_fields_change(ticket: Ticket, changed: set[str], *, now: datetime) -> None:
    """Priority or team changed: the policy is re-evaluated."""
    if ticket.status not in OPEN_STATUSES:
        return
    reason = ", ".join(sorted(f"{field.removesuffix('_id')}.changed" for field in changed))
    reevaluate(ticket, now, reason=reason)


def reevaluate(ticket: Ticket, now: datetime, *, reason: str, force: bool = False) -> bool:
    """Apply the policy that matches now to the running clocks and start any clock now due to run.

    ``force`` re-arms every running clock even if its policy did not change (a calendar edit).
    Returns whether anything about the ticket's clocks changed.
    """
    if ticket.status not in OPEN_STATUSES or ticket.merged_into_id is not None:
        return False
    policy = policies.select_for(ticket)
    team = db.session.get(Team, ticket.team_id) if ticket.team_id is not None else None
    calendar_id = calendars.calendar_id_for(policy, team)
    changed = _record_policy(ticket, policy, now, reason)
    metrics = clocks.open_metrics(ticket)
    moved: dict[str, str | None] = {}
    for metric in metrics:
        target = policy.target_seconds(metric.metric) if policy is not None else None
        if not target:
            _stop(ticket, metric, now, measured=False, reason="target removed")
            changed = True
            continue
        current = (metric.policy_id, metric.policy_version, metric.calendar_id, metric.target_seconds)
        if force or current != (policy.id, policy.version, calendar_id, target):
            if clocks.retarget(metric, policy, calendar_id, now):
                moved[metric.metric] = iso(metric.due_at)
            changed = True
    if moved:
        events.record(ticket, "sla.retargeted", at=now, reason=reason, policy_id=policy.id,
                      policy_version=policy.version, due=moved)
    if policy is not None:
        for metric in _start_wanted(ticket, policy, calendar_id, metrics, now):
            metrics.append(metric)
            changed = True
    clocks.sync_ticket(ticket, metrics)
    return changed


def _record_policy(ticket: Ticket, policy: SLAPolicy | None, now: datetime, reason: str) -> bool:
    new = (policy.id, policy.version) if policy is not None else (None, None)
    old = (ticket.sla_policy_id, ticket.sla_policy_version)
    if new == old:
        return False
    ticket.sla_policy_id, ticket.sla_policy_version = new
    events.record(ticket, "sla.policy.applied", at=now, reason=reason,
                  policy_id=new[0], policy_version=new[1], policy_name=policy.name if policy else None,
                  previous_policy_id=old[0], previous_policy_version=old[1])
    return True


def _start_wanted(ticket: Ticket, policy: SLAPolicy, calendar_id: int | None,
                  metrics: list[TicketSLAMetric], now: datetime) -> list[TicketSLAMetric]:
    """Start the clocks the ticket's state calls for that are not running yet."""
    running = {m.metric for m in metrics if m.stopped_at is None}
    customer_at, reply_at = ticket.last_customer_message_at, ticket.last_agent_reply_at
    wanted = {
        # Until the first public reply on any channel.
        "first_response": ticket.first_response_at is None and customer_at is not None,
        # The customer wrote after an agent's reply (the first reply is then behind us).
        "next_response": (ticket.first_response_at is not None and customer_at is not None
                          and reply_at is not None and customer_at > reply_at),
        # From (re)opening until solved.
        "resolution": True,
    }
    started = []
    for metric, want in wanted.items():
        if want and metric not in running and policy.target_seconds(metric):
            row = clocks.start(ticket, metric, policy, calendar_id, now)
            events.record(ticket, "sla.started", at=now, metric=metric, cycle=row.cycle, policy_id=policy.id,
                          policy_version=policy.version, due_at=iso(row.due_at))
            started.append(row)
    return started


def _stop(ticket: Ticket, metric: TicketSLAMetric, now: datetime, *, measured: bool, reason: str) -> None:
    outcome = clocks.stop(metric, now, measured=measured)
    events.record(ticket, "sla.stopped", at=now, metric=metric.metric, cycle=metric.cycle, outcome=outcome,
                  business_seconds=round(metric.business_seconds or 0.0, 3),
                  paused_seconds=round(metric.paused_seconds, 3), reason=reason)


def _resume(ticket: Ticket, metrics: list[TicketSLAMetric], now: datetime, *, reason: str) -> None:
    paused = _end_pause(ticket, now)
    for metric in metrics:
        clocks.resume(metric, now)
    events.record(ticket, "sla.resumed", at=now, reason=reason, paused_seconds=round(paused, 3))


def _end_pause(ticket: Ticket, now: datetime) -> float:
    """Close the ticket's pause and add it to the recorded paused time; returns its length."""
    if ticket.sla_paused_since is None:
        return 0.0
    paused = max(0.0, (now - ticket.sla_paused_since).total_seconds())
    ticket.sla_paused_seconds = (ticket.sla_paused_seconds or 0.0) + paused
    ticket.sla_paused_since = None
    return paused
