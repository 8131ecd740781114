"""Business-time arithmetic: real zones, real public holidays, and properties that must always hold."""
from __future__ import annotations

import json
import pickle
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from inbox.sla.calendar import (
    ALWAYS_OPEN,
    BusinessCalendar,
    CalendarError,
    add_business_time,
    business_time_between,
)

TRACES = Path(__file__).resolve().parents[2] / "shared" / "traces"
TOKYO = ZoneInfo("Asia/Tokyo")
SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)
US = timedelta(microseconds=1)

WEEKDAYS = range(5)
NINE_TO_SIX = {d: [("09:00", "18:00")] for d in WEEKDAYS}
TOKYO_CAL = BusinessCalendar("Asia/Tokyo", NINE_TO_SIX, holiday_country="JP")
SEOUL_CAL = BusinessCalendar("Asia/Seoul", NINE_TO_SIX, holiday_country="KR")
SPLIT_CAL = BusinessCalendar("Asia/Tokyo", {d: [("09:00", "12:00"), ("13:00", "18:00")]
                                            for d in WEEKDAYS})
NEW_YORK_WEEKDAYS = BusinessCalendar("America/New_York", {d: [("09:00", "17:00")] for d in WEEKDAYS})
NEW_YORK_DAILY = BusinessCalendar("America/New_York", {d: [("09:00", "17:00")] for d in range(7)})
BERLIN_DAILY = BusinessCalendar("Europe/Berlin", {d: [("09:00", "17:00")] for d in range(7)})
NEW_YORK_NIGHTS = BusinessCalendar("America/New_York", {d: [("22:00", "06:00")] for d in range(7)})
TOKYO_NIGHTS = BusinessCalendar("Asia/Tokyo", {d: [("22:00", "06:00")] for d in WEEKDAYS},
                                holiday_country="JP")


def at(tz: ZoneInfo, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=tz)


# -- Tokyo and Seoul ---------------------------------------------------------------------------

def test_a_friday_1750_email_with_a_one_hour_target_is_due_monday_0950_in_tokyo():
    due = add_business_time(at(TOKYO, 2026, 3, 6, 17, 50), HOUR, TOKYO_CAL)
    assert due == at(TOKYO, 2026, 3, 9, 9, 50)


def test_a_friday_1750_email_is_due_tuesday_when_monday_is_marine_day():
    assert TOKYO_CAL.holiday_name(date(2026, 7, 20)) == "Marine Day"
    assert date(2026, 7, 20).weekday() == 0
    due = add_business_time(at(TOKYO, 2026, 7, 17, 17, 50), HOUR, TOKYO_CAL)
    assert due == at(TOKYO, 2026, 7, 21, 9, 50)


def test_golden_week_holidays_push_a_friday_evening_email_to_thursday():
    assert [TOKYO_CAL.holiday_name(date(2026, 5, d)) is not None for d in (4, 5, 6)] == [True] * 3
    due = add_business_time(at(TOKYO, 2026, 5, 1, 17, 50), HOUR, TOKYO_CAL)
    assert due == at(TOKYO, 2026, 5, 7, 9, 50)


def test_results_are_utc_whatever_the_zone_of_the_input():
    due = add_business_time(at(TOKYO, 2026, 3, 6, 17, 50), HOUR, TOKYO_CAL)
    assert due.tzinfo is UTC
    assert due == datetime(2026, 3, 9, 0, 50, tzinfo=UTC)


def test_chuseok_closes_a_seoul_team_from_thursday_to_saturday():
    assert SEOUL_CAL.holiday_name(date(2026, 9, 25)) == "Chuseok"
    due = add_business_time(at(SEOUL, 2026, 9, 23, 17, 30), timedelta(hours=8), SEOUL_CAL)
    assert due == at(SEOUL, 2026, 9, 28, 16, 30)


def test_holiday_name_is_none_on_an_ordinary_day_and_for_a_calendar_without_country():
    assert TOKYO_CAL.holiday_name(date(2026, 7, 21)) is None
    assert SPLIT_CAL.holiday_name(date(2026, 7, 20)) is None


