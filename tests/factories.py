"""Small builders for inbound messages, so tests read as the behaviour they check."""
from __future__ import annotations

import itertools

from channels.base import Identity, Inbound, ThreadHints

_seq = itertools.count(1)


def email(sender: str = "ana@example.com", text: str = "My order has not arrived.", *, external_id: str | None = None,
          subject: str = "Order 1234", references: tuple[str, ...] = (), ticket_ref: int | None = None,
          name: str | None = "Ana Lima", auto_kind: str | None = None, language: str | None = None) -> Inbound:
    return Inbound(
        channel="email",
        external_id=external_id or f"msg-{next(_seq)}@example.com",
        sender=Identity("email", sender, name),
        text=text,
        raw=f"From: {sender}\r\nSubject: {subject}\r\n\r\n{text}".encode(),
        subject=subject,
        thread=ThreadHints(references=references, ticket_ref=ticket_ref),
        auto_kind=auto_kind,
        language_hint=language,
    )


def dm(user_id: str = "4242", text: str = "Where is my parcel?", *, external_id: str | None = None,
       handle: str = "ana_l", name: str = "Ana") -> Inbound:
    return Inbound(
        channel="x",
        external_id=external_id or str(1_800_000_000_000 + next(_seq)),
        sender=Identity("x", user_id, name, handle=handle),
        text=text,
        raw=text.encode(),
        thread=ThreadHints(conversation_key=f"dm:{user_id}"),
        meta={"public": False},
    )
