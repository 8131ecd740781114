"""Where a mail belongs: Message-IDs it answers and the ticket tokens we put in our mail.

Ticket tokens are ``[#1234]`` in a subject and ``support+t1234@domain`` in an address; both are
only hints, the ingest path checks the ticket belongs to the same customer.
"""

from __future__ import annotations

import hashlib
import re

from channels.base import ThreadHints
from channels.email.settings import EmailSettings

_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
_SUBJECT_TOKEN = re.compile(r"\[#(\d{1,12})\]")
# Our own Message-IDs start with the ticket number (see channels.email.compose.message_id).
_OWN_ID_TICKET = re.compile(r"^kept\.t(\d{1,12})\.")

MAX_REFERENCES = 50


def normalise_message_id(value: str | None) -> str | None:
    """A Message-ID without angle brackets or whitespace, or ``None`` if there is none."""
    if not value:
        return None
    ids = message_ids(value)
    return ids[0] if ids else None


def message_ids(value: str | None) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References value, in order.

    RFC 5322 wants ``<id>``; some clients drop the brackets or separate ids with commas.
    """
    if not value:
        return []
    found = _ANGLE_ID.findall(value)
    if not found:
        found = [token.strip("<>,;") for token in re.split(r"[\s,]+", value)]
    return [i for i in found if "@" in i or len(i) > 8]


def derived_message_id(raw: bytes) -> str:
    """A stable key for a mail without Message-ID, so a redelivery is still recognised."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def thread_hints(
    *,
    in_reply_to: str | None,
    references: str | None,
    subject: str | None,
    recipients: list[str],
    settings: EmailSettings,
    extra_references: tuple[str, ...] = (),
) -> ThreadHints:
    """In-Reply-To first, then References newest first: the likeliest match is tried first."""
    ordered: list[str] = []
    for ref in [*message_ids(in_reply_to), *reversed(message_ids(references)), *extra_references]:
        if ref not in ordered:
            ordered.append(ref)
    return ThreadHints(
        references=tuple(ordered[:MAX_REFERENCES]), ticket_ref=_ticket_ref(subject, recipients, ordered, settings)
    )


def _ticket_ref(
    subject: str | None, recipients: list[str], references: list[str], settings: EmailSettings
) -> int | None:
    match = _SUBJECT_TOKEN.findall(subject or "")
    if match:
        return int(match[-1])
    address = re.compile(
        rf"^{re.escape(settings.support_local_part)}\+t(\d{{1,12}})@{re.escape(settings.support_domain)}$",
        re.IGNORECASE,
    )
    for recipient in recipients:
        found = address.match(recipient.strip())
        if found:
            return int(found.group(1))
    for ref in references:
        found = _OWN_ID_TICKET.match(ref)
        if found and ref.lower().endswith("@" + settings.message_id_domain.lower()):
            return int(found.group(1))
    return None
