"""The email channel's settings, read once from the app config (see ``config.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# SendGrid Inbound Parse refuses mail above 30 MB, so a bigger POST is not from SendGrid.
SENDGRID_INBOUND_MAX_BYTES = 30 * 1024 * 1024


@dataclass(frozen=True)
class EmailSettings:
    support_address: str = "support@kept.example"
    support_name: str = "Kept Support"
    message_id_domain: str = "kept.example"
    inbound_username: str | None = None
    inbound_password: str | None = None
    inbound_max_bytes: int = SENDGRID_INBOUND_MAX_BYTES
    sendgrid_api_key: str | None = None
    sendgrid_api_host: str = "https://api.sendgrid.com"
    sendgrid_timeout: float = 20.0
    event_public_key: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EmailSettings:
        default = cls()
        return cls(
            support_address=config.get("SUPPORT_EMAIL_ADDRESS") or default.support_address,
            support_name=config.get("SUPPORT_EMAIL_NAME") or default.support_name,
            message_id_domain=config.get("EMAIL_MESSAGE_ID_DOMAIN") or default.message_id_domain,
            inbound_username=config.get("INBOUND_EMAIL_USERNAME") or None,
            inbound_password=config.get("INBOUND_EMAIL_PASSWORD") or None,
            inbound_max_bytes=int(config.get("INBOUND_EMAIL_MAX_BYTES") or default.inbound_max_bytes),
            sendgrid_api_key=config.get("SENDGRID_API_KEY") or None,
            sendgrid_api_host=config.get("SENDGRID_API_HOST") or default.sendgrid_api_host,
            sendgrid_timeout=float(config.get("SENDGRID_TIMEOUT") or default.sendgrid_timeout),
            event_public_key=config.get("SENDGRID_EVENT_PUBLIC_KEY") or None,
        )

    @property
    def support_local_part(self) -> str:
        return self.support_address.rpartition("@")[0].lower()

    @property
    def support_domain(self) -> str:
        return self.support_address.rpartition("@")[2].lower()

    def ticket_address(self, ticket_id: int) -> str:
        """The reply-to address that carries a ticket token (``support+t123@domain``)."""
        return f"{self.support_local_part}+t{ticket_id}@{self.support_domain}"
