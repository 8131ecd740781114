"""Admin pages for what needs a human: quarantined inbound and dead deliveries."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from inbox import outbox, quarantine
from inbox.extensions import db
from inbox.models import OutboxItem, QuarantinedPayload
from inbox.web.admin_auth import admin_required

bp = Blueprint("admin", __name__)


@bp.get("/")
@admin_required
def index():
    held = db.session.scalars(
        select(QuarantinedPayload).where(QuarantinedPayload.status == "held").order_by(QuarantinedPayload.id.desc())
    ).all()
    stuck = db.session.scalars(
        select(OutboxItem).where(OutboxItem.state.in_(("dead", "failed"))).order_by(OutboxItem.id.desc()).limit(200)
    ).all()
    return render_template("admin/index.html", held=held, stuck=stuck)


@bp.get("/quarantine/<int:held_id>")
@admin_required
def quarantined(held_id: int):
    held = db.session.get(QuarantinedPayload, held_id) or abort(404)
    return render_template("admin/quarantined.html", held=held, raw=held.raw.decode("utf-8", "replace"))


@bp.post("/quarantine/<int:held_id>/discard")
@admin_required
def discard(held_id: int):
    held = db.session.get(QuarantinedPayload, held_id) or abort(404)
    quarantine.discard(held, current_user)
    flash(_("Discarded."), "info")
    return redirect(url_for("admin.index"))


@bp.post("/outbox/<int:item_id>/retry")
@admin_required
def retry_delivery(item_id: int):
    item = db.session.get(OutboxItem, item_id) or abort(404)
    outbox.retry(item)
    flash(_("Delivery queued again."), "info")
    return redirect(url_for("admin.index"))
