"""Warnings and breaches: fired at their instant, once, with their event, push and escalation."""
from __future__ import annotations

import queue
import time
from datetime import UTC, datetime, timedelta

import pytest
import socketio

from inbox import outbox, tickets
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import OutboxItem, SandboxDelivery, Ticket, TicketSLAMetric
from inbox.sla import timers
from tests import factories
from tests.conftest import session_cookie_for
from tests.sla_support import Clock, events_of, make_policy, metrics_of

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
# "Within seconds", not "at the next poll": a runner that woke by the minute fails this. Ten
# seconds, not five: a clean-clone run on a machine loaded with other work took eleven seconds
# to open a websocket, and the warning came after the five-second wait ran out.
DETECTION_LIMIT = 10.0


@pytest.fixture
def clock(app, monkeypatch):  # noqa: ANN001, ANN201
    return Clock(monkeypatch, T0)


def new_ticket(sender: str = "ana@example.com", at: datetime = T0) -> Ticket:
    result = ingest(factories.email(sender=sender), now=at)
    return db.session.get(Ticket, result.ticket_id)


def first_response(ticket: Ticket) -> TicketSLAMetric:
    (metric,) = metrics_of(ticket, "first_response")
    return metric


def test_a_warning_and_then_a_breach_fire_at_their_instants(app):
    make_policy(first=3600, warn_percent=50)
    ticket = new_ticket()
    metric = first_response(ticket)
    assert metric.warn_at == T0 + 30 * MINUTE and metric.next_fire_at == metric.warn_at
    assert timers.fire(metric.id, T0 + 29 * MINUTE) is None
    assert timers.fire(metric.id, T0 + 30 * MINUTE) == "warning"
    assert timers.fire(metric.id, T0 + 59 * MINUTE) is None
    assert timers.fire(metric.id, T0 + 60 * MINUTE) == "breach"
    db.session.expire_all()
    assert metric.warned_at == T0 + 30 * MINUTE and metric.breached_at == T0 + 60 * MINUTE
    assert metric.next_fire_at is None
    (warning,) = events_of(ticket, "sla.warning")
    (breach,) = events_of(ticket, "sla.breached")
    assert breach.data["metric"] == "first_response" and breach.data["due_at"] == "2025-06-02T10:00:00Z"
    assert warning.created_at == T0 + 30 * MINUTE


def test_a_firing_is_claimed_once_however_often_its_job_runs(app):
    make_policy(first=3600)
    ticket = new_ticket()
    metric_id = first_response(ticket).id
    results = [timers.fire(metric_id, T0 + 2 * 60 * MINUTE) for _ in range(3)]
    assert results == ["breach", None, None]
    assert timers.sweep(T0 + 3 * 60 * MINUTE) == 0
    assert len(events_of(ticket, "sla.breached")) == 1


def test_a_warning_whose_breach_is_also_due_gives_way_to_the_breach(app):
    make_policy(first=3600, warn_percent=50)
    metric_id = first_response(new_ticket()).id
    assert timers.fire(metric_id, T0 + 2 * 60 * MINUTE) == "breach"
    assert timers.fire(metric_id, T0 + 2 * 60 * MINUTE) is None


def test_a_clock_stopped_before_its_instant_never_fires(app, clock, make_agent):
    make_policy(first=3600)
    ticket = new_ticket()
    clock.set(T0 + 10 * MINUTE)
    tickets.reply(ticket, make_agent(role="admin"), "On it")
    assert timers.fire(first_response(ticket).id, T0 + 2 * 60 * MINUTE) is None
    assert events_of(ticket, "sla.breached") == []


def test_a_paused_clock_never_fires(app, clock, make_agent):
    make_policy(first=3600)
    ticket = new_ticket()
    clock.set(T0 + 10 * MINUTE)
    tickets.update(ticket, make_agent(role="admin"), status="pending")
    assert timers.fire(first_response(ticket).id, T0 + 5 * 60 * MINUTE) is None


def test_a_ticket_closed_behind_the_clocks_back_never_breaches(app):
    make_policy(first=3600)
    ticket = new_ticket()
    ticket.status, ticket.updated_at = "closed", T0 + 10 * MINUTE  # e.g. merged into another ticket
    db.session.commit()
    assert timers.fire(first_response(ticket).id, T0 + 2 * 60 * MINUTE) is None
    metric = first_response(ticket)
    assert (metric.outcome, metric.business_seconds) == ("cancelled", 600.0) and metric.next_fire_at is None

