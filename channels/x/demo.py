"""Signed, real-shaped X Activity API deliveries, for the demo traffic generator and the tests.

The bodies follow X's published event payloads (``post.mention.create``, ``post.reply.create``,
``dm.received``) field for field, so they exercise the same webhook route, signature check and
normaliser as traffic from X itself.
"""
from __future__ import annotations

import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from channels.x.signature import SIGNATURE_HEADER, sign

# Snowflake ids count milliseconds from X's epoch (2010-11-04T01:42:54.657Z) in their top bits.
_SNOWFLAKE_EPOCH_MS = 1288834974657


@dataclass(frozen=True)
class XUser:
    id: str
    username: str
    name: str

    def as_v2(self) -> dict[str, Any]:
        return {
            "id": self.id, "username": self.username, "name": self.name, "protected": False,
            "verified": False, "verified_type": "none", "description": "", "url": "",
            "created_at": "2020-01-01T00:00:00.000Z",
            "profile_image_url": "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png",
        }


def our_account(config: Mapping[str, Any]) -> XUser:
    """The support account the demo traffic writes to, from ``X_ACCOUNT_ID`` / ``X_ACCOUNT_HANDLE``."""
    handle = config.get("X_ACCOUNT_HANDLE") or "KeptSupport"
    return XUser(id=str(config.get("X_ACCOUNT_ID") or "1000000000000000001"), username=handle, name=handle)


def snowflake(at: float | None = None) -> str:
    """A new X-style id: time-ordered like X's, so "newer" compares as it does on X."""
    ms = int((at if at is not None else time.time()) * 1000)
    return str(((ms - _SNOWFLAKE_EPOCH_MS) << 22) | random.getrandbits(22))


def mention(
    author: XUser, text: str, *, account: XUser, in_reply_to: str | None = None,
    conversation_id: str | None = None, post_id: str | None = None, at: datetime | None = None,
    lang: str = "und",
) -> dict[str, Any]:
    """A ``post.mention.create`` (or, with ``in_reply_to``, ``post.reply.create``) envelope."""
    post_id = post_id or snowflake()
    post: dict[str, Any] = {
        "id": post_id,
        "text": text,
        "author_id": author.id,
        "conversation_id": conversation_id or (in_reply_to if in_reply_to else post_id),
        "created_at": _iso(at),
        "edit_history_tweet_ids": [post_id],
        "lang": lang,
        "possibly_sensitive": False,
        "reply_settings": "everyone",
        "display_text_range": [0, len(text)],
        "entities": {"mentions": _mentions(text, account)},
    }
    if in_reply_to:
        post["in_reply_to_tweet_id"] = in_reply_to
        post["in_reply_to_user_id"] = account.id
        post["referenced_tweets"] = [{"type": "replied_to", "id": in_reply_to}]
    event_type = "post.reply.create" if in_reply_to else "post.mention.create"
    return _envelope(post_id, event_type, "replies" if in_reply_to else "mentions", account, post,
                     {"users": [author.as_v2(), account.as_v2()], "tweets": [post]})


def direct_message(
    sender: XUser, text: str, *, account: XUser, event_id: str | None = None, at: datetime | None = None,
) -> dict[str, Any]:
    """A ``dm.received`` envelope with the ``users`` map X sends alongside."""
    event_id = event_id or snowflake()
    moment = at or datetime.now(UTC)
    payload = {
        "direct_message_events": [{
            "type": "message_create",
            "id": event_id,
            "created_timestamp": str(int(moment.timestamp() * 1000)),
            "message_create": {
                "target": {"recipient_id": account.id},
                "sender_id": sender.id,
                "message_data": {
                    "text": text,
                    "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
                },
            },
        }],
        "users": {sender.id: {"data": sender.as_v2()}, account.id: {"data": account.as_v2()}},
    }
    # dm.* event ids are opaque signed numbers, unrelated to the DM event id.
    return _envelope(str(-random.getrandbits(62)), "dm.received", "dm-inbound", account, payload, None)


def webhook_delivery(
    config: Mapping[str, Any], author: XUser, text: str, *, dm: bool = False, lang: str = "und",
    in_reply_to: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A customer's mention (or DM) to our account, signed as X would sign it for this install.

    POST the result to ``/channels/x/webhook`` (demo traffic, sandbox page, tests).
    """
    account = our_account(config)
    if dm:
        body = direct_message(author, text, account=account)
    else:
        if not text.startswith(f"@{account.username}"):
            text = f"@{account.username} {text}"
        body = mention(author, text, account=account, in_reply_to=in_reply_to, lang=lang)
    return signed_request(body, str(config.get("X_CONSUMER_SECRET") or ""))


def signed_request(body: Mapping[str, Any] | bytes, secret: str) -> tuple[bytes, dict[str, str]]:
    """The raw body and the headers X would send with it."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return raw, {SIGNATURE_HEADER: sign(secret, raw), "Content-Type": "application/json"}


def _envelope(uuid: str, event_type: str, tag: str, account: XUser, payload: Any, includes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event_uuid": uuid,
        "filter": {"user_id": account.id},
        "event_type": event_type,
        "tag": tag,
        "payload": payload,
    }
    if includes is not None:
        data["includes"] = includes
    return {"data": data}


def _mentions(text: str, account: XUser) -> list[dict[str, Any]]:
    handle = f"@{account.username}"
    start = text.find(handle)
    if start < 0:
        return []
    end = start + len(handle)
    return [{"start": start, "start_str": str(start), "end": end, "end_str": str(end),
             "username": account.username, "id": account.id}]


def _iso(at: datetime | None) -> str:
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
