"""Admin pages for the promise: the quantile promised, notices on or off per channel, and the
wording of each notice per channel and language with a preview on a real ticket."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from inbox import notice_templates, notice_words, notices, promises
from inbox.eta import live
from inbox.extensions import db
from inbox.models import Ticket, utcnow
from inbox.web.admin_auth import admin_required

bp = Blueprint("admin_notices", __name__)

CHANNELS = ("email", "x", "chat")


@bp.get("/")
@admin_required
def index():
    stored = {(t.channel, t.variant, t.language, t.kind)
              for t in db.session.scalars(select(notice_templates.NoticeTemplate))}
    return render_template("admin/notices/index.html", settings=promises.settings(), channels=CHANNELS,
                           shapes=notice_templates.SHAPES, languages=notice_templates.LANGUAGES,
                           kinds=notice_templates.KINDS, stored=stored)


@bp.post("/settings")
@admin_required
def save_settings():
    try:
        quantile = float(request.form.get("quantile", ""))
        new = promises.PromiseSettings(quantile=quantile,
                                       notices={c: request.form.get(f"notice_{c}") == "on" for c in CHANNELS})
        promises.save_settings(new)
    except (ValueError, promises.SettingsError) as error:
        db.session.rollback()
        flash(_("Not saved: %(reason)s", reason=str(error)), "error")
        return redirect(url_for("admin_notices.index"))
    db.session.commit()
    flash(_("Promise settings saved."), "info")
    return redirect(url_for("admin_notices.index"))


def _shape_or_404(channel: str, variant: str, language: str, kind: str) -> None:
    if ((channel, variant) not in notice_templates.SHAPES or language not in notice_templates.LANGUAGES
            or kind not in notice_templates.KINDS):
        abort(404)


def preview_variables(channel: str, language: str) -> tuple[dict[str, str], Ticket | None]:
    """The variables of the newest ticket on ``channel``, with its live promise; a made-up ticket
    promised two hours from now when there is none yet."""
    now = utcnow()
    ticket = db.session.scalar(select(Ticket).where(Ticket.channel == channel).order_by(Ticket.id.desc()).limit(1))
    if ticket is not None:
        est = promises.estimate(ticket, now)
    else:
        ticket = Ticket(id=1234, channel=channel, customer_id=0, subject=_("Where is my order?"), language=language)
        q = promises.settings().quantile
        est = live.Estimate(made_at=now, quantile=q, level=0.9,
                            promise=timedelta(hours=2), median=timedelta(hours=1), channel=live.class_of(channel),
                            position=1, queue_length=0, agents_online=1, open_now=True, next_open_at=None,
                            holiday=None, sla_due_at=None, timezone="UTC", target=q)
        return _sample_variables(ticket, est, language, now), None
    return notices.variables_for(ticket, est, language, now), ticket


def _sample_variables(ticket: Ticket, est: live.Estimate, language: str, now: datetime) -> dict[str, str]:
    zone = ZoneInfo(current_app.config["INBOX_DEFAULT_TIMEZONE"])
    words = notice_words.describe(est.due_at, now, language, zone)
    return {"customer_name": "Aiko Tanaka", "first_name": "Aiko", "ticket_ref": f"#{ticket.id}",
            "ticket_id": str(ticket.id), "subject": ticket.subject or "", "promise_relative": words.relative,
            "promise_absolute": words.absolute, "closed_note": "", "team_name": "Support"}


@bp.route("/<channel>/<variant>/<language>/<kind>", methods=["GET", "POST"])
@admin_required
def edit(channel: str, variant: str, language: str, kind: str):
    _shape_or_404(channel, variant, language, kind)
    row = notice_templates.stored(channel, variant, language, kind)
    default_subject, default_body = notice_templates.default(channel, variant, language, kind)
    subject = row.subject if row is not None else default_subject
    body = row.body if row is not None else default_body
    variables, sample_ticket = preview_variables(channel, language)
    status = 200
    if request.method == "POST":
        subject = request.form.get("subject") or None
        body = request.form.get("body", "")
        if request.form.get("action") == "reset":
            notice_templates.save(channel, variant, language, kind, None, "", variables)
            db.session.commit()
            flash(_("Built-in wording restored."), "info")
            return redirect(url_for("admin_notices.edit", channel=channel, variant=variant, language=language,
                                    kind=kind))
        try:
            preview_text = notice_templates.render_text(body, variables)
            if channel == "x" and not notices.fits_one_post(preview_text):
                raise notice_templates.NoticeTemplateError(_("a notice on X must fit one post (280)"))
            if request.form.get("action") == "save":
                notice_templates.save(channel, variant, language, kind, subject, body, variables, current_user.id)
                db.session.commit()
                flash(_("Notice saved."), "info")
                return redirect(url_for("admin_notices.edit", channel=channel, variant=variant,
                                        language=language, kind=kind))
        except notice_templates.NoticeTemplateError as error:
            db.session.rollback()
            flash(_("Not saved: %(reason)s", reason=str(error)), "error")
            status = 400
    preview_subject, preview_body = _preview(subject, body, variables)
    return render_template("admin/notices/edit.html", channel=channel, variant=variant, language=language,
                           kind=kind, subject=subject, body=body, custom=row is not None, variables=variables,
                           sample_ticket=sample_ticket, preview_subject=preview_subject,
                           preview_body=preview_body, names=notice_templates.VARIABLES,
                           x_weight=notices.x_weight(preview_body) if channel == "x" else None), status


def _preview(subject: str | None, body: str, variables: dict[str, str]) -> tuple[str | None, str]:
    try:
        rendered_subject = notice_templates.render_text(subject, variables) if subject else None
        return rendered_subject, notice_templates.render_text(body, variables)
    except notice_templates.NoticeTemplateError as error:
        return None, _("This template does not render: %(reason)s", reason=str(error))
