"""Admin pages for service levels: ordered policies, business calendars, and a live preview.

Every change is followed by a background re-evaluation of the open tickets (``sla.reevaluate_open``),
so running clocks follow the new rules from that moment on.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from babel.dates import format_date, format_datetime
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from inbox import jobs
from inbox.extensions import db
from inbox.models import BusinessCalendarRecord, SLAPolicy, Team
from inbox.models.sla import METRICS
from inbox.sla import calendars, policies
from inbox.sla.calendar import DAY_NAMES, CalendarError
from inbox.sla.preview import Preview, local_arrival, preview
from inbox.web.admin_auth import admin_required
from inbox.web.admin_sla_forms import CalendarForm, PolicyForm, SampleForm, metric_labels

bp = Blueprint("admin_sla", __name__)

def _teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def _calendars() -> list[BusinessCalendarRecord]:
    return list(db.session.scalars(select(BusinessCalendarRecord).order_by(BusinessCalendarRecord.name)))


def _fill_choices(form: FlaskForm) -> None:
    teams = [(t.id, t.name) for t in _teams()]
    if hasattr(form, "team_ids"):
        form.team_ids.choices = teams
    if hasattr(form, "calendar_id"):
        form.calendar_id.choices = [(0, _("The ticket's team calendar"))] + [
            (c.id, c.name + ("" if c.enabled else f" ({_('disabled')})")) for c in _calendars()]
    if hasattr(form, "escalate_team_id"):
        form.escalate_team_id.choices = [(0, "—")] + teams
    if hasattr(form, "sample_team_id"):
        form.sample_team_id.choices = [(0, _("No team"))] + teams


def _words(text: str | None) -> list[str]:
    return [w.strip() for w in (text or "").replace(";", ",").split(",") if w.strip()]


def _reevaluate(reason: str, *, force: bool = False) -> None:
    jobs.enqueue("sla.reevaluate_open", reason, force)


# -- index --------------------------------------------------------------------------------------


@bp.get("/")
@admin_required
def index():
    sample = SampleForm(formdata=None)
    _fill_choices(sample)
    saved = policies.ordered()
    return render_template(
        "admin/sla/index.html", policies=saved, defaults=[] if saved else policies.default_policies(),
        calendars=_calendars(), teams=_teams(), sample=sample, fmt=policies.format_duration,
    )


@bp.post("/policies/defaults")
@admin_required
def save_defaults():
    _check_csrf()
    if policies.save_defaults():
        db.session.commit()
        _reevaluate("policy.changed")
        flash(_("The built-in defaults are now policies you can edit."), "info")
    return redirect(url_for("admin_sla.index"))


def _check_csrf() -> None:
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))


# -- policies -----------------------------------------------------------------------------------


@bp.route("/policies/new", methods=["GET", "POST"])
@admin_required
def new_policy():
    return _policy_page(SLAPolicy(enabled=True, escalate_on="breach", warn_percent=75))


@bp.route("/policies/<int:policy_id>", methods=["GET", "POST"])
@admin_required
def edit_policy(policy_id: int):
    return _policy_page(db.session.get(SLAPolicy, policy_id) or abort(404))


def _policy_page(policy: SLAPolicy):  # noqa: ANN202
    form = PolicyForm(obj=None if request.method == "POST" else _policy_form_data(policy))
    _fill_choices(form)
    sample = SampleForm(formdata=None)
    _fill_choices(sample)
    if form.validate_on_submit():
        try:
            values = _policy_values(form)
            policies.validate(values)
        except policies.PolicyError as error:
            flash(str(error), "error")
            return render_template("admin/sla/policy.html", form=form, policy=policy, sample=sample), 422
        is_new = policy.id is None
        for name, value in values.items():
            setattr(policy, name, value)
        if is_new:
            policy.position = policies.next_position()
            policy.version = 1
            db.session.add(policy)
        else:
            policy.version = (policy.version or 0) + 1
        db.session.commit()
        _reevaluate("policy.changed")
        flash(_("Policy saved (version %(v)s).", v=policy.version), "info")
        return redirect(url_for("admin_sla.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/sla/policy.html", form=form, policy=policy, sample=sample), status


def _policy_form_data(policy: SLAPolicy) -> SimpleNamespace:
    return SimpleNamespace(
        name=policy.name, enabled=policy.enabled, channels=policy.channels or [], priorities=policy.priorities or [],
        team_ids=policy.team_ids or [], customer_tags=", ".join(policy.customer_tags or []),
        customer_tiers=", ".join(policy.customer_tiers or []), languages=", ".join(policy.languages or []),
        first_response=policies.format_duration(policy.first_response_seconds),
        next_response=policies.format_duration(policy.next_response_seconds),
        resolution=policies.format_duration(policy.resolution_seconds),
        warn_percent=policy.warn_percent,
        warn_minutes_before=(policy.warn_seconds_before // 60) if policy.warn_seconds_before else None,
        calendar_id=policy.calendar_id or 0, escalate_on=policy.escalate_on or "breach",
        escalate_priority=policy.escalate_priority or "", escalate_team_id=policy.escalate_team_id or 0,
        escalate_notify_lead=bool(policy.escalate_notify_lead),
    )


def _policy_values(form: PolicyForm) -> dict[str, Any]:
    labels = metric_labels()
    values: dict[str, Any] = {
        "name": form.name.data.strip(),
        "enabled": bool(form.enabled.data),
        "channels": list(form.channels.data or []),
        "priorities": list(form.priorities.data or []),
        "team_ids": list(form.team_ids.data or []),
        "customer_tags": _words(form.customer_tags.data),
        "customer_tiers": _words(form.customer_tiers.data),
        "languages": [w.lower() for w in _words(form.languages.data)],
        "warn_percent": form.warn_percent.data,
        "warn_seconds_before": form.warn_minutes_before.data * 60 if form.warn_minutes_before.data is not None
        else None,
        "calendar_id": form.calendar_id.data or None,
        "escalate_on": form.escalate_on.data,
        "escalate_priority": form.escalate_priority.data or None,
        "escalate_team_id": form.escalate_team_id.data or None,
        "escalate_notify_lead": bool(form.escalate_notify_lead.data),
    }
    for metric in METRICS:
        values[f"{metric}_seconds"] = policies.parse_duration(getattr(form, metric).data, labels[metric].lower())
    return values


@bp.post("/policies/<int:policy_id>/move")
@admin_required
def move_policy(policy_id: int):
    _check_csrf()
    policy = db.session.get(SLAPolicy, policy_id) or abort(404)
    policies.move(policy, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    _reevaluate("policy.reordered")
    return redirect(url_for("admin_sla.index"))


@bp.post("/policies/<int:policy_id>/toggle")
@admin_required
def toggle_policy(policy_id: int):
    _check_csrf()
    policy = db.session.get(SLAPolicy, policy_id) or abort(404)
    policy.enabled = not policy.enabled
    db.session.commit()
    _reevaluate("policy.enabled" if policy.enabled else "policy.disabled")
    flash(_("Policy enabled.") if policy.enabled else _("Policy disabled."), "info")
    return redirect(url_for("admin_sla.index"))


# -- calendars ----------------------------------------------------------------------------------


@bp.route("/calendars/new", methods=["GET", "POST"])
@admin_required
def new_calendar():
    return _calendar_page(BusinessCalendarRecord(enabled=True, timezone="UTC",
                                                 weekly={d: [["09:00", "18:00"]] for d in DAY_NAMES[:5]}))


@bp.route("/calendars/<int:calendar_id>", methods=["GET", "POST"])
@admin_required
def edit_calendar(calendar_id: int):
    return _calendar_page(db.session.get(BusinessCalendarRecord, calendar_id) or abort(404))


def _calendar_page(record: BusinessCalendarRecord):  # noqa: ANN202
    form = CalendarForm(obj=None if request.method == "POST" else _calendar_form_data(record))
    _fill_choices(form)
    sample = SampleForm(formdata=None)
    _fill_choices(sample)
    if form.validate_on_submit():
        try:
            spec = _calendar_spec(form)
        except CalendarError as error:
            flash(str(error), "error")
            return render_template("admin/sla/calendar.html", form=form, record=record, sample=sample), 422
        is_new = record.id is None
        record.name = form.name.data.strip()
        record.enabled = bool(form.enabled.data)
        record.timezone = spec["timezone"]
        record.weekly = spec["hours"]
        record.holiday_country = spec.get("holiday_country")
        record.holiday_subdivision = spec.get("holiday_subdivision")
        record.closed_dates = sorted(spec["holidays"])
        record.special_hours = spec.get("special_hours", {})
        record.version = 1 if is_new else (record.version or 0) + 1
        db.session.add(record)
        db.session.flush()
        chosen = set(form.team_ids.data or [])
        for team in _teams():
            if team.id in chosen:
                team.calendar_id = record.id
            elif team.calendar_id == record.id:
                team.calendar_id = None
        db.session.commit()
        _reevaluate("calendar.changed", force=True)
        flash(_("Calendar saved."), "info")
        return redirect(url_for("admin_sla.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/sla/calendar.html", form=form, record=record, sample=sample), status


def _calendar_form_data(record: BusinessCalendarRecord) -> SimpleNamespace:
    hours = {day: ", ".join(f"{s}-{e}" for s, e in (record.weekly or {}).get(day, [])) for day in DAY_NAMES}
    special = "\n".join(f"{day} " + ", ".join(f"{s}-{e}" for s, e in intervals)
                        for day, intervals in sorted((record.special_hours or {}).items()))
    teams = [t.id for t in _teams() if record.id is not None and t.calendar_id == record.id]
    return SimpleNamespace(name=record.name, enabled=record.enabled, timezone=record.timezone,
                           holiday_country=record.holiday_country or "",
                           holiday_subdivision=record.holiday_subdivision or "",
                           closed_dates="\n".join(record.closed_dates or []), special_hours=special,
                           team_ids=teams, **hours)


def _calendar_spec(form: CalendarForm) -> dict[str, Any]:
    return calendars.spec_from_form(
        form.timezone.data, {day: getattr(form, day).data for day in DAY_NAMES},
        country=form.holiday_country.data, subdivision=form.holiday_subdivision.data,
        closed_dates=form.closed_dates.data, special_hours=form.special_hours.data,
    )


@bp.post("/calendars/<int:calendar_id>/toggle")
@admin_required
def toggle_calendar(calendar_id: int):
    _check_csrf()
    record = db.session.get(BusinessCalendarRecord, calendar_id) or abort(404)
    record.enabled = not record.enabled
    db.session.commit()
    _reevaluate("calendar.changed", force=True)
    flash(_("Calendar enabled.") if record.enabled else _("Calendar disabled."), "info")
    return redirect(url_for("admin_sla.index"))


# -- live preview -------------------------------------------------------------------------------


@bp.post("/preview")
@admin_required
def live_preview():
    """The due times a sample ticket would get, for the page's unsaved fields.

    ``mode=policy``: the policy being edited; ``mode=calendar``: the calendar being edited with
    the sample target; otherwise the saved policies, first match, as tickets would get them.
    """
    _check_csrf()
    sample = SampleForm()
    _fill_choices(sample)
    if not sample.validate():
        return jsonify(error=_("Choose when the sample ticket arrives.")), 422
    team = db.session.get(Team, sample.sample_team_id.data) if sample.sample_team_id.data else None
    ticket = SimpleNamespace(channel=sample.sample_channel.data, priority=sample.sample_priority.data,
                             team_id=team.id if team else None, language=None, customer=None)
    mode = request.form.get("mode")
    try:
        if mode == "policy":
            form = PolicyForm()
            _fill_choices(form)
            values = _policy_values(form)
            policy = SLAPolicy(**values)
            calendar = calendars.calendar_by_id(calendars.calendar_id_for(policy, team))
        elif mode == "calendar":
            form = CalendarForm()
            calendar = calendars.build(_calendar_spec(form))
            policy = SLAPolicy(name="sample", first_response_seconds=(sample.sample_minutes.data or 480) * 60)
        else:
            policy = policies.select_for(ticket)
            if policy is None:
                return jsonify(text=_("No policy matches this ticket: it gets no targets."), lines=[])
            calendar = calendars.calendar_for_policy(policy, team)
        arrival = local_arrival(sample.sample_arrival.data, calendar)
    except (policies.PolicyError, CalendarError, ValueError) as error:
        return jsonify(error=str(error)), 422
    result = preview(policy, calendar, arrival)
    return jsonify(text=_sentence(ticket, result, policy if mode is None else None), lines=_lines(result))


def _when(moment) -> str:  # noqa: ANN001
    # Shown in the calendar's own zone (the sentence names it), not the viewer's.
    local = format_datetime(moment, "EEE d MMM HH:mm", tzinfo=moment.tzinfo, locale=get_locale())
    return f"{local} {moment.strftime('%Z')}"


def _closed_note(due) -> str:  # noqa: ANN001
    if not due.closed_days:
        return ""
    days = "; ".join(f"{format_date(c.day, 'EEE d MMM', locale=get_locale())}: {c.reason}" for c in due.closed_days)
    return " " + _("(closed %(days)s)", days=days)


def _sentence(ticket: SimpleNamespace, result: Preview, policy: SLAPolicy | None) -> str:
    what = {"email": _("An email"), "x": _("A post on X"), "chat": _("A chat")}[ticket.channel]
    head = _("%(what)s, priority %(priority)s, arriving %(when)s", what=what, priority=ticket.priority,
             when=_when(result.arrival))
    if policy is not None:
        head += " " + _("(policy: %(name)s)", name=policy.name)
    if not result.due:
        return head + " → " + _("no targets")
    first = result.due[0]
    label = metric_labels()[first.metric].lower()
    return f"{head} → " + _("%(metric)s due %(when)s", metric=label, when=_when(first.due)) + _closed_note(first)


def _lines(result: Preview) -> list[str]:
    labels = metric_labels()
    lines = []
    for due in result.due:
        line = _("%(metric)s (%(target)s): due %(when)s", metric=labels[due.metric],
                 target=policies.format_duration(due.target_seconds), when=_when(due.due))
        if due.warn is not None:
            line += "; " + _("warning %(when)s", when=_when(due.warn))
        lines.append(line + _closed_note(due))
    return lines
