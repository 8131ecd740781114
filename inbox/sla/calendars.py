"""Saved calendars as BusinessCalendar objects, and which calendar a team or a ticket runs on.

Precedence for a ticket's SLA clock: the calendar named by the ticket's SLA policy; else the
calendar of the ticket's team; else around the clock (``ALWAYS_OPEN``). A disabled calendar is
skipped as if it were not set. Teams without a calendar are open around the clock.

Building a BusinessCalendar loads public holidays and caches timelines, so built calendars are
kept per process, keyed by their definition: an admin's edit is a new key and the next lookup
builds afresh (ids alone would mix up databases sharing a process, as tests do).
"""
from __future__ import annotations

import json
import re
import threading
from typing import Any

from inbox.extensions import db
from inbox.models import BusinessCalendarRecord, SLAPolicy, Team, Ticket
from inbox.sla.calendar import ALWAYS_OPEN, DAY_NAMES, BusinessCalendar, CalendarError

__all__ = [
    "ALWAYS_OPEN",
    "CalendarError",
    "build",
    "calendar_by_id",
    "calendar_for_policy",
    "calendar_for_team",
    "calendar_for_ticket",
    "calendar_id_for",
]

_cache: dict[str, BusinessCalendar] = {}
_lock = threading.Lock()
_MAX_CACHED = 256


def build(spec: dict[str, Any]) -> BusinessCalendar:
    """A calendar from its saved form; raises CalendarError with a message fit for the admin."""
    return BusinessCalendar.from_spec(spec)


def from_record(record: BusinessCalendarRecord) -> BusinessCalendar:
    spec = record.spec()
    key = json.dumps(spec, sort_keys=True)
    found = _cache.get(key)
    if found is None:
        found = build(spec)
        with _lock:
            if len(_cache) >= _MAX_CACHED:
                _cache.clear()
            _cache[key] = found
    return found


def _usable(calendar_id: int | None) -> BusinessCalendarRecord | None:
    if calendar_id is None:
        return None
    record = db.session.get(BusinessCalendarRecord, calendar_id)
    return record if record is not None and record.enabled else None


def calendar_by_id(calendar_id: int | None) -> BusinessCalendar:
    """The saved calendar with this id, or around the clock for None or a disabled calendar."""
    record = _usable(calendar_id)
    return from_record(record) if record is not None else ALWAYS_OPEN


def calendar_for_team(team: Team | None) -> BusinessCalendar:
    """When the team is open; around the clock when it has no (enabled) calendar."""
    return calendar_by_id(team.calendar_id if team is not None else None)


def calendar_id_for(policy: SLAPolicy | None, team: Team | None) -> int | None:
    """The id of the calendar an SLA clock runs on (None: around the clock); see the precedence above."""
    if policy is not None and _usable(policy.calendar_id) is not None:
        return policy.calendar_id
    if team is not None and _usable(team.calendar_id) is not None:
        return team.calendar_id
    return None


def calendar_for_policy(policy: SLAPolicy | None, team: Team | None) -> BusinessCalendar:
    return calendar_by_id(calendar_id_for(policy, team))


def calendar_for_ticket(ticket: Ticket) -> BusinessCalendar:
    """The calendar the ticket's SLA clock runs on: its policy's, else its team's, else always open."""
    policy = db.session.get(SLAPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
    return calendar_for_policy(policy, ticket.team)


DAY_TITLES = dict(zip(DAY_NAMES, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                      strict=True))
_RANGE_RE = re.compile(r"(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})")


def parse_intervals(text: str | None, where: str) -> list[list[str]]:
    """"09:00-12:00, 13:00-18:00" as written in the admin form; blank is closed."""
    text = (text or "").strip()
    if not text or text.lower() == "closed":
        return []
    intervals = []
    for part in re.split(r"[,;]", text):
        part = part.strip()
        if not part:
            continue
        match = _RANGE_RE.fullmatch(part)
        if match is None:
            raise CalendarError(f"{where}: {part!r} is not an interval; write e.g. 09:00-12:00, 13:00-18:00")
        intervals.append([match[1], match[2]])
    return intervals


def spec_from_form(timezone: str, hours: dict[str, str], *, country: str | None, subdivision: str | None,
                   closed_dates: str, special_hours: str) -> dict[str, Any]:
    """The admin form's text fields as a calendar spec; raises CalendarError naming the field.

    ``closed_dates`` is one ISO date per line (or comma-separated); ``special_hours`` one line
    per date: ``2025-12-31 09:00-12:00``.
    """
    spec: dict[str, Any] = {
        "timezone": (timezone or "").strip(),
        "hours": {day: parse_intervals(text, DAY_TITLES.get(day, day)) for day, text in hours.items()
                  if (text or "").strip()},
        "holidays": [d for d in re.split(r"[\s,]+", closed_dates or "") if d],
    }
    if country and country.strip():
        spec["holiday_country"] = country.strip().upper()
    if subdivision and subdivision.strip():
        spec["holiday_subdivision"] = subdivision.strip()
    special: dict[str, list[list[str]]] = {}
    for line in (special_hours or "").splitlines():
        line = line.strip()
        if not line:
            continue
        day, _, rest = line.partition(" ")
        intervals = parse_intervals(rest, f"special hours on {day}")
        if not intervals:
            raise CalendarError(f"special hours on {day}: give the opening hours, or list the date as closed")
        special[day] = intervals
    if special:
        spec["special_hours"] = special
    build(spec)  # every remaining check: zone, country, overlaps, dates
    return spec
