"""The sandbox mailbox: what each channel would have sent, on an install without credentials."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from inbox.extensions import db
from inbox.models import SandboxDelivery
from inbox.web.admin_auth import admin_required

bp = Blueprint("sandbox", __name__)


@bp.get("/")
@admin_required
def index():
    channel = request.args.get("channel")
    query = select(SandboxDelivery).order_by(SandboxDelivery.id.desc()).limit(200)
    if channel:
        query = query.where(SandboxDelivery.channel == channel)
    return render_template("sandbox.html", deliveries=db.session.scalars(query).all(), channel=channel)
