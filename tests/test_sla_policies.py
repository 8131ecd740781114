"""Which policy applies, in which order, and what re-targets a ticket's clocks."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox import demo, tickets
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import BusinessCalendarRecord, Customer, Team, Ticket
from inbox.sla import policies
from inbox.sla.timers import reevaluate_open
from tests import factories
from tests.sla_support import Clock, events_of, make_calendar, make_policy, metrics_of

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def clock(app, monkeypatch):  # noqa: ANN001, ANN201
    return Clock(monkeypatch, T0)


@pytest.fixture
def agent(make_agent):  # noqa: ANN001, ANN201
    return make_agent("sam@kept.example", role="admin")


def new_ticket(inbound=None, at: datetime = T0) -> Ticket:  # noqa: ANN001
    result = ingest(inbound or factories.email(), now=at)
    return db.session.get(Ticket, result.ticket_id)


def test_the_first_enabled_policy_in_order_that_matches_applies(app):
    make_policy("X only", first=600, channels=["x"])
    email = make_policy("Email", first=1200, channels=["email"])
    make_policy("Catch-all", first=3600)
    ticket = new_ticket()
    assert ticket.sla_policy_id == email.id
    assert ticket.first_response_due_at == T0 + timedelta(seconds=1200)


def test_moving_a_policy_up_makes_it_win(app):
    make_policy("Email", first=1200, channels=["email"])
    catch_all = make_policy("Catch-all", first=3600)
    policies.move(catch_all, -1)
    db.session.commit()
    assert [p.name for p in policies.ordered()] == ["Catch-all", "Email"]
    assert new_ticket().sla_policy_id == catch_all.id


def test_a_disabled_policy_is_skipped(app):
    make_policy("Email", first=1200, channels=["email"], enabled=False)
    catch_all = make_policy("Catch-all", first=3600)
    assert new_ticket().sla_policy_id == catch_all.id


@pytest.mark.parametrize("condition, matching", [
    ({"priorities": ["urgent"]}, False),
    ({"priorities": ["normal"]}, True),
    ({"languages": ["ja"]}, False),
    ({"languages": ["en"]}, True),
    ({"customer_tiers": ["gold"]}, True),
    ({"customer_tiers": ["silver"]}, False),
    ({"customer_tags": ["vip", "press"]}, True),
    ({"customer_tags": ["reseller"]}, False),
    ({"team_ids": [999]}, False),
])
def test_each_condition_must_match_the_ticket(app, condition, matching):
    policy = make_policy("Conditional", first=600, **condition)
    make_policy("Catch-all", first=3600)
    ticket = new_ticket(factories.email(language="en"))
    customer = db.session.get(Customer, ticket.customer_id)
    customer.tier, customer.tags = "gold", ["vip"]
    db.session.commit()
    assert policies.matches(policy, ticket) is matching


def test_without_saved_policies_the_built_in_defaults_apply_per_channel(app):
    email = new_ticket(factories.email())
    x = new_ticket(factories.dm())
    assert email.first_response_due_at == T0 + 8 * HOUR
    assert x.first_response_due_at == T0 + HOUR
    assert (email.sla_policy_id, email.sla_policy_version) == (None, 0)
    chat = next(p for p in policies.default_policies() if p.channels == ["chat"])
    assert chat.first_response_seconds == 300


def test_saving_the_defaults_makes_them_editable_policies_once(app):
    saved = policies.save_defaults()
    db.session.commit()
    assert [p.name for p in saved] == ["Chat", "X", "Email"] and all(p.version == 1 for p in saved)
    assert policies.save_defaults() == []


def test_raising_the_priority_re_evaluates_the_policy_and_logs_the_new_due_times(clock, agent):
    make_policy("Urgent", first=HOUR.seconds, priorities=["urgent"])
    normal = make_policy("Normal", first=8 * HOUR.seconds)
    ticket = new_ticket()
    assert ticket.sla_policy_id == normal.id
    clock.set(T0 + 30 * timedelta(minutes=1))
    tickets.update(ticket, agent, priority="urgent")
    # Thirty minutes already counted; the urgent target leaves thirty more.
    assert ticket.first_response_due_at == T0 + HOUR
    (event,) = events_of(ticket, "sla.retargeted")
    assert event.data["reason"] == "priority.changed"
    assert event.data["due"] == {"first_response": "2025-06-02T10:00:00Z"}
    applied = events_of(ticket, "sla.policy.applied")[-1]
    assert applied.data["previous_policy_id"] == normal.id and applied.data["policy_name"] == "Urgent"


def test_moving_to_a_team_with_another_calendar_recomputes_the_due_time(clock, agent, make_team):
    make_policy("Everything", first=2 * HOUR.seconds)
    ticket = new_ticket()
    weekend_team = make_team("Weekdays", channels=["x"], calendar_id=make_calendar("Weekdays", "UTC").id)
    clock.set(T0 + HOUR)
    tickets.update(ticket, agent, team_id=weekend_team.id)
    # Monday 09:00 UTC arrival; one hour counted around the clock, one more from 10:00 on 09-18.
    assert ticket.first_response_due_at == T0 + 2 * HOUR
    clock.set(datetime(2025, 6, 6, 17, 30, tzinfo=UTC))  # Friday
    second = new_ticket(at=clock.now)
    tickets.update(second, agent, team_id=weekend_team.id)
    assert second.first_response_due_at == datetime(2025, 6, 9, 10, 30, tzinfo=UTC)
    assert events_of(second, "sla.retargeted")[-1].data["reason"] == "team.changed"


def test_a_policy_edit_re_targets_open_tickets_only_going_forward(app, clock, agent):
    policy = make_policy("Everything", first=8 * HOUR.seconds, resolution=24 * HOUR.seconds)
    answered = new_ticket()
    clock.set(T0 + HOUR)
    tickets.reply(answered, agent, "Done")
    solved = new_ticket(factories.email(sender="bo@example.com"))
    tickets.update(solved, agent, status="solved")
    waiting = new_ticket(factories.email(sender="cy@example.com"))

    policy.first_response_seconds = 4 * HOUR.seconds
    policy.version += 1
    db.session.commit()
    # The answered and the waiting tickets are open; the solved one is not.
    assert reevaluate_open(now=T0 + 2 * HOUR) == 2
    db.session.expire_all()

    assert waiting.first_response_due_at == T0 + 4 * HOUR and waiting.sla_policy_version == 2
    (met,) = metrics_of(answered, "first_response")
    assert met.outcome == "met" and met.target_seconds == 8 * 3600 and met.policy_version == 1
    assert solved.sla_policy_version == 1
    assert all(m.policy_version == 1 for m in metrics_of(solved))


def test_removing_a_target_stops_its_running_clock_without_a_verdict(app):
    policy = make_policy("Everything", first=8 * HOUR.seconds, resolution=24 * HOUR.seconds)
    ticket = new_ticket()
    policy.resolution_seconds = None
    policy.version += 1
    db.session.commit()
    reevaluate_open(now=T0 + HOUR)
    db.session.expire_all()
    (resolution,) = metrics_of(ticket, "resolution")
    assert resolution.outcome == "cancelled" and ticket.resolution_due_at is None


@pytest.mark.parametrize("values, message", [
    ({"first_response_seconds": -60}, "first response target must be positive"),
    ({}, "set at least one target"),
    ({"first_response_seconds": 60, "warn_percent": 120}, "between 1 and 99"),
    ({"first_response_seconds": 60, "warn_percent": 50, "warn_seconds_before": 60}, "not both"),
    ({"first_response_seconds": 60, "escalate_priority": "critical"}, "priority must be one of"),
])
def test_an_invalid_policy_is_refused_with_the_reason(values, message):
    with pytest.raises(policies.PolicyError, match=message):
        policies.validate(values)



def test_the_demo_seed_gives_each_team_a_calendar_and_saves_the_default_policies(app):
    demo.seed("demo password")
    support = db.session.scalar(db.select(Team).where(Team.name == "Support"))
    calendar = db.session.get(BusinessCalendarRecord, support.calendar_id)
    assert (calendar.timezone, calendar.holiday_country) == ("Asia/Tokyo", "JP")
    assert [p.name for p in policies.ordered()] == ["Chat", "X", "Email"]
