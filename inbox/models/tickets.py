"""Tickets and their event log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.extensions import db
from inbox.models.types import UTCDateTime, utcnow

STATUSES = ("new", "open", "pending", "on-hold", "solved", "closed")
OPEN_STATUSES = ("new", "open", "pending", "on-hold")
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_queue", "status", "sla_due_at"),
        Index("ix_tickets_customer_thread", "customer_id", "thread_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    subject: Mapped[str | None] = mapped_column(String(500))
    preview: Mapped[str | None] = mapped_column(String(200))
    thread_key: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_customer_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_agent_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    # SLA: which policy applied, its targets as due instants, and the clock's pauses.
    sla_policy_id: Mapped[int | None] = mapped_column()
    sla_policy_version: Mapped[int | None] = mapped_column()
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The soonest of the running targets: the queue is ordered by it.
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_paused_seconds: Mapped[float] = mapped_column(default=0.0)

    # The promise told to the customer: the instant, its quantile and the median estimate.
    promised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promise_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promise_median_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promise_quantile: Mapped[float | None] = mapped_column()

    customer = relationship("Customer")
    team = relationship("Team")
    assignee = relationship("Agent")
    messages = relationship("Message", back_populates="ticket", order_by="Message.id")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketEvent(db.Model):
    """Every change to a ticket, with who made it and when: reports and timelines read these."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_kind_time", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor_type: Mapped[str] = mapped_column(String(16), default="system")  # agent | customer | system
    actor_id: Mapped[int | None] = mapped_column()
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
