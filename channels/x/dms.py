"""A direct message to us, in either API version, as an :class:`Inbound`.

Webhooks (the Account Activity API and the Activity API's ``dm.received`` alike) carry v1.1
``message_create`` events; the v2 DM lookup used by polling returns ``MessageCreate`` events. The
event id is the same in both, so it is the external id.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from channels.base import Inbound, ThreadHints, X
from channels.x.fields import NotForUs, epoch_ms, expand_urls, iso_time
from channels.x.identities import identity


def from_message_create(
    event: Mapping[str, Any],
    users: Mapping[str, Mapping[str, Any]],
    *,
    ours: Collection[str],
    raw: bytes,
    source: str,
    extra_meta: Mapping[str, Any] | None = None,
) -> Inbound:
    """A v1.1 ``direct_message_events`` entry of type ``message_create``."""
    if event.get("type") != "message_create":
        raise NotForUs(f"DM event of type {event.get('type')!r}")
    create = event["message_create"]
    sender_id = str(create["sender_id"])
    if sender_id in ours:
        raise NotForUs("our own DM")
    data = create.get("message_data") or {}
    text = expand_urls(data.get("text") or "", (data.get("entities") or {}).get("urls") or ())
    return _inbound(
        event_id=str(event["id"]),
        sender_id=sender_id,
        user=users.get(sender_id),
        text=text,
        sent_at=epoch_ms(event.get("created_timestamp")),
        raw=raw,
        meta={
            "recipient_id": str((create.get("target") or {}).get("recipient_id") or "") or None,
            "has_media": bool(data.get("attachment")),
            "source": source,
            **(extra_meta or {}),
        },
    )


def from_v2_event(
    event: Mapping[str, Any],
    users: Mapping[str, Mapping[str, Any]],
    *,
    ours: Collection[str],
    raw: bytes,
    source: str,
) -> Inbound:
    """A v2 DM event (``GET /2/dm_events``) of type ``MessageCreate``."""
    if event.get("event_type") != "MessageCreate":
        raise NotForUs(f"DM event of type {event.get('event_type')!r}")
    sender_id = str(event["sender_id"])
    if sender_id in ours:
        raise NotForUs("our own DM")
    return _inbound(
        event_id=str(event["id"]),
        sender_id=sender_id,
        user=users.get(sender_id),
        text=event.get("text") or "",
        sent_at=iso_time(event.get("created_at")),
        raw=raw,
        meta={
            "dm_conversation_id": event.get("dm_conversation_id"),
            "has_media": bool(event.get("attachments")),
            "source": source,
        },
    )


def _inbound(
    *, event_id: str, sender_id: str, user: Mapping[str, Any] | None, text: str,
    sent_at: datetime | None, raw: bytes, meta: dict[str, Any],
) -> Inbound:
    sender = identity(sender_id, user)
    return Inbound(
        channel=X,
        external_id=event_id,
        sender=sender,
        text=text,
        raw=raw,
        # One open DM ticket per customer: a DM conversation has no subject or reply chain.
        thread=ThreadHints(conversation_key=f"dm:{sender_id}"),
        sent_at=sent_at,
        meta={"public": False, "kind": "dm", "dm_event_id": event_id, "sender_id": sender_id,
              "handle": sender.handle, **meta},
    )
