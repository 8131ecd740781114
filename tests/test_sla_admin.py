"""The service-level admin pages: policies and calendars, validation, order, and the live preview."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import BusinessCalendarRecord, SLAPolicy, Team, Ticket
from inbox.sla import policies
from tests import factories
from tests.conftest import login
from tests.sla_support import make_calendar, make_policy

WEEKDAY_HOURS = {day: "09:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def admin(client, make_agent):  # noqa: ANN001, ANN201
    make_agent("admin@kept.example", role="admin")
    return login(client, "admin@kept.example")


def policy_form(token: str, **fields) -> dict:  # noqa: ANN003
    return {"csrf_token": token, "name": "Email", "enabled": "y", "channels": ["email"], "first_response": "8h",
            "warn_percent": "75", "calendar_id": "0", "escalate_on": "breach", "escalate_priority": "",
            "escalate_team_id": "0", **fields}


def calendar_form(token: str, **fields) -> dict:  # noqa: ANN003
    return {"csrf_token": token, "name": "Tokyo", "enabled": "y", "timezone": "Asia/Tokyo",
            "holiday_country": "JP", **WEEKDAY_HOURS, **fields}


def test_the_pages_are_for_admins_only(client, make_agent):
    make_agent("sam@kept.example")
    assert client.get("/admin/sla/").status_code == 302  # to the sign-in page
    login(client, "sam@kept.example")
    assert client.get("/admin/sla/").status_code == 403
    assert client.get("/admin/sla/calendars/new").status_code == 403


def test_the_index_offers_the_built_in_defaults_until_a_policy_is_saved(client, admin):
    page = client.get("/admin/sla/")
    assert "No policy saved" in page.text and "Email: first response 8h" in page.text
    client.post("/admin/sla/policies/defaults", data={"csrf_token": admin})
    assert [p.name for p in policies.ordered()] == ["Chat", "X", "Email"]


def test_an_admin_creates_a_policy_that_new_tickets_then_get(client, admin):
    response = client.post("/admin/sla/policies/new", data=policy_form(admin, first_response="1h 30m",
                                                                       next_response="4h"))
    assert response.status_code == 302
    (policy,) = policies.ordered()
    assert (policy.first_response_seconds, policy.next_response_seconds, policy.version) == (5400, 14400, 1)
    ticket = db.session.get(Ticket, ingest(factories.email()).ticket_id)
    assert (ticket.sla_policy_id, ticket.sla_policy_version) == (policy.id, 1)


def test_editing_a_policy_bumps_its_version_and_re_targets_open_tickets(app, client, admin):
    policy = make_policy("Email", first=8 * 3600, channels=["email"])
    arrived = datetime.now(UTC) - timedelta(hours=1)
    ticket = db.session.get(Ticket, ingest(factories.email(), now=arrived).ticket_id)
    client.post(f"/admin/sla/policies/{policy.id}", data=policy_form(admin, first_response="2h"))
    app.extensions["kept_jobs"].run_due()
    db.session.expire_all()
    assert db.session.get(SLAPolicy, policy.id).version == 2
    assert ticket.sla_policy_version == 2
    assert abs(ticket.first_response_due_at - (arrived + timedelta(hours=2))) < timedelta(seconds=1)


@pytest.mark.parametrize("fields, message", [
    ({"first_response": "-30m"}, "first response target must be positive"),
    ({"first_response": "soon"}, "is not a duration"),
    ({"first_response": ""}, "set at least one target"),
    ({"warn_percent": "150"}, "between 1 and 99"),
])
def test_an_invalid_policy_is_refused_with_a_clear_message(client, admin, fields, message):
    response = client.post("/admin/sla/policies/new", data=policy_form(admin, **fields))
    assert response.status_code == 422 and message in response.text
    assert policies.ordered() == []


def test_policies_are_reordered_and_disabled_from_the_index(client, admin):
    first, second = make_policy("First", first=60), make_policy("Second", first=60)
    client.post(f"/admin/sla/policies/{second.id}/move", data={"csrf_token": admin, "direction": "up"})
    assert [p.name for p in policies.ordered()] == ["Second", "First"]
    client.post(f"/admin/sla/policies/{second.id}/toggle", data={"csrf_token": admin})
    assert db.session.get(SLAPolicy, second.id).enabled is False
    assert policies.candidates() == [first]


def test_a_change_without_the_csrf_token_is_refused(client, admin):
    policy = make_policy("First", first=60)
    assert client.post(f"/admin/sla/policies/{policy.id}/toggle", data={}).status_code == 400
    assert client.post("/admin/sla/policies/new", data=policy_form("forged")).status_code != 302
    assert db.session.get(SLAPolicy, policy.id).enabled is True


def test_an_admin_saves_a_split_shift_calendar_for_a_team(client, admin, make_team):
    team = make_team("Tokyo")
    response = client.post("/admin/sla/calendars/new", data=calendar_form(
        admin, mon="09:00-12:00, 13:00-18:00", closed_dates="2025-12-31\n2026-01-02",
        special_hours="2025-12-30 09:00-12:00", team_ids=[str(team.id)]))
    assert response.status_code == 302, response.text
    record = db.session.scalar(select(BusinessCalendarRecord))
    assert record.weekly["mon"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert record.closed_dates == ["2025-12-31", "2026-01-02"]
    assert record.special_hours == {"2025-12-30": [["09:00", "12:00"]]}
    assert db.session.get(Team, team.id).calendar_id == record.id


@pytest.mark.parametrize("fields, message", [
    ({"mon": "09:00-12:00, 11:00-18:00"}, "Monday: 09:00–12:00 overlaps 11:00–18:00"),
    ({"timezone": "Asia/Tokio"}, "unknown time zone"),
    ({"holiday_country": "XX"}, "unknown holiday country code"),
    ({"mon": "9 to 6"}, "is not an interval"),
    ({"closed_dates": "31/12/2025"}, "malformed date"),
])
def test_an_invalid_calendar_is_refused_with_the_reason(client, admin, fields, message):
    response = client.post("/admin/sla/calendars/new", data=calendar_form(admin, **fields))
    assert response.status_code == 422
    assert message.replace("'", "&#39;") in response.text or message in response.text
    assert db.session.scalar(select(BusinessCalendarRecord)) is None


def test_disabling_a_calendar_puts_its_teams_back_around_the_clock(client, admin, make_team):
    calendar = make_calendar("Tokyo", "Asia/Tokyo", country="JP")
    make_team("Tokyo", calendar_id=calendar.id)
    client.post(f"/admin/sla/calendars/{calendar.id}/toggle", data={"csrf_token": admin})
    assert db.session.get(BusinessCalendarRecord, calendar.id).enabled is False


def test_the_preview_moves_a_friday_evening_email_past_a_holiday_monday(client, admin, make_team):
    tokyo = make_team("Tokyo", calendar_id=make_calendar("Tokyo", "Asia/Tokyo", country="JP").id)
    response = client.post("/admin/sla/preview", data=policy_form(
        admin, mode="policy", first_response="2h", sample_channel="email", sample_priority="normal",
        sample_team_id=str(tokyo.id), sample_arrival="2025-09-12T17:50"))
    assert response.status_code == 200, response.text
    text = response.json["text"]
    assert text.startswith("An email, priority normal, arriving Fri 12 Sep") and "17:50 JST" in text
    assert "first response due Tue 16 Sep" in text.replace("Sept", "Sep") and "10:50 JST" in text
    assert "Respect for the Aged Day" in text


def test_the_preview_of_saved_policies_names_the_policy_that_matches(client, admin):
    make_policy("Urgent email", first=3600, channels=["email"], priorities=["urgent"])
    make_policy("Any email", first=8 * 3600, channels=["email"])
    response = client.post("/admin/sla/preview", data={
        "csrf_token": admin, "sample_channel": "email", "sample_priority": "urgent", "sample_team_id": "0",
        "sample_arrival": "2025-06-02T09:00"})
    assert "(policy: Urgent email)" in response.json["text"] and "Mon 2 Jun 10:00 UTC" in response.json["text"]


def test_the_calendar_preview_reports_a_clear_error_for_a_bad_zone(client, admin):
    response = client.post("/admin/sla/preview", data=calendar_form(
        admin, mode="calendar", timezone="Nowhere", sample_channel="email", sample_priority="normal",
        sample_team_id="0", sample_arrival="2025-06-02T09:00", sample_minutes="60"))
    assert response.status_code == 422 and "unknown time zone" in response.json["error"]
