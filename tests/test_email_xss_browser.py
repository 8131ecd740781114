"""Hostile HTML mail shown to an agent in a real browser (headless Chromium): nothing runs.

Every payload tries to call ``pwned(...)``, a function the browser exposes in every frame; a
dialog counts too. A control page proves the harness does see a script that runs.
"""

from __future__ import annotations

import base64
import shutil
import threading
from pathlib import Path

import pytest
import requests
from flask import render_template_string

from tests.email_fixtures import mails
from tests.email_fixtures.posts import raw_post

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MARKER = "HOSTILE-MAIL-RENDERED"
SVG = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" onload="pwned(1)"/>').decode()

HOSTILE = f"""
<p id="marker">{MARKER}</p>
<script>pwned('script')</script>
<img src="x" onerror="pwned('onerror')">
<svg onload="pwned('svg')"><script>pwned('svg-script')</script></svg>
<a id="js-link" href="javascript:pwned('href')">click me</a>
<a href="  JaVaScRiPt:pwned('href-case')">case</a>
<iframe srcdoc="&lt;script&gt;parent.pwned('nested-frame')&lt;/script&gt;"></iframe>
<object data="javascript:pwned('object')"></object>
<embed src="javascript:pwned('embed')">
<form action="javascript:pwned('form')"><button id="form-button">send</button></form>
<meta http-equiv="refresh" content="0;url=javascript:pwned('refresh')">
<base href="javascript:pwned('base')//">
<details open ontoggle="pwned('ontoggle')"><summary>more</summary></details>
<math><mtext><table><mglyph><style><img src=x onerror="pwned('mxss-math')"></style></mglyph></table></mtext></math>
<noscript><p title="</noscript><img src=x onerror=pwned('noscript')>"></p></noscript>
<div style="background:url(javascript:pwned('css'))">css</div>
<style>body {{ background: url("javascript:pwned('style-tag')") }}</style>
<img src="data:image/svg+xml;base64,{SVG}">
<a href="data:text/html,&lt;script&gt;pwned('data-link')&lt;/script&gt;" id="data-link">data</a>
"""


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield instance
        instance.close()


class Watch:
    """What tried to run: calls to pwned() from any frame, and dialogs."""

    def __init__(self, page) -> None:  # noqa: ANN001
        self.calls: list[str] = []
        self.lock = threading.Lock()
        page.expose_function("pwned", self.record)
        page.on("dialog", lambda dialog: (self.record(f"dialog:{dialog.message}"), dialog.dismiss()))

    def record(self, what: object) -> None:
        with self.lock:
            self.calls.append(str(what))


def deliver(live, app, html: str) -> int:  # noqa: ANN001
    body, content_type = raw_post(
        mails.html_mail(
            html, Subject="<script>pwned('subject')</script>", From='"<img src=x onerror=pwned(1)>" <evil@example.com>'
        )
    )
    response = requests.post(
        f"{live.url}/channels/email/inbound",
        data=body,
        timeout=10,
        headers={"Content-Type": content_type},
        auth=(app.config["INBOUND_EMAIL_USERNAME"], app.config["INBOUND_EMAIL_PASSWORD"]),
    )
    assert response.status_code == 200, response.text
    return response.json()["message_id"]


def host_page(app) -> None:  # noqa: ANN001
    """A minimal agent page around the real frame helper (the workspace renders the same call)."""
    from inbox.extensions import db
    from inbox.models import Message

    def show(message_id: int) -> str:
        from flask import request

        control = "<script>pwned('control')</script>" if request.args.get("control") else ""
        return render_template_string(
            "<!doctype html><title>agent view</title>{{ control|safe }}<h1>{{ m.subject }}</h1>"
            "{{ message_html_frame(m) }}",
            m=db.session.get(Message, message_id),
            control=control,
        )

    app.add_url_rule("/test-agent-view/<int:message_id>", "test_agent_view", show)


def sign_in(page, live) -> None:  # noqa: ANN001
    page.goto(f"{live.url}/login")
    page.fill("#email", "agent@kept.example")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_the_harness_sees_a_script_that_runs(app, live_server, browser, make_agent):
    host_page(app)
    message_id = deliver(live_server, app, "<p>plain</p>")
    page = browser.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.url}/test-agent-view/{message_id}?control=1", wait_until="load")
    page.wait_for_function("document.readyState === 'complete'")
    assert watch.calls == ["control"]


def test_hostile_mail_in_the_agent_view_frame_runs_no_script(app, live_server, browser, make_agent):
    host_page(app)
    message_id = deliver(live_server, app, HOSTILE)
    page = browser.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.url}/test-agent-view/{message_id}", wait_until="load")
    frame = page.frame_locator("iframe.mail-html")
    frame.get_by_text(MARKER).wait_for(state="visible", timeout=10_000)
    # The sanitiser strips ids, so the links and the button are found by their words.
    for words in ("click me", "case", "data", "send"):
        target = frame.get_by_text(words, exact=True)
        if target.count():
            target.first.click(timeout=2_000)
    page.wait_for_load_state("networkidle")
    assert watch.calls == []
    assert page.title() == "agent view"


def test_hostile_mail_opened_in_its_own_tab_runs_no_script(app, live_server, browser, make_agent):
    make_agent()
    message_id = deliver(live_server, app, HOSTILE)
    page = browser.new_page()
    watch = Watch(page)
    sign_in(page, live_server)
    response = page.goto(f"{live_server.url}/messages/{message_id}/html", wait_until="load")
    assert response.status == 200
    page.get_by_text(MARKER).wait_for(state="visible", timeout=10_000)
    page.wait_for_load_state("networkidle")
    assert watch.calls == []


def test_a_sanitiser_miss_still_runs_nothing_inside_the_sandboxed_frame(app, live_server, browser):
    """Defence in depth: the raw hostile HTML, unsanitised, in the same frame and CSP."""
    from html import escape

    from inbox.html import IFRAME_SANDBOX, frame_policy

    def raw_frame() -> str:
        document = (
            f'<!doctype html><meta http-equiv="Content-Security-Policy" content="{escape(frame_policy())}">{HOSTILE}'
        )
        return (
            f'<!doctype html><title>agent view</title><iframe class="mail-html" sandbox="{IFRAME_SANDBOX}" '
            f'srcdoc="{escape(document)}"></iframe>'
        )

    app.add_url_rule("/test-raw-frame", "test_raw_frame", raw_frame)
    page = browser.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.url}/test-raw-frame", wait_until="load")
    page.frame_locator("iframe.mail-html").get_by_text(MARKER).wait_for(state="visible", timeout=10_000)
    page.wait_for_load_state("networkidle")
    assert watch.calls == []
