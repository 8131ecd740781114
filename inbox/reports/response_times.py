"""Response-time distributions: first response and resolution, as histograms and p50/p90.

Wall-clock times come from the tickets (created → first public reply, created → solved). Business
times are the SLA clocks' own measure (``ticket_sla_metrics.business_seconds``: open hours only,
pauses left out), so they agree with the SLA report. Averages hide the long tail customers
remember, so this report shows percentiles and the whole distribution instead.

Percentiles are exact either way. From raw rows they are ``percentile_cont``; from the rollup
(:mod:`inbox.reports.rollup`), the bucket counts say which bucket holds each wanted rank, and only
that bucket's values are read and sorted to interpolate exactly as ``percentile_cont`` does.
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from inbox.extensions import db
from inbox.models import Ticket, TicketSLAMetric
from inbox.models.report_rollup import ReportTime, ReportTimeCount
from inbox.reports import rollup
from inbox.reports.output import Chart, Figure, Report, Table
from inbox.reports.query import Dialect, ReportRange, for_session
from inbox.reports.rollup import EDGES

FRACTIONS = (0.5, 0.9)


def bucket_labels() -> list[str]:
    names = ["5m", "15m", "30m", "1h", "2h", "4h", "8h", "1d", "2d", "7d"]
    return [f"< {names[0]}"] + [f"{a}–{b}" for a, b in zip(names, names[1:], strict=False)] + [f"≥ {names[-1]}"]


def build(rng: ReportRange) -> Report:
    bounds = rollup.prepare(db.session, rng)
    dialect = for_session(db.session, rng)
    series = _from_rollup(*bounds) if bounds is not None else _from_raw(rng, dialect)
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


def _from_raw(rng: ReportRange, dialect: Dialect) -> dict[str, dict[str, Any]]:
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

    return series


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


def _from_rollup(first: int, stop: int) -> dict[str, dict[str, Any]]:
    """Every measure from the rollup: bucket counts for the whole UTC days of [first, stop), the
    per-ticket rows for the partial days at its ends, then the raw values of the wanted buckets."""
    times, counts = ReportTime, ReportTimeCount
    first_day, stop_day = -(-first // 24), stop // 24
    ends = [(first, stop)] if first_day >= stop_day else [(first, first_day * 24), (stop_day * 24, stop)]
    # measure → channel → bucket → count
    tally: dict[str, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    partial = [and_(times.hour >= a, times.hour < b) for a, b in ends if a < b]
    queries = [select(times.measure, times.channel, times.bucket, func.count()).where(or_(*partial))
               .group_by(times.measure, times.channel, times.bucket)] if partial else []
    if first_day < stop_day:
        queries.append(select(counts.measure, counts.channel, counts.bucket, func.sum(counts.count))
                       .where(counts.day >= first_day, counts.day < stop_day)
                       .group_by(counts.measure, counts.channel, counts.bucket))
    for query in queries:
        for measure, channel, bucket, n in db.session.execute(query):
            tally[measure][channel][bucket] += int(n)

    # Which bucket, and which rank inside it, each percentile of each slice needs.
    wanted: dict[tuple[str, str | None], list[tuple[int, int]]] = {}
    for measure, per_channel in tally.items():
        overall: dict[int, int] = defaultdict(int)
        for channel, buckets in per_channel.items():
            for bucket, n in buckets.items():
                overall[bucket] += n
            wanted[(measure, channel)] = _ranks(buckets)
        wanted[(measure, None)] = _ranks(overall)
    needed = {(m, bucket) for (m, _c), ranks in wanted.items() for bucket, _r in ranks}
    values: dict[tuple[str, int, str | None], list[float]] = defaultdict(list)
    if needed:
        rows = db.session.execute(
            select(times.measure, times.bucket, times.channel, times.seconds)
            .where(times.hour >= first, times.hour < stop,
                   or_(*[and_(times.measure == m, times.bucket == b) for m, b in sorted(needed)]))
        )
        for measure, bucket, channel, seconds in rows:
            values[(measure, bucket, channel)].append(seconds)
            values[(measure, bucket, None)].append(seconds)
        for found in values.values():
            found.sort()

    series = {}
    for measure in rollup.MEASURES:
        per_channel = tally.get(measure, {})

        def summary(channel: str | None, buckets: dict[int, int], measure: str = measure) -> tuple:
            ranks = wanted.get((measure, channel), [])
            picked = [values[(measure, bucket, channel)][rank] for bucket, rank in ranks]
            return (sum(buckets.values()), *_interpolate(sum(buckets.values()), picked))

        overall: dict[int, int] = defaultdict(int)
        for buckets in per_channel.values():
            for bucket, n in buckets.items():
                overall[bucket] += n
        count, p50, p90 = summary(None, overall)
        histogram = [0] * (len(EDGES) + 1)
        for bucket, n in overall.items():
            histogram[rollup.histogram_class(bucket)] += n
        by_channel = []
        for channel in sorted(per_channel):
            n, low, high = summary(channel, per_channel[channel])
            by_channel.append((channel, n, _round(low), _round(high)))
        series[measure] = {"count": count, "p50": _round(p50), "p90": _round(p90), "histogram": histogram,
                           "by_channel": by_channel}
    return series


def _positions(n: int) -> list[float]:
    return [f * (n - 1) for f in FRACTIONS]


def _ranks(buckets: dict[int, int]) -> list[tuple[int, int]]:
    """(bucket, rank within it) of the two closest ranks of every percentile, in FRACTIONS order."""
    n = sum(buckets.values())
    if not n:
        return []
    wanted = [r for p in _positions(n) for r in (math.floor(p), math.ceil(p))]
    found = []
    ordered = sorted(buckets.items())
    for rank in wanted:
        below = 0
        for bucket, count in ordered:
            if rank < below + count:
                found.append((bucket, rank - below))
                break
            below += count
    return found


def _interpolate(n: int, picked: list[float]) -> list[float | None]:
    """percentile_cont from the values at the two closest ranks of each percentile."""
    if not n:
        return [None] * len(FRACTIONS)
    out = []
    for i, position in enumerate(_positions(n)):
        low, high = picked[2 * i], picked[2 * i + 1]
        out.append(low + (high - low) * (position - math.floor(position)))
    return out
