"""Keeps the reports' pre-aggregation (:mod:`inbox.models.report_rollup`) equal to the raw rows.

:func:`refresh` recomputes, wholesale from raw rows, every hour a change was marked in since the
last refresh, then deletes exactly the marks it read; running it twice changes nothing. It runs
from a periodic job and at the start of every report that reads the rollup, so a report never
shows figures older than the request. Concurrent refreshes take turns: on a process lock within
a process, and on a transaction-level advisory lock across PostgreSQL clients.

Reports use the rollup only when the time zone's offset is a whole number of hours over the whole
range (every zone a report is likely to be read in; not India, Nepal, Newfoundland, central
Australia, …): then local days, weeks and hours begin on UTC hours. Otherwise they read raw rows.
"""
from __future__ import annotations

import math
import threading
from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from inbox.jobs import job
from inbox.models import Survey, Ticket, TicketEvent, TicketSLAMetric
from inbox.models.report_rollup import (
    BACKLOG_EVENTS,
    ReportBacklogHour,
    ReportBreach,
    ReportChange,
    ReportHour,
    ReportSurveyHour,
    ReportTime,
    ReportTimeCount,
)
from inbox.reports.query import Dialect, ReportRange

# Histogram edges in seconds: 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 1 day, 2 days, 1 week.
EDGES = [300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800]
# Buckets: the histogram class × 1000 + floor(20 · ln seconds), i.e. about 5% wide. Coarser
# buckets mean fewer count rows but more raw values read to pin a percentile down exactly.
LOG_STEPS = 20
METRICS = ("first_response", "next_response", "resolution")
MEASURES = ("first_response_wall", "resolution_wall", "first_response_business", "resolution_business")
REFRESH_EVERY = 60.0
LOCK_KEY = 7_120_341  # advisory lock id of the rollup refresh
CHUNK = 500
_PROCESS_LOCK = threading.Lock()


def time_bucket(seconds: float | None) -> int | None:
    """The rollup bucket of a duration; monotonic, and never straddling a histogram edge."""
    if seconds is None:
        return None
    log_part = 0 if seconds < 1 else math.floor(math.log(seconds) * LOG_STEPS)
    return bisect_right(EDGES, seconds) * 1000 + log_part


def histogram_class(bucket: int) -> int:
    return bucket // 1000


@lru_cache(maxsize=64)
def hour_bounds(rng: ReportRange) -> tuple[int, int] | None:
    """The range as epoch hours [first, end), or None when the zone is not whole hours from UTC."""
    start, end = rng.start, rng.end
    if start.timestamp() % 3600 or end.timestamp() % 3600:
        return None
    first, stop = int(start.timestamp()) // 3600, int(end.timestamp()) // 3600
    zone = rng.zone
    for hour in range(first, stop):
        offset = datetime.fromtimestamp(hour * 3600, UTC).astimezone(zone).utcoffset()
        if offset is None or offset.total_seconds() % 3600:
            return None
    return first, stop


@lru_cache(maxsize=32768)
def local_hour(hour: int, rng: ReportRange) -> datetime:
    return datetime.fromtimestamp(hour * 3600, UTC).astimezone(rng.zone)


def segment(column: Any, bounds: list[int]) -> ColumnElement:
    """0 before ``bounds[0]``, 1 before ``bounds[1]``, …: which local week an epoch hour falls in."""
    return case(*[(column < b, i) for i, b in enumerate(bounds)], else_=len(bounds))


