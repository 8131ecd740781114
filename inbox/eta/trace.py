"""Reading support-queue traces: one JSON object per line, in time order.

The first line may describe the team's business calendar; every other line is an event
(``agent_online``, ``agent_offline``, ``arrival``, ``first_reply``, ``abandoned``). Times are
ISO-8601 UTC strings ending in ``Z``; they become epoch seconds here because the replay does
arithmetic on millions of them, and aware datetimes only where a calendar is asked.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inbox.sla.calendar import BusinessCalendar, CalendarError

ARRIVAL = "arrival"
FIRST_REPLY = "first_reply"
ABANDONED = "abandoned"
AGENT_ONLINE = "agent_online"
AGENT_OFFLINE = "agent_offline"


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One line of a trace. ``t`` is epoch seconds (UTC)."""

    t: float
    kind: str
    ticket: str | None = None
    agent: str | None = None
    channel: str | None = None
    priority: str | None = None


@dataclass(frozen=True)
class Trace:
    calendar: dict[str, Any]
    events: tuple[TraceEvent, ...]

    def replies_only(self) -> Trace:
        """The same trace as a system that logs replies but not logins would export it."""
        return replace(self, events=tuple(e for e in self.events if e.kind not in (AGENT_ONLINE, AGENT_OFFLINE)))

    def between(self, start: float = float("-inf"), end: float = float("inf")) -> Trace:
        """The events from epoch second ``start`` up to (not including) ``end``, as an export of
        that stretch would hold them."""
        return replace(self, events=tuple(e for e in self.events if start <= e.t < end))


KINDS = (ARRIVAL, FIRST_REPLY, ABANDONED, AGENT_ONLINE, AGENT_OFFLINE)
CHANNELS = ("email", "social", "chat")
PRIORITIES = ("low", "normal", "high", "urgent")


class TraceError(ValueError):
    """A trace line that cannot be read, with its line number and what is wrong with it."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def parse_time(value: str) -> float:
    """Epoch seconds of an ISO-8601 timestamp such as ``2026-03-02T00:14:07Z`` (UTC when it
    names no offset: traces are in UTC, and the machine's own zone must not leak in)."""
    at = datetime.fromisoformat(value)
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()


def to_datetime(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _event(raw: Any, line: int) -> TraceEvent | None:
    """The event on one line, None for an event kind this format does not know (skipped, so a
    trace with extra kinds of events still replays), or a TraceError saying what is wrong."""
    if not isinstance(raw, dict):
        raise TraceError(line, "expected a JSON object")
    kind = raw.get("event")
    if kind not in KINDS:
        if isinstance(kind, str):
            return None
        raise TraceError(line, "no \"event\"")
    try:
        t = parse_time(raw["t"])
    except KeyError:
        raise TraceError(line, f"{kind} has no \"t\"") from None
    except (TypeError, ValueError):
        raise TraceError(line, f"\"t\" is not an ISO-8601 time: {raw['t']!r}") from None
    needs = "agent" if kind in (AGENT_ONLINE, AGENT_OFFLINE) else "ticket"
    if not isinstance(raw.get(needs), str | int):
        raise TraceError(line, f"{kind} has no \"{needs}\"")
    channel = priority = None
    if kind == ARRIVAL:
        channel, priority = raw.get("channel"), raw.get("priority", "normal")
        if channel not in CHANNELS:
            raise TraceError(line, f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
        if priority not in PRIORITIES:
            raise TraceError(line, f"priority {priority!r} is not one of {', '.join(PRIORITIES)}")
    agent = raw.get("agent")
    return TraceEvent(t=t, kind=kind, ticket=None if raw.get("ticket") is None else str(raw["ticket"]),
                      agent=None if agent is None else str(agent), channel=channel, priority=priority)


def parse_lines(lines: Iterable[str]) -> Trace:
    """Read a trace; a line that cannot be read raises :class:`TraceError` naming it."""
    calendar: dict[str, Any] = {}
    events: list[TraceEvent] = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise TraceError(number, f"not JSON ({error.msg} at column {error.colno})") from None
        if isinstance(raw, dict) and raw.get("event") == "calendar":
            calendar = {k: v for k, v in raw.items() if k not in ("t", "event")}
            try:
                BusinessCalendar.from_spec(calendar)
            except CalendarError as error:
                raise TraceError(number, f"calendar: {error}") from None
            continue
        event = _event(raw, number)
        if event is not None:
            events.append(event)
    # A stable sort keeps same-second events in file order, which is causal order.
    events.sort(key=lambda e: e.t)
    return Trace(calendar=calendar, events=tuple(events))


def read_trace(path: str | Path) -> Trace:
    with open(path, encoding="utf-8") as fh:
        return parse_lines(fh)


def iter_json_lines(trace: Trace) -> Iterator[str]:
    """The trace written back in its file format (used by the generator and by tests)."""
    yield json.dumps({"t": 0, "event": "calendar", **trace.calendar})
    for e in trace.events:
        row: dict[str, Any] = {"t": to_datetime(e.t).strftime("%Y-%m-%dT%H:%M:%SZ"), "event": e.kind}
        if e.ticket is not None:
            row["ticket"] = e.ticket
        if e.kind == ARRIVAL:
            row["channel"] = e.channel
            row["priority"] = e.priority
        if e.agent is not None:
            row["agent"] = e.agent
        yield json.dumps(row)
