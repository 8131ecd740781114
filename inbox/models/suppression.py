"""Addresses we stop sending automatic mail to after they bounced."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models.types import UTCDateTime, utcnow


class EmailSuppression(db.Model):
    """One address whose mail hard-bounced; automatic mail to it waits until ``suppressed_until``."""

    __tablename__ = "email_suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    original_message_id: Mapped[str | None] = mapped_column(String(500))
    bounce_count: Mapped[int] = mapped_column(default=1)
    last_bounced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    suppressed_until: Mapped[datetime] = mapped_column(UTCDateTime)
