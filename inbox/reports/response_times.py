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
from inbox.models import Ticket, TicketSLAMetric
from inbox.reports.output import Chart, Figure, Report, Table
from inbox.reports.query import Dialect, ReportRange, for_session

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
                                        (*in_range, Ticket.first_response_at.is_not(None))),
        "resolution_wall": _measure(dialect, dialect.seconds(Ticket.solved_at, Ticket.created_at),
                                    (*in_range, Ticket.solved_at.is_not(None))),
    }
    metrics = TicketSLAMetric
    for name, metric in (("first_response_business", "first_response"), ("resolution_business", "resolution")):
        series[name] = _measure(
            dialect, metrics.business_seconds,
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
    return report


def _measure(dialect: Dialect, seconds: Any, where: tuple, join: Any = None) -> dict[str, Any]:
    """Count, p50, p90 and histogram, overall and per channel, in one pass on PostgreSQL."""
    inner = select(Ticket.channel.label("channel"), seconds.label("secs")).select_from(Ticket)
    if join is not None:
        inner = inner.join(join, join.ticket_id == Ticket.id)
    inner = inner.where(*where).subquery()
    secs, channel = inner.c.secs, inner.c.channel
    # Cumulative counts below each edge: the histogram is their differences.
    below = [func.count().filter(secs < edge) for edge in EDGES]
    columns = [func.count(), *dialect.percentiles((0.5, 0.9), secs), *below]
    if dialect.postgres:
        rows = db.session.execute(
            select(channel, func.grouping(channel), *columns).group_by(func.rollup(channel))
        ).all()
        overall = next(row[2:] for row in rows if row[1])
        per_channel = sorted((row[0], *row[2:]) for row in rows if not row[1])
    else:
        overall = db.session.execute(select(*columns)).one()
        per_channel = db.session.execute(select(channel, *columns).group_by(channel).order_by(channel)).all()
    count, *rest = overall
    p50, p90 = dialect.unpack_percentiles(rest, 2)
    cumulative = list(rest[-len(EDGES):]) + [count]
    histogram = [cumulative[0]] + [b - a for a, b in zip(cumulative, cumulative[1:], strict=False)]
    return {"count": count, "p50": _round(p50), "p90": _round(p90), "histogram": histogram,
            "by_channel": [(row[0], row[1], *map(_round, dialect.unpack_percentiles(row[2:], 2)))
                           for row in per_channel]}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
