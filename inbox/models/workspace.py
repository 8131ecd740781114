"""What the agent workspace keeps: saved views, canned replies, mentions, presence sockets and
each team's assignment rule; plus the indexes that keep the queue fast at 100,000 open tickets."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, Text, and_, event
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models.messages import Message
from inbox.models.tickets import OPEN_STATUSES, Ticket
from inbox.models.types import UTCDateTime, utcnow

ASSIGNMENT_MODES = ("manual", "round_robin", "least_loaded")


class SavedView(db.Model):
    """A named set of queue filters: an agent's own, or shared with everyone when agent_id is null."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedReply(db.Model):
    """A reply template with sandboxed Jinja variables; team_id null means every team may use it."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Mention(db.Model):
    """An agent @mentioned in an internal note."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TeamAssignment(db.Model):
    """How a team's new tickets find an agent, and where round-robin left off."""

    __tablename__ = "team_assignment"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), default="manual")
    last_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AgentSocket(db.Model):
    """One open workspace connection; an agent with none left is away. Kept in the database
    because with several web processes no single process sees all of an agent's sockets.
    The process serving it stamps ``seen_at`` while it lives, so a row left by a process that
    died without closing its sockets is recognised and swept."""

    __tablename__ = "agent_sockets"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AutoAway(db.Model):
    """An agent set away by the system (last socket closed), so reconnecting makes them online
    again; an agent who chose away stays away."""

    __tablename__ = "agent_auto_away"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


_tickets = Ticket.__table__.c
_open = and_(_tickets.status.in_(OPEN_STATUSES), _tickets.merged_into_id.is_(None))

# The work order reads open tickets by (sla_due_at, id) and pages by keyset on the same pair; a
# partial index holding only open tickets keeps both an index range scan at any queue size.
Index("ix_tickets_open_work_order", _tickets.sla_due_at, _tickets.id, postgresql_where=_open, sqlite_where=_open)

# Search matches any part of a word in any script (Japanese and Korean have no spaces to split
# words on), which a trigram index answers on PostgreSQL; SQLite falls back to a scan.
_TRIGRAMS = DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql")
event.listen(db.metadata, "before_create", _TRIGRAMS)
Index(
    "ix_tickets_subject_trgm", _tickets.subject, postgresql_using="gin", postgresql_ops={"subject": "gin_trgm_ops"}
).ddl_if(dialect="postgresql")
Index(
    "ix_messages_text_trgm", Message.__table__.c.text, postgresql_using="gin", postgresql_ops={"text": "gin_trgm_ops"}
).ddl_if(dialect="postgresql")
