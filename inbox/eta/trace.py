"""Reading support-queue traces: one JSON object per line, in time order.

The first line may describe the team's business calendar; every other line is an event
(``agent_online``, ``agent_offline``, ``arrival``, ``first_reply``, ``abandoned``). Times are
ISO-8601 UTC strings ending in ``Z``; they become epoch seconds here because the replay does
arithmetic on millions of them, and aware datetimes only where a calendar is asked.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def parse_time(value: str) -> float:
    """Epoch seconds of an ISO-8601 UTC timestamp such as ``2026-03-02T00:14:07Z``."""
    return datetime.fromisoformat(value).timestamp()


def to_datetime(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def parse_lines(lines: Iterable[str]) -> Trace:
    calendar: dict[str, Any] = {}
    events: list[TraceEvent] = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        raw = json.loads(line)
        kind = raw.get("event")
        if kind == "calendar":
            calendar = {k: v for k, v in raw.items() if k not in ("t", "event")}
            continue
        events.append(TraceEvent(
            t=parse_time(raw["t"]),
            kind=kind,
            ticket=raw.get("ticket"),
            agent=raw.get("agent"),
            channel=raw.get("channel"),
            priority=raw.get("priority", "normal") if kind == ARRIVAL else None,
        ))
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
