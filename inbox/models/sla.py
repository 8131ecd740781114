"""Service levels: business calendars, ordered policies, and each ticket's measured clocks."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models.types import UTCDateTime, utcnow

METRICS = ("first_response", "next_response", "resolution")
OUTCOMES = ("met", "breached", "cancelled")
ESCALATE_ON = ("warning", "breach")


class BusinessCalendarRecord(db.Model):
    """A calendar as an admin saved it; :mod:`inbox.sla.calendars` turns it into a BusinessCalendar.

    ``weekly`` maps day names (``mon`` … ``sun``) to lists of ``["HH:MM", "HH:MM"]``;
    ``closed_dates`` is a list of ISO dates; ``special_hours`` maps an ISO date to intervals.
    """

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    weekly: Mapped[dict] = mapped_column(JSON, default=dict)
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(16))
    closed_dates: Mapped[list] = mapped_column(JSON, default=list)
    special_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Bumped on every edit, so an admin can tell which definition the clocks ran on.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def spec(self) -> dict[str, Any]:
        """The definition in :meth:`BusinessCalendar.from_spec` form."""
        spec: dict[str, Any] = {
            "timezone": self.timezone,
            "hours": dict(self.weekly or {}),
            "holidays": list(self.closed_dates or []),
        }
        if self.holiday_country:
            spec["holiday_country"] = self.holiday_country
        if self.holiday_subdivision:
            spec["holiday_subdivision"] = self.holiday_subdivision
        if self.special_hours:
            spec["special_hours"] = dict(self.special_hours)
        return spec

    def closed_date_values(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.closed_dates or []]


class SLAPolicy(db.Model):
    """Targets for the tickets it matches; the first enabled policy by ``position`` applies.

    A condition left empty matches anything. Targets are business seconds on the policy's
    calendar (or the ticket team's; see ``inbox.sla.calendars``). Every edit bumps ``version``,
    which tickets record next to the policy id.
    """

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0, index=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    channels: Mapped[list] = mapped_column(JSON, default=list)
    priorities: Mapped[list] = mapped_column(JSON, default=list)
    team_ids: Mapped[list] = mapped_column(JSON, default=list)
    customer_tags: Mapped[list] = mapped_column(JSON, default=list)
    customer_tiers: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)

    first_response_seconds: Mapped[int | None] = mapped_column()
    next_response_seconds: Mapped[int | None] = mapped_column()
    resolution_seconds: Mapped[int | None] = mapped_column()
    # At most one of the two: warn when this share of a target has elapsed, or this long before it.
    warn_percent: Mapped[int | None] = mapped_column()
    warn_seconds_before: Mapped[int | None] = mapped_column()
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id"))

    escalate_on: Mapped[str] = mapped_column(String(16), default="breach")
    escalate_priority: Mapped[str | None] = mapped_column(String(16))
    escalate_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    escalate_notify_lead: Mapped[bool] = mapped_column(default=False)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def target_seconds(self, metric: str) -> int | None:
        return getattr(self, f"{metric}_seconds")


class TicketSLAMetric(db.Model):
    """One run of one clock on one ticket, kept after it stops for reports.

    Running: ``stopped_at`` is None. Paused: ``paused_at`` is set and no due time is known.
    ``elapsed_seconds`` is the business time counted up to ``segment_started_at`` (the start of
    the current running stretch); ``next_fire_at`` is the next warning or breach still to fire, and
    is None when nothing is left to fire, so the safety sweep reads only live rows by index.
    """

    __tablename__ = "ticket_sla_metrics"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric", "cycle"),
        Index("ix_ticket_sla_metrics_next_fire", "next_fire_at"),
        Index("ix_ticket_sla_metrics_report", "metric", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    metric: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(default=1)
    policy_id: Mapped[int | None] = mapped_column()
    policy_version: Mapped[int | None] = mapped_column()
    calendar_id: Mapped[int | None] = mapped_column()
    target_seconds: Mapped[int] = mapped_column()
    warn_after_seconds: Mapped[float | None] = mapped_column()

    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    segment_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    elapsed_seconds: Mapped[float] = mapped_column(default=0.0)
    paused_seconds: Mapped[float] = mapped_column(default=0.0)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    business_seconds: Mapped[float | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(16))

    @property
    def running(self) -> bool:
        return self.stopped_at is None and self.paused_at is None