def test_the_trace_calendar_line_builds_a_calendar_closed_on_its_listed_holiday():
    trace = TRACES / "tokyo-public.jsonl"
    if not trace.exists():
        pytest.skip(f"trace corpus missing: {trace}")
    with trace.open() as lines:
        calendar = BusinessCalendar.from_spec(json.loads(next(lines)))
    assert calendar.closed_dates == {date(2026, 3, 20)}
    due = add_business_time(at(TOKYO, 2026, 3, 19, 17, 50), HOUR, calendar)
    assert due == at(TOKYO, 2026, 3, 23, 9, 50)


# -- split shifts and conventions --------------------------------------------------------------

def test_the_lunch_break_is_not_counted():
    assert add_business_time(at(TOKYO, 2026, 3, 9, 11, 30), HOUR, SPLIT_CAL) == \
        at(TOKYO, 2026, 3, 9, 13, 30)
    assert business_time_between(at(TOKYO, 2026, 3, 9, 11), at(TOKYO, 2026, 3, 9, 14),
                                 SPLIT_CAL) == 2 * HOUR


def test_is_open_next_open_and_next_close_around_lunch():
    lunch = at(TOKYO, 2026, 3, 9, 12, 30)
    assert not SPLIT_CAL.is_open(lunch)
    assert SPLIT_CAL.next_open(lunch) == at(TOKYO, 2026, 3, 9, 13)
    assert SPLIT_CAL.next_close(lunch) == at(TOKYO, 2026, 3, 9, 18)
    assert SPLIT_CAL.next_close(at(TOKYO, 2026, 3, 9, 10)) == at(TOKYO, 2026, 3, 9, 12)
    assert SPLIT_CAL.is_open(at(TOKYO, 2026, 3, 9, 13))
    assert not SPLIT_CAL.is_open(at(TOKYO, 2026, 3, 9, 12))


def test_next_open_of_an_open_instant_is_that_instant():
    t = at(TOKYO, 2026, 3, 9, 10, 15)
    assert SPLIT_CAL.next_open(t) == t


def test_a_duration_that_fills_the_day_ends_at_the_close_not_the_next_opening():
    due = add_business_time(at(TOKYO, 2026, 3, 9, 9), timedelta(hours=9), TOKYO_CAL)
    assert due == at(TOKYO, 2026, 3, 9, 18)


def test_zero_duration_from_a_closed_instant_is_the_next_opening():
    due = add_business_time(at(TOKYO, 2026, 3, 7, 3), timedelta(0), TOKYO_CAL)
    assert due == at(TOKYO, 2026, 3, 9, 9)


def test_zero_duration_from_an_open_instant_is_that_instant():
    t = at(TOKYO, 2026, 3, 9, 10, 0, 5)
    assert add_business_time(t, timedelta(0), TOKYO_CAL) == t


def test_business_time_between_is_negative_when_the_end_comes_first():
    a, b = at(TOKYO, 2026, 3, 9, 10), at(TOKYO, 2026, 3, 10, 10)
    assert business_time_between(b, a, TOKYO_CAL) == -timedelta(hours=9)


def test_open_intervals_are_clipped_utc_pairs():
    pairs = list(SPLIT_CAL.open_intervals(at(TOKYO, 2026, 3, 9, 10), at(TOKYO, 2026, 3, 10, 10)))
    assert pairs == [
        (at(TOKYO, 2026, 3, 9, 10), at(TOKYO, 2026, 3, 9, 12)),
        (at(TOKYO, 2026, 3, 9, 13), at(TOKYO, 2026, 3, 9, 18)),
        (at(TOKYO, 2026, 3, 10, 9), at(TOKYO, 2026, 3, 10, 10)),
    ]
    assert all(s.tzinfo is UTC and e.tzinfo is UTC for s, e in pairs)


