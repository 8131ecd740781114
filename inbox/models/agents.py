"""Agents (the people who answer), their teams and API tokens."""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from inbox.extensions import db
from inbox.models.types import UTCDateTime, utcnow

ROLES = ("agent", "admin")
PRESENCE = ("online", "away", "offline")

agent_teams = Table(
    "agent_teams",
    db.metadata,
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Channels this team takes new tickets from; empty means every channel.
    channels: Mapped[list] = mapped_column(JSON, default=list)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", use_alter=True))
    # The team's business calendar; SLA policies without a calendar of their own use it.
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id"))

    agents: Mapped[list[Agent]] = relationship(secondary=agent_teams, back_populates="teams")


class Agent(UserMixin, db.Model):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    languages: Mapped[list] = mapped_column(JSON, default=list)
    channels: Mapped[list] = mapped_column(JSON, default=list)
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    presence_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(default=3)
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=agent_teams, back_populates="agents")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive agents
        return self.active

    def set_password(self, password: str, method: str | None = None) -> None:
        self.password_hash = generate_password_hash(password, **({"method": method} if method else {}))

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def hash_token(token: str) -> str:
        # Tokens are long random strings, so a fast hash is enough; only the hash is stored.
        return hashlib.sha256(token.encode()).hexdigest()

    def team_ids(self) -> set[int]:
        return {team.id for team in self.teams}
