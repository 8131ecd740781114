"""SLA attainment: the share of clocks that met their target, per metric, by channel, team,
priority and week, and the breaches themselves.

One row of ``ticket_sla_metrics`` is one run of one clock (first response, next response,
resolution). A run counts as met or breached once it stopped with that outcome; a running clock
already past its target counts as breached, since nothing can bring it back; a cancelled clock
and a running one still in time count as neither.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from inbox.extensions import db
from inbox.models import Team, Ticket
from inbox.reports import sla_source
from inbox.reports.output import Chart, Figure, Report, Table
from inbox.reports.query import ReportRange, for_session, iso_day, share

METRICS = ("first_response", "next_response", "resolution")
BREACHES = 100


def metric_names() -> dict[str, str]:
    return {"first_response": _("First response"), "next_response": _("Next response"),
            "resolution": _("Resolution")}


def build(rng: ReportRange) -> Report:
    report = Report("sla", _("SLA attainment"), rng)
    metrics = sla_source.metric_model()
    if metrics is None:
        report.notes.append(_("No SLA clocks are recorded in this build."))
        return report
    dialect = for_session(db.session, rng)
    names = metric_names()
    breached = or_(metrics.outcome == "breached",
                   and_(metrics.outcome.is_(None), metrics.breached_at.is_not(None)))
    decided = case((metrics.outcome == "met", 1), (breached, 0), else_=None)
    where = (metrics.started_at >= rng.start, metrics.started_at < rng.end)

    def attainment(dimension: Any = None, *, join_ticket: bool = False, join_team: bool = False) -> list[Any]:
        columns = [metrics.metric] + ([dimension] if dimension is not None else [])
        query = select(*columns, func.count(decided), func.sum(decided)).select_from(metrics)
        if join_ticket:
            query = query.join(Ticket, Ticket.id == metrics.ticket_id)
        if join_team:
            query = query.outerjoin(Team, Team.id == Ticket.team_id)
        return db.session.execute(query.where(*where).group_by(*columns).order_by(*columns)).all()

    overall = {m: (n, k) for m, n, k in attainment()}
    report.figures = [Figure(f"{m}_met", names[m], share(overall.get(m, (0, 0))[1], overall.get(m, (0, 0))[0]), "%")
                      for m in METRICS]
    report.tables.append(Table("overall", _("Share met per metric"),
                               [_("Metric"), _("Decided"), _("Met"), _("Share met")],
                               [[names[m], *_counts(overall.get(m))] for m in METRICS], units=["", "", "", "%"]))
    report.charts.append(Chart("overall", "bar", _("Share met per metric"), "overall", percent=True,
                               labels=[names[m] for m in METRICS],
                               datasets=[{"label": _("Met"), "data": [share(overall.get(m, (0, 0))[1],
                                                                           overall.get(m, (0, 0))[0])
                                                                     for m in METRICS]}]))
    dimensions = (
        ("channel", _("Channel"), Ticket.channel, True, False),
        ("team", _("Team"), func.coalesce(Team.name, "—"), True, True),
        ("priority", _("Priority"), Ticket.priority, True, False),
        ("week", _("Week"), dialect.week(metrics.started_at), False, False),
    )
    for key, title, column, join_ticket, join_team in dimensions:
        rows = attainment(column.label(key), join_ticket=join_ticket, join_team=join_team)
        value = iso_day if key == "week" else str
        cell = {(m, value(v)): (n, k) for m, v, n, k in rows}
        values = rng.weeks() if key == "week" else sorted({value(v) for _m, v, _n, _k in rows})
        table_rows = [[v, *[share(cell.get((m, v), (0, 0))[1], cell.get((m, v), (0, 0))[0]) for m in METRICS],
                       *[cell.get((m, v), (0, 0))[0] for m in METRICS]] for v in values]
        heading = _("Share met by %(dimension)s", dimension=title.lower())
        report.tables.append(Table(f"by_{key}", heading,
                                   [title, *[names[m] for m in METRICS],
                                    *[_("%(metric)s decided", metric=names[m]) for m in METRICS]], table_rows,
                                   units=["", "%", "%", "%", "", "", ""]))
        report.charts.append(Chart(f"by-{key}", "line" if key == "week" else "bar", heading, f"by_{key}",
                                   labels=values, percent=True,
                                   datasets=[{"label": names[m], "data": [row[1 + i] for row in table_rows]}
                                             for i, m in enumerate(METRICS)]))
    breaches = db.session.execute(
        select(metrics.ticket_id, metrics.metric, Ticket.channel, func.coalesce(Team.name, "—"), Ticket.priority,
               metrics.due_at, metrics.breached_at)
        .select_from(metrics).join(Ticket, Ticket.id == metrics.ticket_id).outerjoin(Team, Team.id == Ticket.team_id)
        .where(*where, decided == 0).order_by(metrics.breached_at.desc()).limit(BREACHES)
    ).all()
    report.tables.append(Table("breaches", _("Latest breaches"),
                               [_("Ticket"), _("Metric"), _("Channel"), _("Team"), _("Priority"), _("Due"),
                                _("Breached")],
                               [[t, names.get(m, m), c, team, p, due.isoformat() if due else None,
                                 at.isoformat() if at else None] for t, m, c, team, p, due, at in breaches],
                               ticket_column=0))
    return report


def _counts(pair: tuple[int, int | None] | None) -> list[Any]:
    n, k = pair or (0, 0)
    return [n, int(k or 0), share(k, n)]
