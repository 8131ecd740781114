"""Delivering replies on X: a public reply, a numbered thread, or a DM.

Which one is the agent's choice in the composer (``Outbound.meta["x_mode"]``), with one rule the
adapter enforces itself: a ticket that began as a DM is answered by DM, whatever the mode says,
because a public post must never carry what a customer told us privately.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import requests
import tweepy

from channels.base import DeliveryError, DeliveryResult, Outbound, X
from channels.x.counting import MAX_POST_WEIGHT, count_x, split_for_x

PUBLIC, THREAD, DM = "public", "thread", "dm"
# X answers 429 with x-rate-limit-reset; without it, wait out a whole 15-minute window.
DEFAULT_RATE_LIMIT_WAIT = 15 * 60


class ThreadProgress(Protocol):
    """Remembers the posts of a thread already published, so a retry continues it."""

    def posted(self, key: str) -> list[str]: ...

    def record(self, key: str, post_ids: list[str]) -> None: ...

    def done(self, key: str) -> None: ...


class MemoryProgress:
    def __init__(self) -> None:
        self._posts: dict[str, list[str]] = {}

    def posted(self, key: str) -> list[str]:
        return list(self._posts.get(key, ()))

    def record(self, key: str, post_ids: list[str]) -> None:
        self._posts[key] = list(post_ids)

    def done(self, key: str) -> None:
        self._posts.pop(key, None)


class XAdapter:
    name = X

    def __init__(
        self,
        client: tweepy.Client,
        *,
        progress: ThreadProgress | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.client = client
        self.progress = progress or MemoryProgress()
        self.clock = clock

    def send(self, outbound: Outbound) -> DeliveryResult:
        mode = delivery_mode(outbound)
        if mode == DM:
            return self._direct_message(outbound)
        reply_to = _reply_target(outbound)
        if mode == THREAD:
            return self._thread(outbound, reply_to)
        weight = count_x(outbound.text)
        if weight > MAX_POST_WEIGHT:
            raise DeliveryError(
                f"Too long for one post ({weight}/{MAX_POST_WEIGHT}); send it as a thread or a DM.",
                retryable=False,
            )
        with self._x_errors():
            response = self.client.create_tweet(text=outbound.text, in_reply_to_tweet_id=reply_to)
        post_id = str(response["data"]["id"])
        return DeliveryResult(external_ids=(post_id,), detail=f"post {post_id}")

    def _thread(self, outbound: Outbound, reply_to: str) -> DeliveryResult:
        parts = split_for_x(outbound.text)
        # A thread is several calls; if one fails, the retry must continue after the parts
        # already published rather than post them again (X refuses duplicates with a 403).
        posted = self.progress.posted(outbound.idempotency_key)
        previous = posted[-1] if posted else reply_to
        for part in parts[len(posted):]:
            with self._x_errors():
                response = self.client.create_tweet(text=part, in_reply_to_tweet_id=previous)
            previous = str(response["data"]["id"])
            posted.append(previous)
            self.progress.record(outbound.idempotency_key, posted)
        self.progress.done(outbound.idempotency_key)
        return DeliveryResult(external_ids=tuple(posted), detail=f"thread of {len(posted)} posts")

    def _direct_message(self, outbound: Outbound) -> DeliveryResult:
        with self._x_errors():
            response = self.client.create_direct_message(
                participant_id=outbound.recipient.external_id, text=outbound.text
            )
        event_id = str(response["data"]["dm_event_id"])
        return DeliveryResult(external_ids=(event_id,), detail=f"DM {event_id}")

    @contextmanager
    def _x_errors(self) -> Iterator[None]:
        """Translate X's answers into the outbox's retry decision (X API v2 "Response codes")."""
        try:
            yield
        except tweepy.TooManyRequests as error:
            raise DeliveryError(
                f"X rate limit reached: {_message(error)}", retryable=True, retry_after=self._wait(error)
            ) from error
        except tweepy.TwitterServerError as error:
            raise DeliveryError(f"X is unavailable: {_message(error)}", retryable=True) from error
        except tweepy.HTTPException as error:
            # 400 and 403 (duplicate content, a blocked or protected account, a closed DM) and
            # 401/404 cannot succeed by retrying; the agent sees X's own words on the ticket.
            raise DeliveryError(_message(error), retryable=False) from error
        except requests.RequestException as error:
            raise DeliveryError(f"Could not reach X: {error}", retryable=True) from error

    def _wait(self, error: tweepy.TooManyRequests) -> float:
        if error.reset_time is not None:
            return max(0.0, error.reset_time - self.clock())
        retry_after = error.response.headers.get("retry-after")
        if retry_after and retry_after.isdigit():
            return float(retry_after)
        return float(DEFAULT_RATE_LIMIT_WAIT)


def delivery_mode(outbound: Outbound) -> str:
    """public, thread or dm for this delivery."""
    meta = outbound.meta
    replied: dict[str, Any] = meta.get("reply_to_meta") or {}
    private = replied.get("public") is False or str(meta.get("thread_key") or "").startswith("dm:")
    if private:
        return DM
    requested = meta.get("x_mode")
    if requested in (PUBLIC, THREAD, DM):
        return requested
    if not meta.get("reply_to"):
        return DM  # nothing public to answer, and a new public post would be a broadcast
    return PUBLIC


def _reply_target(outbound: Outbound) -> str:
    target = outbound.meta.get("reply_to") or (outbound.references[-1] if outbound.references else None)
    if not target:
        raise DeliveryError("No post to reply to on X; send it as a DM.", retryable=False)
    return str(target)


def _message(error: tweepy.HTTPException) -> str:
    messages = [message for message in error.api_messages if message]
    if messages:
        return "; ".join(messages)
    return str(error).strip() or f"X answered {error.response.status_code}"
