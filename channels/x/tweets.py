"""A post (tweet) addressed to us, in either API version, as an :class:`Inbound`.

The X Activity API and the v2 mentions timeline deliver the same v2 post object; the Account
Activity API delivers v1.1 statuses. Both come out identical for the same post: external id =
the post id, so a post seen by webhook and by polling is stored once.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from channels.base import Inbound, ThreadHints, X
from channels.x.fields import NotForUs, epoch_ms, expand_urls, iso_time, str_or_none
from channels.x.identities import identity, user_fields


def from_v2(
    post: Mapping[str, Any],
    users: Mapping[str, Mapping[str, Any]],
    *,
    ours: Collection[str],
    raw: bytes,
    source: str,
    extra_meta: Mapping[str, Any] | None = None,
) -> Inbound:
    """A v2 post object (Activity API ``payload``, mentions timeline ``data`` item)."""
    post_id = str(post["id"])
    author_id = str(post["author_id"])
    if author_id in ours:
        raise NotForUs("our own post")
    if any(ref.get("type") == "retweeted" for ref in post.get("referenced_tweets") or ()):
        raise NotForUs("a repost")
    # Posts over 280 weighted characters carry their full text in ``note_tweet``.
    note = post.get("note_tweet") or {}
    text = note.get("text") or post.get("text") or ""
    entities = note.get("entities") or post.get("entities") or {}
    in_reply_to = post.get("in_reply_to_tweet_id") or _replied_to(post)
    conversation_id = str(post.get("conversation_id") or (post_id if not in_reply_to else "")) or None
    sender = identity(author_id, users.get(author_id))
    meta = {
        "public": True,
        "kind": "reply" if in_reply_to else "mention",
        "tweet_id": post_id,
        "conversation_id": conversation_id,
        "in_reply_to_tweet_id": str(in_reply_to) if in_reply_to else None,
        "in_reply_to_user_id": str_or_none(post.get("in_reply_to_user_id")),
        "author_id": author_id,
        "handle": sender.handle,
        "url": _post_url(sender.handle, post_id),
        "source": source,
        **(extra_meta or {}),
    }
    return Inbound(
        channel=X,
        external_id=post_id,
        sender=sender,
        text=expand_urls(text, entities.get("urls") or ()),
        raw=raw,
        thread=_thread(in_reply_to, conversation_id),
        sent_at=iso_time(post.get("created_at")),
        language_hint=_language(post.get("lang")),
        meta=meta,
    )


def from_v1(status: Mapping[str, Any], *, ours: Collection[str], raw: bytes, source: str) -> Inbound:
    """A v1.1 status from the Account Activity API's ``tweet_create_events``."""
    user = status.get("user") or {}
    author_id = str(user.get("id_str") or user["id"])
    if author_id in ours:
        raise NotForUs("our own post")
    if status.get("retweeted_status"):
        raise NotForUs("a repost")
    in_reply_to = str_or_none(status.get("in_reply_to_status_id_str"))
    in_reply_to_user = str_or_none(status.get("in_reply_to_user_id_str"))
    mentioned = {str(m.get("id_str")) for m in _v1_entities(status).get("user_mentions") or ()}
    if in_reply_to_user not in ours and not (mentioned & set(ours)):
        # AAA also sends posts that merely quote us or that we were tagged in a photo of; only
        # mentions and replies to us are support requests.
        raise NotForUs("neither mentions nor replies to us")
    post_id = str(status["id_str"])
    extended = status.get("extended_tweet") or {}
    text = extended.get("full_text") or status.get("full_text") or status.get("text") or ""
    # v1.1 statuses have no conversation id; a post that replies to nothing starts its own.
    conversation_id = None if in_reply_to else post_id
    _, handle = user_fields(user)
    meta = {
        "public": True,
        "kind": "reply" if in_reply_to else "mention",
        "tweet_id": post_id,
        "conversation_id": conversation_id,
        "in_reply_to_tweet_id": in_reply_to,
        "in_reply_to_user_id": in_reply_to_user,
        "author_id": author_id,
        "handle": handle,
        "url": _post_url(handle, post_id),
        "source": source,
    }
    return Inbound(
        channel=X,
        external_id=post_id,
        sender=identity(author_id, user),
        text=expand_urls(text, _v1_entities(status).get("urls") or ()),
        raw=raw,
        thread=_thread(in_reply_to, conversation_id),
        sent_at=_v1_time(status),
        language_hint=_language(status.get("lang")),
        meta=meta,
    )


def _thread(in_reply_to: str | None, conversation_id: str | None) -> ThreadHints:
    # The post answered threads by reference (ours or the customer's earlier post); the
    # conversation key keeps a customer's posts in one public conversation on one ticket even
    # when they answer a post we never stored.
    return ThreadHints(
        references=(str(in_reply_to),) if in_reply_to else (),
        conversation_key=f"conv:{conversation_id}" if conversation_id else None,
    )


def _replied_to(post: Mapping[str, Any]) -> str | None:
    for ref in post.get("referenced_tweets") or ():
        if ref.get("type") == "replied_to":
            return str(ref["id"])
    return None


def _v1_entities(status: Mapping[str, Any]) -> Mapping[str, Any]:
    extended = status.get("extended_tweet") or {}
    return extended.get("entities") or status.get("entities") or {}


def _post_url(handle: str | None, post_id: str) -> str:
    return f"https://x.com/{handle or 'i/web'}/status/{post_id}"


def _language(lang: Any) -> str | None:
    # X reports "und" (undetermined), "qme" (media only), "zxx" (no text) and similar; only a
    # real two-letter ISO 639-1 code is a useful hint.
    if isinstance(lang, str) and len(lang) == 2 and lang.isalpha():
        return lang.lower()
    return None


def _v1_time(status: Mapping[str, Any]) -> datetime | None:
    if status.get("timestamp_ms"):
        return epoch_ms(status["timestamp_ms"])
    if status.get("created_at"):
        try:
            return parsedate_to_datetime(status["created_at"]).astimezone(UTC)
        except (TypeError, ValueError):
            return None
    return None
