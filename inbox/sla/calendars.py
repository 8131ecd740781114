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
import threading
from typing import Any

from inbox.extensions import db
from inbox.models import BusinessCalendarRecord, SLAPolicy, Team, Ticket
from inbox.sla.calendar import ALWAYS_OPEN, BusinessCalendar, CalendarError

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
