"""Screenshots of the agent workspace for the README: the queue and a ticket, in English and Japanese.

Serves Kept on a throwaway SQLite database filled through the real ingest path, then drives
Debian's headless chromium with Playwright. Usage: .venv/bin/python scripts/screenshots.py [out-dir]
"""
from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from channels.base import Identity, Inbound, ThreadHints  # noqa: E402
from inbox import create_app, tickets  # noqa: E402
from inbox.extensions import db  # noqa: E402
from inbox.ingest import ingest  # noqa: E402
from inbox.models import Agent, Team, Ticket, utcnow  # noqa: E402
from tests import factories  # noqa: E402
from tests.browser import CHROMIUM, LAUNCH_ARGS, sign_in  # noqa: E402
from tests.conftest import LiveServer  # noqa: E402

PASSWORD = "correct horse battery"

TICKETS = [
    # subject, sender, name, channel, minutes to SLA due, priority, minutes to promise
    ("Order #4821 hasn't arrived", "emma@example.com", "Emma Thompson", "email", -12, "urgent", -5),
    ("注文が届きません", "hanako@example.jp", "佐藤 花子", "email", 4, "high", 20),
    ("Charged twice this month", "liam@example.com", "Liam O'Brien", "email", 18, "normal", 45),
    ("@KeptSupport my parcel is stuck in Leeds", "5501", "Noah Williams", "x", 25, "normal", 40),
    ("Can't log in to my account", "sofia@example.com", "Sofia Garcia", "chat", 3, "high", 6),
    ("이중 결제 환불 요청", "minjun@example.kr", "김민준", "email", 95, "normal", 120),
    ("Wrong size delivered", "olivia@example.com", "Olivia Brown", "email", 240, "low", 300),
    ("Where do I change my address?", "kai@example.com", "Kai Müller", "email", None, "normal", None),
]


def seed() -> int:
    support = Team(name="Support", timezone="Asia/Tokyo", language="en", channels=[])
    db.session.add(support)
    admin = Agent(email="alex@kept.example", name="Alex Morgan", role="admin", languages=["en", "ja"],
                  channels=["email", "x", "chat"], teams=[support], presence="online", timezone="Europe/London")
    mika = Agent(email="mika@kept.example", name="三上 美佳", languages=["ja", "en"], teams=[support],
                 presence="online", timezone="Asia/Tokyo", language="ja")
    for agent in (admin, mika):
        agent.set_password(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add_all([admin, mika])
    db.session.commit()
    now = utcnow()
    first_id = None
    for n, (subject, sender, name, channel, due, priority, promise) in enumerate(TICKETS):
        if channel == "x":
            inbound = factories.dm(user_id=sender, text=subject, handle="noah_w", name=name)
        elif channel == "chat":
            inbound = Inbound(channel="chat", external_id=f"chat-{n}", sender=Identity("chat", sender, name),
                              text=subject, raw=subject.encode(), thread=ThreadHints(conversation_key=f"chat:{n}"))
        else:
            inbound = factories.email(sender=sender, name=name, subject=subject,
                                      text=f"{subject}\n\nCould you look into it, please?")
        ticket = db.session.get(Ticket, ingest(inbound).ticket_id)
        ticket.priority = priority
        ticket.sla_due_at = ticket.first_response_due_at = now + timedelta(minutes=due) if due is not None else None
        if promise is not None:
            ticket.promised_at = now - timedelta(minutes=30)
            ticket.promise_due_at = now + timedelta(minutes=promise)
            ticket.promise_median_at = now + timedelta(minutes=promise * 0.6 if promise > 0 else promise - 5)
        if n in (1, 5):
            ticket.assignee_id = mika.id
        if n == 2:
            ticket.assignee_id = admin.id
        db.session.commit()
        if n == 2:
            first_id = ticket.id
    ticket = db.session.get(Ticket, first_id)
    tickets.note(ticket, admin, "@mika the card processor shows two captures; can you confirm with billing?")
    ingest(factories.email(sender="liam@example.com", name="Liam O'Brien", subject="Re: Charged twice this month",
                           text="Here is the bank statement line: KEPT*SUBSCRIPTION 12.00 twice on the 3rd.",
                           ticket_ref=ticket.id))
    tickets.update(ticket, admin, status="open", priority="high")
    return first_id


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/shots.sqlite3",
                         ATTACHMENTS_DIR=f"{tmp}/attachments", PUBLIC_URL="http://127.0.0.1")
        with app.app_context():
            db.create_all()
            ticket_id = seed()
            server = LiveServer(app).start()
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                    page = browser.new_page(viewport={"width": 1280, "height": 800})
                    sign_in(page, server.url, "alex@kept.example", PASSWORD)
                    for language in ("en", "ja"):
                        page.goto(f"{server.url}/queue")
                        page.select_option("#language", language)
                        page.wait_for_load_state("networkidle")
                        page.goto(f"{server.url}/queue")
                        page.wait_for_selector("#live-state[data-state=live]")
                        page.wait_for_selector("#queue tbody tr")
                        page.screenshot(path=str(out / f"queue-{language}.png"))
                        page.goto(f"{server.url}/tickets/{ticket_id}")
                        page.wait_for_selector("#live-state[data-state=live]")
                        page.fill("#composer-text", "Hi {{ customer.first_name }}")
                        page.fill("#composer-text", "")
                        page.screenshot(path=str(out / f"ticket-{language}.png"), full_page=False)
                    browser.close()
            finally:
                server.stop()
                app.extensions["kept_jobs"].stop()
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
