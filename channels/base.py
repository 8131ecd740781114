"""The contract every channel adapter keeps.

An adapter does three things and nothing else: it verifies a provider's request, turns a
provider payload into :class:`Inbound` values, and delivers :class:`Outbound` values. The domain
(`inbox`) only ever sees these plain values, so a new channel is a new folder plus one line in
:mod:`channels.registry`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

EMAIL = "email"
X = "x"
CHAT = "chat"
CHANNELS = (EMAIL, X, CHAT)


@dataclass(frozen=True)
class Identity:
    """Who a message is from or to, as the channel knows them.

    ``external_id`` is the stable key on that channel: a lower-cased email address, an X user id,
    a chat visitor id. Handles and names change; the key does not.
    """

    channel: str
    external_id: str
    display_name: str | None = None
    handle: str | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class ThreadHints:
    """What a channel knows about the conversation a message belongs to.

    ``references``: provider ids of earlier messages this one answers (email Message-IDs from
    In-Reply-To/References, the tweet id replied to). ``ticket_ref``: a ticket number the customer
    quoted back to us (``[#1234]`` in a subject, ``support+t1234@``). ``conversation_key``: a
    channel-scoped key under which every message belongs to one open ticket (an X DM
    conversation, a chat visitor's session); ``None`` means "only thread by the hints above".
    """

    references: tuple[str, ...] = ()
    ticket_ref: int | None = None
    conversation_key: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One customer message, normalised. The only shape the ingest path accepts."""

    channel: str
    external_id: str
    sender: Identity
    text: str
    raw: bytes
    html: str | None = None
    subject: str | None = None
    thread: ThreadHints = field(default_factory=ThreadHints)
    attachments: tuple[Attachment, ...] = ()
    sent_at: datetime | None = None
    language_hint: str | None = None
    # Auto-replies, bounces and list mail are recorded but never notify, reopen or re-clock.
    auto_kind: str | None = None
    # Channel extras kept with the message (public/private on X, spam score on email, ...).
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def auto_generated(self) -> bool:
        return self.auto_kind is not None


@dataclass(frozen=True)
class Outbound:
    """One message to deliver, as read back from the outbox.

    ``idempotency_key`` is stable across retries; an adapter passes it to the provider where the
    provider supports it, and the outbox never calls ``send`` again once a delivery succeeded.
    """

    channel: str
    idempotency_key: str
    recipient: Identity
    text: str
    ticket_id: int | None = None
    message_id: int | None = None
    html: str | None = None
    subject: str | None = None
    # Provider ids of the thread, oldest first (email References; the tweet to answer on X).
    references: tuple[str, ...] = ()
    kind: str = "reply"  # reply | notice | survey | update
    automatic: bool = False
    sender_name: str | None = None
    attachments: tuple[Attachment, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryResult:
    """A delivery the provider accepted; ``external_ids`` are what it calls the message(s)."""

    external_ids: tuple[str, ...] = ()
    detail: str = ""


class DeliveryError(Exception):
    """A delivery the provider refused.

    ``retryable`` separates an outage (429, 5xx, a timeout: try again later) from a refusal that
    can never succeed (400, 403: show it on the ticket). ``retry_after`` is the earliest sensible
    retry in seconds, when the provider said so (X's ``x-rate-limit-reset``, ``Retry-After``).
    """

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class WebhookRejected(Exception):
    """A provider request that can never succeed; answered 4xx with ``reason``."""

    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class Adapter(Protocol):
    """What :mod:`inbox.outbox` needs from a channel."""

    name: str

    def send(self, outbound: Outbound) -> DeliveryResult: ...
