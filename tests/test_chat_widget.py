"""The chat widget in headless Chromium, embedded in a plain page of another site by one script tag.

The shop is a second HTTP server on 127.0.0.1 (another origin; Chromium's Private Network Access
rules would block a public page from loading the widget from loopback, as they would in real life
from a server on a private address).
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox import tickets
from inbox.extensions import db
from inbox.models import Ticket
from tests.browser import browser  # noqa: F401 - the fixture
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
# Fixed for the module so the allowed-origins setting can name it before the app is built.
SHOP_PORT = free_port()
SHOP = f"http://127.0.0.1:{SHOP_PORT}"
TIMEOUT = 10_000

AGGRESSIVE_CSS = """
* { all: unset; color: red !important; font-size: 40px !important; font-family: serif !important; }
div { display: none !important; }
button, textarea, section, ol, li, p { visibility: hidden !important; }
"""


def host_page(widget_url: str, *, lang: str = "en", css: str = "", extra: str = "") -> str:
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Shop</title><style>{css}</style></head>
<body><p id="host-text">Our kettles are the best.</p>
<script src="{widget_url}" async {extra}></script></body></html>"""


class ShopServer:
    """Serves whatever host page a test sets, like any website would."""

    def __init__(self) -> None:
        shop = self
        self.html = ""

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server interface
                body = shop.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", SHOP_PORT), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def shop_server() -> Iterator[ShopServer]:
    server = ShopServer()
    yield server
    server.stop()


@pytest.fixture
def shop(app, live_server, browser, make_agent, shop_server):  # noqa: ANN001, ANN201, F811
    """Open a page of the shop, a site allowed to embed the widget."""
    if not (ROOT / "static" / "vendor" / "socket.io.min.js").exists():
        pytest.skip("static/vendor/socket.io.min.js is missing: run scripts/assets.sh")
    agent = make_agent("mika@kept.example", name="Mika Sato", presence="online")
    widget = f"{live_server.url}/static/widget.js"
    contexts = []

    def open_page(*, viewport: dict | None = None, **page_options) -> object:  # noqa: ANN003
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        shop_server.html = host_page(widget, **page_options)
        page.goto(f"{SHOP}/kettles")
        page.locator(".kc-launcher").wait_for(state="visible", timeout=TIMEOUT)
        return page

    open_page.agent = agent
    yield open_page
    for context in contexts:
        context.close()


def settled_box(page) -> dict:  # noqa: ANN001
    """The open panel's box once its opening animation has finished."""
    panel = page.locator(".kc-panel")
    panel.evaluate("el => Promise.all(el.getAnimations().map(a => a.finished))")
    return panel.bounding_box()


def chat_ticket() -> Ticket:
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.channel == "chat"))


@pytest.mark.sqlite_only
@pytest.mark.config(SOCKETIO_CORS_ALLOWED_ORIGINS=[SHOP])
def test_a_visitor_sees_their_place_and_wait_and_then_the_agents_reply(app, shop):
    page = shop()
    page.click(".kc-launcher")
    page.fill(".kc-input", "Is the blue kettle back in stock?")
    page.keyboard.press("Enter")
    page.locator('.kc-from-visitor[data-state="delivered"]').wait_for(timeout=TIMEOUT)
    wait = page.locator(".kc-wait")
    wait.filter(has_text="in line").wait_for(timeout=TIMEOUT)
    assert re.fullmatch(r"You're 1st in line — a reply in about (\d+ minutes?|less than a minute)\.", wait.inner_text())

    tickets.reply(chat_ticket(), shop.agent, "Yes — back since Monday.")
    app.extensions["kept_jobs"].run_due()
    reply = page.locator(".kc-from-agent")
    reply.wait_for(timeout=TIMEOUT)
    assert reply.locator(".kc-bubble").inner_text() == "Yes — back since Monday."
    assert reply.locator(".kc-meta").inner_text() == "Mika Sato"
    assert page.errors == []


@pytest.mark.sqlite_only
@pytest.mark.config(SOCKETIO_CORS_ALLOWED_ORIGINS=[SHOP])
def test_the_widget_renders_intact_on_a_page_with_aggressive_global_css(shop):
    page = shop(css=AGGRESSIVE_CSS)
    page.click(".kc-launcher")
    page.locator(".kc-panel").wait_for(state="visible", timeout=TIMEOUT)
    box = settled_box(page)
    assert (round(box["width"]), round(box["height"])) == (360, 540)
    styles = page.evaluate("""() => {
        const root = document.querySelector('kept-chat-widget').shadowRoot;
        const pick = (sel) => { const s = getComputedStyle(root.querySelector(sel));
            return {display: s.display, visibility: s.visibility, color: s.color, fontSize: s.fontSize}; };
        return {launcher: pick('.kc-launcher'), input: pick('.kc-input'), title: pick('.kc-title'),
                host: getComputedStyle(document.getElementById('host-text')).fontSize};
    }""")
    assert styles["launcher"] == {"display": "flex", "visibility": "visible", "color": "rgb(255, 255, 255)",
                                  "fontSize": "15px"}
    assert styles["input"]["visibility"] == "visible" and styles["input"]["fontSize"] == "15px"
    assert styles["input"]["color"] == "rgb(29, 35, 39)"
    assert styles["title"]["fontSize"] == "16px"
    assert styles["host"] == "40px", "the page's own styles are untouched by the widget"
    page.fill(".kc-input", "Still works?")
    page.keyboard.press("Enter")
    page.locator('.kc-from-visitor[data-state="delivered"]').wait_for(timeout=TIMEOUT)
    shot = page.locator(".kc-panel").screenshot()
    assert len(shot) > 5_000, "a blank panel would compress to almost nothing"


