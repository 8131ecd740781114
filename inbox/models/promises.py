"""What we promised each customer and how it turned out; notice wording; agents' presence history.

A :class:`Promise` row is written when a ticket is created and scored when the first public reply
comes. :class:`AgentPresenceLog` keeps every presence change so the wait predictor can replay
who was at work (``Agent.presence`` only knows the current state).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from inbox.extensions import db
from inbox.models.agents import Agent
from inbox.models.types import UTCDateTime, utcnow

OUTCOMES = ("kept", "late", "withdrawn")


class Promise(db.Model):
    """One wait promise: when it was made, what was promised, on what evidence, and the outcome.

    ``due_at`` is the instant told to the customer (the forecast read at the calibrated level for
    quantile ``quantile``), ``median_at`` the middle estimate. ``revised_due_at`` is set when an
    honest update told the customer a later time. ``pinball`` is the quantile loss in minutes and
    ``padding`` promised ÷ actual wait (both over at least a minute), as the backtest scores them.
    """

    __tablename__ = "promises"
    __table_args__ = (Index("ix_promises_outcome_made", "outcome", "made_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    channel: Mapped[str] = mapped_column(String(16))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    quantile: Mapped[float] = mapped_column()
    level: Mapped[float] = mapped_column()
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    median_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    open_now: Mapped[bool] = mapped_column(default=True)
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revised_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wait_seconds: Mapped[float | None] = mapped_column()
    pinball: Mapped[float | None] = mapped_column()
    padding: Mapped[float | None] = mapped_column()


class NoticeTemplate(db.Model):
    """An admin's wording of one notice (``kind`` notice or update) on one channel in one language.

    ``variant`` separates the two X shapes: ``public`` (a reply to a public mention) and ``private``
    (a DM); other channels use ``default``. A missing row means the built-in wording.
    """

    __tablename__ = "notice_templates"
    __table_args__ = (UniqueConstraint("channel", "variant", "language", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    variant: Mapped[str] = mapped_column(String(16), default="default")
    language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16), default="notice")
    subject: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))


class AgentPresenceLog(db.Model):
    """One presence change of one agent (online, away, offline), in time order."""

    __tablename__ = "agent_presence_log"
    __table_args__ = (Index("ix_agent_presence_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agent = relationship(Agent)


@event.listens_for(Session, "before_flush")
def _log_presence_changes(session: Session, _context, _instances) -> None:  # noqa: ANN001
    # Every way presence changes (the agent's choice, auto-away, an admin, a fixture) passes a
    # flush, so the log is complete without each writer remembering to append to it.
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Agent):
            continue
        state = inspect(obj)
        history = state.attrs.presence.history
        if state.pending:
            changed = obj.presence not in (None, "offline")
        else:
            changed = history.has_changes() and obj.presence not in history.deleted
        if changed:
            stamped = state.pending or state.attrs.presence_changed_at.history.has_changes()
            at = obj.presence_changed_at if stamped and obj.presence_changed_at else utcnow()
            session.add(AgentPresenceLog(agent=obj, state=obj.presence, at=at))
