"""Delivery status notifications (RFC 3464): who bounced, which of our mails, and why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from channels.email.mime import MailParts
from channels.email.threading import normalise_message_id


@dataclass(frozen=True)
class Bounce:
    recipient: str | None
    original_message_id: str | None
    action: str | None
    status: str | None
    diagnostic: str | None

    @property
    def permanent(self) -> bool:
        """RFC 3463: class 5 status codes are permanent failures; 4 is transient (a delay)."""
        if self.status:
            return self.status.startswith("5")
        return self.action == "failed"

    def as_meta(self) -> dict[str, object]:
        return {
            "recipient": self.recipient,
            "original_message_id": self.original_message_id,
            "action": self.action,
            "status": self.status,
            "diagnostic": self.diagnostic,
            "permanent": self.permanent,
        }


def read_bounce(parts: MailParts) -> Bounce | None:
    """The first failed recipient of a delivery-status report, or ``None`` if it is no DSN."""
    if parts.report_type != "delivery-status" and not parts.delivery_status:
        return None
    recipients = [b for b in parts.delivery_status if _field(b, "final-recipient") or _field(b, "original-recipient")]
    chosen = next((b for b in recipients if (_field(b, "action") or "").lower() == "failed"), None)
    chosen = chosen or (recipients[0] if recipients else None)
    original = parts.returned_headers.raw("message-id") if parts.returned_headers else None
    if chosen is None:
        return Bounce(None, normalise_message_id(original), None, None, None)
    return Bounce(
        recipient=_address(_field(chosen, "final-recipient") or _field(chosen, "original-recipient")),
        original_message_id=normalise_message_id(original),
        action=(_field(chosen, "action") or "").lower() or None,
        status=_status(_field(chosen, "status")),
        diagnostic=_field(chosen, "diagnostic-code"),
    )


def _field(block: Message, name: str) -> str | None:
    for key, value in block.raw_items():
        if key.lower() == name:
            return " ".join(str(value).split())
    return None


def _address(value: str | None) -> str | None:
    """``rfc822; user@example.com`` → ``user@example.com`` (RFC 3464 section 2.3.2)."""
    if not value:
        return None
    address = value.split(";", 1)[-1].strip().strip("<>").strip()
    return address.lower() if "@" in address else None


def _status(value: str | None) -> str | None:
    found = re.search(r"\b([245]\.\d{1,3}\.\d{1,3})\b", value or "")
    return found.group(1) if found else None
