"""Signing agents in and out, and resolving API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from inbox.extensions import db
from inbox.models import Agent

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in")


def agent_by_email(email: str) -> Agent | None:
    return db.session.scalar(select(Agent).where(func.lower(Agent.email) == email.strip().lower()))


def agent_by_token(token: str) -> Agent | None:
    agent = db.session.scalar(select(Agent).where(Agent.api_token_hash == Agent.hash_token(token)))
    return agent if agent and agent.active else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        agent = agent_by_email(form.email.data)
        if agent is not None and agent.active and agent.check_password(form.password.data):
            login_user(agent, remember=form.remember.data)
            target = request.args.get("next", "")
            # Only same-site paths: an open redirect after login is a phishing tool.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("workspace.queue")
            return redirect(target)
        flash(_("Wrong email or password."), "error")
    return render_template("login.html", form=form), 401 if request.method == "POST" else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
