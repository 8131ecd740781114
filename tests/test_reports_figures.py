"""Report figures against a hand-computed fixture (tests/report_fixture.py), on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from inbox import reports
from inbox.reports.query import ReportRange, percentile_cont
from tests import report_fixture

MARCH = ReportRange.parse("2025-03-03", "2025-03-16", "UTC", default_tz="UTC")


@pytest.fixture
def world(app):  # noqa: ANN001, ANN201
    # Reports are built inside a request (their headings are translated for the reader).
    with app.test_request_context():
        yield report_fixture.build()


def table(report, name: str) -> list[list]:  # noqa: ANN001
    return report.table(name).rows


def test_volume_counts_the_tickets_created_in_the_range_by_channel(world):
    report = reports.build("volume", MARCH)
    assert report.figure("tickets") == 6
    assert table(report, "by_channel") == [["chat", 2], ["email", 3], ["x", 1]]
    assert table(report, "by_week") == [["2025-03-03", 0, 2, 1], ["2025-03-10", 2, 1, 0]]


def test_the_backlog_follows_creations_solves_and_reopens_day_by_day(world):
    backlog = dict(table(reports.build("volume", MARCH), "backlog"))
    expected = {"03": 0, "04": 0, "05": 1, "06": 0, "07": 1, "08": 0, "09": 0, "10": 0, "11": 1,
                "12": 2, "13": 2, "14": 2, "15": 2, "16": 2}
    assert backlog == {f"2025-03-{day}": n for day, n in expected.items()}


def test_the_hour_of_week_heat_map_is_in_the_chosen_time_zone(world):
    def cells(rng: ReportRange) -> set[tuple[str, int]]:
        rows = table(reports.build("volume", rng), "hour_of_week")
        return {(row[0], hour) for row in rows for hour in range(24) if row[1 + hour]}

    assert cells(MARCH) == {("Mon", 9), ("Mon", 12), ("Tue", 10), ("Tue", 13), ("Wed", 11), ("Wed", 14)}
    tokyo = ReportRange.parse("2025-03-03", "2025-03-16", "Asia/Tokyo", default_tz="UTC")
    assert cells(tokyo) == {("Mon", 18), ("Mon", 21), ("Tue", 19), ("Tue", 22), ("Wed", 20), ("Wed", 23)}


def test_first_response_and_resolution_percentiles_are_exact(world):
    report = reports.build("response_times", MARCH)
    # First replies 120, 600, 1200, 1800, 3600 s: p50 is the middle one, p90 lies 60% of the way
    # from 1800 to 3600 (rank 0.9 × 4 = 3.6).
    assert report.figure("first_response_wall_p50") == 1200
    assert report.figure("first_response_wall_p90") == 2880
    # Resolutions 1800, 18000, 86400, 432000 s (T1 reopened and solved again five days later).
    assert report.figure("resolution_wall_p50") == 52200
    assert report.figure("resolution_wall_p90") == 328320
    assert table(report, "first_response_wall_histogram")[:6] == [
        ["< 5m", 1], ["5m–15m", 1], ["15m–30m", 1], ["30m–1h", 1], ["1h–2h", 1], ["2h–4h", 0]]


def test_percentiles_per_channel_are_exact(world):
    rows = table(reports.build("response_times", MARCH), "percentiles")
    first_wall = {row[1]: row[2:] for row in rows if row[0] == "First response, wall clock"}
    assert first_wall["email"] == [2, 1200, 1680]  # 600 and 1800: p50 halfway, p90 at 90%
    assert first_wall["chat"] == [2, 660, 1092]
    assert first_wall["x"] == [1, 3600, 3600]


def test_business_time_percentiles_come_from_the_sla_clocks(world):
    report = reports.build("response_times", MARCH)
    assert report.figure("first_response_business_p50") == 1200
    assert report.figure("first_response_business_p90") == 2640


def test_promises_kept_by_channel_and_week(world):
    report = reports.build("promises", MARCH)
    assert report.figure("kept_share") == 0.6 and report.figure("missed") == 2
    assert table(report, "by_channel") == [["chat", 2, 1, 0.5], ["email", 2, 1, 0.5], ["x", 1, 1, 1.0]]
    assert table(report, "by_week") == [["2025-03-03", 3, 2, 0.6667], ["2025-03-10", 2, 1, 0.5]]


def test_the_worst_misses_and_the_scatter_are_listed_with_their_tickets(world):
    report = reports.build("promises", MARCH)
    worst = table(report, "worst")
    assert {row[0] for row in worst} == {world["T2"].id, world["T5"].id}
    assert all(row[4] == 10.0 for row in worst)
    assert sorted((row[1], row[2]) for row in table(report, "scatter")) == [
        (5.0, 2.0), (10.0, 20.0), (15.0, 10.0), (20.0, 30.0), (90.0, 60.0)]


def test_csat_nps_and_response_rate_are_exact(world):
    report = reports.build("satisfaction", MARCH)
    assert report.figure("sent") == 4 and report.figure("rated") == 3
    assert report.figure("response_rate") == 0.75
    assert report.figure("csat") == 0.6667
    assert report.figure("nps") == 33.3  # promoters 10 and 9, detractor 3: (2 − 1) / 3
    assert table(report, "ratings") == [[1, 0], [2, 1], [3, 0], [4, 1], [5, 1]]
    assert table(report, "by_week") == [["2025-03-03", 3, 3, 1.0, 0.6667, 33.3],
                                        ["2025-03-10", 1, 0, 0.0, None, None]]


def test_csat_is_split_by_whether_the_promise_was_kept(world):
    rows = table(reports.build("satisfaction", MARCH), "by_promise")
    assert rows == [["Promise kept", 2, 1.0], ["Promise missed", 1, 0.0], ["No promise", 0, None]]


def test_sla_attainment_per_metric(world):
    report = reports.build("sla", MARCH)
    assert table(report, "overall") == [["First response", 5, 3, 0.6], ["Next response", 1, 0, 0.0],
                                        ["Resolution", 4, 3, 0.75]]


def test_sla_attainment_by_channel_team_priority_and_week(world):
    report = reports.build("sla", MARCH)
    first = {name: {row[0]: row[1] for row in table(report, name)}
             for name in ("by_channel", "by_team", "by_priority", "by_week")}
    assert first["by_channel"] == {"chat": 0.5, "email": 0.5, "x": 1.0}
    assert first["by_team"] == {"Seoul": 1.0, "Tokyo": 0.5, "—": 0.5}
    assert first["by_priority"] == {"high": 0.0, "normal": 0.75}
    assert first["by_week"] == {"2025-03-03": 0.6667, "2025-03-10": 0.5}


def test_every_breach_in_the_range_is_listed(world):
    rows = table(reports.build("sla", MARCH), "breaches")
    t = world
    assert sorted((row[0], row[1]) for row in rows) == sorted([
        (t["T2"].id, "First response"), (t["T3"].id, "Next response"), (t["T3"].id, "Resolution"),
        (t["T5"].id, "First response")])


@pytest.mark.sqlite_only
def test_the_sqlite_percentile_interpolates_like_percentile_cont(app):
    assert percentile_cont([1, 2, 3, 4], 0.5) == 2.5
    assert percentile_cont([10], 0.9) == 10
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([0, 100], 0.9) == 90
