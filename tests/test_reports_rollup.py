"""The reports' rollup: refreshed from raw rows after changes, it gives the raw rows' figures exactly."""
from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from inbox import events, jobs, reports
from inbox.extensions import db
from inbox.models import Customer, Survey, Ticket, TicketEvent, TicketSLAMetric
from inbox.models.report_rollup import (
    ReportBacklogHour,
    ReportBreach,
    ReportChange,
    ReportHour,
    ReportSurveyHour,
    ReportTime,
    ReportTimeCount,
)
from inbox.reports import rollup
from inbox.reports.query import ReportRange, percentile_cont
from tests import report_fixture

MARCH = ReportRange.parse("2025-03-03", "2025-03-16", "UTC", default_tz="UTC")
MARCH_TOKYO = ReportRange.parse("2025-03-03", "2025-03-16", "Asia/Tokyo", default_tz="UTC")
# One day (one week, one bound), in a zone west of UTC the day after its clocks went forward.
ONE_DAY = ReportRange.parse("2025-03-10", "2025-03-10", "America/New_York", default_tz="UTC")


@pytest.fixture
def world(app):  # noqa: ANN001, ANN201
    with app.test_request_context():
        yield report_fixture.build()


def from_raw_rows(name: str, rng: ReportRange, monkeypatch: pytest.MonkeyPatch) -> dict:
    with monkeypatch.context() as patch:
        patch.setattr(rollup, "prepare", lambda _session, _rng: None)
        return reports.build(name, rng).as_dict()


def rollup_rows() -> dict[str, list]:
    return {model.__tablename__: sorted(tuple(row) for row in db.session.execute(select(*model.__table__.c)))
            for model in (ReportHour, ReportTime, ReportTimeCount, ReportBreach, ReportSurveyHour, ReportBacklogHour)}


def change_the_fixture(world: dict[str, Ticket]) -> None:
    """Agents and customers at work: a reply, a solve, a reopen, a priority raised, a breach claimed
    by the timer, a survey answered, another sent for a promise never answered."""
    t5, t6, t4 = world["T5"], world["T6"], world["T4"]
    at = report_fixture.at
    rated = db.session.scalar(select(Survey).where(Survey.ticket_id == t4.id))
    rated.rating, rated.rated_at = 5, at(10, 14)
    # Solved without a reply: its promise (10 minutes) was missed, and the survey says how that felt.
    db.session.add(Survey(ticket_id=t5.id, customer_id=t5.customer_id, channel=t5.channel, state="sent",
                          solved_at=at(11, 18), due_at=at(11, 19), sent_at=at(11, 19), rating=1))
    t6.first_response_at = at(12, 15)
    t6.priority = "urgent"
    events.record(t6, "status.changed", at=at(12, 15), old="new", new="open")
    t5.solved_at, t5.status, t5.first_response_at = at(11, 18), "solved", None
    events.record(t5, "status.changed", at=at(11, 18), old="open", new="solved")
    t4.status = "open"
    events.record(t4, "status.changed", at=at(13, 9), old="solved", new="open")
    db.session.commit()
    # The SLA timer claims a breach with a Core update; the event it records is what marks the ticket.
    clock = db.session.scalar(select(TicketSLAMetric).where(TicketSLAMetric.ticket_id == t5.id,
                                                            TicketSLAMetric.metric == "resolution"))
    db.session.execute(update(TicketSLAMetric).where(TicketSLAMetric.id == clock.id)
                       .values(breached_at=at(12, 13)).execution_options(synchronize_session=False))
    events.record(t5, "sla.breached", at=at(12, 13), metric="resolution")
    db.session.commit()


@pytest.fixture
def one_instant(monkeypatch):  # noqa: ANN001, ANN201
    """Reports that count a still-open promise or survey up to now, all read at one instant:
    two builds a moment apart can round a running lateness to different tenths of a minute."""
    now = datetime.now(UTC)
    for module in (reports.promises, reports.satisfaction):
        monkeypatch.setattr(module, "utcnow", lambda: now)


@pytest.mark.parametrize("name", sorted(reports.BUILDERS))
def test_after_tickets_change_the_rollup_gives_the_raw_rows_figures(world, name, monkeypatch, one_instant):
    for rng in (MARCH, MARCH_TOKYO, ONE_DAY):
        assert reports.build(name, rng).as_dict() == from_raw_rows(name, rng, monkeypatch)
    change_the_fixture(world)
    for rng in (MARCH, MARCH_TOKYO, ONE_DAY):
        assert reports.build(name, rng).as_dict() == from_raw_rows(name, rng, monkeypatch)


def test_a_report_read_right_after_a_change_already_shows_it(world):
    before = reports.build("sla", MARCH).table("overall").rows
    assert before[2] == ["Resolution", 4, 3, 0.75]
    change_the_fixture(world)
    # No job has run: the read itself refreshes the marked hours first.
    assert db.session.scalar(select(ReportChange.id).limit(1)) is not None
    assert reports.build("sla", MARCH).table("overall").rows[2] == ["Resolution", 5, 3, 0.6]
    assert reports.build("volume", MARCH).figure("backlog_end") == 2


def test_refreshing_again_or_rebuilding_changes_nothing(world):
    change_the_fixture(world)
    assert rollup.refresh(db.session) > 0
    refreshed = rollup_rows()
    assert rollup.refresh(db.session) == 0
    db.session.add_all([ReportChange(scope="ticket", value=t.id) for t in world.values()])
    db.session.commit()
    rollup.refresh(db.session)
    assert rollup_rows() == refreshed
    rollup.rebuild(db.session)
    assert rollup_rows() == refreshed


