"""A verified webhook body, in either of X's formats, as the customer messages it carries.

Two formats reach the one webhook URL:

* the **X Activity API** over V2 webhooks (the successor, primary): one event per body in the
  envelope ``{"data": {"event_uuid", "filter", "event_type", "payload", "includes"}}``;
* the **Account Activity API** v1.1 (ends 2027-01-01): ``{"for_user_id", "tweet_create_events":
  [...], "direct_message_events": [...], "users": {...}}`` and other ``*_events`` keys.

Customers' posts and DMs become :class:`Inbound` values; our own echoes, likes, follows, profile
changes and every kind we do not use are acknowledged and listed in ``ignored``; an event of a
kind we use but cannot read goes to ``unreadable`` for quarantine rather than failing the body.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from channels.base import Inbound
from channels.x import dms, tweets
from channels.x.fields import NotForUs
from channels.x.identities import users_by_id

ACTIVITY_CUSTOMER_POSTS = ("post.mention.create", "post.reply.create")
ACTIVITY_DM = "dm.received"
# Our own posts and DMs, echoed back because the subscription covers our account.
ACTIVITY_ECHOES = ("post.create", "dm.sent")


@dataclass
class ParsedBody:
    inbound: list[Inbound] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, Any]] = field(default_factory=list)  # (reason, event)


def parse(body: Any, raw: bytes, *, account_id: str | None) -> ParsedBody:
    """Read a decoded webhook body; ``account_id`` is our X user id (``X_ACCOUNT_ID``)."""
    result = ParsedBody()
    if not isinstance(body, Mapping):
        result.ignored.append("not a JSON object")
        return result
    if isinstance(body.get("data"), Mapping) and "event_type" in body["data"]:
        _activity(body["data"], raw, account_id, result)
    else:
        _account_activity(body, raw, account_id, result)
    return result


def _ours(account_id: str | None, subscribed: Any) -> frozenset[str]:
    # The subscription's own user is us even when X_ACCOUNT_ID is unset (sandbox, first setup).
    return frozenset(str(value) for value in (account_id, subscribed) if value)


def _activity(data: Mapping[str, Any], raw: bytes, account_id: str | None, result: ParsedBody) -> None:
    event_type = str(data.get("event_type"))
    ours = _ours(account_id, (data.get("filter") or {}).get("user_id"))
    payload = data.get("payload")
    extra = {"event_uuid": str(data.get("event_uuid")) if data.get("event_uuid") else None,
             "event_type": event_type}
    if event_type in ACTIVITY_ECHOES:
        result.ignored.append(f"{event_type}: our own activity")
    elif event_type in ACTIVITY_CUSTOMER_POSTS:
        users = users_by_id((data.get("includes") or {}).get("users"))
        _collect(result, event_type, payload,
                 lambda: tweets.from_v2(payload, users, ours=ours, raw=raw, source="activity", extra_meta=extra))
    elif event_type == ACTIVITY_DM:
        payload = payload if isinstance(payload, Mapping) else {}
        users = users_by_id(payload.get("users"))
        for event in payload.get("direct_message_events") or ():
            _collect(result, event_type, event,
                     lambda event=event: dms.from_message_create(
                         event, users, ours=ours, raw=raw, source="activity", extra_meta=extra))
    else:
        result.ignored.append(f"{event_type}: not a support event")


def _account_activity(body: Mapping[str, Any], raw: bytes, account_id: str | None, result: ParsedBody) -> None:
    ours = _ours(account_id, body.get("for_user_id"))
    users = users_by_id(body.get("users"))
    for key, events in body.items():
        if key == "tweet_create_events":
            for status in _list(events):
                _collect(result, key, status,
                         lambda status=status: tweets.from_v1(status, ours=ours, raw=raw, source="account-activity"))
        elif key == "direct_message_events":
            for event in _list(events):
                _collect(result, key, event,
                         lambda event=event: dms.from_message_create(
                             event, users, ours=ours, raw=raw, source="account-activity"))
        elif key.endswith("_events") or key in ("user_event", "replay_event", "replay_job_status"):
            result.ignored.append(f"{key}: not a support event")
    if not result.inbound and not result.ignored and not result.unreadable:
        result.ignored.append("no events")


def _collect(result: ParsedBody, kind: str, event: Any, build: Callable[[], Inbound]) -> None:
    try:
        result.inbound.append(build())
    except NotForUs as skip:
        result.ignored.append(f"{kind}: {skip.reason}")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        result.unreadable.append((f"{kind}: unreadable ({type(error).__name__}: {error})", event))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