@pytest.mark.sqlite_only
@pytest.mark.config(SOCKETIO_CORS_ALLOWED_ORIGINS=[SHOP])
def test_the_widget_is_usable_by_keyboard_alone(shop):
    page = shop()
    launcher = page.locator(".kc-launcher")
    launcher.focus()
    page.keyboard.press("Enter")
    focused = "() => document.querySelector('kept-chat-widget').shadowRoot.activeElement?.className"
    assert page.evaluate(focused) == "kc-input"
    assert launcher.get_attribute("aria-expanded") == "true"
    assert page.locator(".kc-panel").get_attribute("role") == "dialog"
    page.keyboard.press("Escape")
    assert page.locator(".kc-panel").is_hidden()
    assert page.evaluate(focused) == "kc-launcher"
    assert launcher.get_attribute("aria-expanded") == "false"


@pytest.mark.sqlite_only
@pytest.mark.config(SOCKETIO_CORS_ALLOWED_ORIGINS=[SHOP])
def test_on_a_phone_the_open_panel_fills_the_screen(shop):
    page = shop(viewport={"width": 375, "height": 667})
    page.click(".kc-launcher")
    box = settled_box(page)
    assert (round(box["x"]), round(box["y"]), round(box["width"]), round(box["height"])) == (0, 0, 375, 667)


@pytest.mark.sqlite_only
@pytest.mark.config(SOCKETIO_CORS_ALLOWED_ORIGINS=[SHOP])
def test_the_widget_speaks_the_pages_language(shop):
    page = shop(lang="ja")
    assert page.locator(".kc-launcher-text").inner_text() == "チャットで相談"
    page.click(".kc-launcher")
    page.fill(".kc-input", "在庫はありますか？")
    page.keyboard.press("Enter")
    page.locator(".kc-wait").filter(has_text="番目").wait_for(timeout=TIMEOUT)
    assert re.fullmatch(r"現在1番目にお待ちいただいています。約(\d+分|\d+時間|1分以内)で返信します。",
                        page.locator(".kc-wait").inner_text())


@pytest.mark.sqlite_only
@pytest.mark.config(SOCKETIO_CORS_ALLOWED_ORIGINS=[SHOP])
def test_a_reload_continues_the_same_conversation(shop):
    page = shop()
    page.click(".kc-launcher")
    page.fill(".kc-input", "First visit")
    page.keyboard.press("Enter")
    page.locator('.kc-from-visitor[data-state="delivered"]').wait_for(timeout=TIMEOUT)
    page.reload()
    page.click(".kc-launcher")
    page.locator(".kc-from-visitor .kc-bubble").filter(has_text="First visit").wait_for(timeout=TIMEOUT)
    assert page.locator(".kc-from-visitor").count() == 1


@pytest.mark.sqlite_only
@pytest.mark.config(SOCKETIO_CORS_ALLOWED_ORIGINS=[SHOP], CHAT_RATE_PER_MINUTE=2)
def test_a_visitor_sending_too_fast_reads_why_and_the_message_waits(shop):
    page = shop()
    page.click(".kc-launcher")
    for n in range(3):
        page.fill(".kc-input", f"message {n}")
        page.keyboard.press("Enter")
    alert = page.locator(".kc-alert")
    alert.wait_for(state="visible", timeout=TIMEOUT)
    assert re.fullmatch(r"You're sending messages too quickly\. Please wait \d+ seconds\.", alert.inner_text())
    assert page.locator('.kc-from-visitor[data-state="delivered"]').count() == 2
    assert page.locator('.kc-from-visitor[data-state="queued"]').count() == 1


@pytest.mark.sqlite_only
@pytest.mark.config(SOCKETIO_CORS_ALLOWED_ORIGINS=[SHOP])
def test_a_message_typed_offline_is_sent_when_the_connection_is_back(shop):
    page = shop()
    page.click(".kc-launcher")
    page.fill(".kc-input", "Hello")
    page.keyboard.press("Enter")
    page.locator('.kc-from-visitor[data-state="delivered"]').wait_for(timeout=TIMEOUT)
    page.context.set_offline(True)
    page.locator(".kc-conn").filter(has_text="offline").wait_for(timeout=TIMEOUT)
    page.fill(".kc-input", "Typed on the train")
    page.keyboard.press("Enter")
    queued = page.locator(".kc-from-visitor").filter(has_text="Typed on the train")
    assert queued.get_attribute("data-state") == "queued"
    page.context.set_offline(False)
    page.locator('.kc-from-visitor[data-state="delivered"]').filter(has_text="Typed on the train").wait_for(
        timeout=TIMEOUT)
    assert chat_ticket() is not None
    assert [m.text for m in chat_ticket().messages] == ["Hello", "Typed on the train"]
