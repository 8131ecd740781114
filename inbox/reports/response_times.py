"""Response-time distributions: first response and resolution, as histograms and p50/p90.

Wall-clock times come from the tickets (created → first public reply, created → solved). Business
times are the SLA clocks' own measure (``ticket_sla_metrics.business_seconds``: open hours only,
pauses left out), so they agree with the SLA report. Averages hide the long tail customers
remember, so this report shows percentiles and the whole distribution instead.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from inbox.extensions import db
from inbox.models import Ticket
from inbox.reports import sla_source
from inbox.reports.output import Chart, Figure, Report, Table
from inbox.reports.query import Dialect, ReportRange, buckets, for_session

# Histogram edges in seconds: 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 1 day, 2 days, 1 week.
EDGES = [300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800]


def bucket_labels() -> list[str]:
    names = ["5m", "15m", "30m", "1h", "2h", "4h", "8h", "1d", "2d", "7d"]
    return [f"< {names[0]}"] + [f"{a}–{b}" for a, b in zip(names, names[1:], strict=False)] + [f"≥ {names[-1]}"]


def build(rng: ReportRange) -> Report:
    dialect = for_session(db.session, rng)
    in_range = (Ticket.created_at >= rng.start, Ticket.created_at < rng.end)
    series = {
        "first_response_wall": _measure(dialect, dialect.seconds(Ticket.first_response_at, Ticket.created_at),
                                        Ticket.channel, (*in_range, Ticket.first_response_at.is_not(None))),
        "resolution_wall": _measure(dialect, dialect.seconds(Ticket.solved_at, Ticket.created_at), Ticket.channel,
                                    (*in_range, Ticket.solved_at.is_not(None))),
    }
    metrics = sla_source.metric_model()
    if metrics is not None:
        for name, metric in (("first_response_business", "first_response"), ("resolution_business", "resolution")):
            series[name] = _measure(
                dialect, metrics.business_seconds, Ticket.channel,
                (*in_range, metrics.metric == metric, metrics.cycle == 1, metrics.outcome.in_(("met", "breached")),
                 metrics.business_seconds.is_not(None)),
                join=metrics,
            )

    titles = {
        "first_response_wall": _("First response, wall clock"),
        "resolution_wall": _("Resolution, wall clock"),
        "first_response_business": _("First response, business time"),
        "resolution_business": _("Resolution, business time"),
    }
    report = Report("response_times", _("Response times"), rng)
    labels = bucket_labels()
    summary_rows = []
    for name, data in series.items():
        report.figures += [Figure(f"{name}_p50", f"{titles[name]} p50", data["p50"], "s"),
                           Figure(f"{name}_p90", f"{titles[name]} p90", data["p90"], "s")]
        summary_rows.append([titles[name], _("all"), data["count"], data["p50"], data["p90"]])
        summary_rows += [[titles[name], ch, n, p50, p90] for ch, n, p50, p90 in data["by_channel"]]
        report.tables.append(Table(f"{name}_histogram", titles[name], [_("Time"), _("Tickets")],
                                   [[label, data["histogram"][i]] for i, label in enumerate(labels)]))
        report.charts.append(Chart(name.replace("_", "-"), "bar", titles[name], f"{name}_histogram", labels=labels,
                                   datasets=[{"label": _("Tickets"), "data": data["histogram"]}],
                                   x_title=_("Time taken"), y_title=_("Tickets")))
    report.tables.insert(0, Table("percentiles", _("Percentiles (seconds)"),
                                  [_("Measure"), _("Channel"), _("Tickets"), "p50", "p90"], summary_rows,
                                  units=["", "", "", "s", "s"]))
    if metrics is None:
        report.notes.append(_("Business-time figures appear once SLA clocks are recorded."))
    return report


def _measure(dialect: Dialect, seconds: Any, group: Any, where: tuple, join: Any = None) -> dict[str, Any]:
    def base(*columns: Any):  # noqa: ANN202
        query = select(*columns).select_from(Ticket)
        if join is not None:
            query = query.join(join, join.ticket_id == Ticket.id)
        return query.where(*where)

    count, p50, p90 = db.session.execute(
        base(func.count(), dialect.percentile(0.5, seconds), dialect.percentile(0.9, seconds))
    ).one()
    by_channel = db.session.execute(
        base(group, func.count(), dialect.percentile(0.5, seconds), dialect.percentile(0.9, seconds))
        .group_by(group).order_by(group)
    ).all()
    bucket = buckets(seconds, EDGES)
    histogram = [0] * (len(EDGES) + 1)
    for index, n in db.session.execute(base(bucket, func.count()).group_by(bucket)).all():
        histogram[int(index)] = n
    return {"count": count, "p50": _round(p50), "p90": _round(p90), "histogram": histogram,
            "by_channel": [(ch, n, _round(a), _round(b)) for ch, n, a, b in by_channel]}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
