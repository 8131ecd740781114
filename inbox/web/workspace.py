"""The agents' pages."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

bp = Blueprint("workspace", __name__)


@bp.get("/")
def home():
    return redirect(url_for("workspace.queue" if current_user.is_authenticated else "auth.login"))


@bp.get("/queue")
@login_required
def queue():
    return render_template("queue.html")
