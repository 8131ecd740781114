"""The one place a ``tweepy.Client`` is built, so every call has a timeout and a JSON result."""
from __future__ import annotations

from typing import Any

import requests
import tweepy

from channels.x.settings import XSettings


class _TimeoutSession(requests.Session):
    # tweepy calls ``session.request`` without a timeout, and requests waits forever by default;
    # a hung connection would hold an outbox lease or a polling run indefinitely.
    def __init__(self, timeout: float):
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def make_client(settings: XSettings) -> tweepy.Client:
    client = tweepy.Client(
        bearer_token=settings.bearer_token,
        consumer_key=settings.consumer_key,
        consumer_secret=settings.consumer_secret,
        access_token=settings.access_token,
        access_token_secret=settings.access_token_secret,
        # Plain JSON dicts: the normalisers read the same shapes the webhooks deliver.
        return_type=dict,
        # Never sleep inside a job: a 429 becomes a scheduled retry (outbox) or a skipped run (polling).
        wait_on_rate_limit=False,
    )
    client.session = _TimeoutSession(settings.api_timeout)
    return client