def test_special_hours_replace_the_weekly_hours_that_day():
    saturday = date(2026, 3, 7)
    calendar = BusinessCalendar("Asia/Tokyo", NINE_TO_SIX, holiday_country="JP",
                                special_hours={saturday: [("10:00", "14:00")],
                                               date(2026, 3, 9): []})
    assert calendar.is_open(at(TOKYO, 2026, 3, 7, 13, 59))
    assert not calendar.is_open(at(TOKYO, 2026, 3, 7, 14))
    assert not calendar.is_open(at(TOKYO, 2026, 3, 9, 12))


def test_special_hours_open_a_team_on_a_public_holiday():
    calendar = BusinessCalendar("Asia/Tokyo", NINE_TO_SIX, holiday_country="JP",
                                special_hours={date(2026, 7, 20): [("10:00", "12:00")]})
    assert calendar.is_open(at(TOKYO, 2026, 7, 20, 11))
    assert calendar.holiday_name(date(2026, 7, 20)) == "Marine Day"
    due = add_business_time(at(TOKYO, 2026, 7, 17, 17, 50), HOUR, calendar)
    assert due == at(TOKYO, 2026, 7, 20, 10, 50)


def test_always_open_is_plain_clock_arithmetic_and_never_closes():
    t = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert add_business_time(t, timedelta(days=400), ALWAYS_OPEN) == t + timedelta(days=400)
    assert ALWAYS_OPEN.next_close(t) is None
    a_year = list(ALWAYS_OPEN.open_intervals(t, t + timedelta(days=365)))
    assert a_year == [(t, t + timedelta(days=365))]


