"""The wait in words, in the visitor's language and time zone (the ``text`` of a ``wait`` event)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale, format_datetime, format_timedelta
from flask_babel import gettext as _

WAITING = "waiting"
NO_AGENTS = "no_agents"
CLOSED = "closed"


def wait_text(state: str, position: int, seconds: int | None, next_open_at: datetime | None,
              language: str | None, timezone: str | None) -> str:
    with force_locale(language or "en"):
        if state == CLOSED:
            if next_open_at is None:
                return _("We're closed right now. Leave your email address and we'll answer there.")
            local = next_open_at.astimezone(ZoneInfo(timezone or "UTC"))
            return _("We're closed right now and open again on %(when)s (your time). Leave your email "
                     "address and we'll answer there.", when=format_datetime(local, "EEEE HH:mm", rebase=False))
        if state == NO_AGENTS:
            return _("No one is available to chat right now. Leave your email address and we'll answer there.")
        wait = format_timedelta(timedelta(seconds=seconds or 0), threshold=1.1, add_direction=False)
        return _("You're number %(position)s in line — a reply in about %(wait)s.", position=position, wait=wait)
