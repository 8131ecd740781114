"""Survey pages customers reach from a link (no sign-in), the admin's survey settings, and the
follow-up list for team leads.

A rating link is a GET that records the rating: the customer clicks once in their mail or chat and
is done. The signed single-survey token in the URL is what protects it, not a session, so these
GETs carry no CSRF token; the optional comment is a normal form POST with one.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from channels.base import CHANNELS
from inbox import survey_settings, surveys
from inbox.extensions import csrf, db
from inbox.models import FollowUp, Survey, Team, Ticket
from inbox.survey_messages import rating_labels, thanks_text
from inbox.web.admin_auth import admin_required
from inbox.web.api_auth import api_error, api_login_required, current_agent

bp = Blueprint("surveys", __name__)


def _survey_or_error(token: str) -> Survey:
    try:
        return surveys.survey_for_token(token)
    except surveys.SurveyLinkError as error:
        page = render_template("surveys/invalid.html", expired=error.expired)
        abort(make_response(page, 410 if error.expired else 404))


@bp.after_request
def _private(response):  # noqa: ANN001, ANN202
    if request.path.startswith("/survey/"):
        # The token is in the URL: keep it out of Referer headers, caches and search engines.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/survey/<token>")
def page(token: str):
    survey = _survey_or_error(token)
    return _render_page(token, survey)


@bp.get("/survey/<token>/rate/<int:rating>")
def rate(token: str, rating: int):
    survey = _survey_or_error(token)
    try:
        surveys.rate(survey, rating)
    except surveys.SurveyError:
        abort(404)
    db.session.commit()
    return redirect(url_for("surveys.page", token=token, rated=1), code=303)


@bp.get("/survey/<token>/nps/<int:score>")
def rate_nps(token: str, score: int):
    survey = _survey_or_error(token)
    try:
        surveys.rate_nps(survey, score)
    except surveys.SurveyError:
        abort(404)
    db.session.commit()
    return redirect(url_for("surveys.page", token=token, rated=1), code=303)


@bp.post("/survey/<token>/comment")
def comment(token: str):
    survey = _survey_or_error(token)
    try:
        surveys.comment(survey, request.form.get("comment", ""))
    except surveys.SurveyError as error:
        return _render_page(token, survey, error=str(error)), 400
    db.session.commit()
    return redirect(url_for("surveys.page", token=token, commented=1), code=303)


def _render_page(token: str, survey: Survey, error: str | None = None) -> str:
    ticket = db.session.get(Ticket, survey.ticket_id)
    settings = survey_settings.load()
    with force_locale(survey.language):
        links = surveys.links_for(survey, nps=survey.nps_asked)
        return render_template(
            "surveys/page.html", survey=survey, ticket=ticket, token=token, labels=rating_labels(),
            links=links, thanks=thanks_text(settings, survey, ticket),
            rated=bool(request.args.get("rated")), commented=bool(request.args.get("commented")), error=error,
            lang=survey.language,
        )


# --- admin settings --------------------------------------------------------------------------

@bp.route("/admin/surveys", methods=["GET", "POST"])
@admin_required
def settings_page():
    settings = survey_settings.load()
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    if request.method == "POST":
        try:
            settings = _settings_from_form(settings, teams)
            survey_settings.save(settings)
        except (survey_settings.SettingsError, ValueError) as error:
            db.session.rollback()
            flash(_("Not saved: %(reason)s", reason=str(error)), "error")
            return render_template("surveys/settings.html", settings=settings, teams=teams, channels=CHANNELS,
                                   languages=current_app.config["LANGUAGES"]), 400
        db.session.commit()
        flash(_("Survey settings saved."), "info")
        return redirect(url_for("surveys.settings_page"))
    return render_template("surveys/settings.html", settings=settings, teams=teams, channels=CHANNELS,
                           languages=current_app.config["LANGUAGES"])


def _settings_from_form(current: survey_settings.SurveySettings, teams: list[Team]) -> survey_settings.SurveySettings:
    form = request.form
    try:
        delay = int(form.get("delay_minutes", current.delay_minutes))
        nps = {str(team.id): int(form.get(f"nps_{team.id}") or 0) for team in teams}
    except ValueError:
        raise survey_settings.SettingsError(_("delay and NPS frequency must be whole numbers")) from None
    wording = {}
    for language in current_app.config["LANGUAGES"]:
        texts = {name: form.get(f"wording_{language}_{name}", "").strip() for name in survey_settings.WORDING_FIELDS}
        if any(texts.values()):
            wording[language] = {name: text for name, text in texts.items() if text}
    return survey_settings.SurveySettings(
        enabled=form.get("enabled") == "on", delay_minutes=delay,
        channels=[c for c in CHANNELS if form.get(f"channel_{c}") == "on"], wording=wording, nps_every_days=nps,
    )


# --- follow-ups (JSON, for the workspace) ----------------------------------------------------

@bp.get("/api/follow-ups")
@csrf.exempt
@api_login_required
def list_follow_ups():
    state = request.args.get("state", "open")
    if state not in ("open", "done", "all"):
        return api_error(400, "state is open, done or all")
    found = surveys.follow_ups_for(current_agent(), state=None if state == "all" else state)
    return jsonify(follow_ups=[surveys.follow_up_dict(f) for f in found])


@bp.post("/api/follow-ups/<int:follow_up_id>/done")
@csrf.exempt
@api_login_required
def complete_follow_up(follow_up_id: int):
    follow_up = db.session.get(FollowUp, follow_up_id)
    agent = current_agent()
    if follow_up is None or not surveys.may_handle(agent, follow_up):
        return api_error(404, "not found")
    surveys.complete_follow_up(follow_up, agent)
    db.session.commit()
    return jsonify(surveys.follow_up_dict(follow_up))
