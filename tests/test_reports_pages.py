"""Report pages for admins, and the same figures as JSON and CSV."""
from __future__ import annotations

import csv
import io

import pytest

from inbox.extensions import db
from tests import report_fixture
from tests.conftest import login

MARCH = "start=2025-03-03&end=2025-03-16&tz=UTC"
REPORTS = ["sla", "response_times", "promises", "satisfaction", "volume"]


@pytest.fixture
def admin(app, client, make_agent):  # noqa: ANN001, ANN201
    make_agent("ada@kept.example", role="admin")
    report_fixture.build()
    login(client, "ada@kept.example")
    return client


@pytest.mark.parametrize("name", REPORTS)
def test_each_report_page_shows_its_charts_with_their_numbers(admin, name):
    page = admin.get(f"/admin/reports/{name}?{MARCH}")
    assert page.status_code == 200
    assert 'id="report-data"' in page.text and "<caption>" in page.text


def test_the_json_carries_the_same_figures_and_links_to_tickets(admin):
    data = admin.get(f"/admin/reports/promises.json?{MARCH}").get_json()
    assert data["figures"]["kept_share"]["value"] == 0.6
    worst = data["tables"]["worst"]
    assert len(worst["ticket_urls"]) == len(worst["rows"]) == 2


def test_the_csv_export_is_one_table_of_the_report(admin):
    response = admin.get(f"/admin/reports/volume.csv?{MARCH}&table=by_channel")
    assert response.mimetype == "text/csv"
    assert list(csv.reader(io.StringIO(response.text))) == [["Channel", "Tickets"], ["chat", "2"], ["email", "3"],
                                                            ["x", "1"]]


def test_a_customer_comment_cannot_become_a_spreadsheet_formula(admin):
    rows = list(csv.reader(io.StringIO(admin.get(f"/admin/reports/satisfaction.csv?{MARCH}&table=comments").text)))
    assert rows[1][4].startswith("'=HYPERLINK")


def test_a_bad_range_or_time_zone_is_refused_with_the_reason(admin):
    assert admin.get("/admin/reports/volume?tz=Mars/Olympus").status_code == 400
    assert admin.get("/admin/reports/volume?start=2025-03-10&end=2025-03-01").status_code == 400


def test_reports_are_for_admins_only(app, client, make_agent):
    make_agent("sam@kept.example")
    login(client, "sam@kept.example")
    assert client.get("/admin/reports/volume").status_code == 403
    assert client.get("/admin/reports/volume.json").status_code == 403


def test_the_survey_settings_page_saves_with_its_csrf_token(admin):
    from inbox import survey_settings
    from tests.conftest import csrf_from

    page = admin.get("/admin/surveys")
    response = admin.post("/admin/surveys", data={
        "csrf_token": csrf_from(page.text), "enabled": "on", "delay_minutes": "30", "channel_email": "on",
        "wording_ko_question": "{name}님, 어떠셨나요?", "nps_1": "90",
    })
    assert response.status_code == 302
    db.session.expire_all()
    saved = survey_settings.load()
    assert saved.delay_minutes == 30 and saved.channels == ["email"]
    assert saved.wording == {"ko": {"question": "{name}님, 어떠셨나요?"}} and saved.nps_days_for(1) == 90


def test_survey_wording_with_unknown_placeholders_is_refused(admin):
    from tests.conftest import csrf_from

    page = admin.get("/admin/surveys")
    response = admin.post("/admin/surveys", data={"csrf_token": csrf_from(page.text), "enabled": "on",
                                                  "delay_minutes": "60", "wording_en_question": "{name.__class__}"})
    assert response.status_code == 400 and "Not saved" in response.text