def test_the_sweep_fires_every_overdue_clock(app):
    make_policy(first=3600)
    ana, bo = new_ticket("ana@example.com"), new_ticket("bo@example.com", at=T0 + 30 * MINUTE)
    assert timers.sweep(T0 + 70 * MINUTE) == 1
    assert timers.sweep(T0 + 100 * MINUTE) == 1
    assert [len(events_of(t, "sla.breached")) for t in (ana, bo)] == [1, 1]


def test_a_breach_raises_the_priority_and_hands_the_ticket_to_the_escalation_team(app, make_team):
    make_team("Front line", channels=["email"])
    experts = make_team("Experts", channels=["x"])
    make_policy(first=3600, escalate_priority="high", escalate_team_id=experts.id)
    ticket = new_ticket()
    assert timers.fire(first_response(ticket).id, T0 + 61 * MINUTE) == "breach"
    db.session.expire_all()
    assert (ticket.priority, ticket.team_id) == ("high", experts.id)
    assert events_of(ticket, "priority.changed")[0].data == {"old": "normal", "new": "high", "reason": "sla.breached"}
    assert events_of(ticket, "team.changed")[0].data["new"] == experts.id


def test_a_breach_emails_the_team_lead_through_the_outbox(app, make_team, make_agent):
    team = make_team("Front line", channels=["email"])
    lead = make_agent("lead@kept.example", teams=[team])
    team.lead_id = lead.id
    db.session.commit()
    make_policy(first=3600, escalate_notify_lead=True)
    ticket = new_ticket()
    timers.fire(first_response(ticket).id, T0 + 61 * MINUTE)
    (item,) = db.session.scalars(db.select(OutboxItem).where(OutboxItem.channel == "email",
                                                             OutboxItem.payload["kind"].as_string() == "update"))
    assert item.payload["recipient"]["external_id"] == "lead@kept.example"
    outbox.deliver_due()
    (sent,) = db.session.scalars(db.select(SandboxDelivery).where(SandboxDelivery.recipient == "lead@kept.example"))
    assert f"Ticket #{ticket.id}" in sent.text and "breached its first response target" in sent.text


def test_an_escalation_set_for_warnings_acts_on_the_warning(app):
    make_policy(first=3600, warn_percent=50, escalate_on="warning", escalate_priority="urgent")
    ticket = new_ticket()
    assert timers.fire(first_response(ticket).id, T0 + 31 * MINUTE) == "warning"
    db.session.expire_all()
    assert ticket.priority == "urgent"


# -- live: the in-process runner fires within seconds of the instant --------------------------


def agent_socket(live, email: str) -> tuple[socketio.Client, queue.Queue]:
    client = socketio.Client(reconnection=False)
    received: queue.Queue = queue.Queue()
    for name in ("sla.warning", "sla.breached"):
        client.on(name, lambda data, name=name: received.put((name, data, time.time())), namespace="/agents")
    client.connect(live.url, namespaces=["/agents"], headers={"Cookie": session_cookie_for(live, email)},
                   transports=["websocket"], wait_timeout=5)
    return client, received


def wait_for(received: queue.Queue, name: str, timeout: float) -> tuple[dict, float]:
    deadline = time.monotonic() + timeout
    while True:
        got, data, at = received.get(timeout=max(0.01, deadline - time.monotonic()))
        if got == name:
            return data, at


def latency(data: dict, received_at: float) -> float:
    instant = datetime.fromisoformat(data["fires_at"].replace("Z", "+00:00"))
    return received_at - instant.timestamp()


@pytest.mark.config(JOB_RUNNER="inprocess")
def test_the_in_process_runner_warns_and_breaches_within_seconds_of_the_instant(live_server, make_agent):
    make_agent("sam@kept.example", role="admin")
    make_policy(first=3, warn_percent=50)
    client, received = agent_socket(live_server, "sam@kept.example")
    try:
        ticket_id = ingest(factories.email()).ticket_id
        # Waits past the limit, so a late push fails on its measured latency, not on a timeout.
        warning, warned_at = wait_for(received, "sla.warning", timeout=3 + 3 * DETECTION_LIMIT)
        breach, breached_at = wait_for(received, "sla.breached", timeout=3 + 3 * DETECTION_LIMIT)
    finally:
        client.disconnect()
    delays = latency(warning, warned_at), latency(breach, breached_at)
    print(f"in-process SLA detection latency: warning {delays[0] * 1000:.0f} ms, breach {delays[1] * 1000:.0f} ms")
    assert warning["ticket_id"] == breach["ticket_id"] == ticket_id
    assert breach["ticket"]["id"] == ticket_id
    assert all(0 <= delay < DETECTION_LIMIT for delay in delays)
    db.session.expire_all()
    assert len(events_of(ticket_id, "sla.breached")) == 1