def week_bounds(rng: ReportRange) -> tuple[list[str], list[int]]:
    """The range's weeks (Mondays, ISO) and the epoch hours where each one ends.

    The last bound is the range's end, so there is always one (a constant would not do: GROUP BY 0
    means a column position to PostgreSQL).
    """
    ends = [*rng.week_starts(), rng.end]
    return rng.weeks(), [int(end.timestamp()) // 3600 for end in ends]


# --- refresh ------------------------------------------------------------------------------------

def clock_breached() -> ColumnElement:
    """An SLA clock that stopped breached, or is still running past its target (nothing can
    bring it back): the rollup and the raw-row SLA report count breaches the same way."""
    metrics = TicketSLAMetric
    return or_(metrics.outcome == "breached", and_(metrics.outcome.is_(None), metrics.breached_at.is_not(None)))


def _clear(session: Session, models: tuple[Any, ...], hours: Iterable[int]) -> None:
    """Delete these epoch hours' rows from rollup tables keyed by ``hour``, in slices."""
    for chunk in _chunks(hours):
        for model in models:
            session.execute(delete(model).where(model.hour.in_(chunk)))


def _epoch_hour(dialect: Dialect, column: Any) -> ColumnElement:
    if dialect.postgres:
        return cast(func.floor(func.extract("epoch", column) / 3600), Integer)
    return cast(func.strftime("%s", column), Integer).op("/")(3600)


def _bucket(dialect: Dialect, seconds: Any) -> ColumnElement:
    if dialect.postgres:
        secs = cast(seconds, Float)
        log_part = case((secs < 1, 0), else_=cast(func.floor(func.ln(secs) * LOG_STEPS), Integer))
        edges = postgresql.array([float(e) for e in EDGES])
        return func.width_bucket(secs, edges) * 1000 + log_part
    return func.kept_time_bucket(seconds)


def _intervals(hours: Iterable[int]) -> list[tuple[datetime, datetime]]:
    spans: list[list[int]] = []
    for hour in sorted(set(hours)):
        if spans and spans[-1][1] == hour:
            spans[-1][1] = hour + 1
        else:
            spans.append([hour, hour + 1])
    return [(datetime.fromtimestamp(a * 3600, UTC), datetime.fromtimestamp(b * 3600, UTC)) for a, b in spans]


def _within(column: Any, hours: Iterable[int]) -> ColumnElement:
    return or_(*[and_(column >= a, column < b) for a, b in _intervals(hours)])


def _chunks(values: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(values))
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i:i + CHUNK]


def prepare(session: Session, rng: ReportRange) -> tuple[int, int] | None:
    """For a report about to read: refresh, and return the range's epoch hours if the rollup can
    answer it; None means read raw rows (a zone not whole hours from UTC, or a rollup not built yet:
    the first build can take minutes on a large database, so the periodic job does it, not a page)."""
    bounds = hour_bounds(rng)
    if bounds is None or _unbuilt(session):
        return None
    refresh(session, build=False)
    return None if _unbuilt(session) else bounds


def _unbuilt(session: Session) -> bool:
    return session.execute(select(ReportChange.id).where(ReportChange.scope == "all").limit(1)).first() is not None


def refresh(session: Session, *, build: bool = True) -> int:
    """Recompute the hours changed since the last refresh and commit; returns the marks consumed.

    With ``build=False`` a pending full build is left for the job (nothing is consumed then).
    """
    if session.execute(select(ReportChange.id).limit(1)).first() is None:
        return 0
    # The job thread and a report request of one process take turns here; across processes the
    # advisory lock below does it (SQLite would instead fail one of two read-then-write transactions).
    with _PROCESS_LOCK:
        return _refresh(session, build)


def _refresh(session: Session, build: bool) -> int:
    # End the transaction the check above began: on SQLite its snapshot may predate a refresh that
    # just committed, and writing from a stale snapshot fails.
    session.commit()
    connection = session.connection()
    dialect = Dialect(connection.dialect.name, "UTC")
    if dialect.postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    else:
        connection.connection.driver_connection.create_function("kept_time_bucket", 1, time_bucket,
                                                                 deterministic=True)
    marks = session.execute(select(ReportChange.id, ReportChange.scope, ReportChange.value)).all()
    if not marks:  # another refresh took them while this one waited for the lock
        session.commit()
        return 0
    if any(scope == "all" for _id, scope, _v in marks):
        if not build:
            session.commit()
            return 0
        _rebuild(session, dialect)
    else:
        hours = {v for _id, scope, v in marks if scope == "hour"}
        tickets = [v for _id, scope, v in marks if scope == "ticket"]
        surveys = {v for _id, scope, v in marks if scope == "survey"}
        for chunk in _chunks(tickets):
            hours.update(session.scalars(select(_epoch_hour(dialect, Ticket.created_at)).distinct()
                                         .where(Ticket.id.in_(chunk))))
            # A ticket's reply or promise changes the promise outcome its surveys are counted under.
            surveys.update(session.scalars(select(_epoch_hour(dialect, Survey.sent_at)).distinct()
                                           .where(Survey.ticket_id.in_(chunk), Survey.sent_at.is_not(None))))
        # In slices, so a mass change (a bulk edit of old tickets) never builds one giant statement.
        for chunk in _chunks(hours):
            _recompute_hours(session, dialect, set(chunk))
        for chunk in _chunks(surveys):
            _recompute_surveys(session, dialect, set(chunk))
        for chunk in _chunks(v for _id, scope, v in marks if scope == "events"):
            _recompute_events(session, dialect, set(chunk))
    for chunk in _chunks(i for i, _s, _v in marks):
        session.execute(delete(ReportChange).where(ReportChange.id.in_(chunk)))
    session.commit()
    return len(marks)


