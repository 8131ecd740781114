"""The agent workspace in headless Chromium, end to end through the real webhook, Socket.IO and
outbox: a mailed ticket appears live, is answered, its clock stops and the reply reaches the
sandbox; two agents see each other; another team never sees it; the UI speaks Japanese."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from inbox import outbox
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Ticket, utcnow
from tests import factories
from tests.browser import browser, sign_in  # noqa: F401 - the fixture
from tests.email_fixtures.mails import plain_mail
from tests.email_fixtures.posts import raw_post


@pytest.fixture
def site(app, live_server, make_agent, make_team):  # noqa: ANN001, ANN201
    tokyo, seoul = make_team("Tokyo", channels=["email"]), make_team("Seoul", channels=["x"])
    make_agent("sam@kept.example", name="Sam Carter", role="admin", teams=[tokyo])
    make_agent("ana@kept.example", name="Ana Souza", teams=[tokyo])
    make_agent("jiwoo@kept.example", name="Jiwoo Han", teams=[seoul])
    return live_server


def post_email(app, site, subject: str, text: str = "My parcel never came.") -> None:  # noqa: ANN001
    body, content_type = raw_post(plain_mail(text, Subject=subject, Message_ID=f"<{abs(hash(subject))}@example.com>"))
    credentials = f"{app.config['INBOUND_EMAIL_USERNAME']}:{app.config['INBOUND_EMAIL_PASSWORD']}"
    response = requests.post(f"{site.url}/channels/email/inbound", data=body, timeout=10, headers={
        "Content-Type": content_type, "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()})
    assert response.status_code < 300, response.text


def open_live(browser, site, email: str, path: str = "/queue"):  # noqa: ANN001, ANN201, F811
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    sign_in(page, site.url, email)
    page.goto(f"{site.url}{path}")
    page.wait_for_selector("#live-state[data-state=live]", timeout=10_000)
    return page


def ticket_by_subject(subject: str) -> Ticket:
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.subject == subject))


def with_running_clock(ticket: Ticket) -> Ticket:
    """Give the ticket a first-response target if no SLA policy did, so the clock can be seen."""
    if ticket.first_response_due_at is None:
        ticket.first_response_due_at = ticket.sla_due_at = utcnow() + timedelta(hours=1)
        db.session.commit()
    return ticket


def test_a_mailed_ticket_appears_live_and_a_reply_stops_its_clock_and_reaches_the_sandbox(app, site, browser):  # noqa: F811
    page = open_live(browser, site, "sam@kept.example")
    post_email(app, site, "Parcel lost in Osaka")
    # Within a second of the webhook's answer, without a reload.
    row = page.wait_for_selector('#queue tbody tr:has-text("Parcel lost in Osaka")', timeout=1000)
    ticket = with_running_clock(ticket_by_subject("Parcel lost in Osaka"))
    row.click()
    page.wait_for_url(f"**/tickets/{ticket.id}")
    page.wait_for_selector("#live-state[data-state=live]")
    assert page.get_attribute("#sla-first", "data-state") in ("ok", "warning")
    page.fill("#composer-text", "We found it: it leaves Osaka today.")
    page.click("#send")
    page.wait_for_selector(".entry.message.outbound:has-text('it leaves Osaka today')", timeout=5000)
    page.wait_for_selector("#sla-first[data-state=met]", timeout=5000)
    outbox.deliver_due()
    page.wait_for_selector(".entry.message.outbound .delivery[data-state=sent]", timeout=5000)
    page.goto(f"{site.url}/sandbox")
    assert "We found it: it leaves Osaka today." in page.inner_text("main")
    assert page.errors == []


def test_two_agents_on_one_ticket_see_each_other_viewing_and_typing(app, site, browser):  # noqa: F811
    ticket_id = ingest(factories.email(subject="Two agents")).ticket_id
    sam = open_live(browser, site, "sam@kept.example", f"/tickets/{ticket_id}")
    ana = open_live(browser, site, "ana@kept.example", f"/tickets/{ticket_id}")
    sam.wait_for_selector("#viewers:has-text('Ana Souza')", timeout=5000)
    ana.wait_for_selector("#viewers:has-text('Sam Carter')", timeout=5000)
    ana.type("#composer-text", "Let me take th")
    sam.wait_for_selector("#viewers:has-text('Ana Souza (typing…)')", timeout=5000)
    ana.close()
    sam.wait_for_selector("#viewers", state="hidden", timeout=5000)
    assert sam.errors == []


def test_an_agent_of_another_team_never_sees_the_ticket(app, site, browser):  # noqa: F811
    page = open_live(browser, site, "jiwoo@kept.example")
    post_email(app, site, "Tokyo only")
    # Seoul's own ticket arriving shows the queue is live and that the email had its chance.
    ingest(factories.dm(text="Seoul's question"))
    page.wait_for_selector('#queue tbody tr:has-text("Seoul")', timeout=5000)
    assert "Tokyo only" not in page.inner_text("#queue")
    ticket = ticket_by_subject("Tokyo only")
    response = page.goto(f"{site.url}/tickets/{ticket.id}")
    assert response.status == 404


def test_the_workspace_switches_to_japanese(app, site, browser):  # noqa: F811
    page = open_live(browser, site, "ana@kept.example")
    page.select_option("#language", "ja")
    page.wait_for_selector("html[lang=ja]")
    assert page.inner_text("#queue-heading").startswith("キュー")
    assert page.inner_text("nav") == "キュー"
    page.wait_for_selector("#live-state[data-state=live]", timeout=10_000)
    assert page.inner_text("#live-state") == "ライブ"
