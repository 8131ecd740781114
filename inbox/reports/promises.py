"""Promises: how often the wait we told the customer held, by channel and week, and the worst misses.

A promise is kept when the first public reply came at or before the promised instant
(``first_response_at <= promise_due_at``). It is missed when the reply came later, or when there is
still no reply and the promised instant has passed. A promise still running is neither.

Answered promises are counted from the hourly rollup when the zone allows (:mod:`inbox.reports.rollup`).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, func, or_, select

from inbox.extensions import db
from inbox.models import Ticket, utcnow
from inbox.models.report_rollup import ReportHour
from inbox.reports import rollup
from inbox.reports.output import Chart, Figure, Report, Table
from inbox.reports.query import Dialect, ReportRange, for_session, iso_day, share

SCATTER_POINTS = 2000
WORST = 25


def kept_expression(now: datetime) -> ColumnElement:
    """1 kept, 0 missed, NULL still running (SQL)."""
    return case(
        (and_(Ticket.first_response_at.is_not(None), Ticket.first_response_at <= Ticket.promise_due_at), 1),
        (or_(Ticket.first_response_at > Ticket.promise_due_at, Ticket.promise_due_at < now), 0),
        else_=None,
    )


def build(rng: ReportRange, now: datetime | None = None) -> Report:
    now = now or utcnow()
    bounds = rollup.prepare(db.session, rng)
    dialect = for_session(db.session, rng)
    where = (Ticket.created_at >= rng.start, Ticket.created_at < rng.end, Ticket.promise_due_at.is_not(None))
    kept = kept_expression(now)
    total = n_decided = n_kept = 0
    per_channel: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_week: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for channel, wk, n, d, k in _grain(rng, bounds, dialect, now, where):
        total, n_decided, n_kept = total + n, n_decided + d, n_kept + k
        for bucket in (per_channel[channel], per_week[wk]):
            bucket[0] += d
            bucket[1] += k
    by_channel = [(c, d, k) for c, (d, k) in sorted(per_channel.items())]
    by_week = {w: tuple(v) for w, v in per_week.items()}

    promised = dialect.seconds(Ticket.promise_due_at, Ticket.promised_at)
    actual = dialect.seconds(Ticket.first_response_at, Ticket.promised_at)
    points = db.session.execute(
        select(Ticket.id, promised, actual)
        .where(*where, Ticket.first_response_at.is_not(None), Ticket.promised_at.is_not(None))
        .order_by(Ticket.created_at.desc()).limit(SCATTER_POINTS)
    ).all()
    late = dialect.seconds(func.coalesce(Ticket.first_response_at, now), Ticket.promise_due_at)
    worst = db.session.execute(
        select(Ticket.id, Ticket.channel, Ticket.promise_due_at, Ticket.first_response_at, late)
        .where(*where, kept == 0).order_by(late.desc()).limit(WORST)
    ).all()

    report = Report("promises", _("Promises"), rng)
    report.figures = [
        Figure("promised", _("Tickets with a promise"), total),
        Figure("kept_share", _("Promises kept"), share(n_kept, n_decided), "%"),
        Figure("missed", _("Promises missed"), (n_decided or 0) - (n_kept or 0)),
    ]
    report.tables.append(Table("by_channel", _("Promises kept by channel"),
                               [_("Channel"), _("Decided"), _("Kept"), _("Share kept")],
                               [[c, d, int(k or 0), share(k, d)] for c, d, k in by_channel], units=["", "", "", "%"]))
    report.charts.append(Chart("kept-by-channel", "bar", _("Share of promises kept by channel"), "by_channel",
                               labels=[c for c, _d, _k in by_channel], percent=True,
                               datasets=[{"label": _("Kept"), "data": [share(k, d) for _c, d, k in by_channel]}]))
    weeks = rng.weeks()
    report.tables.append(Table("by_week", _("Promises kept by week"),
                               [_("Week"), _("Decided"), _("Kept"), _("Share kept")],
                               [[w, by_week.get(w, (0, 0))[0], int(by_week.get(w, (0, 0))[1] or 0),
                                 share(by_week.get(w, (0, 0))[1], by_week.get(w, (0, 0))[0])] for w in weeks],
                               units=["", "", "", "%"]))
    report.charts.append(Chart("kept-by-week", "line", _("Share of promises kept by week"), "by_week", labels=weeks,
                               percent=True, datasets=[{"label": _("Kept"), "data": [
                                   share(by_week.get(w, (0, 0))[1], by_week.get(w, (0, 0))[0]) for w in weeks]}]))
    report.tables.append(Table("scatter", _("Promised and actual wait (minutes)"),
                               [_("Ticket"), _("Promised"), _("Actual")],
                               [[t, _minutes(p), _minutes(a)] for t, p, a in points], ticket_column=0))
    report.charts.append(Chart("promised-vs-actual", "scatter", _("Promised wait against actual wait"), "scatter",
                               x_title=_("Promised (minutes)"), y_title=_("Actual (minutes)"),
                               datasets=[{"label": _("Tickets"),
                                          "data": [{"x": _minutes(p), "y": _minutes(a)} for _t, p, a in points]}]))
    report.tables.append(Table("worst", _("Worst misses"),
                               [_("Ticket"), _("Channel"), _("Promised for"), _("First reply"), _("Late by (minutes)")],
                               [[t, c, due.isoformat(), first.isoformat() if first else None, _minutes(lateness)]
                                for t, c, due, first, lateness in worst], ticket_column=0))
    return report


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 60, 1)


def _grain(rng: ReportRange, bounds: tuple[int, int] | None, dialect: Dialect, now: datetime,
           where: tuple) -> list[tuple[str, str, int, int, int]]:
    """(channel, week, promised, decided, kept): one pass grouped by channel and week."""
    created_week = dialect.week_of(Ticket.created_at, rng)
    if bounds is None:
        kept = kept_expression(now)
        rows = db.session.execute(
            select(Ticket.channel, created_week, func.count(), func.count(kept), func.sum(kept))
            .where(*where).group_by(Ticket.channel, created_week)
        ).all()
        return [(c, iso_day(w), n, d, int(k or 0)) for c, w, n, d, k in rows]
    # Answered promises from the rollup; the unanswered ones (few: a reply usually comes) are read
    # raw, since whether they are missed yet depends on now.
    weeks, starts = rollup.week_bounds(rng)
    hours = ReportHour
    week = rollup.segment(hours.hour, starts)
    grain: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for channel, index, promised, kept_n, late in db.session.execute(
        select(hours.channel, week, func.sum(hours.promised), func.sum(hours.promise_kept),
               func.sum(hours.promise_late))
        .where(hours.hour >= bounds[0], hours.hour < bounds[1], hours.promised > 0).group_by(hours.channel, week)
    ):
        cell = grain[(channel, weeks[index])]
        cell[0] += int(promised)
        cell[1] += int(kept_n) + int(late)
        cell[2] += int(kept_n)
    for channel, wk, n in db.session.execute(
        select(Ticket.channel, created_week, func.count())
        .where(*where, Ticket.first_response_at.is_(None), Ticket.promise_due_at < now)
        .group_by(Ticket.channel, created_week)
    ):
        grain[(channel, iso_day(wk))][1] += n
    return [(c, w, n, d, k) for (c, w), (n, d, k) in grain.items()]
