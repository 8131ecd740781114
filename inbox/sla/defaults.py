"""Service levels a new install starts with: a calendar per team and the default policies."""
from __future__ import annotations

from collections.abc import Iterable

from inbox.extensions import db
from inbox.models import BusinessCalendarRecord, Team
from inbox.sla import policies

# Public holidays for a team's zone, where the zone names one country.
_COUNTRY_OF_ZONE = {
    "Asia/Tokyo": "JP", "Asia/Seoul": "KR", "Europe/London": "GB", "Europe/Berlin": "DE", "Europe/Paris": "FR",
    "America/New_York": "US", "America/Chicago": "US", "America/Los_Angeles": "US", "Australia/Sydney": "AU",
}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def calendar_for_new_team(team: Team) -> BusinessCalendarRecord:
    """Weekdays 09:00-18:00 in the team's zone, closed on its country's public holidays."""
    return BusinessCalendarRecord(
        name=f"{team.name} hours", timezone=team.timezone or "UTC",
        weekly={day: [["09:00", "18:00"]] for day in _WEEKDAYS},
        holiday_country=_COUNTRY_OF_ZONE.get(team.timezone or ""), closed_dates=[], special_hours={},
    )


def seed(teams: Iterable[Team]) -> None:
    """Give each team without a calendar its default one, and save the default policies once."""
    for team in teams:
        if team.calendar_id is None:
            record = calendar_for_new_team(team)
            db.session.add(record)
            db.session.flush()
            team.calendar_id = record.id
    policies.save_defaults()