def test_the_periodic_job_refreshes_the_rollup(world):
    assert jobs.REGISTRY["reports.refresh"].every == rollup.REFRESH_EVERY
    assert jobs.run_job("reports.refresh") > 0
    assert db.session.scalar(select(ReportChange.id).limit(1)) is None
    assert db.session.scalar(select(ReportHour.hour).limit(1)) is not None


def test_a_deleted_ticket_leaves_the_rollup(world):
    rollup.refresh(db.session)
    t6 = world["T6"]
    for event in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t6.id)):
        db.session.delete(event)
    db.session.delete(t6)
    db.session.commit()
    assert reports.build("volume", MARCH).figure("tickets") == 5


@pytest.mark.sqlite_only
def test_zones_not_a_whole_number_of_hours_from_utc_read_raw_rows(app):
    assert rollup.hour_bounds(MARCH_TOKYO) is not None
    assert rollup.hour_bounds(ReportRange.parse("2025-03-03", "2025-03-16", "Asia/Kolkata", default_tz="UTC")) is None
    assert rollup.hour_bounds(ReportRange.parse("2025-03-03", "2025-03-16", "Asia/Kathmandu", default_tz="UTC")) is None
    # Lord Howe Island moves its clocks by half an hour: whole hours from UTC only part of the year.
    assert rollup.hour_bounds(ReportRange.parse("2025-03-01", "2025-04-30", "Australia/Lord_Howe",
                                                default_tz="UTC")) is None


@pytest.mark.sqlite_only
def test_buckets_grow_with_the_time_and_never_straddle_a_histogram_edge(app):
    samples = sorted({0.0, 0.4, 1.0, 59.0, 299.999, 300.0, 899.0, 900.0, 3600.0, 604799.0, 604800.0, 9e6})
    buckets = [rollup.time_bucket(s) for s in samples]
    assert buckets == sorted(buckets)
    for edge_index, edge in enumerate(rollup.EDGES, start=1):
        assert rollup.histogram_class(rollup.time_bucket(edge)) == edge_index
        assert rollup.histogram_class(rollup.time_bucket(edge - 0.001)) == edge_index - 1


def test_percentiles_from_the_rollup_are_exact_on_many_tickets(app):
    # Two hundred tickets over nine days, read in Tokyo: whole UTC days from the bucket counts and
    # the partial days at both ends from the per-ticket rows.
    randomly = random.Random(7)
    customer = Customer(name="Ana", email="ana@example.com")
    db.session.add(customer)
    db.session.flush()
    start = datetime(2025, 3, 2, 12, tzinfo=UTC)
    waits: dict[str, list[float]] = {"email": [], "chat": []}
    rng = ReportRange.parse("2025-03-03", "2025-03-09", "Asia/Tokyo", default_tz="UTC")
    for n in range(200):
        channel = "email" if n % 3 else "chat"
        created = start + timedelta(minutes=randomly.randrange(0, 9 * 24 * 60))
        wait = float(randomly.choice([randomly.randrange(1, 400), randomly.randrange(400, 90000)]))
        db.session.add(Ticket(customer_id=customer.id, channel=channel, status="open", created_at=created,
                              first_response_at=created + timedelta(seconds=wait)))
        if rng.start <= created < rng.end:
            waits[channel].append(wait)
    db.session.commit()
    with app.test_request_context():
        report = reports.build("response_times", rng)
    everything = waits["email"] + waits["chat"]
    assert report.figure("first_response_wall_p50") == round(percentile_cont(everything, 0.5), 1)
    assert report.figure("first_response_wall_p90") == round(percentile_cont(everything, 0.9), 1)
    rows = {row[1]: row[2:] for row in report.table("percentiles").rows if row[0] == "First response, wall clock"}
    for channel, values in waits.items():
        assert rows[channel] == [len(values), round(percentile_cont(values, 0.5), 1),
                                 round(percentile_cont(values, 0.9), 1)]


def test_two_refreshes_at_once_take_turns_and_agree_with_a_rebuild(app, world):
    change_the_fixture(world)
    start = threading.Barrier(2)
    consumed: list[int] = []

    def refresh_in_own_session() -> None:
        with app.app_context():
            start.wait(timeout=10)
            consumed.append(rollup.refresh(db.session))
            db.session.remove()

    threads = [threading.Thread(target=refresh_in_own_session) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(consumed) == 2 and min(consumed) == 0 < max(consumed)
    refreshed = rollup_rows()
    rollup.rebuild(db.session)
    assert rollup_rows() == refreshed


def test_until_the_job_first_builds_the_rollup_reports_read_raw_rows(world, monkeypatch):
    # As after the migration: one "all" mark, which a page must not spend minutes on.
    db.session.add(ReportChange(scope="all"))
    db.session.commit()
    expected = from_raw_rows("response_times", MARCH_TOKYO, monkeypatch)
    assert rollup.prepare(db.session, MARCH_TOKYO) is None
    assert reports.build("response_times", MARCH_TOKYO).as_dict() == expected
    assert db.session.scalar(select(ReportHour.hour).limit(1)) is None
    jobs.run_job("reports.refresh")
    assert rollup.prepare(db.session, MARCH_TOKYO) is not None
    assert reports.build("response_times", MARCH_TOKYO).as_dict() == expected


def test_a_refresh_in_small_slices_gives_the_rollup_a_rebuild_gives(world, monkeypatch):
    change_the_fixture(world)
    db.session.add_all([ReportChange(scope="ticket", value=t.id) for t in world.values()])
    db.session.commit()
    monkeypatch.setattr(rollup, "CHUNK", 2)
    rollup.refresh(db.session)
    sliced = rollup_rows()
    rollup.rebuild(db.session)
    assert rollup_rows() == sliced
