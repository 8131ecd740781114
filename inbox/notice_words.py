"""A promised instant in human words, in the customer's language and time zone.

"within about 2 hours — by 15:30 (JST)", "約2時間以内（11月27日 15:30 JST まで）". The absolute
time is the commitment and is rounded *up* to the next five minutes (never promising earlier
than the predictor); the relative part is approximate and says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_skeleton

LANGUAGES = ("en", "ja", "ko")

_RELATIVE = {
    "en": {"minute": "within a minute", "minutes": "within about {n} minutes", "hours": "within about {n} hours",
           "hour": "within about an hour", "days": "within about {n} days"},
    "ja": {"minute": "1分以内", "minutes": "約{n}分以内", "hours": "約{n}時間以内", "hour": "約1時間以内",
           "days": "約{n}日以内"},
    "ko": {"minute": "1분 이내", "minutes": "약 {n}분 이내", "hours": "약 {n}시간 이내", "hour": "약 1시간 이내",
           "days": "약 {n}일 이내"},
}

_ABSOLUTE = {
    "en": {"today": "by {time} ({tz})", "tomorrow": "by {time} tomorrow ({tz})", "weekday": "by {time} on {day} ({tz})",
           "date": "by {time} on {date} ({tz})"},
    "ja": {"today": "{time}（{tz}）まで", "tomorrow": "明日 {time}（{tz}）まで", "weekday": "{day} {time}（{tz}）まで",
           "date": "{date} {time}（{tz}）まで"},
    "ko": {"today": "{time}({tz})까지", "tomorrow": "내일 {time}({tz})까지", "weekday": "{day} {time}({tz})까지",
           "date": "{date} {time}({tz})까지"},
}

_CLOSED = {
    "en": {"holiday": "We're closed for {name}.", "closed": "We're closed right now."},
    "ja": {"holiday": "{name}のため休業中です。", "closed": "ただいま営業時間外です。"},
    "ko": {"holiday": "{name} 휴무 중입니다.", "closed": "지금은 영업시간이 아닙니다."},
}


@dataclass(frozen=True)
class PromiseWords:
    relative: str
    absolute: str
    closed_note: str | None
    local_due: datetime

    @property
    def both(self) -> str:
        return f"{self.relative} — {self.absolute}"


def language_of(value: str | None) -> str:
    base = (value or "en").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else "en"


def round_up_to_five_minutes(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    if floor == moment and floor.minute % 5 == 0:
        return moment
    return floor + timedelta(minutes=5 - floor.minute % 5)


def relative(wait: timedelta, language: str) -> str:
    words = _RELATIVE[language_of(language)]
    minutes = wait.total_seconds() / 60
    if minutes <= 1:
        return words["minute"]
    if minutes < 55:
        # Rounded up to 5 minutes above ten, so "about" never undersells the wait.
        n = math.ceil(minutes) if minutes <= 10 else 5 * math.ceil(minutes / 5)
        return words["minutes"].format(n=n)
    hours = minutes / 60
    if hours < 1.5:
        return words["hour"]
    if hours < 36:
        return words["hours"].format(n=round(hours))
    return words["days"].format(n=round(hours / 24))


def absolute(due: datetime, now: datetime, language: str, tz: ZoneInfo) -> str:
    language = language_of(language)
    local_due, local_now = due.astimezone(tz), now.astimezone(tz)
    patterns = _ABSOLUTE[language]
    values = {"time": local_due.strftime("%H:%M"), "tz": local_due.tzname() or str(tz)}
    days = (local_due.date() - local_now.date()).days
    if days <= 0:
        key = "today"
    elif days == 1:
        key = "tomorrow"
    elif days < 7:
        key = "weekday"
        values["day"] = format_datetime(local_due, "EEEE", locale=language)
    else:
        key = "date"
        values["date"] = format_skeleton("MMMMd", local_due, locale=language)
    return patterns[key].format(**values)


def closed_note(language: str, holiday: str | None, open_now: bool) -> str | None:
    if open_now:
        return None
    words = _CLOSED[language_of(language)]
    return words["holiday"].format(name=holiday) if holiday else words["closed"]


def describe(due: datetime, now: datetime, language: str, tz: ZoneInfo, *, open_now: bool = True,
             holiday: str | None = None) -> PromiseWords:
    due = round_up_to_five_minutes(due)
    return PromiseWords(
        relative=relative(max(due - now, timedelta(0)), language),
        absolute=absolute(due, now, language, tz),
        closed_note=closed_note(language, holiday, open_now),
        local_due=due.astimezone(tz),
    )
