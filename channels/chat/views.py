"""HTTP routes of the chat channel: a plain host page to try the widget on."""
from __future__ import annotations

from flask import Blueprint, render_template

blueprint = Blueprint("chat", __name__)


@blueprint.get("/demo")
def demo():
    return render_template("chat_demo.html")
