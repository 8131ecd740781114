"""Forms of the service-level admin pages (CSRF through Flask-WTF)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from inbox.models.tickets import PRIORITIES

CHANNELS = (("email", "Email"), ("x", "X"), ("chat", "Chat"))


def metric_labels() -> dict[str, str]:
    return {"first_response": _("First response"), "next_response": _("Next response"),
            "resolution": _("Resolution")}


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PolicyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    enabled = BooleanField(_l("Enabled"), default=True)
    channels = MultiCheckboxField(_l("Channels"), choices=CHANNELS)
    priorities = MultiCheckboxField(_l("Priorities"), choices=[(p, p) for p in PRIORITIES])
    team_ids = MultiCheckboxField(_l("Teams"), coerce=int, choices=[])
    customer_tags = StringField(_l("Customer tags"))
    customer_tiers = StringField(_l("Customer tiers"))
    languages = StringField(_l("Languages"))
    first_response = StringField(_l("First response"))
    next_response = StringField(_l("Next response"))
    resolution = StringField(_l("Resolution"))
    warn_percent = IntegerField(_l("Warn at this share of the target, in per cent"), validators=[Optional()])
    warn_minutes_before = IntegerField(_l("Warn minutes before"), validators=[Optional()])
    calendar_id = SelectField(_l("Calendar"), coerce=int, choices=[])
    escalate_on = SelectField(_l("Escalate on"), choices=[("breach", "breach"), ("warning", "warning")])
    escalate_priority = SelectField(_l("Raise priority to"), choices=[("", "—")] + [(p, p) for p in PRIORITIES])
    escalate_team_id = SelectField(_l("Reassign to team"), coerce=int, choices=[])
    escalate_notify_lead = BooleanField(_l("Email the team lead"))


class CalendarForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    enabled = BooleanField(_l("Enabled"), default=True)
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])
    mon = StringField(_l("Monday"))
    tue = StringField(_l("Tuesday"))
    wed = StringField(_l("Wednesday"))
    thu = StringField(_l("Thursday"))
    fri = StringField(_l("Friday"))
    sat = StringField(_l("Saturday"))
    sun = StringField(_l("Sunday"))
    holiday_country = StringField(_l("Public holidays of (country code)"), validators=[Length(max=8)])
    holiday_subdivision = StringField(_l("Subdivision"), validators=[Length(max=16)])
    closed_dates = TextAreaField(_l("Closed dates"))
    special_hours = TextAreaField(_l("Special hours"))
    team_ids = MultiCheckboxField(_l("Teams on this calendar"), coerce=int, choices=[])


class SampleForm(FlaskForm):
    """The sample ticket of the preview; it rides along with the policy or calendar fields."""

    class Meta:
        csrf = False  # the page's own form carries the token

    sample_channel = SelectField(_l("Channel"), choices=CHANNELS, default="email")
    sample_priority = SelectField(_l("Priority"), choices=[(p, p) for p in PRIORITIES], default="normal")
    sample_team_id = SelectField(_l("Team"), coerce=int, choices=[])
    sample_arrival = StringField(_l("Arriving at"), validators=[DataRequired()])
    sample_minutes = IntegerField(_l("Target"), validators=[Optional(), NumberRange(min=1)], default=480)
