"""Business-time arithmetic: when a team is open, and how much open time lies between instants.

Conventions
-----------
* Instants are aware datetimes in any zone; every datetime returned is UTC. Naive datetimes are
  rejected with ``ValueError``: guessing their zone is how due times drift.
* Business time is real elapsed time while open. Open intervals are half-open ``[start, end)``:
  a team open 09:00–18:00 is open at 09:00:00 and closed at 18:00:00.
* Hours are local wall-clock times in the calendar's IANA zone, several intervals a day. An
  interval whose end is not after its start runs past midnight (``22:00–06:00`` runs from 22:00
  to 06:00 the next morning); ``24:00`` ends at midnight. An interval belongs to the date it
  starts on: a holiday on Friday cancels Friday's 22:00–06:00 shift, while Thursday's shift still
  runs until Friday 06:00 (and merges with Friday's own hours if they meet).
* A date's hours, most specific first: its special hours (they replace the weekly hours, even on
  a public holiday); closed, if it is a custom closed date or a public holiday of the calendar's
  country (the ``holidays`` package); otherwise the weekly hours of its weekday.
* Daylight-saving changes keep the wall-clock hours; business time is real elapsed time. A
  09:00–17:00 day stays 8 hours, while a 22:00–06:00 shift lasts 7 hours on the night clocks
  spring forward and 9 on the night they fall back. A wall time skipped by the change maps to the
  instant of the change; a repeated wall time maps to its first occurrence.
* ``add_business_time(t, d)`` with d > 0 returns the earliest instant r with
  ``business_time_between(t, r) == d``. A start in a closed period therefore counts from the next
  opening, and r is never strictly inside a closed period: the instant just before r is open,
  and r is either open or the exact close of an interval (18:00 when d fills the day).
* ``add_business_time(t, 0)`` returns t when open and the next opening when closed: an SLA due
  time is never inside a closed period.
* ``business_time_between(a, b)`` is signed, between(b, a) == -between(a, b), so
  between(a, b) + between(b, c) == between(a, c) for any a, b, c.
* Arithmetic runs on integer epoch microseconds (the ``*_us`` methods, for callers that replay
  many events), so adding then measuring returns exactly the duration.

Why it is fast: the timeline is cut into fixed UTC blocks of about 100 days. The first query
touching a block works out each local date's open intervals (public holidays are fetched once
per year), merges them and keeps start and end lists in epoch microseconds with running totals
of open time. A query is then a dictionary lookup and two bisects; a long duration skips whole
blocks by their totals. Nothing steps minute by minute or day by day at query time. Equal
calendars share these caches, so one rebuilt from its spec for each request starts warm; still,
keep the calendar object where you can, as validating a spec costs more than a due time.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "ALWAYS_OPEN",
    "BusinessCalendar",
    "CalendarError",
    "add_business_time",
    "business_time_between",
]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_TITLES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = 86_400
_US = 1_000_000
# Blocks are 2**43 µs (about 101.8 days): a 5-business-day target rarely crosses into the next
# block, and building one (a few hundred zone conversions) costs about a millisecond.
_BLOCK_SHIFT = 43
_MAX_BLOCKS_CACHED = 512
# How many blocks (about 100 years) to search for an opening before calling the calendar shut.
_HORIZON_BLOCKS = 360
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_SPEC_KEYS = {"timezone", "hours", "holidays", "holiday_country", "holiday_subdivision",
              "special_hours"}
# A trace's calendar line carries its event envelope; from_spec accepts the line as it is.
_TRACE_ENVELOPE = {"t", "event"}

Interval = tuple[str | time, str | time]
_Secs = tuple[tuple[int, int], ...]


class CalendarError(ValueError):
    """A calendar that cannot be used; the message is fit to show to whoever wrote it."""


def _fmt(secs: int) -> str:
    h, rest = divmod(secs, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}" if s else f"{h:02d}:{m:02d}"


def _fmt_pair(start: int, end: int) -> tuple[str, str]:
    return _fmt(start), _fmt(end if end <= _DAY else end - _DAY)


def _parse_time(value: object, where: str) -> int:
    if isinstance(value, time):
        if value.tzinfo is None and not value.microsecond:
            return value.hour * 3600 + value.minute * 60 + value.second
    elif isinstance(value, str) and (m := _TIME_RE.fullmatch(value.strip())):
        h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
        if (h < 24 and mi < 60 and s < 60) or (h, mi, s) == (24, 0, 0):
            return h * 3600 + mi * 60 + s
    raise CalendarError(f"{where}: malformed time {value!r}; expected HH:MM from 00:00 to 24:00")


def _parse_interval(pair: object, where: str) -> tuple[int, int]:
    if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise CalendarError(f"{where}: an interval is a pair (start, end), got {pair!r}")
    start, end = _parse_time(pair[0], where), _parse_time(pair[1], where)
    if start == _DAY:
        raise CalendarError(f"{where}: an interval cannot start at 24:00")
    if end == start:
        raise CalendarError(f"{where}: the interval {pair[0]}–{pair[1]} has zero length")
    return (start, end) if end > start else (start, end + _DAY)


def _parse_day(intervals: Iterable[Interval] | None, where: str) -> _Secs:
    if intervals is None:
        return ()
    if isinstance(intervals, str | bytes) or not isinstance(intervals, Iterable):
        raise CalendarError(f"{where}: expected a list of (start, end) intervals")
    parsed = sorted(_parse_interval(pair, where) for pair in intervals)
    for (s1, e1), (s2, e2) in pairwise(parsed):
        if s2 < e1:
            a, b = "–".join(_fmt_pair(s1, e1)), "–".join(_fmt_pair(s2, e2))
            raise CalendarError(f"{where}: {a} overlaps {b}")
    return tuple(parsed)


def _check_week(week: tuple[_Secs, ...]) -> None:
    """Reject intervals that overlap, also where one runs past midnight into the next day."""
    flat = sorted((day * _DAY + s, day * _DAY + e, day, s, e)
                  for day in range(7) for s, e in week[day])
    if not flat:
        raise CalendarError("the weekly hours have no open time; open at least once a week")
    # The week is a ring: Sunday's last interval may run past midnight into Monday.
    first = flat[0]
    ring = [*flat, (first[0] + 7 * _DAY, first[1] + 7 * _DAY, *first[2:])]
    for (_, e1, d1, s1l, e1l), (s2, _, d2, s2l, e2l) in pairwise(ring):
        if s2 < e1:
            a = f"{_DAY_TITLES[d1]} {'–'.join(_fmt_pair(s1l, e1l))}"
            b = f"{_DAY_TITLES[d2]} {'–'.join(_fmt_pair(s2l, e2l))}"
            raise CalendarError(f"{a} overlaps {b}")


def _load_zone(name: object) -> ZoneInfo:
    try:
        if isinstance(name, str) and name:
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise CalendarError(f"unknown time zone {name!r}; use an IANA name such as 'Asia/Tokyo'")


def _check_holidays(country: str | None, subdivision: str | None) -> str | None:
    """Validate the codes against the ``holidays`` package; returns the subdivision as it knows it."""
    if country is None:
        if subdivision is not None:
            raise CalendarError("a holiday subdivision needs a holiday country")
        return None
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise CalendarError(
            f"unknown holiday country code {country!r}; use an ISO 3166-1 code such as 'JP'")
    if subdivision is None or subdivision in supported[country]:
        return subdivision
    if isinstance(subdivision, str) and subdivision.upper() in supported[country]:
        return subdivision.upper()
    known = ", ".join(supported[country]) or "none"
    raise CalendarError(
        f"unknown subdivision {subdivision!r} for {country}; known subdivisions: {known}")


def _to_us(t: datetime) -> int:
    try:
        delta = t - _EPOCH
    except TypeError:
        raise ValueError(f"expected an aware datetime, got {t!r}") from None
    return (delta.days * _DAY + delta.seconds) * _US + delta.microseconds


def _duration_us(d: timedelta) -> int:
    if not isinstance(d, timedelta):
        raise TypeError(f"expected a timedelta, got {d!r}")
    return (d.days * _DAY + d.seconds) * _US + d.microseconds


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _local_date(value: object, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise CalendarError(f"{where}: expected a local date, got {value!r}")


class BusinessCalendar:
    """When a team is open, in its own time zone. Immutable; equal when defined the same.

    ``weekly`` maps a weekday (0 = Monday … 6 = Sunday) to its intervals, each a pair of
    ``"HH:MM"`` strings or :class:`datetime.time` values; a weekday left out is closed.
    ``special_hours`` maps a local date to the intervals that replace that day's weekly hours
    (an empty list closes it). The read-only attributes hold the canonical definition.
    """

    __slots__ = ("_blocks", "_holiday_years", "_key", "_never_closes", "_special", "_tz",
                 "_week", "closed_dates", "holiday_country", "holiday_subdivision",
                 "special_hours", "timezone", "weekly")

    timezone: str
    weekly: Mapping[int, tuple[tuple[str, str], ...]]
    holiday_country: str | None
    holiday_subdivision: str | None
    closed_dates: frozenset[date]
    special_hours: Mapping[date, tuple[tuple[str, str], ...]]

    def __init__(
        self,
        timezone: str,
        weekly: Mapping[int, Iterable[Interval]],
        *,
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
        closed_dates: Iterable[date] = frozenset(),
        special_hours: Mapping[date, Iterable[Interval]] | None = None,
    ) -> None:
        tz = _load_zone(timezone)
        if not isinstance(weekly, Mapping):
            raise CalendarError("weekly hours map a weekday (0 = Monday … 6 = Sunday) to intervals")
        for day in weekly:
            if isinstance(day, bool) or day not in range(7):
                raise CalendarError(
                    f"weekly hours are keyed by weekday 0 (Monday) to 6 (Sunday), got {day!r}")
        week = tuple(_parse_day(weekly.get(day), _DAY_TITLES[day]) for day in range(7))
        _check_week(week)
        country = holiday_country.upper() if isinstance(holiday_country, str) else holiday_country
        subdivision = _check_holidays(country, holiday_subdivision)
        closed = frozenset(_local_date(d, "closed dates") for d in closed_dates)
        special: dict[date, _Secs] = {}
        for day, intervals in (special_hours or {}).items():
            day = _local_date(day, "special hours")
            if day in closed:
                raise CalendarError(f"{day.isoformat()} is both a closed date and has special hours")
            special[day] = _parse_day(intervals, day.isoformat())
        full_week = sum(e - s for hours in week for s, e in hours) == 7 * _DAY
        init = object.__setattr__
        init(self, "timezone", timezone)
        init(self, "weekly", MappingProxyType(
            {day: tuple(_fmt_pair(s, e) for s, e in week[day]) for day in range(7)}))
        init(self, "holiday_country", country)
        init(self, "holiday_subdivision", subdivision)
        init(self, "closed_dates", closed)
        init(self, "special_hours", MappingProxyType(
            {day: tuple(_fmt_pair(s, e) for s, e in secs) for day, secs in sorted(special.items())}))
        init(self, "_tz", tz)
        init(self, "_week", week)
        init(self, "_special", special)
        init(self, "_never_closes", full_week and not (country or closed or special))
        init(self, "_key", (timezone, week, country, subdivision, closed,
                            tuple(sorted(special.items()))))
        holiday_years, blocks = _shared_caches(self._key)
        init(self, "_holiday_years", holiday_years)
        init(self, "_blocks", blocks)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> BusinessCalendar:
        """Build from the JSON form used by traces and settings.

        ``{"timezone": "Asia/Tokyo", "hours": {"mon": ["09:00", "18:00"], ...},
        "holidays": ["2026-03-20"]}``; a day may also map to a list of ``[start, end]`` pairs,
        a day left out is closed and no ``hours`` at all means open around the clock.
        Optional: ``holiday_country``, ``holiday_subdivision``, ``special_hours`` (ISO date to
        intervals). ``holidays`` are custom closed dates.
        """
        if not isinstance(spec, Mapping):
            raise CalendarError("a calendar spec is a JSON object")
        unknown = set(spec) - _SPEC_KEYS - _TRACE_ENVELOPE
        if unknown:
            raise CalendarError(f"unknown calendar field(s): {', '.join(sorted(map(str, unknown)))}")
        hours = spec.get("hours")
        if hours is None:
            weekly = {day: [("00:00", "24:00")] for day in range(7)}
        elif isinstance(hours, Mapping):
            weekly = {_spec_day(name): _spec_intervals(value) for name, value in hours.items()}
        else:
            raise CalendarError("'hours' maps day names (mon … sun) to opening hours")
        special = {_spec_date(day, "special_hours"): _spec_intervals(value)
                   for day, value in (spec.get("special_hours") or {}).items()}
        return cls(
            spec.get("timezone", "UTC"),
            weekly,
            holiday_country=spec.get("holiday_country"),
            holiday_subdivision=spec.get("holiday_subdivision"),
            closed_dates=frozenset(_spec_date(d, "holidays") for d in spec.get("holidays") or ()),
            special_hours=special,
        )

    def to_spec(self) -> dict[str, Any]:
        """The JSON form :meth:`from_spec` reads back into an equal calendar."""
        spec: dict[str, Any] = {
            "timezone": self.timezone,
            "hours": {DAY_NAMES[d]: [list(p) for p in hours]
                      for d, hours in self.weekly.items() if hours},
            "holidays": sorted(d.isoformat() for d in self.closed_dates),
        }
        if self.holiday_country:
            spec["holiday_country"] = self.holiday_country
        if self.holiday_subdivision:
            spec["holiday_subdivision"] = self.holiday_subdivision
        if self.special_hours:
            spec["special_hours"] = {d.isoformat(): [list(p) for p in hours]
                                     for d, hours in self.special_hours.items()}
        return spec

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("BusinessCalendar is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("BusinessCalendar is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BusinessCalendar) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __reduce__(self) -> tuple[Any, ...]:
        return (BusinessCalendar.from_spec, (self.to_spec(),))

    def __repr__(self) -> str:
        return (f"BusinessCalendar(timezone={self.timezone!r}, "
                f"holiday_country={self.holiday_country!r}, "
                f"holiday_subdivision={self.holiday_subdivision!r}, "
                f"weekly={dict(self.weekly)!r}, closed_dates={len(self.closed_dates)}, "
                f"special_hours={len(self.special_hours)})")

    # -- datetime API ----------------------------------------------------------------------

    def holiday_name(self, local_date: date) -> str | None:
        """The public holiday's name on that local date (whatever the hours that day), or None."""
        if isinstance(local_date, datetime) or not isinstance(local_date, date):
            raise TypeError(f"expected a local date, got {local_date!r}")
        return self._holiday_names(local_date.year).get(local_date)

    def is_open(self, t: datetime) -> bool:
        return self.is_open_us(_to_us(t))

    def next_open(self, t: datetime) -> datetime:
        """t itself when open, else the next opening."""
        return _from_us(self.next_open_us(_to_us(t)))

    def next_close(self, t: datetime) -> datetime | None:
        """The end of the opening that contains t or, when closed, of the next one.

        None for a calendar that never closes.
        """
        end = self.next_close_us(_to_us(t))
        return None if end is None else _from_us(end)

    def open_intervals(self, a: datetime, b: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals within [a, b) as UTC (start, end) pairs, clipped to [a, b)."""
        pairs = self.open_intervals_us(_to_us(a), _to_us(b))
        return ((_from_us(s), _from_us(e)) for s, e in pairs)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return _from_us(self.add_us(_to_us(start), _duration_us(duration)))

    def between(self, a: datetime, b: datetime) -> timedelta:
        return timedelta(microseconds=self.between_us(_to_us(a), _to_us(b)))

    # -- epoch-microsecond API: the same operations on integers, for replaying many events ---

    def is_open_us(self, t: int) -> bool:
        starts, ends, _, _ = self._block(t >> _BLOCK_SHIFT)
        i = bisect_right(starts, t) - 1
        return i >= 0 and t < ends[i]

    def add_us(self, start: int, duration: int) -> int:
        """Like :func:`add_business_time`, on epoch microseconds."""
        if duration <= 0:
            if duration < 0:
                raise ValueError("a business-time duration cannot be negative")
            return self.next_open_us(start)
        k = start >> _BLOCK_SHIFT
        blocks = self._blocks
        blk = blocks.get(k) or self._build(k)
        starts, ends, cum, total = blk
        i = bisect_right(starts, start) - 1
        if i < 0:
            target = duration
        else:
            end = ends[i]
            target = cum[i] + duration - (end - start if start < end else 0)
        searched = 0
        while target > total:
            target -= total
            k += 1
            searched += 1
            if searched > _HORIZON_BLOCKS:
                raise CalendarError("the calendar has no open time within a century")
            starts, ends, cum, total = blocks.get(k) or self._build(k)
        j = bisect_left(cum, target)
        return ends[j] - (cum[j] - target)

    def between_us(self, a: int, b: int) -> int:
        """Like :func:`business_time_between`, on epoch microseconds."""
        if b < a:
            return -self.between_us(b, a)
        ka, kb = a >> _BLOCK_SHIFT, b >> _BLOCK_SHIFT
        blk_a = self._block(ka)
        if ka == kb:
            return _offset(blk_a, b) - _offset(blk_a, a)
        middle = sum(self._block(k)[3] for k in range(ka + 1, kb))
        return blk_a[3] - _offset(blk_a, a) + middle + _offset(self._block(kb), b)

    def next_open_us(self, t: int) -> int:
        k = t >> _BLOCK_SHIFT
        starts, ends, _, _ = self._block(k)
        i = bisect_right(starts, t) - 1
        if i >= 0 and t < ends[i]:
            return t
        k, i = self._seek(k, i + 1)
        return self._block(k)[0][i]

    def next_close_us(self, t: int) -> int | None:
        if self._never_closes:
            return None
        k = t >> _BLOCK_SHIFT
        starts, ends, _, _ = self._block(k)
        i = bisect_right(starts, t) - 1
        if i < 0 or t >= ends[i]:
            k, i = self._seek(k, i + 1)
        end = self._block(k)[1][i]
        # An opening that runs over a block boundary is stored as two pieces; join them.
        for after in range(k + 1, k + 1 + _HORIZON_BLOCKS):
            if end != after << _BLOCK_SHIFT:
                return end
            starts, ends, _, _ = self._block(after)
            if not starts or starts[0] != end:
                return end
            end = ends[0]
        return None

    def open_intervals_us(self, a: int, b: int) -> Iterator[tuple[int, int]]:
        if b <= a:
            return
        pending: tuple[int, int] | None = None
        for k in range(a >> _BLOCK_SHIFT, ((b - 1) >> _BLOCK_SHIFT) + 1):
            starts, ends, _, _ = self._block(k)
            for i in range(max(bisect_right(starts, a) - 1, 0), bisect_left(starts, b)):
                s, e = max(starts[i], a), min(ends[i], b)
                if s >= e:
                    continue
                if pending and pending[1] == s:
                    pending = (pending[0], e)
                    continue
                if pending:
                    yield pending
                pending = (s, e)
        if pending:
            yield pending

    # -- building the timeline -------------------------------------------------------------

    def _seek(self, k: int, i: int) -> tuple[int, int]:
        """The first interval at index i of block k or later, as (block, index)."""
        for block in range(k, k + _HORIZON_BLOCKS):
            if i < len(self._block(block)[0]):
                return block, i
            i = 0
        raise CalendarError("the calendar has no open time within a century")

    def _block(self, k: int) -> tuple[list[int], list[int], list[int], int]:
        blk = self._blocks.get(k)
        return blk if blk is not None else self._build(k)

    def _build(self, k: int) -> tuple[list[int], list[int], list[int], int]:
        b0, b1 = k << _BLOCK_SHIFT, (k + 1) << _BLOCK_SHIFT
        # An interval ends less than two days after the midnight that starts its date.
        day = _from_us(b0).astimezone(self._tz).date() - timedelta(days=2)
        last = _from_us(b1).astimezone(self._tz).date()
        pieces = []
        while day <= last:
            for s, e in self._day_hours(day):
                start, end = max(self._wall_us(day, s), b0), min(self._wall_us(day, e), b1)
                if start < end:
                    pieces.append((start, end))
            day += timedelta(days=1)
        pieces.sort()
        starts: list[int] = []
        ends: list[int] = []
        cum: list[int] = []
        total = 0
        for s, e in pieces:
            if ends and s <= ends[-1]:
                if e > ends[-1]:
                    total += e - ends[-1]
                    ends[-1] = e
                    cum[-1] = total
            else:
                total += e - s
                starts.append(s)
                ends.append(e)
                cum.append(total)
        if len(self._blocks) >= _MAX_BLOCKS_CACHED:
            self._blocks.clear()
        blk = (starts, ends, cum, total)
        self._blocks[k] = blk
        return blk

    def _day_hours(self, day: date) -> _Secs:
        special = self._special.get(day)
        if special is not None:
            return special
        if day in self.closed_dates or day in self._holiday_names(day.year):
            return ()
        return self._week[day.weekday()]

    def _holiday_names(self, year: int) -> Mapping[date, str]:
        names = self._holiday_years.get(year)
        if names is None:
            names = {}
            if self.holiday_country:
                names = dict(holidays.country_holidays(
                    self.holiday_country, subdiv=self.holiday_subdivision, years=year))
            self._holiday_years[year] = names
        return names

    def _wall_us(self, day: date, secs: int) -> int:
        """The instant a local wall-clock time happens (see the DST rules in the module doc)."""
        wall = datetime(day.year, day.month, day.day) + timedelta(seconds=secs)
        us = _to_us(wall.replace(tzinfo=self._tz))
        if _from_us(us).astimezone(self._tz).replace(tzinfo=None) == wall:
            return us
        # Skipped by a spring-forward change. zoneinfo maps the wall time with the offsets from
        # either side of the change; the change itself lies between the two, at whole seconds.
        lo = _to_us(wall.replace(tzinfo=self._tz, fold=1)) // _US
        hi = us // _US
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, self._tz).replace(tzinfo=None) > wall:
                hi = mid
            else:
                lo = mid
        return hi * _US


@lru_cache(maxsize=256)
def _shared_caches(key: tuple[Any, ...]) -> tuple[dict[int, Any], dict[int, Any]]:
    """Caches shared by equal calendars, so one rebuilt from its spec per request starts warm."""
    return {}, {}


def _offset(blk: tuple[list[int], list[int], list[int], int], t: int) -> int:
    """Open time from the start of the block up to t."""
    starts, ends, cum, _ = blk
    i = bisect_right(starts, t) - 1
    if i < 0:
        return 0
    end = ends[i]
    return cum[i] - (end - t) if t < end else cum[i]


def _spec_day(name: object) -> int:
    key = name.strip().lower() if isinstance(name, str) else name
    for day, (short, title) in enumerate(zip(DAY_NAMES, _DAY_TITLES, strict=True)):
        if key in (short, title.lower()):
            return day
    raise CalendarError(f"unknown day {name!r} in 'hours'; use mon, tue, wed, thu, fri, sat, sun")


def _spec_intervals(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return [value]
    if isinstance(value, list | tuple):
        return list(value)
    raise CalendarError(f"expected [start, end] or a list of them, got {value!r}")


def _spec_date(value: object, where: str) -> date:
    try:
        if isinstance(value, str):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise CalendarError(f"{where}: malformed date {value!r}; expected YYYY-MM-DD")


def add_business_time(start: datetime, duration: timedelta, calendar: BusinessCalendar) -> datetime:
    """The UTC instant when ``duration`` of open time has passed since ``start``."""
    return _EPOCH + timedelta(microseconds=calendar.add_us(_to_us(start), _duration_us(duration)))


def business_time_between(a: datetime, b: datetime, calendar: BusinessCalendar) -> timedelta:
    """Open time in [a, b); negative when b is before a."""
    return timedelta(microseconds=calendar.between_us(_to_us(a), _to_us(b)))


ALWAYS_OPEN = BusinessCalendar("UTC", {day: [("00:00", "24:00")] for day in range(7)})
