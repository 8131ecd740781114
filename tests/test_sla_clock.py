"""The SLA clock: what starts, stops and pauses each target (README, "SLA clock")."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox import automatic, tickets
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Identity, Ticket
from tests import factories
from tests.sla_support import Clock, events_of, make_policy, metrics_of

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def clock(app, monkeypatch):  # noqa: ANN001, ANN201
    return Clock(monkeypatch, T0)


@pytest.fixture
def agent(make_agent):  # noqa: ANN001, ANN201
    return make_agent("sam@kept.example", role="admin")


@pytest.fixture
def policy(app):  # noqa: ANN001, ANN201
    # No calendar anywhere: the clocks run around the clock, so the arithmetic stays readable.
    return make_policy("Everything", first=8 * 3600, next_=2 * 3600, resolution=24 * 3600, warn_percent=75)


def new_ticket(at: datetime = T0, **kwargs) -> Ticket:  # noqa: ANN003
    result = ingest(factories.email(**kwargs), now=at)
    return db.session.get(Ticket, result.ticket_id)


def test_a_new_ticket_starts_first_response_and_resolution_from_its_arrival(policy):
    ticket = new_ticket()
    assert ticket.first_response_due_at == T0 + 8 * HOUR
    assert ticket.resolution_due_at == T0 + 24 * HOUR
    assert ticket.next_response_due_at is None
    assert ticket.sla_due_at == T0 + 8 * HOUR
    assert (ticket.sla_policy_id, ticket.sla_policy_version) == (policy.id, 1)


def test_the_first_public_reply_stops_first_response_as_met_with_the_time_it_took(policy, clock, agent):
    ticket = new_ticket()
    clock.set(T0 + 3 * HOUR)
    tickets.reply(ticket, agent, "We are on it.")
    (first,) = metrics_of(ticket, "first_response")
    assert first.outcome == "met" and first.business_seconds == 3 * 3600
    assert ticket.first_response_due_at is None and ticket.sla_due_at == T0 + 24 * HOUR


def test_a_reply_after_the_target_is_recorded_as_breached(policy, clock, agent):
    ticket = new_ticket()
    clock.set(T0 + 9 * HOUR)
    tickets.reply(ticket, agent, "Sorry for the wait.")
    (first,) = metrics_of(ticket, "first_response")
    assert first.outcome == "breached" and first.business_seconds == 9 * 3600


def test_an_internal_note_never_stops_the_first_response_clock(policy, clock, agent):
    ticket = new_ticket()
    clock.set(T0 + HOUR)
    tickets.note(ticket, agent, "Checking with the warehouse")
    (first,) = metrics_of(ticket, "first_response")
    assert first.stopped_at is None and ticket.first_response_due_at == T0 + 8 * HOUR


def test_an_automatic_notice_never_stops_the_first_response_clock(policy, clock):
    ticket = new_ticket()
    automatic.send(ticket, text="We got your message.", kind="notice")
    db.session.commit()
    (first,) = metrics_of(ticket, "first_response")
    assert first.stopped_at is None


def test_a_public_reply_on_another_channel_stops_first_response(policy, clock, agent):
    ticket = new_ticket()
    db.session.add(Identity(customer_id=ticket.customer_id, channel="x", external_id="4242", handle="ana_l"))
    db.session.commit()
    clock.set(T0 + HOUR)
    tickets.reply(ticket, agent, "Answered you on X too", channel="x")
    (first,) = metrics_of(ticket, "first_response")
    assert first.outcome == "met" and first.business_seconds == 3600


def test_auto_replies_and_duplicates_never_start_or_move_a_clock(policy, clock, agent):
    first_mail = factories.email(external_id="first@example.com")
    ticket = db.session.get(Ticket, ingest(first_mail, now=T0).ticket_id)
    clock.set(T0 + HOUR)
    reply = tickets.reply(ticket, agent, "Here is your answer")
    before = [(m.metric, m.cycle, m.due_at, m.stopped_at) for m in metrics_of(ticket)]
    ingest(factories.email(text="I am out of office", auto_kind="auto_reply", references=(reply.external_id or "",),
                           ticket_ref=ticket.id), now=T0 + 2 * HOUR)
    ingest(first_mail, now=T0 + 3 * HOUR)  # the same delivery again
    db.session.expire_all()
    assert [(m.metric, m.cycle, m.due_at, m.stopped_at) for m in metrics_of(ticket)] == before
    assert metrics_of(ticket, "next_response") == []


def test_pending_pauses_every_clock_and_the_customers_reply_resumes_it(policy, clock, agent):
    ticket = new_ticket()
    clock.set(T0 + HOUR)
    tickets.update(ticket, agent, status="pending")
    assert ticket.sla_due_at is None and ticket.sla_paused_since == T0 + HOUR
    assert all(m.due_at is None for m in metrics_of(ticket))

    ingest(factories.email(text="Here is the photo", ticket_ref=ticket.id), now=T0 + 3 * HOUR)
    db.session.expire_all()
    # One hour counted before the pause; seven remain from the reply at T0+3h.
    assert ticket.status == "open" and ticket.first_response_due_at == T0 + 10 * HOUR
    assert ticket.sla_paused_since is None and ticket.sla_paused_seconds == 2 * 3600
    (first,) = metrics_of(ticket, "first_response")
    assert first.paused_seconds == 2 * 3600


def test_paused_time_is_excluded_from_the_business_time_recorded(policy, clock, agent):
    ticket = new_ticket()
    clock.set(T0 + HOUR)
    tickets.update(ticket, agent, status="on-hold")
    clock.set(T0 + 5 * HOUR)
    tickets.update(ticket, agent, status="open")
    clock.set(T0 + 6 * HOUR)
    tickets.reply(ticket, agent, "Done")
    (first,) = metrics_of(ticket, "first_response")
    assert first.outcome == "met" and first.business_seconds == 2 * 3600 and first.paused_seconds == 4 * 3600
    assert [e.data["status"] for e in events_of(ticket, "sla.paused")] == ["on-hold"]
    assert len(events_of(ticket, "sla.resumed")) == 1


def test_each_customer_message_after_an_agent_reply_starts_a_next_response_cycle(policy, clock, agent):
    ticket = new_ticket()
    clock.set(T0 + HOUR)
    tickets.reply(ticket, agent, "First answer")
    ingest(factories.email(text="Still broken", ticket_ref=ticket.id), now=T0 + 2 * HOUR)
    ingest(factories.email(text="Hello?", ticket_ref=ticket.id), now=T0 + 2.5 * HOUR)  # same cycle
    db.session.expire_all()
    assert ticket.next_response_due_at == T0 + 4 * HOUR
    clock.set(T0 + 3 * HOUR)
    tickets.reply(ticket, agent, "Second answer")
    ingest(factories.email(text="Thanks, one more thing", ticket_ref=ticket.id), now=T0 + 5 * HOUR)
    db.session.expire_all()
    cycles = [(m.cycle, m.outcome, m.business_seconds) for m in metrics_of(ticket, "next_response")]
    assert cycles == [(1, "met", 3600.0), (2, None, None)]
    assert ticket.next_response_due_at == T0 + 7 * HOUR


def test_solving_stops_resolution_and_cancels_a_reply_clock_still_waiting(policy, clock, agent):
    ticket = new_ticket()
    clock.set(T0 + 2 * HOUR)
    tickets.update(ticket, agent, status="solved")
    outcomes = {m.metric: (m.outcome, m.business_seconds) for m in metrics_of(ticket)}
    assert outcomes == {"first_response": ("cancelled", 7200.0), "resolution": ("met", 7200.0)}
    assert ticket.sla_due_at is None


def test_a_customer_reply_to_a_solved_ticket_starts_a_new_resolution_cycle(policy, clock, agent):
    ticket = new_ticket()
    clock.set(T0 + HOUR)
    tickets.reply(ticket, agent, "Fixed")
    tickets.update(ticket, agent, status="solved")
    ingest(factories.email(text="It broke again", ticket_ref=ticket.id), now=T0 + 5 * HOUR)
    db.session.expire_all()
    assert [(m.cycle, m.outcome) for m in metrics_of(ticket, "resolution")] == [(1, "met"), (2, None)]
    assert ticket.resolution_due_at == T0 + 29 * HOUR
    assert ticket.next_response_due_at == T0 + 7 * HOUR


def test_the_queue_due_time_is_the_soonest_running_target(clock, agent):
    make_policy("Tight resolution", first=8 * 3600, resolution=3600)
    ticket = new_ticket()
    assert ticket.sla_due_at == ticket.resolution_due_at == T0 + HOUR