def rebuild(session: Session) -> None:
    """Mark everything as changed and refresh: for a database filled without the ORM."""
    session.execute(insert(ReportChange).values(scope="all"))
    refresh(session)


def _rebuild(session: Session, dialect: Dialect) -> None:
    for model in (ReportHour, ReportTime, ReportTimeCount, ReportBreach, ReportSurveyHour, ReportBacklogHour):
        session.execute(delete(model))
    _recompute_hours(session, dialect, None)
    _recompute_surveys(session, dialect, None)
    _recompute_events(session, dialect, None)
    if dialect.postgres:
        # Fresh statistics, so the first reports plan for a full table rather than an empty one.
        session.execute(text("ANALYZE report_hours, report_times, report_time_counts, report_breaches, "
                             "report_survey_hours, report_backlog_hours"))


def _recompute_hours(session: Session, dialect: Dialect, hours: set[int] | None) -> None:
    """Replace the rows of these creation hours (all, when None; the tables are then empty)."""
    if hours is not None and not hours:
        return
    if hours is not None:
        _clear(session, (ReportHour, ReportTime, ReportBreach), hours)
    created = _within(Ticket.created_at, hours) if hours is not None else true()
    hour = _epoch_hour(dialect, Ticket.created_at).label("hour")
    team = func.coalesce(Ticket.team_id, 0).label("team_id")
    metrics = TicketSLAMetric
    breached = clock_breached()
    counted = [literal(1).label("tickets")]
    per_clock = [literal(0).label("tickets")]
    for m in METRICS:
        counted += [literal(0).label(f"{m}_clocks"), literal(0).label(f"{m}_decided"), literal(0).label(f"{m}_met")]
        per_clock += [case((metrics.metric == m, 1), else_=0).label(f"{m}_clocks"),
                      case((and_(metrics.metric == m, or_(metrics.outcome == "met", breached)), 1), else_=0)
                      .label(f"{m}_decided"),
                      case((and_(metrics.metric == m, metrics.outcome == "met"), 1), else_=0).label(f"{m}_met")]
    promised = Ticket.promise_due_at.is_not(None)
    answered = Ticket.first_response_at.is_not(None)
    counted += [case((promised, 1), else_=0).label("promised"),
                case((and_(promised, answered, Ticket.first_response_at <= Ticket.promise_due_at), 1), else_=0)
                .label("promise_kept"),
                case((and_(promised, Ticket.first_response_at > Ticket.promise_due_at), 1), else_=0)
                .label("promise_late")]
    per_clock += [literal(0).label(c) for c in ("promised", "promise_kept", "promise_late")]
    keys = [hour, Ticket.channel.label("channel"), team, Ticket.priority.label("priority")]
    rows = union_all(
        select(*keys, *counted).where(created),
        select(*keys, *per_clock).select_from(metrics).join(Ticket, Ticket.id == metrics.ticket_id).where(created),
    ).subquery()
    columns = (["tickets"] + [f"{m}_{k}" for m in METRICS for k in ("clocks", "decided", "met")]
               + ["promised", "promise_kept", "promise_late"])
    session.execute(insert(ReportHour).from_select(
        ["hour", "channel", "team_id", "priority", *columns],
        select(rows.c.hour, rows.c.channel, rows.c.team_id, rows.c.priority,
               *[func.sum(rows.c[c]) for c in columns])
        .group_by(rows.c.hour, rows.c.channel, rows.c.team_id, rows.c.priority)))

    session.execute(insert(ReportBreach).from_select(
        ["clock_id", "hour", "ticket_id", "metric", "channel", "team_id", "priority", "due_at", "breached_at"],
        select(metrics.id, hour, Ticket.id, metrics.metric, Ticket.channel, Ticket.team_id, Ticket.priority,
               metrics.due_at, metrics.breached_at)
        .select_from(metrics).join(Ticket, Ticket.id == metrics.ticket_id).where(created, breached)))

    def measured(name: str, seconds: Any, *where: Any, join: bool = False) -> Any:
        query = select(Ticket.id, literal(name), hour, Ticket.channel, _bucket(dialect, seconds),
                       cast(seconds, Float))
        if join:
            query = query.select_from(metrics).join(Ticket, Ticket.id == metrics.ticket_id)
        return query.where(created, *where)

    clock = (metrics.cycle == 1, metrics.outcome.in_(("met", "breached")), metrics.business_seconds.is_not(None))
    session.execute(insert(ReportTime).from_select(
        ["ticket_id", "measure", "hour", "channel", "bucket", "seconds"],
        union_all(
            measured("first_response_wall", dialect.seconds(Ticket.first_response_at, Ticket.created_at),
                     Ticket.first_response_at.is_not(None)),
            measured("resolution_wall", dialect.seconds(Ticket.solved_at, Ticket.created_at),
                     Ticket.solved_at.is_not(None)),
            measured("first_response_business", metrics.business_seconds, metrics.metric == "first_response",
                     *clock, join=True),
            measured("resolution_business", metrics.business_seconds, metrics.metric == "resolution", *clock,
                     join=True),
        )))
    times = ReportTime
    whole_days: ColumnElement = true()
    if hours is not None:
        days = {h // 24 for h in hours}
        for chunk in _chunks(days):
            session.execute(delete(ReportTimeCount).where(ReportTimeCount.day.in_(chunk)))
        whole_days = or_(*[and_(times.hour >= d * 24, times.hour < d * 24 + 24) for d in sorted(days)])
    # Integer division on both databases (epoch hours are positive).
    day = times.hour.op("/")(24)
    session.execute(insert(ReportTimeCount).from_select(
        ["day", "measure", "channel", "bucket", "count"],
        select(day.label("day"), times.measure, times.channel, times.bucket, func.count())
        .where(whole_days).group_by(day, times.measure, times.channel, times.bucket)))


def nps_class(column: Any) -> ColumnElement:
    """promoter (9–10), detractor (0–6), passive, or NULL for no answer."""
    return case((column >= 9, "promoter"), (column <= 6, "detractor"), (column.is_not(None), "passive"),
                else_=None)


def _recompute_surveys(session: Session, dialect: Dialect, hours: set[int] | None) -> None:
    if hours is not None and not hours:
        return
    if hours is not None:
        _clear(session, (ReportSurveyHour,), hours)
    within = _within(Survey.sent_at, hours) if hours is not None else Survey.sent_at.is_not(None)
    promise = case((Ticket.promise_due_at.is_(None), "none"), (Ticket.first_response_at.is_(None), "unanswered"),
                   (Ticket.first_response_at <= Ticket.promise_due_at, "kept"), else_="late")
    keys = [_epoch_hour(dialect, Survey.sent_at), Survey.channel, func.coalesce(Survey.rating, 0),
            func.coalesce(nps_class(Survey.nps_score), ""), promise, Survey.nps_asked]
    session.execute(insert(ReportSurveyHour).from_select(
        ["hour", "channel", "rating", "nps", "promise", "nps_asked", "surveys"],
        select(*keys, func.count()).select_from(Survey).join(Ticket, Ticket.id == Survey.ticket_id).where(within)
        .group_by(*keys)))


def backlog_delta(dialect: Dialect) -> ColumnElement:
    """+1 a ticket created or reopened, −1 one solved or closed from open, 0 otherwise."""
    resolved = ("solved", "closed")
    old = dialect.json_text(TicketEvent.data, "old")
    new = dialect.json_text(TicketEvent.data, "new")
    return case(
        (TicketEvent.kind == "ticket.created", 1),
        (new.in_(resolved) & old.not_in(resolved), -1),
        (old.in_(resolved) & new.not_in(resolved), 1),
        else_=0,
    )


def _recompute_events(session: Session, dialect: Dialect, hours: set[int] | None) -> None:
    if hours is not None and not hours:
        return
    if hours is not None:
        _clear(session, (ReportBacklogHour,), hours)
    within = _within(TicketEvent.created_at, hours) if hours is not None else true()
    hour = _epoch_hour(dialect, TicketEvent.created_at)
    session.execute(insert(ReportBacklogHour).from_select(
        ["hour", "delta"],
        select(hour, func.sum(backlog_delta(dialect)))
        .where(TicketEvent.kind.in_(BACKLOG_EVENTS), within).group_by(hour)))


@job("reports.refresh", every=REFRESH_EVERY)
def refresh_job() -> int:
    """Keep the rollup close to the raw rows between report reads, so a read has little to do."""
    from inbox.extensions import db

    return refresh(db.session)