def test_every_opening_closes_where_open_intervals_says_even_across_cached_blocks():
    calendar = BusinessCalendar("Asia/Tokyo", {d: [("00:00", "24:00")] for d in range(7)},
                                holiday_country="JP")
    a, b = datetime(2025, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    openings = list(calendar.open_intervals(a, b))
    assert len(openings) > 40
    for start, end in openings[1:-1]:
        assert calendar.next_close(start) == end
        assert calendar.next_open(end) > end


# -- daylight saving ---------------------------------------------------------------------------

@pytest.mark.parametrize(("tz", "calendar", "day"), [
    (NEW_YORK, NEW_YORK_DAILY, date(2026, 3, 8)),
    (NEW_YORK, NEW_YORK_DAILY, date(2026, 11, 1)),
    (BERLIN, BERLIN_DAILY, date(2026, 3, 29)),
    (BERLIN, BERLIN_DAILY, date(2026, 10, 25)),
])
def test_an_eight_hour_day_is_eight_hours_on_a_clock_change_day(tz, calendar, day):
    midnight = datetime.combine(day, time(), tz)
    assert business_time_between(midnight, midnight + timedelta(days=1), calendar) == 8 * HOUR
    opening = datetime.combine(day, time(9), tz)
    assert add_business_time(opening, 8 * HOUR, calendar) == datetime.combine(day, time(17), tz)


def test_a_weekend_clock_change_shifts_the_utc_opening_by_an_hour():
    spring = add_business_time(at(NEW_YORK, 2026, 3, 6, 16), 2 * HOUR, NEW_YORK_WEEKDAYS)
    assert spring == datetime(2026, 3, 9, 14, tzinfo=UTC)
    autumn = add_business_time(at(NEW_YORK, 2026, 10, 30, 16), 2 * HOUR, NEW_YORK_WEEKDAYS)
    assert autumn == datetime(2026, 11, 2, 15, tzinfo=UTC)


def test_a_night_shift_lasts_seven_real_hours_when_clocks_spring_forward():
    start = at(NEW_YORK, 2026, 3, 7, 22)
    assert business_time_between(start, at(NEW_YORK, 2026, 3, 8, 6), NEW_YORK_NIGHTS) == 7 * HOUR
    assert add_business_time(start, 7 * HOUR, NEW_YORK_NIGHTS) == at(NEW_YORK, 2026, 3, 8, 6)


def test_a_night_shift_lasts_nine_real_hours_when_clocks_fall_back():
    start = at(NEW_YORK, 2026, 10, 31, 22)
    end = at(NEW_YORK, 2026, 11, 1, 6)
    assert business_time_between(start, end, NEW_YORK_NIGHTS) == 9 * HOUR


def test_a_wall_time_skipped_by_the_spring_change_maps_to_the_change():
    change = datetime(2026, 3, 8, 7, tzinfo=UTC)
    closing_in_gap = BusinessCalendar("America/New_York", {6: [("01:00", "02:30")]})
    assert closing_in_gap.next_close(change - HOUR) == change
    assert business_time_between(change - 2 * HOUR, change + HOUR, closing_in_gap) == HOUR
    opening_in_gap = BusinessCalendar("America/New_York", {6: [("02:15", "04:00")]})
    assert opening_in_gap.next_open(change - HOUR) == change
    assert opening_in_gap.next_close(change) == change + HOUR


def test_a_repeated_wall_time_maps_to_its_first_occurrence():
    calendar = BusinessCalendar("America/New_York", {d: [("00:00", "01:30")] for d in range(7)})
    day = at(NEW_YORK, 2026, 11, 1, 0)
    assert business_time_between(day, day + timedelta(hours=12), calendar) == timedelta(hours=1, minutes=30)


# -- midnight and year end ---------------------------------------------------------------------

def test_a_night_shift_is_open_after_midnight_and_closed_at_its_end():
    assert TOKYO_NIGHTS.is_open(at(TOKYO, 2026, 3, 10, 2))
    assert TOKYO_NIGHTS.is_open(at(TOKYO, 2026, 3, 14, 5, 59))
    assert not TOKYO_NIGHTS.is_open(at(TOKYO, 2026, 3, 14, 6))
    assert not TOKYO_NIGHTS.is_open(at(TOKYO, 2026, 3, 14, 23))


def test_a_night_shift_counts_through_midnight_and_into_the_next_night():
    assert add_business_time(at(TOKYO, 2026, 3, 9, 23), 2 * HOUR, TOKYO_NIGHTS) == \
        at(TOKYO, 2026, 3, 10, 1)
    assert add_business_time(at(TOKYO, 2026, 3, 10, 5), 2 * HOUR, TOKYO_NIGHTS) == \
        at(TOKYO, 2026, 3, 10, 23)


def test_a_holiday_cancels_its_own_night_shift_but_not_the_one_running_into_it():
    assert TOKYO_CAL.holiday_name(date(2026, 3, 20)) is not None
    assert TOKYO_NIGHTS.is_open(at(TOKYO, 2026, 3, 20, 5))
    assert not TOKYO_NIGHTS.is_open(at(TOKYO, 2026, 3, 20, 23))
    assert not TOKYO_NIGHTS.is_open(at(TOKYO, 2026, 3, 21, 2))


def test_a_night_shift_meeting_the_next_days_hours_is_one_opening():
    calendar = BusinessCalendar("UTC", {0: [("22:00", "06:00")], 1: [("06:00", "09:00")]})
    monday_night = datetime(2026, 3, 9, 23, tzinfo=UTC)
    assert calendar.next_close(monday_night) == datetime(2026, 3, 10, 9, tzinfo=UTC)


def test_the_year_end_closure_carries_a_due_time_into_january():
    calendar = BusinessCalendar("Europe/Berlin", NINE_TO_SIX, holiday_country="DE",
                                closed_dates={date(2026, 12, 31)})
    assert calendar.holiday_name(date(2027, 1, 1)) == "New Year's Day"
    due = add_business_time(at(BERLIN, 2026, 12, 30, 17, 30), HOUR, calendar)
    assert due == at(BERLIN, 2027, 1, 4, 9, 30)
    span = business_time_between(at(BERLIN, 2026, 12, 30), at(BERLIN, 2027, 1, 5), calendar)
    assert span == 18 * HOUR


# -- construction ------------------------------------------------------------------------------

def test_from_spec_reads_lists_of_pairs_and_full_day_names_and_leaves_missing_days_closed():
    calendar = BusinessCalendar.from_spec({
        "timezone": "Asia/Tokyo",
        "hours": {"Monday": [["09:00", "12:00"], ["13:00", "18:00"]], "tue": ["09:00", "18:00"]},
    })
    assert calendar.weekly[0] == (("09:00", "12:00"), ("13:00", "18:00"))
    assert calendar.weekly[1] == (("09:00", "18:00"),)
    assert calendar.weekly[2] == ()


def test_a_spec_without_hours_is_open_around_the_clock():
    calendar = BusinessCalendar.from_spec({"timezone": "UTC"})
    assert calendar.next_close(datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_to_spec_and_pickle_give_back_an_equal_calendar():
    calendar = BusinessCalendar("Europe/Berlin", {0: [("22:00", "06:00")], 4: [("09:00", "24:00")]},
                                holiday_country="de", holiday_subdivision="by",
                                closed_dates={date(2026, 12, 31)},
                                special_hours={date(2026, 12, 24): [(time(9), time(12))]})
    assert BusinessCalendar.from_spec(json.loads(json.dumps(calendar.to_spec()))) == calendar
    assert pickle.loads(pickle.dumps(calendar)) == calendar
    assert hash(pickle.loads(pickle.dumps(calendar))) == hash(calendar)
    assert calendar.holiday_country == "DE"
    assert calendar.holiday_subdivision == "BY"


def test_a_calendar_cannot_be_changed():
    with pytest.raises(AttributeError):
        TOKYO_CAL.timezone = "UTC"
    with pytest.raises(TypeError):
        TOKYO_CAL.weekly[5] = (("09:00", "18:00"),)


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="aware"):
        add_business_time(datetime(2026, 3, 9, 9), HOUR, TOKYO_CAL)


def test_a_negative_duration_is_rejected():
    with pytest.raises(ValueError, match="negative"):
        add_business_time(at(TOKYO, 2026, 3, 9, 9), -HOUR, TOKYO_CAL)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone 'Mars/Olympus_Mons'"),
    ({"timezone": ""}, "unknown time zone"),
    ({"holiday_country": "XX"}, "unknown holiday country code 'XX'"),
    ({"holiday_country": "DE", "holiday_subdivision": "ZZ"}, "unknown subdivision 'ZZ' for DE"),
    ({"holiday_subdivision": "BY"}, "needs a holiday country"),
    ({"weekly": {0: [("09:00", "12:00"), ("11:00", "13:00")]}},
     "Monday: 09:00–12:00 overlaps 11:00–13:00"),
    ({"weekly": {0: [("22:00", "06:00")], 1: [("05:00", "09:00")]}},
     "Monday 22:00–06:00 overlaps Tuesday 05:00–09:00"),
    ({"weekly": {6: [("22:00", "06:00")], 0: [("05:00", "09:00")]}},
     "Sunday 22:00–06:00 overlaps Monday 05:00–09:00"),
    ({"weekly": {0: [("09:00", "09:00")]}}, "zero length"),
    ({"weekly": {0: [("24:00", "06:00")]}}, "cannot start at 24:00"),
    ({"weekly": {0: [("09:00",)]}}, "a pair"),
    ({"weekly": {}}, "no open time"),
    ({"weekly": {7: [("09:00", "18:00")]}}, "weekday 0 (Monday) to 6 (Sunday)"),
    ({"closed_dates": {date(2026, 12, 24)}, "special_hours": {date(2026, 12, 24): []}},
     "2026-12-24 is both a closed date and has special hours"),
    ({"special_hours": {date(2026, 12, 24): [("09:00", "12:00"), ("10:00", "11:00")]}},
     "2026-12-24: 09:00–12:00 overlaps 10:00–11:00"),
])
def test_invalid_calendars_are_rejected_with_a_clear_message(kwargs, message):
    args = {"timezone": "Asia/Tokyo", "weekly": NINE_TO_SIX, **kwargs}
    with pytest.raises(CalendarError) as error:
        BusinessCalendar(**args)
    assert message in str(error.value)


