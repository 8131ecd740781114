"""SLA attainment: the share of clocks that met their target, per metric, by channel, team,
priority and week, and the breaches themselves.

One row of ``ticket_sla_metrics`` is one run of one clock (first response, next response,
resolution). A run counts as met or breached once it stopped with that outcome; a running clock
already past its target counts as breached, since nothing can bring it back; a cancelled clock
and a running one still in time count as neither.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from inbox.extensions import db
from inbox.models import Team, Ticket, TicketSLAMetric
from inbox.models.report_rollup import ReportBreach, ReportHour
from inbox.reports import rollup
from inbox.reports.output import Chart, Figure, Report, Table
from inbox.reports.query import Dialect, ReportRange, for_session, iso_day, share

METRICS = ("first_response", "next_response", "resolution")
BREACHES = 100


def metric_names() -> dict[str, str]:
    return {"first_response": _("First response"), "next_response": _("Next response"),
            "resolution": _("Resolution")}


def build(rng: ReportRange) -> Report:
    report = Report("sla", _("SLA attainment"), rng)
    metrics = TicketSLAMetric
    bounds = rollup.prepare(db.session, rng)
    dialect = for_session(db.session, rng)
    names = metric_names()
    decided = case((metrics.outcome == "met", 1), (rollup.clock_breached(), 0), else_=None)
    # Tickets created in the range, with every clock they ran (a cohort, as in the other reports):
    # a ticket's resolution clock belongs to the week the customer wrote, not the week it ended.
    where = (Ticket.created_at >= rng.start, Ticket.created_at < rng.end)

    cells: dict[str, dict[tuple[str, str], list[int]]] = {d: defaultdict(lambda: [0, 0])
                                                           for d in ("all", "channel", "team", "priority", "week")}
    team_names = dict(db.session.execute(select(Team.id, Team.name)).all())
    for metric, channel, team_id, priority, wk, n, k in _grain(rng, bounds, dialect, metrics, decided, where):
        values = {"all": "", "channel": channel, "team": team_names.get(team_id, "—"), "priority": priority,
                  "week": iso_day(wk)}
        for dimension, value in values.items():
            cell = cells[dimension][(metric, value)]
            cell[0] += n
            cell[1] += int(k or 0)

    def met(dimension: str, metric: str, value: str) -> float | None:
        n, k = cells[dimension].get((metric, value), (0, 0))
        return share(k, n)

    report.figures = [Figure(f"{m}_met", names[m], met("all", m, ""), "%") for m in METRICS]
    report.tables.append(Table("overall", _("Share met per metric"),
                               [_("Metric"), _("Decided"), _("Met"), _("Share met")],
                               [[names[m], *cells["all"].get((m, ""), (0, 0)), met("all", m, "")] for m in METRICS],
                               units=["", "", "", "%"]))
    report.charts.append(Chart("overall", "bar", _("Share met per metric"), "overall", percent=True,
                               labels=[names[m] for m in METRICS],
                               datasets=[{"label": _("Met"), "data": [met("all", m, "") for m in METRICS]}]))
    dimensions = (("channel", _("Channel")), ("team", _("Team")), ("priority", _("Priority")), ("week", _("Week")))
    for key, title in dimensions:
        values = rng.weeks() if key == "week" else sorted({value for _m, value in cells[key]})
        table_rows = [[v, *[met(key, m, v) for m in METRICS],
                       *[cells[key].get((m, v), (0, 0))[0] for m in METRICS]] for v in values]
        heading = _("Share met by %(dimension)s", dimension=title.lower())
        report.tables.append(Table(f"by_{key}", heading,
                                   [title, *[names[m] for m in METRICS],
                                    *[_("%(metric)s decided", metric=names[m]) for m in METRICS]], table_rows,
                                   units=["", "%", "%", "%", "", "", ""]))
        report.charts.append(Chart(f"by-{key}", "line" if key == "week" else "bar", heading, f"by_{key}",
                                   labels=values, percent=True,
                                   datasets=[{"label": names[m], "data": [row[1 + i] for row in table_rows]}
                                             for i, m in enumerate(METRICS)]))
    if bounds is None:
        breaches = db.session.execute(
            select(metrics.ticket_id, metrics.metric, Ticket.channel, func.coalesce(Team.name, "—"), Ticket.priority,
                   metrics.due_at, metrics.breached_at)
            .select_from(metrics).join(Ticket, Ticket.id == metrics.ticket_id)
            .outerjoin(Team, Team.id == Ticket.team_id)
            .where(*where, decided == 0).order_by(metrics.breached_at.desc(), metrics.id.desc()).limit(BREACHES)
        ).all()
    else:
        rows = ReportBreach
        breaches = db.session.execute(
            select(rows.ticket_id, rows.metric, rows.channel, func.coalesce(Team.name, "—"), rows.priority, rows.due_at,
                   rows.breached_at)
            .select_from(rows).outerjoin(Team, Team.id == rows.team_id)
            .where(rows.hour >= bounds[0], rows.hour < bounds[1])
            .order_by(rows.breached_at.desc(), rows.clock_id.desc()).limit(BREACHES)
        ).all()
    report.tables.append(Table("breaches", _("Latest breaches"),
                               [_("Ticket"), _("Metric"), _("Channel"), _("Team"), _("Priority"), _("Due"),
                                _("Breached")],
                               [[t, names.get(m, m), c, team, p, due.isoformat() if due else None,
                                 at.isoformat() if at else None] for t, m, c, team, p, due, at in breaches],
                               ticket_column=0))
    return report


def _grain(rng: ReportRange, bounds: tuple[int, int] | None, dialect: Dialect, metrics: Any, decided: Any,
           where: tuple) -> list[tuple]:
    """(metric, channel, team id, priority, week, decided, met) at the finest grain the tables need.

    A few thousand rows at most; every breakdown is summed from them rather than by rescanning.
    A group appears for a metric when it ran at least one clock of it, as from the raw rows.
    """
    if bounds is None:
        week = dialect.week(Ticket.created_at)
        return db.session.execute(
            select(metrics.metric, Ticket.channel, Ticket.team_id, Ticket.priority, week, func.count(decided),
                   func.sum(decided))
            .select_from(metrics).join(Ticket, Ticket.id == metrics.ticket_id).where(*where)
            .group_by(metrics.metric, Ticket.channel, Ticket.team_id, Ticket.priority, week)
        ).all()
    weeks, starts = rollup.week_bounds(rng)
    hours = ReportHour
    week = rollup.segment(hours.hour, starts)
    sums = [func.sum(getattr(hours, f"{m}_{k}")) for m in METRICS for k in ("clocks", "decided", "met")]
    rows = db.session.execute(
        select(hours.channel, hours.team_id, hours.priority, week, *sums)
        .where(hours.hour >= bounds[0], hours.hour < bounds[1])
        .group_by(hours.channel, hours.team_id, hours.priority, week)
    ).all()
    out = []
    for channel, team_id, priority, index, *values in rows:
        for i, metric in enumerate(METRICS):
            clocks, n, k = values[3 * i:3 * i + 3]
            if clocks:
                out.append((metric, channel, team_id or None, priority, weeks[index], int(n), int(k)))
    return out
