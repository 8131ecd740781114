"""Polling fallback for accounts without webhook access: mentions and DMs read on a timer.

Each stream keeps a durable cursor (the newest id ingested) and a "not before" instant set from
``x-rate-limit-reset`` after a 429, so a restart neither misses nor repeats, and a rate-limited
account is left alone until X says it may ask again instead of being hammered every run.
Messages go through the same normalisers and ingest path as the webhook, with the same external
ids, so a post seen both ways is stored once.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy
from flask import current_app

from channels.base import Inbound, X
from channels.x import dms, state, tweets
from channels.x.client import make_client
from channels.x.fields import NotForUs, raw_record
from channels.x.identities import users_by_id
from channels.x.settings import XSettings
from inbox import quarantine
from inbox.ingest import ingest
from inbox.jobs import job

log = logging.getLogger(__name__)

MENTIONS, DMS = "mentions", "dms"
# A first run (no cursor yet) looks back this far, not over the account's whole history.
FIRST_RUN_LOOKBACK = timedelta(hours=24)
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
PAGE_SIZE = 100

TWEET_FIELDS = ["author_id", "conversation_id", "created_at", "entities", "in_reply_to_user_id",
                "lang", "note_tweet", "referenced_tweets"]
DM_FIELDS = ["id", "text", "event_type", "created_at", "sender_id", "dm_conversation_id", "attachments"]
USER_FIELDS = ["username", "name"]


@dataclass
class PollReport:
    stored: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)


# The job wakes often and cheaply; X_POLL_SECONDS decides how often X is actually asked.
@job("x.poll", every=15.0)
def poll_job() -> PollReport | None:
    settings = XSettings.from_config(current_app.config)
    if not (settings.polling and settings.can_poll):
        return None
    return poll(make_client(settings), settings)


def poll(client: tweepy.Client, settings: XSettings, now: datetime | None = None) -> PollReport:
    """Read new mentions and DMs once, if each stream is due; ingest them oldest first."""
    now = now or datetime.now(UTC)
    report = PollReport()
    if not settings.account_id:
        raise ValueError("polling X needs X_ACCOUNT_ID, the support account's user id")
    ours = frozenset({settings.account_id})
    _run_stream(MENTIONS, now, settings, report,
                lambda cursor: _new_mentions(client, settings, cursor, now),
                lambda item, users: tweets.from_v2(item, users, ours=ours, raw=_raw(item, users), source="poll"))
    _run_stream(DMS, now, settings, report,
                lambda cursor: _new_dm_events(client, cursor, now),
                lambda item, users: dms.from_v2_event(item, users, ours=ours, raw=_raw(item, users), source="poll"))
    return report


def _run_stream(
    stream: str, now: datetime, settings: XSettings, report: PollReport,
    fetch: Callable[[str | None], list[tuple[dict, dict]]],
    normalise: Callable[[dict, dict], Inbound],
) -> None:
    cursor = state.load(f"poll.{stream}")
    due = cursor.get("next_at")
    if due and datetime.fromisoformat(due) > now:
        report.skipped.append(f"{stream}: not before {due}")
        return
    try:
        items = fetch(cursor.get("since_id"))
    except tweepy.TooManyRequests as error:
        resume = _resume_at(error, now)
        state.save(f"poll.{stream}", {**cursor, "next_at": resume.isoformat()})
        log.warning("X %s rate-limited; next poll at %s", stream, resume.isoformat())
        report.skipped.append(f"{stream}: rate limited until {resume.isoformat()}")
        return
    except (tweepy.TweepyException, requests.RequestException) as error:
        # Nothing is lost by failing a run: the cursor has not moved, the next run asks again.
        log.warning("X %s poll failed: %s", stream, error)
        report.skipped.append(f"{stream}: {error}")
        return
    # Oldest first, moving the cursor after each message, so a crash part-way resumes after the
    # last message actually stored.
    for item, users in sorted(items, key=lambda pair: int(pair[0]["id"])):
        try:
            result = ingest(normalise(item, users))
        except NotForUs:
            pass
        except (KeyError, TypeError, ValueError) as error:
            quarantine.keep(X, raw_record(item), f"{stream} poll: unreadable ({error})", {"route": "poll"})
        else:
            if result.duplicate:
                report.duplicates += 1
            else:
                report.stored += 1
        cursor = {**cursor, "since_id": item["id"]}
        state.save(f"poll.{stream}", cursor)
    next_at = now + timedelta(seconds=settings.poll_seconds)
    state.save(f"poll.{stream}", {**cursor, "next_at": next_at.isoformat()})


def _new_mentions(client: tweepy.Client, settings: XSettings, since_id: str | None, now: datetime) -> list[tuple]:
    params: dict[str, Any] = {
        "max_results": PAGE_SIZE, "tweet_fields": TWEET_FIELDS, "expansions": ["author_id"],
        "user_fields": USER_FIELDS,
        # App-only auth (the bearer token) has its own, larger rate limit; fall back to the user.
        "user_auth": not settings.bearer_token,
    }
    if since_id:
        params["since_id"] = since_id
    else:
        params["start_time"] = now - FIRST_RUN_LOOKBACK
    found = []
    for page in _pages(lambda token: client.get_users_mentions(settings.account_id, pagination_token=token, **params)):
        users = users_by_id((page.get("includes") or {}).get("users"))
        found.extend((post, users) for post in page.get("data") or ())
    return found


def _new_dm_events(client: tweepy.Client, since_id: str | None, now: datetime) -> list[tuple]:
    """DM events newer than ``since_id``; the DM lookup has no ``since_id``, so page until we meet it.

    Events come newest first with time-ordered ids, so everything after the first id at or below
    the cursor has been seen. A first run takes what is newer than the lookback window.
    """
    floor = now - FIRST_RUN_LOOKBACK
    found = []
    for page in _pages(lambda token: client.get_direct_message_events(
        pagination_token=token, max_results=PAGE_SIZE, event_types="MessageCreate",
        dm_event_fields=DM_FIELDS, expansions=["sender_id"], user_fields=USER_FIELDS,
    )):
        users = users_by_id((page.get("includes") or {}).get("users"))
        for event in page.get("data") or ():
            if since_id and int(event["id"]) <= int(since_id):
                return found
            created = event.get("created_at")
            if not since_id and created and datetime.fromisoformat(created) < floor:
                return found
            found.append((event, users))
    return found


def _pages(call: Callable[[str | None], dict]) -> Iterator[dict]:
    token = None
    while True:
        page = call(token)
        yield page
        token = (page.get("meta") or {}).get("next_token")
        if not token:
            return


def _resume_at(error: tweepy.TooManyRequests, now: datetime) -> datetime:
    if error.reset_time is not None:
        return max(now, datetime.fromtimestamp(error.reset_time, tz=UTC))
    return now + DEFAULT_RATE_LIMIT_WAIT


def _raw(item: dict, users: dict) -> bytes:
    author = users.get(str(item.get("author_id") or item.get("sender_id")))
    return raw_record({"data": item, "includes": {"users": [author] if author else []}})

