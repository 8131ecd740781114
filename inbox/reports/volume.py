"""Volume: tickets by channel and week, the hour-of-week heat map, and the backlog day by day.

The backlog is read from the event log, not from tickets' current state: it is the number of
tickets open now, walked back through every creation, solve and reopen since the range began, so
a ticket solved on Tuesday and reopened on Thursday counts as open again from Thursday.

Counts come from the hourly rollup (:mod:`inbox.reports.rollup`) when the zone allows, else from
raw rows; both give the same numbers.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from inbox.extensions import db
from inbox.models import Ticket, TicketEvent
from inbox.models.report_rollup import BACKLOG_EVENTS, ReportBacklogHour, ReportHour, epoch_hour
from inbox.models.tickets import OPEN_STATUSES
from inbox.reports import rollup
from inbox.reports.output import Chart, Figure, Report, Table
from inbox.reports.query import ReportRange, for_session, iso_day


def build(rng: ReportRange) -> Report:
    bounds = rollup.prepare(db.session, rng)
    dialect = for_session(db.session, rng)
    if bounds is not None:
        rows = _rows_from_rollup(rng, *bounds)
    else:
        week, how = dialect.week(Ticket.created_at), dialect.hour_of_week(Ticket.created_at)
        # One pass at the finest grain needed (channel × week × hour of week: a few thousand rows at
        # most); the coarser tables are summed from it here rather than by rescanning the tickets.
        rows = db.session.execute(
            select(Ticket.channel, week, how, func.count())
            .where(Ticket.created_at >= rng.start, Ticket.created_at < rng.end).group_by(Ticket.channel, week, how)
        ).all()
    per_channel: dict[str, int] = defaultdict(int)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    heat: dict[int, int] = defaultdict(int)
    for channel, wk, hour, n in rows:
        per_channel[channel] += n
        counts[(iso_day(wk), channel)] += n
        heat[int(hour)] += n
    by_channel = sorted(per_channel.items())
    backlog = backlog_by_day(rng, bounds is not None)

    report = Report("volume", _("Volume"), rng)
    total = sum(n for _c, n in by_channel)
    report.figures = [
        Figure("tickets", _("Tickets created"), total),
        Figure("backlog_end", _("Open at the end of the range"), backlog[-1][1] if backlog else None),
    ]
    channels = [c for c, _n in by_channel]
    report.tables.append(Table("by_channel", _("Tickets by channel"), [_("Channel"), _("Tickets")],
                               [[c, n] for c, n in by_channel]))
    report.charts.append(Chart("by-channel", "bar", _("Tickets by channel"), "by_channel", labels=channels,
                               datasets=[{"label": _("Tickets"), "data": [n for _c, n in by_channel]}]))

    weeks = rng.weeks()
    report.tables.append(Table("by_week", _("Tickets by week and channel"), [_("Week")] + channels,
                               [[wk] + [counts[(wk, c)] for c in channels] for wk in weeks]))
    report.charts.append(Chart("by-week", "bar", _("Tickets by week"), "by_week", labels=weeks, stacked=True,
                               datasets=[{"label": c, "data": [counts[(wk, c)] for wk in weeks]} for c in channels]))

    days = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    report.tables.append(Table(
        "hour_of_week", _("Tickets by hour of week (%(tz)s)", tz=rng.tz), [_("Day")] + [f"{h:02d}" for h in range(24)],
        [[days[d]] + [int(heat.get(d * 24 + h, 0)) for h in range(24)] for d in range(7)],
    ))
    report.charts.append(Chart("hour-of-week", "heatmap", _("When tickets arrive"), "hour_of_week"))

    report.tables.append(Table("backlog", _("Open tickets at the end of each day"), [_("Day"), _("Open")],
                               [[d.isoformat(), n] for d, n in backlog]))
    report.charts.append(Chart("backlog", "line", _("Backlog over time"), "backlog",
                               labels=[d.isoformat() for d, _n in backlog],
                               datasets=[{"label": _("Open"), "data": [n for _d, n in backlog]}]))
    return report


def _rows_from_rollup(rng: ReportRange, first: int, stop: int) -> list[tuple[str, str, int, int]]:
    """(channel, local week, hour of week, tickets) summed from the hourly rollup."""
    rows = db.session.execute(
        select(ReportHour.hour, ReportHour.channel, func.sum(ReportHour.tickets))
        .where(ReportHour.hour >= first, ReportHour.hour < stop).group_by(ReportHour.hour, ReportHour.channel)
    ).all()
    # Each hour's local week and hour of week, worked out once per hour rather than once per row.
    slots: dict[int, tuple[str, int]] = {}
    weeks = rng.weeks()
    week_ends = rollup.week_bounds(rng)[1]
    week = 0
    for hour in range(first, stop):
        while hour >= week_ends[week]:
            week += 1
        local = rollup.local_hour(hour, rng)
        slots[hour] = (weeks[week], local.weekday() * 24 + local.hour)
    counts: dict[tuple[str, str, int], int] = defaultdict(int)
    for hour, channel, n in rows:
        counts[(channel, *slots[hour])] += int(n)
    return [(channel, wk, how, n) for (channel, wk, how), n in counts.items()]


def backlog_by_day(rng: ReportRange, from_rollup: bool = False) -> list[tuple[date, int]]:
    """Open tickets at the end of each local day of the range."""
    dialect = for_session(db.session, rng)
    open_now = db.session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN_STATUSES),
                                                       Ticket.merged_into_id.is_(None))
    ) or 0
    change: dict[str, int] = defaultdict(int)
    if from_rollup:
        first = epoch_hour(rng.start)
        for hour, n in db.session.execute(select(ReportBacklogHour.hour, ReportBacklogHour.delta)
                                          .where(ReportBacklogHour.hour >= first)):
            change[rollup.local_hour(hour, rng).date().isoformat()] += int(n or 0)
    else:
        day = dialect.day(TicketEvent.created_at)
        rows = db.session.execute(
            select(day, func.sum(rollup.backlog_delta(dialect)))
            .where(TicketEvent.kind.in_(BACKLOG_EVENTS), TicketEvent.created_at >= rng.start)
            .group_by(day)
        ).all()
        for d, n in rows:
            change[iso_day(d)] += int(n or 0)
    last = rng.last.isoformat()
    # Open at the end of the range = open now minus whatever changed after the range ended.
    level = open_now - sum(n for d, n in change.items() if d > last)
    levels = []
    for d in reversed(rng.days()):
        levels.append((d, level))
        level -= change.get(d.isoformat(), 0)
    return list(reversed(levels))
