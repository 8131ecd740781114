"""Due times on real calendars: national holidays, Chuseok, split shifts, daylight saving."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Ticket
from inbox.sla.calendars import calendar_for_team, calendar_for_ticket
from tests import factories
from tests.sla_support import make_calendar, make_policy

TOKYO = ZoneInfo("Asia/Tokyo")
SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
TWO_HOURS = 2 * 3600


def arrive(local: datetime) -> Ticket:
    result = ingest(factories.email(), now=local)
    return db.session.get(Ticket, result.ticket_id)


def team_on(make_team, calendar) -> None:  # noqa: ANN001
    make_team("Support", channels=["email"], calendar_id=calendar.id)


def test_friday_evening_in_tokyo_is_due_monday_morning(make_team):
    team_on(make_team, make_calendar("Tokyo", "Asia/Tokyo", country="JP"))
    make_policy(first=TWO_HOURS)
    ticket = arrive(datetime(2025, 9, 5, 17, 50, tzinfo=TOKYO))
    assert ticket.first_response_due_at == datetime(2025, 9, 8, 10, 50, tzinfo=TOKYO)


def test_a_japanese_national_holiday_moves_the_due_time_to_the_next_working_day(make_team):
    team_on(make_team, make_calendar("Tokyo", "Asia/Tokyo", country="JP"))
    make_policy(first=TWO_HOURS)
    # Monday 15 September 2025 is Respect for the Aged Day.
    ticket = arrive(datetime(2025, 9, 12, 17, 50, tzinfo=TOKYO))
    assert ticket.first_response_due_at == datetime(2025, 9, 16, 10, 50, tzinfo=TOKYO)


def test_chuseok_in_seoul_closes_the_whole_week(make_team):
    team_on(make_team, make_calendar("Seoul", "Asia/Seoul", country="KR"))
    make_policy(first=TWO_HOURS)
    # Foundation Day (Fri 3 Oct), Chuseok (5-7 Oct), its substitute (Wed 8) and Hangul Day (Thu 9).
    ticket = arrive(datetime(2025, 10, 2, 17, 0, tzinfo=SEOUL))
    assert ticket.first_response_due_at == datetime(2025, 10, 10, 10, 0, tzinfo=SEOUL)


def test_a_split_shift_skips_the_lunch_break(make_team):
    team_on(make_team, make_calendar("Split", "Asia/Tokyo", [["09:00", "12:00"], ["13:00", "18:00"]]))
    make_policy(first=3600)
    ticket = arrive(datetime(2025, 6, 3, 11, 30, tzinfo=TOKYO))
    assert ticket.first_response_due_at == datetime(2025, 6, 3, 13, 30, tzinfo=TOKYO)


def test_a_due_time_across_the_spring_forward_keeps_the_wall_clock_hours(make_team):
    team_on(make_team, make_calendar("New York", "America/New_York", [["09:00", "17:00"]], country="US"))
    make_policy(first=TWO_HOURS)
    # Clocks spring forward on Sunday 9 March 2025: Friday's 16:00 EST plus 2 business hours is
    # Monday 10:00 EDT, 14:00 UTC rather than 15:00.
    ticket = arrive(datetime(2025, 3, 7, 16, 0, tzinfo=NEW_YORK))
    assert ticket.first_response_due_at == datetime(2025, 3, 10, 10, 0, tzinfo=NEW_YORK)
    assert ticket.first_response_due_at.hour == 14


def test_the_policys_calendar_takes_precedence_over_the_teams(make_team):
    team_on(make_team, make_calendar("Tokyo", "Asia/Tokyo", country="JP"))
    around_the_clock = make_calendar("24/7", "UTC", [["00:00", "24:00"]],
                                     days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    make_policy(first=TWO_HOURS, calendar_id=around_the_clock.id)
    ticket = arrive(datetime(2025, 9, 12, 17, 50, tzinfo=TOKYO))
    assert ticket.first_response_due_at == datetime(2025, 9, 12, 19, 50, tzinfo=TOKYO)
    assert calendar_for_ticket(ticket).timezone == "UTC"
    assert calendar_for_team(ticket.team).timezone == "Asia/Tokyo"


def test_a_disabled_calendar_is_skipped_for_the_next_in_precedence(make_team):
    calendar = make_calendar("Tokyo", "Asia/Tokyo", country="JP", enabled=False)
    team_on(make_team, calendar)
    make_policy(first=TWO_HOURS)
    ticket = arrive(datetime(2025, 9, 12, 17, 50, tzinfo=TOKYO))
    assert ticket.first_response_due_at == datetime(2025, 9, 12, 19, 50, tzinfo=TOKYO)