@pytest.mark.parametrize("bad", ["9am", "25:00", "09:60", "", "24:30", "9", None])
def test_malformed_times_are_rejected(bad):
    with pytest.raises(CalendarError, match="malformed time"):
        BusinessCalendar("UTC", {0: [(bad, "18:00")]})


@pytest.mark.parametrize(("spec", "message"), [
    ({"timezone": "UTC", "hours": {"mon": ["09:00", "18:00"]}, "timezon": "x"},
     "unknown calendar field(s): timezon"),
    ({"hours": {"funday": ["09:00", "18:00"]}}, "unknown day 'funday'"),
    ({"hours": {"mon": ["09:00", "18:00"]}, "holidays": ["2026-02-30"]}, "malformed date"),
    ({"hours": ["09:00", "18:00"]}, "maps day names"),
    ({"hours": {"mon": "09:00-18:00"}}, "expected [start, end]"),
])
def test_invalid_specs_are_rejected_with_a_clear_message(spec, message):
    with pytest.raises(CalendarError) as error:
        BusinessCalendar.from_spec(spec)
    assert message in str(error.value)


def test_a_calendar_error_is_a_value_error():
    assert issubclass(CalendarError, ValueError)


# -- properties --------------------------------------------------------------------------------

ZONES = ["UTC", "Asia/Tokyo", "Asia/Seoul", "America/New_York", "Europe/Berlin",
         "Australia/Lord_Howe"]
