"""Satisfaction: CSAT, NPS, response rate, comments and the weekly trend, from the surveys sent.

CSAT is the share of ratings that are 4 or 5. NPS is the share of promoters (9–10) minus the share
of detractors (0–6), times 100. Both count surveys sent in the range. CSAT is also split by whether
the ticket's promise was kept, the question every support lead asks.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from inbox.extensions import db
from inbox.models import Survey, Ticket, utcnow
from inbox.reports.output import Chart, Figure, Report, Table
from inbox.reports.promises import kept_expression
from inbox.reports.query import ReportRange, for_session, iso_day, share

COMMENTS = 50


def csat_columns():  # noqa: ANN201
    rated = func.count(Survey.rating)
    satisfied = func.sum(case((Survey.rating >= 4, 1), else_=0))
    return rated, satisfied


def nps(promoters: int | None, detractors: int | None, answers: int | None) -> float | None:
    if not answers:
        return None
    return round(((promoters or 0) - (detractors or 0)) * 100 / answers, 1)


def build(rng: ReportRange, now: datetime | None = None) -> Report:
    now = now or utcnow()
    dialect = for_session(db.session, rng)
    where = (Survey.sent_at >= rng.start, Survey.sent_at < rng.end)
    rated, satisfied = csat_columns()
    answers = func.count(Survey.nps_score)
    promoters = func.sum(case((Survey.nps_score >= 9, 1), else_=0))
    detractors = func.sum(case((Survey.nps_score <= 6, 1), else_=0))

    sent, n_rated, n_satisfied, n_answers, n_promoters, n_detractors, asked = db.session.execute(
        select(func.count(), rated, satisfied, answers, promoters, detractors,
               func.sum(case((Survey.nps_asked.is_(True), 1), else_=0))).where(*where)
    ).one()
    distribution = dict(db.session.execute(
        select(Survey.rating, func.count()).where(*where, Survey.rating.is_not(None)).group_by(Survey.rating)
    ).all())
    week = dialect.week(Survey.sent_at)
    by_week = {iso_day(w): row for w, *row in db.session.execute(
        select(week, func.count(), rated, satisfied, answers, promoters, detractors).where(*where).group_by(week)
    ).all()}
    by_channel = db.session.execute(
        select(Survey.channel, func.count(), rated, satisfied).where(*where).group_by(Survey.channel)
        .order_by(Survey.channel)
    ).all()
    kept = kept_expression(now)
    promise = case((kept == 1, "kept"), (kept == 0, "missed"), else_="none")
    by_promise = {p: (r, s) for p, r, s in db.session.execute(
        select(promise, rated, satisfied).select_from(Survey).join(Ticket, Ticket.id == Survey.ticket_id)
        .where(*where).group_by(promise)
    ).all()}
    comments = db.session.execute(
        select(Survey.ticket_id, Survey.rating, Survey.channel, Survey.commented_at, Survey.comment)
        .where(*where, Survey.comment.is_not(None)).order_by(Survey.commented_at.desc()).limit(COMMENTS)
    ).all()

    report = Report("satisfaction", _("Satisfaction"), rng)
    report.figures = [
        Figure("sent", _("Surveys sent"), sent),
        Figure("rated", _("Ratings"), n_rated),
        Figure("response_rate", _("Response rate"), share(n_rated, sent), "%"),
        Figure("csat", _("CSAT (4–5 of 5)"), share(n_satisfied, n_rated), "%"),
        Figure("nps", _("NPS"), nps(n_promoters, n_detractors, n_answers)),
        Figure("nps_answers", _("NPS answers"), n_answers),
        Figure("nps_asked", _("NPS questions asked"), int(asked or 0)),
    ]
    report.tables.append(Table("ratings", _("Ratings"), [_("Rating"), _("Answers")],
                               [[r, distribution.get(r, 0)] for r in range(1, 6)]))
    report.charts.append(Chart("ratings", "bar", _("Ratings"), "ratings", labels=[str(r) for r in range(1, 6)],
                               datasets=[{"label": _("Answers"),
                                          "data": [distribution.get(r, 0) for r in range(1, 6)]}]))
    weeks = rng.weeks()
    empty = (0, 0, 0, 0, 0, 0)
    week_rows = []
    for w in weeks:
        s, r, sat, a, p, d = by_week.get(w, empty)
        week_rows.append([w, s, r, share(r, s), share(sat, r), nps(p, d, a)])
    report.tables.append(Table("by_week", _("By week"), [_("Week"), _("Sent"), _("Rated"), _("Response rate"),
                                                         "CSAT", "NPS"], week_rows,
                               units=["", "", "", "%", "%", ""]))
    report.charts.append(Chart("csat-by-week", "line", _("CSAT and response rate by week"), "by_week", labels=weeks,
                               percent=True, datasets=[
                                   {"label": "CSAT", "data": [row[4] for row in week_rows]},
                                   {"label": _("Response rate"), "data": [row[3] for row in week_rows]}]))
    report.tables.append(Table("by_channel", _("By channel"), [_("Channel"), _("Sent"), _("Rated"), "CSAT"],
                               [[c, s, r, share(sat, r)] for c, s, r, sat in by_channel], units=["", "", "", "%"]))
    labels = {"kept": _("Promise kept"), "missed": _("Promise missed"), "none": _("No promise")}
    promise_rows = [[labels[k], by_promise.get(k, (0, 0))[0], share(by_promise.get(k, (0, 0))[1],
                                                                     by_promise.get(k, (0, 0))[0])]
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
