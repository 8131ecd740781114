"""The reports page in headless Chromium: Chart.js draws every chart, with the fixture's data."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import report_fixture
from tests.browser import browser, sign_in  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[1]
MARCH = "start=2025-03-03&end=2025-03-16&tz=UTC"


@pytest.fixture
def reports_site(app, live_server, make_agent):  # noqa: ANN001, ANN201
    if not (ROOT / "static" / "vendor" / "chart.umd.min.js").exists():
        pytest.skip("static/vendor/chart.umd.min.js is missing: run scripts/assets.sh")
    make_agent("ada@kept.example", role="admin")
    report_fixture.build()
    return live_server


def charts_on(browser, site, name: str) -> dict[str, dict]:  # noqa: ANN001, F811
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, site.url, "ada@kept.example")
    page.goto(f"{site.url}/admin/reports/{name}?{MARCH}")
    page.wait_for_selector("body[data-charts-ready=true]", timeout=10_000)
    drawn = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('canvas[data-chart]')].map(c => {
        const chart = Chart.getChart(c);
        return [c.dataset.chart, {
            type: chart && chart.config.type,
            points: chart ? chart.data.datasets.flatMap(d => d.data).filter(v => v !== null).length : 0,
            total: chart ? chart.data.datasets.flatMap(d => d.data)
                .reduce((n, v) => n + (typeof v === 'number' ? v : 1), 0) : 0,
            width: c.width, height: c.height,
        }];
    }))""")
    page.close()
    assert errors == []
    return drawn


def test_the_volume_report_draws_its_charts_with_the_tickets(browser, reports_site):  # noqa: F811
    drawn = charts_on(browser, reports_site, "volume")
    assert set(drawn) == {"by-channel", "by-week", "backlog"}
    assert drawn["by-channel"]["type"] == "bar" and drawn["by-channel"]["total"] == 6
    assert drawn["by-week"]["total"] == 6
    assert drawn["backlog"]["type"] == "line" and drawn["backlog"]["points"] == 14
    assert all(chart["width"] > 0 and chart["height"] > 0 for chart in drawn.values())


def test_the_promises_report_draws_the_promised_against_actual_scatter(browser, reports_site):  # noqa: F811
    drawn = charts_on(browser, reports_site, "promises")
    assert drawn["promised-vs-actual"]["type"] == "scatter" and drawn["promised-vs-actual"]["points"] == 5
    assert drawn["kept-by-channel"]["points"] == 3


def test_the_satisfaction_report_draws_ratings_and_the_promise_split(browser, reports_site):  # noqa: F811
    drawn = charts_on(browser, reports_site, "satisfaction")
    assert drawn["ratings"]["total"] == 3
    assert drawn["csat-by-promise"]["points"] == 2
