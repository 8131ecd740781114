"""What a policy would promise a sample ticket: the admin pages' live preview.

"An email, priority normal, arriving Friday 17:50 JST → first response due Tuesday 10:50 JST
(closed Monday 15 September: Respect for the Aged Day)". The due times come from the same
arithmetic the clocks use; local times are only formed here, at the edge.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from inbox.models import SLAPolicy
from inbox.models.sla import METRICS
from inbox.sla import policies
from inbox.sla.calendar import BusinessCalendar

# Skipped days are listed over at most this many local days, however long the target.
_MAX_DAYS_LISTED = 60


@dataclass(frozen=True)
class ClosedDay:
    day: date
    reason: str  # a holiday's name, or "closed" for a custom closed date


@dataclass(frozen=True)
class DueTime:
    metric: str
    target_seconds: int
    due: datetime  # in the calendar's zone
    warn: datetime | None
    closed_days: tuple[ClosedDay, ...] = field(default=())


@dataclass(frozen=True)
class Preview:
    arrival: datetime  # in the calendar's zone
    timezone: str
    due: tuple[DueTime, ...]


def local_arrival(text: str, calendar: BusinessCalendar) -> datetime:
    """A ``datetime-local`` form value read as wall time in the calendar's zone."""
    naive = datetime.fromisoformat(text)
    if naive.tzinfo is not None:
        return naive.astimezone(ZoneInfo(calendar.timezone))
    # The first of two repeated wall times, as the calendar itself reads them.
    return naive.replace(tzinfo=ZoneInfo(calendar.timezone), fold=0)


def preview(policy: SLAPolicy, calendar: BusinessCalendar, arrival: datetime) -> Preview:
    zone = ZoneInfo(calendar.timezone)
    due = []
    for metric in METRICS:
        target = policy.target_seconds(metric)
        if not target:
            continue
        at = calendar.add(arrival, timedelta(seconds=target)).astimezone(zone)
        warn_after = policies.warn_after(policy, target)
        warn = calendar.add(arrival, timedelta(seconds=warn_after)).astimezone(zone) if warn_after else None
        due.append(DueTime(metric, target, at, warn, _closed_between(calendar, arrival.astimezone(zone).date(),
                                                                     at.date())))
    return Preview(arrival.astimezone(zone), calendar.timezone, tuple(due))


def _closed_between(calendar: BusinessCalendar, first: date, last: date) -> tuple[ClosedDay, ...]:
    """Days that would have been open by their weekday but were closed (holidays, closed dates)."""
    closed = []
    day = first
    while day <= last and (day - first).days <= _MAX_DAYS_LISTED:
        if calendar.weekly.get(day.weekday()) and day not in calendar.special_hours:
            name = calendar.holiday_name(day)
            if day in calendar.closed_dates:
                closed.append(ClosedDay(day, name or "closed"))
            elif name:
                closed.append(ClosedDay(day, name))
        day += timedelta(days=1)
    return tuple(closed)
