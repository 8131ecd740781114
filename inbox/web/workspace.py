"""The agents' pages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from inbox.web import workspace_socket

bp = Blueprint("workspace", __name__)


@bp.record_once
def _socket_handlers(_state: Any) -> None:
    workspace_socket.register()


@bp.get("/")
def home():
    return redirect(url_for("workspace.queue" if current_user.is_authenticated else "auth.login"))


@bp.get("/queue")
@login_required
def queue():
    return render_template("queue.html")
