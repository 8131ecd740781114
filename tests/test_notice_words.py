"""Promised instants in the customer's words and time zone."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from inbox.notice_words import describe

TOKYO = ZoneInfo("Asia/Tokyo")
SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 27, 4, 0, tzinfo=timezone.utc)  # Friday 13:00 in Tokyo and Seoul


def test_a_wait_of_two_hours_reads_as_relative_and_absolute_in_english():
    words = describe(NOW + timedelta(hours=2, minutes=28), NOW, "en", TOKYO)
    assert words.relative == "within about 2 hours"
    assert words.absolute == "by 15:30 (JST)"


def test_the_absolute_time_is_rounded_up_never_down():
    words = describe(NOW + timedelta(minutes=31, seconds=1), NOW, "en", TOKYO)
    assert words.absolute == "by 13:35 (JST)"
    assert words.relative == "within about 35 minutes"


def test_a_promise_on_monday_morning_names_the_weekday_in_japanese():
    monday = datetime(2026, 11, 30, 1, 30, tzinfo=timezone.utc)  # Monday 10:30 JST
    words = describe(monday, NOW, "ja", TOKYO)
    assert words.absolute == "月曜日 10:30（JST）まで"


def test_tomorrow_is_said_as_tomorrow_in_korean():
    tomorrow = datetime(2026, 11, 28, 1, 30, tzinfo=timezone.utc)
    assert describe(tomorrow, NOW, "ko", SEOUL).absolute == "내일 10:30(KST)까지"


def test_a_closed_team_says_why_before_the_time():
    words = describe(NOW + timedelta(days=3), NOW, "en", TOKYO, open_now=False, holiday="Labour Thanksgiving Day")
    assert words.closed_note == "We're closed for Labour Thanksgiving Day."


def test_an_unknown_language_falls_back_to_english():
    assert describe(NOW + timedelta(minutes=4), NOW, "fr-CA", TOKYO).relative == "within about 5 minutes"
