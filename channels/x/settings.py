"""The X channel's settings, read once from the app config (see ``config.py``)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class XSettings:
    consumer_key: str | None = None
    consumer_secret: str | None = None
    access_token: str | None = None
    access_token_secret: str | None = None
    bearer_token: str | None = None
    account_id: str | None = None
    account_handle: str | None = None
    polling: bool = False
    poll_seconds: float = 120.0
    api_timeout: float = 20.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> XSettings:
        default = cls()
        return cls(
            consumer_key=config.get("X_CONSUMER_KEY") or None,
            consumer_secret=config.get("X_CONSUMER_SECRET") or None,
            access_token=config.get("X_ACCESS_TOKEN") or None,
            access_token_secret=config.get("X_ACCESS_TOKEN_SECRET") or None,
            bearer_token=config.get("X_BEARER_TOKEN") or None,
            account_id=str(config["X_ACCOUNT_ID"]) if config.get("X_ACCOUNT_ID") else None,
            account_handle=config.get("X_ACCOUNT_HANDLE") or None,
            polling=bool(config.get("X_POLLING", default.polling)),
            poll_seconds=float(config.get("X_POLL_SECONDS") or default.poll_seconds),
            api_timeout=float(config.get("X_API_TIMEOUT") or default.api_timeout),
        )

    @property
    def can_post(self) -> bool:
        """Posting and DMs need OAuth 1.0a user context: all four keys of the account's app."""
        return all((self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret))

    @property
    def can_poll(self) -> bool:
        return self.can_post and bool(self.account_id)
