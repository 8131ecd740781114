"""Real-shaped X webhook bodies for the X channel's tests, read from X's own documentation examples.

Helpers only (no tests): shared by the payload, webhook and polling tests.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
ACTIVITY = CORPORA / "x-activity"
ACCOUNT_ACTIVITY = CORPORA / "x-webhook"

OUR_ACCOUNT = "1111111111111111111"  # the subscribed account in X's Activity API examples
AAA_ACCOUNT = "4337869213"  # the subscribed account in X's Account Activity DM example


def _read(path: Path) -> str:
    if not path.exists():
        pytest.skip(f"corpus missing: {path}")
    return path.read_text(encoding="utf-8")


def activity(event_type: str) -> dict[str, Any]:
    """One of X's published Activity API event payloads, e.g. ``post.mention.create``."""
    return json.loads(_read(ACTIVITY / f"{event_type}.json"))


def activity_kinds() -> list[str]:
    return sorted(path.stem for path in ACTIVITY.glob("*.json") if path.stem != "Event_envelope")


def account_activity(name: str) -> dict[str, Any]:
    """An Account Activity API example by its number, e.g. ``11_direct_message_events``."""
    matches = sorted(ACCOUNT_ACTIVITY.glob(f"*__{name}.json*"))
    if not matches:
        pytest.skip(f"corpus missing: {ACCOUNT_ACTIVITY}/*__{name}.json")
    return json.loads(_read(matches[0]))


def v1_user(user_id: str, screen_name: str, name: str) -> dict[str, Any]:
    return {"id": int(user_id), "id_str": user_id, "name": name, "screen_name": screen_name,
            "protected": False, "verified": False, "followers_count": 10, "friends_count": 20}


def aaa_mention(*, author: dict[str, Any], for_user_id: str, mention_id: str, mention_name: str,
                in_reply_to: str | None = None) -> dict[str, Any]:
    """X's long-form ``tweet_create_events`` example with its elided user filled in and our
    account among the mentions (the example elides the user object as ``{ ... }``)."""
    text = _read(ACCOUNT_ACTIVITY / "x-api_account-activity_introduction__15_support_for_longform_posts.json.txt")
    body = json.loads(text.replace('"user": { ... }', '"user": ' + json.dumps(author)))
    body["for_user_id"] = for_user_id
    status = body["tweet_create_events"][0]
    status["extended_tweet"]["entities"]["user_mentions"].append(
        {"screen_name": mention_name, "name": mention_name, "id": int(mention_id), "id_str": mention_id,
         "indices": [0, len(mention_name) + 1]}
    )
    status["in_reply_to_status_id_str"] = in_reply_to
    status["in_reply_to_status_id"] = int(in_reply_to) if in_reply_to else None
    status["in_reply_to_user_id_str"] = for_user_id if in_reply_to else None
    status["lang"] = "en"
    return body


def with_changes(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of an Activity API body with payload fields changed."""
    body = copy.deepcopy(body)
    body["data"]["payload"].update(changes)
    return body
