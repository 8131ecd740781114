"""Which team a new ticket goes to."""
from __future__ import annotations

from sqlalchemy import select

from inbox.extensions import db
from inbox.models import Team


def team_for(channel: str, language: str | None) -> Team | None:
    """The first team (by id) taking this channel, preferring one that speaks the language."""
    teams = [t for t in db.session.scalars(select(Team).order_by(Team.id)) if not t.channels or channel in t.channels]
    if language:
        for team in teams:
            if team.language == language:
                return team
    return teams[0] if teams else None
