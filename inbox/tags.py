"""Ticket tags: short lowercase words agents file tickets under."""
from __future__ import annotations

import re
from collections.abc import Iterable

from inbox import events, realtime
from inbox.extensions import db
from inbox.models import Agent, Ticket, utcnow
from inbox.presenters import ticket_summary

_TAG = re.compile(r"^[\w-]{1,40}$")
MAX_TAGS = 20


class TagError(ValueError):
    """A tag that cannot be used; the message says which."""


def normalise(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in tags:
        tag = raw.strip().lower().lstrip("#")
        if not tag:
            continue
        if not _TAG.match(tag):
            raise TagError(f"tags are letters, digits, - and _ (up to 40): {raw!r}")
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise TagError(f"at most {MAX_TAGS} tags")
    return sorted(out)


def set_tags(ticket: Ticket, agent: Agent, tags: Iterable[str]) -> Ticket:
    new = normalise(tags)
    old = sorted(ticket.tags or [])
    if new == old:
        return ticket
    now = utcnow()
    ticket.tags = new
    ticket.updated_at = now
    events.record(ticket, "tags.changed", actor=agent, at=now, old=old, new=new)
    db.session.flush()
    realtime.announce_ticket("ticket.updated", ticket, ticket_summary(ticket))
    db.session.commit()
    return ticket
