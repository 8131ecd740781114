"""Messages on a ticket, in and out, and their attachments."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from inbox.extensions import db
from inbox.models.types import UTCDateTime, utcnow

DIRECTIONS = ("inbound", "outbound", "note")
# received: inbound stored | queued: in the outbox | sent | failed: refused for good
DELIVERY_STATES = ("received", "queued", "sent", "failed", "delivered", "bounced")


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16), default="message")  # message | reply | notice | survey | update
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("customer_identities.id"))
    subject: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")
    # Stored as received; sanitised only when rendered, so a better sanitiser fixes old mail too.
    html: Mapped[str | None] = deferred(mapped_column(Text))
    raw: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    auto_kind: Mapped[str | None] = mapped_column(String(16))
    delivery_state: Mapped[str] = mapped_column(String(16), default="received")
    delivery_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    ticket = relationship("Ticket", back_populates="messages")
    author = relationship("Agent")
    identity = relationship("Identity")
    attachments = relationship("MessageAttachment", back_populates="message", order_by="MessageAttachment.id")

    @property
    def is_public_reply(self) -> bool:
        """An agent's reply the customer sees: what stops first-response clocks."""
        return self.direction == "outbound" and self.kind == "reply"


class MessageAttachment(db.Model):
    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column()
    storage_key: Mapped[str] = mapped_column(String(128))
    content_id: Mapped[str | None] = mapped_column(String(255))
    inline: Mapped[bool] = mapped_column(default=False)

    message = relationship("Message", back_populates="attachments")
