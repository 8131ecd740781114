"""Satisfaction: CSAT, NPS, response rate, comments and the weekly trend, from the surveys sent.

CSAT is the share of ratings that are 4 or 5. NPS is the share of promoters (9–10) minus the share
of detractors (0–6), times 100. Both count surveys sent in the range. CSAT is also split by whether
the ticket's promise was kept, the question every support lead asks.

Counts come from the hourly survey rollup when the zone allows (:mod:`inbox.reports.rollup`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from inbox.extensions import db
from inbox.models import Survey, Ticket, utcnow
from inbox.models.report_rollup import ReportSurveyHour
from inbox.reports import rollup
from inbox.reports.output import Chart, Figure, Report, Table
from inbox.reports.promises import kept_expression
from inbox.reports.query import Dialect, ReportRange, for_session, iso_day, share

COMMENTS = 50


@dataclass
class Tally:
    """Survey counts for one slice (a week, a channel, a promise outcome)."""

    sent: int = 0
    rated: int = 0
    satisfied: int = 0
    nps_asked: int = 0
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    ratings: dict[int, int] = field(default_factory=dict)

    def add(self, rating: int | None, nps_group: str | None, asked: bool, n: int) -> None:
        self.sent += n
        self.nps_asked += n if asked else 0
        if rating is not None:
            self.rated += n
            self.satisfied += n if rating >= 4 else 0
            self.ratings[rating] = self.ratings.get(rating, 0) + n
        if nps_group is not None:
            self.nps_answers += n
            self.promoters += n if nps_group == "promoter" else 0
            self.detractors += n if nps_group == "detractor" else 0

    @property
    def csat(self) -> float | None:
        return share(self.satisfied, self.rated)

    @property
    def nps(self) -> float | None:
        return nps(self.promoters, self.detractors, self.nps_answers)


def nps(promoters: int | None, detractors: int | None, answers: int | None) -> float | None:
    if not answers:
        return None
    return round(((promoters or 0) - (detractors or 0)) * 100 / answers, 1)


def build(rng: ReportRange, now: datetime | None = None) -> Report:
    now = now or utcnow()
    bounds = rollup.prepare(db.session, rng)
    dialect = for_session(db.session, rng)
    where = (Survey.sent_at >= rng.start, Survey.sent_at < rng.end)
    rows = _grain(rng, bounds, dialect, now, where)
    total = Tally()
    by_week: dict[str, Tally] = defaultdict(Tally)
    by_channel: dict[str, Tally] = defaultdict(Tally)
    by_promise: dict[str, Tally] = defaultdict(Tally)
    for wk, channel, rating, nps_group, promise_group, asked, n in rows:
        for tally in (total, by_week[iso_day(wk)], by_channel[channel], by_promise[promise_group]):
            tally.add(rating, nps_group, bool(asked), n)
    comments = db.session.execute(
        select(Survey.ticket_id, Survey.rating, Survey.channel, Survey.commented_at, Survey.comment)
        .where(*where, Survey.comment.is_not(None)).order_by(Survey.commented_at.desc()).limit(COMMENTS)
    ).all()

    report = Report("satisfaction", _("Satisfaction"), rng)
    report.figures = [
        Figure("sent", _("Surveys sent"), total.sent),
        Figure("rated", _("Ratings"), total.rated),
        Figure("response_rate", _("Response rate"), share(total.rated, total.sent), "%"),
        Figure("csat", _("CSAT (4–5 of 5)"), total.csat, "%"),
        Figure("nps", _("NPS"), total.nps),
        Figure("nps_answers", _("NPS answers"), total.nps_answers),
        Figure("nps_asked", _("NPS questions asked"), total.nps_asked),
    ]
    report.tables.append(Table("ratings", _("Ratings"), [_("Rating"), _("Answers")],
                               [[r, total.ratings.get(r, 0)] for r in range(1, 6)]))
    report.charts.append(Chart("ratings", "bar", _("Ratings"), "ratings", labels=[str(r) for r in range(1, 6)],
                               datasets=[{"label": _("Answers"),
                                          "data": [total.ratings.get(r, 0) for r in range(1, 6)]}]))
    weeks = rng.weeks()
    week_rows = [[w, t.sent, t.rated, share(t.rated, t.sent), t.csat, t.nps]
                 for w, t in ((w, by_week.get(w, Tally())) for w in weeks)]
    report.tables.append(Table("by_week", _("By week"), [_("Week"), _("Sent"), _("Rated"), _("Response rate"),
                                                         "CSAT", "NPS"], week_rows,
                               units=["", "", "", "%", "%", ""]))
    report.charts.append(Chart("csat-by-week", "line", _("CSAT and response rate by week"), "by_week", labels=weeks,
                               percent=True, datasets=[
                                   {"label": "CSAT", "data": [row[4] for row in week_rows]},
                                   {"label": _("Response rate"), "data": [row[3] for row in week_rows]}]))
    report.tables.append(Table("by_channel", _("By channel"), [_("Channel"), _("Sent"), _("Rated"), "CSAT"],
                               [[c, t.sent, t.rated, t.csat] for c, t in sorted(by_channel.items())],
                               units=["", "", "", "%"]))
    labels = {"kept": _("Promise kept"), "missed": _("Promise missed"), "none": _("No promise")}
    promise_rows = [[labels[k], by_promise.get(k, Tally()).rated, by_promise.get(k, Tally()).csat]
                    for k in ("kept", "missed", "none")]
    report.tables.append(Table("by_promise", _("CSAT by whether the promise was kept"),
                               [_("Promise"), _("Rated"), "CSAT"], promise_rows, units=["", "", "%"]))
    report.charts.append(Chart("csat-by-promise", "bar", _("CSAT by whether the promise was kept"), "by_promise",
                               labels=[row[0] for row in promise_rows], percent=True,
                               datasets=[{"label": "CSAT", "data": [row[2] for row in promise_rows]}]))
    report.tables.append(Table("comments", _("Latest comments"),
                               [_("Ticket"), _("Rating"), _("Channel"), _("When"), _("Comment")],
                               [[t, r, c, when.isoformat() if when else None, text]
                                for t, r, c, when, text in comments], ticket_column=0))
    return report


Grain = tuple[str, str, int | None, str | None, str, bool]


def _grain(rng: ReportRange, bounds: tuple[int, int] | None, dialect: Dialect, now: datetime,
           where: tuple) -> list[tuple[Any, ...]]:
    """(week, channel, rating, NPS class, promise outcome, NPS asked, surveys): every figure of the
    report is summed from these few thousand rows."""
    week = dialect.week_of(Survey.sent_at, rng)
    nps_group = rollup.nps_class(Survey.nps_score)
    if bounds is None:
        kept = kept_expression(now)
        promise = case((kept == 1, "kept"), (kept == 0, "missed"), else_="none")
        # One pass over the range's surveys, joined to their tickets for the promise.
        return db.session.execute(
            select(week, Survey.channel, Survey.rating, nps_group, promise, Survey.nps_asked, func.count())
            .select_from(Survey).join(Ticket, Ticket.id == Survey.ticket_id).where(*where)
            .group_by(week, Survey.channel, Survey.rating, nps_group, promise, Survey.nps_asked)
        ).all()
    weeks, starts = rollup.week_bounds(rng)
    hours = ReportSurveyHour
    segment = rollup.segment(hours.hour, starts)
    outcome = {"kept": "kept", "late": "missed", "none": "none", "unanswered": "none"}
    grain: dict[Grain, int] = defaultdict(int)
    for index, channel, rating, nps_value, promise_value, asked, n in db.session.execute(
        select(segment, hours.channel, hours.rating, hours.nps, hours.promise, hours.nps_asked, func.sum(hours.surveys))
        .where(hours.hour >= bounds[0], hours.hour < bounds[1])
        .group_by(segment, hours.channel, hours.rating, hours.nps, hours.promise, hours.nps_asked)
    ):
        grain[(weeks[index], channel, rating or None, nps_value or None, outcome[promise_value], bool(asked))] += int(n)
    # An unanswered promise is missed once its instant has passed: those few are read raw, through
    # the unanswered-promises index.
    for wk, channel, rating, nps_value, asked, n in db.session.execute(
        select(week, Survey.channel, Survey.rating, nps_group, Survey.nps_asked, func.count())
        .select_from(Ticket).join(Survey, Survey.ticket_id == Ticket.id)
        .where(*where, Ticket.first_response_at.is_(None),
               Ticket.promise_due_at.is_not(None), Ticket.promise_due_at < now)
        .group_by(week, Survey.channel, Survey.rating, nps_group, Survey.nps_asked)
    ):
        grain[(iso_day(wk), channel, rating, nps_value, "none", bool(asked))] -= n
        grain[(iso_day(wk), channel, rating, nps_value, "missed", bool(asked))] += n
    return [(*key, n) for key, n in grain.items() if n]
