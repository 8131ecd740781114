"""A ticket moved to another team disappears from the old team's screens.

Announcements go to the rooms of the team a ticket belongs to *now*, so without this the old
team's agents would keep a row they may no longer open. Listening on the attribute catches every
way a ticket changes team (agent action, API, admin, merge) without each one remembering to.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from inbox import realtime
from inbox.models import Ticket


@event.listens_for(Ticket.team_id, "set")
def _announce_removal(ticket: Ticket, value: Any, old: Any, _initiator: Any) -> None:
    if ticket.id is None or old in (NO_VALUE, NEVER_SET) or old == value:
        return
    # Admins see every team and the new team's agents get the update; the old team's only a
    # removal (those in both get the removal and then the update, in that order).
    realtime.announce("ticket.removed", {"id": ticket.id, "team_id": value}, [realtime.team_room(old)])