# Every clock change in ZONES skips or repeats wall times between 01:00 and 03:00.
CHANGE_HOURS = range(1 * 60, 3 * 60 + 1)


@st.composite
def weekly_calendars(draw, avoid_clock_changes: bool = False) -> BusinessCalendar:
    """Random valid calendars: split days, night shifts, holidays, closed and special dates."""
    minutes = st.integers(0, 96).map(lambda q: q * 15)
    if avoid_clock_changes:
        minutes = minutes.filter(lambda m: m not in CHANGE_HOURS)

    def day_hours() -> list[tuple[str, str]]:
        points = sorted(draw(st.sets(minutes, max_size=6)))
        pairs = [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]
        # Sometimes the last interval runs past midnight instead.
        past_midnight = [m for m in (0, 240, 360) if pairs and m < pairs[-1][0]]
        if past_midnight and draw(st.booleans()):
            pairs[-1] = (pairs[-1][0], draw(st.sampled_from(past_midnight)))
        return [(f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}") for s, e in pairs]

    weekly = {day: day_hours() for day in range(7)}
    days = st.dates(date(2024, 1, 1), date(2029, 12, 31))
    closed = draw(st.frozensets(days, max_size=20))
    special = {d: day_hours() for d in draw(st.sets(days, max_size=10)) if d not in closed}
    try:
        return BusinessCalendar(draw(st.sampled_from(ZONES)), weekly,
                                holiday_country=draw(st.sampled_from([None, "JP", "KR", "US", "DE"])),
                                closed_dates=closed, special_hours=special)
    except CalendarError:
        assume(False)
        raise


FIXED = [TOKYO_CAL, SEOUL_CAL, SPLIT_CAL, NEW_YORK_WEEKDAYS, BERLIN_DAILY, NEW_YORK_NIGHTS,
         TOKYO_NIGHTS, ALWAYS_OPEN,
         BusinessCalendar("Europe/Berlin", {2: [("10:00", "11:00")]}, holiday_country="DE")]
calendars = st.one_of(st.sampled_from(FIXED), weekly_calendars())
instants = st.datetimes(datetime(2024, 1, 1), datetime(2029, 12, 31), timezones=st.just(UTC))
durations = st.one_of(
    st.just(timedelta(0)),
    st.integers(1, 20 * 24 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us)),
    st.sampled_from([HOUR, 8 * HOUR, 45 * HOUR]),
)
PROPERTY = settings(deadline=None, max_examples=150)


@PROPERTY
@given(calendars, instants, durations)
def test_measuring_from_the_start_to_the_due_time_gives_back_the_duration(calendar, t, d):
    assert business_time_between(t, add_business_time(t, d, calendar), calendar) == d


@PROPERTY
@given(calendars, instants, instants, durations)
def test_a_later_start_is_never_due_earlier(calendar, t1, t2, d):
    t1, t2 = min(t1, t2), max(t1, t2)
    assert add_business_time(t1, d, calendar) <= add_business_time(t2, d, calendar)


