"""Satisfaction surveys sent after a ticket is solved, and the follow-ups a low rating opens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.extensions import db
from inbox.models.types import UTCDateTime, utcnow

# scheduled → sent → (rated); a scheduled survey is cancelled when the customer writes again or
# the ticket reopens, and suppressed when the automatic-message gate refuses it.
SURVEY_STATES = ("scheduled", "sent", "cancelled", "suppressed")
FOLLOW_UP_STATES = ("open", "done")


class Survey(db.Model):
    """One survey per solved ticket: the invitation, and the customer's answer once given.

    The answer lives on the same row so a second click changes the rating instead of adding one.
    ``nps_asked`` marks the surveys that carried the 0–10 question; the per-customer frequency cap
    reads them.
    """

    __tablename__ = "surveys"
    __table_args__ = (
        Index("ix_surveys_due", "state", "due_at"),
        # Covers the satisfaction report: an index-only scan of the range on PostgreSQL.
        Index("ix_surveys_sent", "sent_at",
              postgresql_include=["ticket_id", "channel", "rating", "nps_score", "nps_asked"]),
        Index("ix_surveys_customer_nps", "customer_id", "nps_asked", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="en")
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    state_reason: Mapped[str | None] = mapped_column(String(200))
    solved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    rating: Mapped[int | None] = mapped_column()  # 1–5
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nps_asked: Mapped[bool] = mapped_column(default=False)
    nps_score: Mapped[int | None] = mapped_column()  # 0–10
    nps_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    commented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket = relationship("Ticket")


class FollowUp(db.Model):
    """A task for a team lead: a customer rated a solved ticket 1 or 2."""

    __tablename__ = "survey_follow_ups"
    __table_args__ = (Index("ix_survey_follow_ups_assignee_state", "assignee_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    rating: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))

    survey = relationship("Survey")
    ticket = relationship("Ticket")
