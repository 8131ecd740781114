"""What admins choose about surveys: on or off, the delay, the channels, the wording, NPS per team.

Kept in one :class:`inbox.models.Setting` row; the environment gives the defaults an install
starts with (``SURVEY_DELAY_MINUTES``), the admin page changes them at run time.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from flask import current_app

from channels.base import CHANNELS
from inbox.extensions import db
from inbox.models import Setting

KEY = "surveys"
# Wording an admin may override per language; {name}, {subject} and {ticket} are filled in.
WORDING_FIELDS = ("question", "thanks")
PLACEHOLDERS = ("name", "subject", "ticket")
MAX_DELAY_MINUTES = 7 * 24 * 60
MAX_NPS_DAYS = 3650


class SettingsError(ValueError):
    """A setting an admin entered that cannot be used; the message says which."""


@dataclass
class SurveySettings:
    enabled: bool = True
    delay_minutes: int = 60
    channels: list[str] = field(default_factory=lambda: list(CHANNELS))
    # language → field → text; an empty or missing text uses the built-in, translated wording.
    wording: dict[str, dict[str, str]] = field(default_factory=dict)
    # team id (as a string, JSON keys are strings) → ask NPS at most every N days per customer.
    nps_every_days: dict[str, int] = field(default_factory=dict)

    def nps_days_for(self, team_id: int | None) -> int:
        if team_id is None:
            return 0
        return int(self.nps_every_days.get(str(team_id), 0) or 0)

    def text(self, language: str, name: str) -> str | None:
        return (self.wording.get(language) or {}).get(name) or None


def load() -> SurveySettings:
    row = db.session.get(Setting, KEY)
    defaults = SurveySettings(delay_minutes=current_app.config["SURVEY_DELAY_MINUTES"])
    if row is None or not isinstance(row.value, dict):
        return defaults
    stored = {k: v for k, v in row.value.items() if k in SurveySettings.__dataclass_fields__}
    return SurveySettings(**{**asdict(defaults), **stored})


def save(settings: SurveySettings) -> SurveySettings:
    """Validate and store; the caller commits."""
    validate(settings)
    row = db.session.get(Setting, KEY)
    if row is None:
        row = Setting(key=KEY)
        db.session.add(row)
    row.value = asdict(settings)
    return settings


def validate(settings: SurveySettings) -> None:
    if not 0 <= settings.delay_minutes <= MAX_DELAY_MINUTES:
        raise SettingsError(f"the delay must be between 0 and {MAX_DELAY_MINUTES} minutes")
    unknown = set(settings.channels) - set(CHANNELS)
    if unknown:
        raise SettingsError(f"unknown channels: {', '.join(sorted(unknown))}")
    for language, texts in settings.wording.items():
        if language not in current_app.config["LANGUAGES"]:
            raise SettingsError(f"unknown language {language!r}")
        for name, text in texts.items():
            if name not in WORDING_FIELDS:
                raise SettingsError(f"unknown wording {name!r}")
            _check_placeholders(text)
    for team_id, days in settings.nps_every_days.items():
        if not str(team_id).isdigit() or not 0 <= int(days) <= MAX_NPS_DAYS:
            raise SettingsError(f"NPS frequency must be between 0 and {MAX_NPS_DAYS} days")


def fill(template: str, values: dict[str, Any]) -> str:
    """Put {name}, {subject}, {ticket} into admin wording.

    Plain replacement rather than str.format: admin text must not reach attribute lookups
    ("{name.__class__}") or fail on a stray brace.
    """
    for key in PLACEHOLDERS:
        template = template.replace("{" + key + "}", str(values.get(key, "")))
    return template


def _check_placeholders(text: str) -> None:
    if len(text) > 500:
        raise SettingsError("wording must be at most 500 characters")
    rest = text
    for key in PLACEHOLDERS:
        rest = rest.replace("{" + key + "}", "")
    if "{" in rest or "}" in rest:
        raise SettingsError("wording may use only {name}, {subject} and {ticket} in braces")