@PROPERTY
@given(calendars, instants, durations, durations)
def test_a_longer_duration_is_never_due_earlier(calendar, t, d1, d2):
    d1, d2 = min(d1, d2), max(d1, d2)
    assert add_business_time(t, d1, calendar) <= add_business_time(t, d2, calendar)


@PROPERTY
@given(calendars, instants, durations)
def test_a_due_time_is_never_strictly_inside_a_closed_period(calendar, t, d):
    due = add_business_time(t, d, calendar)
    assert due >= t
    if d:
        # Open just before it, so it is open or the exact close of an opening.
        assert calendar.is_open(due - US)
        assert calendar.is_open(due) or calendar.next_close(due - US) == due
    else:
        assert calendar.is_open(due)
        assert business_time_between(t, due, calendar) == timedelta(0)


@PROPERTY
@given(calendars, instants, instants, instants)
def test_business_time_between_adds_up_over_consecutive_spans(calendar, a, b, c):
    ab = business_time_between(a, b, calendar)
    bc = business_time_between(b, c, calendar)
    assert ab + bc == business_time_between(a, c, calendar)


@PROPERTY
@given(calendars, instants, st.integers(0, 40 * 24 * 3600))
def test_open_intervals_sum_to_business_time_between(calendar, a, seconds):
    b = a + timedelta(seconds=seconds)
    pairs = list(calendar.open_intervals(a, b))
    assert sum((e - s for s, e in pairs), timedelta(0)) == business_time_between(a, b, calendar)
    assert all(s < e for s, e in pairs)
    assert all(e1 < s2 for (_, e1), (s2, _) in pairwise(pairs))


@PROPERTY
@given(calendars, instants)
def test_next_open_and_next_close_bracket_the_state(calendar, t):
    opening = calendar.next_open(t)
    assert calendar.is_open(opening)
    assert business_time_between(t, opening, calendar) == timedelta(0)
    close = calendar.next_close(t)
    if close is not None:
        assert not calendar.is_open(close)
        assert calendar.is_open(close - US)


@PROPERTY
@given(calendars, instants)
def test_an_aware_start_in_any_zone_gives_the_same_due_time(calendar, t):
    local = t.astimezone(ZoneInfo("Pacific/Chatham"))
    assert add_business_time(local, HOUR, calendar) == add_business_time(t, HOUR, calendar)


def oracle_between(calendar: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Day by day with plain zoneinfo: each date's hours as local wall times, merged, clipped."""
    tz = ZoneInfo(calendar.timezone)
    country = calendar.holiday_country
    public = holidays.country_holidays(country, years=range(2023, 2031)) if country else {}
    pieces = []
    day = a.astimezone(tz).date() - timedelta(days=2)
    while day <= b.astimezone(tz).date():
        if day in calendar.special_hours:
            hours = calendar.special_hours[day]
        elif day in calendar.closed_dates or day in public:
            hours = ()
        else:
            hours = calendar.weekly[day.weekday()]
        for start, end in hours:
            s, e = time.fromisoformat(start), None if end == "24:00" else time.fromisoformat(end)
            # In UTC: Python subtracts two datetimes of one zone as wall times, ignoring DST.
            opens = datetime.combine(day, s, tz).astimezone(UTC)
            next_day = 1 if e is None or e <= s else 0
            closes = datetime.combine(day + timedelta(days=next_day), e or time(), tz).astimezone(UTC)
            lo, hi = max(opens, a), min(closes, b)
            if lo < hi:
                pieces.append((lo, hi))
        day += timedelta(days=1)
    total, reached = timedelta(0), None
    for lo, hi in sorted(pieces):
        lo = max(lo, reached) if reached else lo
        if lo < hi:
            total += hi - lo
        reached = max(hi, reached) if reached else hi
    return total


@PROPERTY
@given(weekly_calendars(avoid_clock_changes=True), instants, st.integers(0, 30 * 24 * 3600))
def test_business_time_between_matches_a_day_by_day_count(calendar, a, seconds):
    b = a + timedelta(seconds=seconds)
    assert business_time_between(a, b, calendar) == oracle_between(calendar, a, b)
