"""X (Twitter): public mentions and replies, and direct messages.

Inbound arrives by webhook (:mod:`channels.x.webhook`: the X Activity API, or the Account
Activity API v1.1) or by polling (:mod:`channels.x.polling`); both normalise to the same
:class:`channels.base.Inbound`. Outbound goes through :class:`channels.x.adapter.XAdapter` and a
real ``tweepy.Client``; without credentials the channel runs in sandbox mode.

Setting up an account: register ``<PUBLIC_URL>/channels/x/webhook`` as the app's V2 webhook
(X answers its CRC with ``X_CONSUMER_SECRET``) and subscribe the support account; set
``X_CONSUMER_KEY``, ``X_CONSUMER_SECRET``, ``X_ACCESS_TOKEN``, ``X_ACCESS_TOKEN_SECRET`` (the
account's OAuth 1.0a user context, needed to post and DM) and ``X_ACCOUNT_ID``. Without webhook
access, set ``X_POLLING=1`` (and ``X_BEARER_TOKEN`` for app-auth mention reads) instead.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from channels.base import Adapter, X
from channels.x.counting import MAX_POST_WEIGHT, count_x, split_for_x
from channels.x.settings import XSettings

__all__ = ["MAX_POST_WEIGHT", "blueprint", "count_x", "init_app", "make_adapter", "split_for_x"]


def make_adapter(config: Mapping[str, Any]) -> Adapter:
    settings = XSettings.from_config(config)
    if not settings.can_post:
        from channels.sandbox import SandboxAdapter

        return SandboxAdapter(X)
    from channels.x.adapter import XAdapter
    from channels.x.client import make_client
    from channels.x.state import DurableThreadProgress

    return XAdapter(make_client(settings), progress=DurableThreadProgress())


def init_app(app: Flask) -> None:
    """Register the polling job (it does nothing unless ``X_POLLING`` is set)."""
    from channels.x import polling  # noqa: F401 - registering is the import's effect


def __getattr__(name: str) -> Any:
    # The composer's counter and the outbox worker import this package without needing the
    # webhook views or the ingest path behind them.
    if name == "blueprint":
        from channels.x.webhook import blueprint

        return blueprint
    raise AttributeError(name)
