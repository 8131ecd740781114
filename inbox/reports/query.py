"""SQL building blocks the reports share, the same on PostgreSQL and SQLite.

PostgreSQL does the work natively: ``AT TIME ZONE`` for local weeks and hours, ``percentile_cont``
for percentiles. SQLite has neither, so on SQLite the same expressions call small Python functions
registered on the connection (``kept_local``, ``kept_percentile``); the embedded default keeps
working and the tests check both against one hand-computed fixture. Timestamps are stored as
naive UTC (see :class:`inbox.models.types.UTCDateTime`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Date, Float, Integer, case, cast, func, literal, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

MAX_DAYS = 400
WORK_MEM = "64MB"


class RangeError(ValueError):
    """A date range or time zone a user asked for that cannot be used."""


@dataclass(frozen=True)
class ReportRange:
    """Local dates ``first``..``last`` (inclusive) in ``tz``, and the UTC instants that bound them."""

    first: date
    last: date
    tz: str

    @classmethod
    def parse(cls, start: str | None, end: str | None, tz: str | None, *, default_tz: str,
              today: date | None = None, default_days: int = 28) -> ReportRange:
        zone_name = tz or default_tz
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise RangeError(f"unknown time zone {zone_name!r}") from None
        today = today or datetime.now(zone).date()
        try:
            last = date.fromisoformat(end) if end else today
            first = date.fromisoformat(start) if start else last - timedelta(days=default_days - 1)
        except ValueError:
            raise RangeError("dates are YYYY-MM-DD") from None
        if first > last:
            raise RangeError("the range starts after it ends")
        if (last - first).days >= MAX_DAYS:
            raise RangeError(f"a report covers at most {MAX_DAYS} days")
        return cls(first, last, zone_name)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone).astimezone(UTC)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def weeks(self) -> list[str]:
        """Mondays of the weeks the range touches, as ISO dates."""
        monday = self.first - timedelta(days=self.first.weekday())
        weeks = []
        while monday <= self.last:
            weeks.append(monday.isoformat())
            monday += timedelta(days=7)
        return weeks

    def week_starts(self) -> list[datetime]:
        """The UTC instants where each week after the first begins (local Monday midnight)."""
        return [datetime.combine(date.fromisoformat(w), time(), self.zone).astimezone(UTC) for w in self.weeks()[1:]]

    def as_dict(self) -> dict[str, str]:
        return {"start": self.first.isoformat(), "end": self.last.isoformat(), "tz": self.tz}


class Dialect:
    """Expressions for one database; build with :func:`for_session`."""

    def __init__(self, name: str, tz: str):
        self.name = name
        self.tz = tz

    @property
    def postgres(self) -> bool:
        return self.name == "postgresql"

    def _local(self, column: Any) -> ColumnElement:
        # Stored values are naive UTC: mark them UTC, then read the wall clock in the zone.
        return func.timezone(literal(self.tz), func.timezone(literal("UTC"), column))

    def week(self, column: Any) -> ColumnElement:
        """Monday of the local week of ``column``, as a date (PostgreSQL) or ISO text (SQLite)."""
        if self.postgres:
            return cast(func.date_trunc("week", self._local(column)), Date())
        return func.kept_week(column, literal(self.tz))

    def week_of(self, column: Any, rng: ReportRange) -> ColumnElement:
        """The range's week of ``column`` as an ISO Monday, by comparing instants: exact in any zone,
        and much cheaper per row than converting every timestamp to local time."""
        weeks = rng.weeks()
        ends = [*rng.week_starts(), rng.end]
        return case(*[(column < end, weeks[i]) for i, end in enumerate(ends)], else_=weeks[-1])

    def day(self, column: Any) -> ColumnElement:
        if self.postgres:
            return cast(self._local(column), Date())
        return func.kept_day(column, literal(self.tz))

    def hour_of_week(self, column: Any) -> ColumnElement:
        """0 = Monday 00:00–01:00 local … 167 = Sunday 23:00–24:00."""
        if self.postgres:
            local = self._local(column)
            return cast((func.extract("isodow", local) - 1) * 24 + func.extract("hour", local), Integer())
        return func.kept_hour_of_week(column, literal(self.tz))

    def seconds(self, later: Any, earlier: Any) -> ColumnElement:
        if self.postgres:
            return func.extract("epoch", later - earlier)
        # julianday is a double of days (~10 µs resolution): round to milliseconds so that an hour
        # is 3600 and not 3599.99999, which would fall into the wrong histogram bucket.
        return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)

    def percentile(self, fraction: float, expression: Any) -> ColumnElement:
        """Continuous percentile (linear interpolation between closest ranks), as percentile_cont."""
        if self.postgres:
            return func.percentile_cont(fraction).within_group(expression)
        return func.kept_percentile(cast(expression, Float), literal(fraction))

    def percentiles(self, fractions: tuple[float, ...], expression: Any) -> list[ColumnElement]:
        """Several percentiles of one expression: one sort on PostgreSQL (an array result)."""
        if self.postgres:
            return [func.percentile_cont(postgresql.array(fractions)).within_group(expression)]
        return [self.percentile(f, expression) for f in fractions]

    def unpack_percentiles(self, values: Any, n: int) -> list[float | None]:
        """The n percentile values at the start of a result row built with :meth:`percentiles`."""
        if self.postgres:
            return list(values[0]) if values[0] is not None else [None] * n
        return list(values[:n])

    def json_text(self, column: Any, key: str) -> ColumnElement:
        return column[key].as_string()


def for_session(session: Session, rng: ReportRange) -> Dialect:
    connection = session.connection()
    name = connection.dialect.name
    if name == "sqlite":
        _register_sqlite(connection.connection.driver_connection)
    elif name == "postgresql":
        # For this transaction only: sort a year of response times in memory rather than on disk,
        # and skip JIT compilation, which costs more than it saves on queries this short.
        connection.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        connection.execute(text("SET LOCAL jit = off"))
    return Dialect(name, rng.tz)


def share(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


def iso_day(value: Any) -> str:
    """A date from either database as YYYY-MM-DD."""
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


# --- SQLite stand-ins ------------------------------------------------------------------------

def _parse(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _local(value: str | None, tz: str) -> datetime | None:
    moment = _parse(value)
    return moment.astimezone(ZoneInfo(tz)) if moment else None


def _week(value: str | None, tz: str) -> str | None:
    local = _local(value, tz)
    return (local.date() - timedelta(days=local.weekday())).isoformat() if local else None


def _day(value: str | None, tz: str) -> str | None:
    local = _local(value, tz)
    return local.date().isoformat() if local else None


def _hour_of_week(value: str | None, tz: str) -> int | None:
    local = _local(value, tz)
    return local.weekday() * 24 + local.hour if local else None


class _Percentile:
    """percentile_cont for SQLite: sort, then interpolate between the two closest ranks."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return percentile_cont(self.values, self.fraction)


def percentile_cont(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _register_sqlite(connection: Any) -> None:
    # Registering is a few C calls; doing it per report keeps pooled connections simple.
    connection.create_function("kept_week", 2, _week, deterministic=True)
    connection.create_function("kept_day", 2, _day, deterministic=True)
    connection.create_function("kept_hour_of_week", 2, _hour_of_week, deterministic=True)
    connection.create_aggregate("kept_percentile", 2, _Percentile)
