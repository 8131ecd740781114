"""The reports' pre-aggregation: counts per UTC hour, response times per ticket, and change marks.

``report_hours`` holds, per UTC hour of ticket creation × channel × team × priority, the tickets
created and each SLA metric's decided and met clocks. ``report_times`` holds one row per ticket and
response-time measure (its seconds and a log-scale bucket) and ``report_time_counts`` the bucket
counts per UTC day, so a percentile is found by summing counts and then reading the raw values of
one bucket only. ``report_survey_hours`` counts surveys per UTC hour of sending and answer, and
``report_backlog_hours`` holds the backlog change of each UTC hour of events.

Hours are counted from the Unix epoch (``hour = epoch seconds // 3600``), so any zone whose offset
is a whole number of hours can sum local days and weeks from them.

A write that can change a figure leaves a mark in ``report_changes`` in the same transaction (a
flush listener below), and :mod:`inbox.reports.rollup` recomputes the marked hours from raw rows.
Marking at flush, rather than scanning ``updated_at`` since a watermark, cannot miss a transaction
that commits late with an older timestamp.
"""
from __future__ import annotations

from datetime import datetime
from itertools import chain

from sqlalchemy import Index, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from inbox.extensions import db
from inbox.models.sla import TicketSLAMetric
from inbox.models.surveys import Survey
from inbox.models.tickets import Ticket, TicketEvent
from inbox.models.types import UTCDateTime

# Event kinds the backlog walk reads (see inbox.reports.volume).
BACKLOG_EVENTS = ("ticket.created", "status.changed")


class ReportHour(db.Model):
    """Tickets created in one UTC hour in one channel, team and priority, their SLA clocks (all,
    decided — met or breached — and met, per metric) and their promises."""

    __tablename__ = "report_hours"

    hour: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    team_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # 0: no team
    priority: Mapped[str] = mapped_column(String(16), primary_key=True)
    tickets: Mapped[int] = mapped_column(default=0)
    first_response_clocks: Mapped[int] = mapped_column(default=0)
    first_response_decided: Mapped[int] = mapped_column(default=0)
    first_response_met: Mapped[int] = mapped_column(default=0)
    next_response_clocks: Mapped[int] = mapped_column(default=0)
    next_response_decided: Mapped[int] = mapped_column(default=0)
    next_response_met: Mapped[int] = mapped_column(default=0)
    resolution_clocks: Mapped[int] = mapped_column(default=0)
    resolution_decided: Mapped[int] = mapped_column(default=0)
    resolution_met: Mapped[int] = mapped_column(default=0)
    # Promises whose outcome no longer depends on the clock: answered in time, or answered late.
    # Unanswered ones turn from running to missed as time passes, so reports count them raw.
    promised: Mapped[int] = mapped_column(default=0)
    promise_kept: Mapped[int] = mapped_column(default=0)
    promise_late: Mapped[int] = mapped_column(default=0)


class ReportBreach(db.Model):
    """One breached SLA clock (as the SLA report counts breaches), under its ticket's creation hour:
    the latest breaches of a range are a top-N of the range's rows instead of a walk through every
    newer breach (which the clocks table, without the ticket's creation time, could not avoid)."""

    __tablename__ = "report_breaches"
    __table_args__ = (
        Index("ix_report_breaches_hour", "hour",
              postgresql_include=["breached_at", "ticket_id", "metric", "channel", "team_id", "priority", "due_at"]),
    )

    clock_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hour: Mapped[int] = mapped_column()
    ticket_id: Mapped[int] = mapped_column()
    metric: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column()
    priority: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReportTime(db.Model):
    """One measured time of one ticket; ``hour`` is the ticket's creation hour."""

    __tablename__ = "report_times"
    __table_args__ = (
        # Reads one bucket's values over a range of hours: the exact step of a percentile.
        Index("ix_report_times_bucket", "measure", "bucket", "hour", postgresql_include=["channel", "seconds"]),
    )

    # Led by the hour (a function of the ticket, so still one row per ticket and measure): the key
    # also serves recomputing an hour and counting the partial days at a range's ends.
    hour: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    measure: Mapped[str] = mapped_column(String(32), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(16))
    bucket: Mapped[int] = mapped_column()
    seconds: Mapped[float] = mapped_column()


class ReportTimeCount(db.Model):
    __tablename__ = "report_time_counts"

    day: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # epoch hour // 24
    measure: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column()


class ReportSurveyHour(db.Model):
    """Surveys sent in one UTC hour, by channel, answer and the ticket's promise.

    ``rating`` 0 and ``nps`` "" mean no answer. ``promise`` is kept, late, none, or unanswered: a
    promise with no reply yet, which is missed once its instant passes, so reports split it at read.
    """

    __tablename__ = "report_survey_hours"

    hour: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    rating: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    nps: Mapped[str] = mapped_column(String(10), primary_key=True)
    promise: Mapped[str] = mapped_column(String(10), primary_key=True)
    nps_asked: Mapped[bool] = mapped_column(primary_key=True)
    surveys: Mapped[int] = mapped_column()


class ReportBacklogHour(db.Model):
    __tablename__ = "report_backlog_hours"

    hour: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    delta: Mapped[int] = mapped_column()


class ReportChange(db.Model):
    """A mark: ``ticket`` (value = ticket id), ``hour`` (a creation hour), ``events`` (an event hour),
    ``survey`` (a sending hour) or ``all`` (rebuild everything; the migration leaves one)."""

    __tablename__ = "report_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    value: Mapped[int | None] = mapped_column()


def epoch_hour(moment: datetime) -> int:
    return int(moment.timestamp()) // 3600


@event.listens_for(Session, "after_flush")
def _mark_changes(session: Session, _context) -> None:  # noqa: ANN001
    # Still inside the flush's transaction: the marks commit or roll back with the change itself.
    marks: set[tuple[str, int]] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Ticket):
            if obj in session.deleted or inspect(obj).attrs.created_at.history.deleted:
                # Its row is gone (or moved hour): the old hour cannot be found from the ticket any more.
                for created in inspect(obj).attrs.created_at.history.deleted or [obj.created_at]:
                    if created is not None:
                        marks.add(("hour", epoch_hour(created)))
            if obj.id is not None and obj not in session.deleted:
                marks.add(("ticket", obj.id))
        elif isinstance(obj, TicketSLAMetric) and obj.ticket_id is not None:
            marks.add(("ticket", obj.ticket_id))
        elif isinstance(obj, Survey):
            history = inspect(obj).attrs.sent_at.history
            for sent in (*history.deleted, obj.sent_at):
                if sent is not None:
                    marks.add(("survey", epoch_hour(sent)))
        elif isinstance(obj, TicketEvent) and obj.ticket_id is not None:
            # An event is how Core-level updates (an SLA breach claimed by the timer) announce themselves.
            marks.add(("ticket", obj.ticket_id))
            if obj.kind in BACKLOG_EVENTS and obj.created_at is not None:
                marks.add(("events", epoch_hour(obj.created_at)))
    if marks:
        session.connection().execute(insert(ReportChange.__table__),
                                     [{"scope": scope, "value": value} for scope, value in sorted(marks)])
