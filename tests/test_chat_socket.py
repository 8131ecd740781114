"""The chat channel end to end: real python-socketio clients as visitors and agents against a
running server, the real ingest path, outbox and jobs."""
from __future__ import annotations

import queue
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import socketio
from sqlalchemy import func, select

from channels.chat import tokens
from channels.chat.typing import agent_typing
from inbox import tickets
from inbox.extensions import db
from inbox.models import Identity, Message, Ticket, TicketEvent, utcnow
from tests.conftest import session_cookie_for

WAIT = 5.0


class Visitor:
    """A widget, as far as the server can tell: a /chat socket with a token kept between connections."""

    def __init__(self, url: str, token: str | None = None, *, lang: str = "en", tz: str = "Europe/Berlin",
                 origin: str | None = None, transport: str = "websocket") -> None:
        self.url = url
        self.token = token
        self.lang, self.tz = lang, tz
        self.origin, self.transport = origin, transport
        self.received: queue.Queue = queue.Queue()
        self.client: socketio.Client | None = None
        self.session: dict = {}

    def connect(self) -> Visitor:
        # The WebSocket client sends the server's own origin unless told to send the host page's.
        options = {"origin": self.origin} if self.origin and self.transport == "websocket" else {}
        headers = {"Origin": self.origin} if self.origin and self.transport == "polling" else {}
        self.client = socketio.Client(reconnection=False, websocket_extra_options=options)
        for name in ("message", "wait", "typing"):
            self.client.on(name, lambda data, name=name: self.received.put((name, data)), namespace="/chat")
        auth = {"token": self.token, "lang": self.lang, "tz": self.tz, "page": "https://shop.example/cart"}
        self.client.connect(self.url, namespaces=["/chat"], auth=auth, headers=headers,
                            transports=[self.transport], wait_timeout=WAIT)
        self.session = self.client.call("hello", {}, namespace="/chat", timeout=WAIT)
        self.token = self.session["token"]
        return self

    def send(self, client_id: str, text: str) -> dict:
        return self.client.call("message", {"id": client_id, "text": text}, namespace="/chat", timeout=WAIT)

    def call(self, name: str, data: dict) -> dict:
        return self.client.call(name, data, namespace="/chat", timeout=WAIT)

    def emit(self, name: str, data: dict) -> None:
        self.client.emit(name, data, namespace="/chat")

    def next(self, name: str, timeout: float = WAIT, where=lambda data: True) -> dict:  # noqa: ANN001
        return next_event(self.received, name, timeout, where)

    def disconnect(self) -> None:
        if self.client is not None and self.client.connected:
            self.client.disconnect()


def next_event(received: queue.Queue, name: str, timeout: float = WAIT, where=lambda data: True) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {name} within {timeout}s")
        try:
            got, data = received.get(timeout=remaining)
        except queue.Empty:
            raise AssertionError(f"no {name} within {timeout}s") from None
        if got == name and where(data):
            return data


def connect_agent(live, email: str) -> tuple[socketio.Client, queue.Queue]:  # noqa: ANN001
    client = socketio.Client(reconnection=False)
    received: queue.Queue = queue.Queue()
    for name in ("ticket.created", "ticket.updated", "message.created", "chat.typing", "chat.visitor"):
        client.on(name, lambda data, name=name: received.put((name, data)), namespace="/agents")
    client.connect(live.url, namespaces=["/agents"], headers={"Cookie": session_cookie_for(live, email)},
                   transports=["websocket"], wait_timeout=WAIT)
    return client, received


@pytest.fixture
def visitors(live_server):  # noqa: ANN001, ANN201
    opened: list[Visitor] = []

    def open_visitor(token: str | None = None, **kwargs) -> Visitor:  # noqa: ANN003
        visitor = Visitor(live_server.url, token, **kwargs).connect()
        opened.append(visitor)
        return visitor

    yield open_visitor
    for visitor in opened:
        visitor.disconnect()


@pytest.fixture
def agent(make_agent):  # noqa: ANN001, ANN201
    return make_agent("mika@kept.example", name="Mika Sato", presence="online",
                      avatar_url="https://kept.example/avatars/mika.png")


def run_jobs(app, now: datetime | None = None) -> int:  # noqa: ANN001
    return app.extensions["kept_jobs"].run_due(now=now)


def chat_ticket(visitor: Visitor) -> Ticket:
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.thread_key == f"chat:{visitor.session['visitor_id']}"))


def test_a_visitor_message_becomes_a_chat_ticket_agents_see_live(live_server, agent, visitors):
    agent_client, agent_events = connect_agent(live_server, agent.email)
    try:
        visitor = visitors()
        ack = visitor.send("c1", "Is the blue kettle back in stock?")
        assert ack["ok"] and ack["id"] == "c1" and ack["state"] == "delivered" and not ack["duplicate"]
        row = next_event(agent_events, "ticket.created")
        assert row["channel"] == "chat" and row["preview"] == "Is the blue kettle back in stock?"
        assert next_event(agent_events, "message.created")["text"] == "Is the blue kettle back in stock?"
    finally:
        agent_client.disconnect()


def test_the_first_message_tells_the_visitor_their_place_in_line_and_wait(live_server, agent, visitors):
    first, second = visitors(), visitors()
    first.send("a1", "Hello?")
    first.next("wait")
    second.send("b1", "Hi, question about my order")
    wait = second.next("wait")
    assert wait["state"] == "waiting" and wait["position"] == 2 and wait["seconds"] > 0
    assert wait["text"].startswith("You're number 2 in line — a reply in about ")
    assert wait["ask_email"] is False


def test_an_agents_reply_reaches_the_visitor_with_name_and_avatar(app, live_server, agent, visitors):
    visitor = visitors()
    visitor.send("c1", "Where is my parcel?")
    message = tickets.reply(chat_ticket(visitor), agent, "It left the warehouse this morning.")
    run_jobs(app)
    reply = visitor.next("message")
    assert reply["from"] == "agent" and reply["text"] == "It left the warehouse this morning."
    assert reply["author"] == {"name": "Mika Sato", "avatar_url": "https://kept.example/avatars/mika.png"}
    db.session.expire_all()
    assert db.session.get(Message, message.id).delivery_state == "sent"


def test_typing_indicators_travel_both_ways(live_server, agent, visitors):
    visitor = visitors()
    visitor.send("c1", "Hello")
    agent_client, agent_events = connect_agent(live_server, agent.email)
    try:
        visitor.emit("typing", {"typing": True})
        seen = next_event(agent_events, "chat.typing")
        ticket = chat_ticket(visitor)
        assert seen == {"ticket_id": ticket.id, "typing": True, "who": "visitor"}
        agent_client.emit("chat.typing", {"ticket_id": ticket.id, "typing": True}, namespace="/agents")
        assert visitor.next("typing") == {"typing": True, "name": "Mika Sato",
                                          "avatar_url": "https://kept.example/avatars/mika.png"}
        agent_typing(ticket, agent, typing=False)
        assert visitor.next("typing")["typing"] is False
    finally:
        agent_client.disconnect()


def test_a_message_resent_after_a_reconnect_is_stored_once(live_server, visitors):
    visitor = visitors()
    first = visitor.send("c-42", "My card was charged twice")
    visitor.disconnect()
    again = visitors(visitor.token)
    resent = again.send("c-42", "My card was charged twice")
    assert resent["ok"] and resent["duplicate"] and resent["message_id"] == first["message_id"]
    count = db.session.scalar(select(func.count(Message.id)).where(Message.channel == "chat"))
    assert count == 1


def test_a_token_continues_the_same_conversation_in_a_second_tab(live_server, visitors):
    first_tab = visitors()
    first_tab.send("c1", "Do you ship to Osaka?")
    second_tab = visitors(first_tab.token)
    assert second_tab.session["visitor_id"] == first_tab.session["visitor_id"]
    assert [m["text"] for m in second_tab.session["messages"]] == ["Do you ship to Osaka?"]
    assert second_tab.session["messages"][0]["client_id"] == "c1"
    first_tab.send("c2", "And to Busan?")
    echoed = second_tab.next("message")
    assert echoed["from"] == "visitor" and echoed["client_id"] == "c2"
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_a_forged_token_starts_a_new_visitor(app, live_server, visitors):
    forged = tokens.issue("AAAAAAAAAAAAAAAAAAAAAA", "not-our-secret")
    visitor = visitors(forged)
    assert visitor.session["visitor_id"] != "AAAAAAAAAAAAAAAAAAAAAA"
    assert tokens.read(visitor.token, app.config["SECRET_KEY"], 60) == visitor.session["visitor_id"]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
@pytest.mark.config(SOCKETIO_CORS_ALLOWED_ORIGINS=["https://shop.example"])
def test_a_page_on_a_site_not_allowed_to_embed_the_widget_is_refused(live_server, visitors, transport):
    with pytest.raises(socketio.exceptions.ConnectionError):
        visitors(origin="https://evil.example", transport=transport)


@pytest.mark.parametrize("transport", ["websocket", "polling"])
@pytest.mark.config(SOCKETIO_CORS_ALLOWED_ORIGINS=["https://shop.example"])
def test_a_page_on_an_allowed_site_opens_the_chat(live_server, visitors, transport):
    visitor = visitors(origin="https://shop.example", transport=transport)
    assert visitor.send("c1", "Hello from the shop")["ok"]


@pytest.mark.config(CHAT_RATE_PER_MINUTE=3)
def test_a_visitor_sending_too_fast_is_told_to_wait(live_server, visitors):
    visitor = visitors()
    for n in range(3):
        assert visitor.send(f"c{n}", f"message {n}")["ok"]
    refused = visitor.send("c3", "one more")
    assert refused["ok"] is False and refused["error"] == "rate_limited" and refused["limit"] == 3
    assert 1 <= refused["retry_after"] <= 61
    assert visitor.send("c1", "message 1")["duplicate"], "a re-send is answered whatever the rate"


@pytest.mark.config(CHAT_MAX_MESSAGE_CHARS=20)
def test_a_message_over_the_size_limit_is_refused_with_the_limit(live_server, visitors):
    refused = visitors().send("c1", "x" * 21)
    assert refused == {"ok": False, "id": "c1", "error": "too_long", "limit": 20,
                       "text": "Messages can be at most 20 characters."}
    assert db.session.scalar(select(func.count(Message.id))) == 0


def _left(agent_events: queue.Queue) -> dict:
    return next_event(agent_events, "chat.visitor", where=lambda data: data["present"] is False)


@pytest.mark.config(CHAT_ABANDON_SECONDS=60)
def test_a_waiting_visitor_who_leaves_without_an_email_abandons_the_chat(app, live_server, agent, visitors):
    agent_client, agent_events = connect_agent(live_server, agent.email)
    try:
        visitor = visitors()
        visitor.send("c1", "Anyone there?")
        visitor.disconnect()
        _left(agent_events)
        run_jobs(app, utcnow() + timedelta(seconds=30))
        assert chat_ticket(visitor).abandoned_at is None, "not before the timeout"
        run_jobs(app, utcnow() + timedelta(seconds=61))
        ticket = chat_ticket(visitor)
        left = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == "chat.visitor_left"))
        assert ticket.abandoned_at == left.created_at
        abandoned = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == "chat.abandoned"))
        assert abandoned.ticket_id == ticket.id and abandoned.data["waited_seconds"] >= 0
    finally:
        agent_client.disconnect()


@pytest.mark.config(CHAT_ABANDON_SECONDS=60)
def test_a_visitor_who_comes_back_in_time_has_not_abandoned(app, live_server, agent, visitors):
    agent_client, agent_events = connect_agent(live_server, agent.email)
    try:
        visitor = visitors()
        visitor.send("c1", "Anyone there?")
        visitor.disconnect()
        _left(agent_events)
        visitors(visitor.token)
        next_event(agent_events, "chat.visitor", where=lambda data: data["present"] is True)
        run_jobs(app, utcnow() + timedelta(seconds=61))
        assert chat_ticket(visitor).abandoned_at is None
    finally:
        agent_client.disconnect()


def _closed_team(make_team):  # noqa: ANN001, ANN202
    try:
        from inbox.models import BusinessCalendarRecord
    except ImportError:
        pytest.skip("business calendars are not in this build")
    now = utcnow()
    opens = (now.hour + 2) % 24
    hours = [f"{opens:02d}:00", f"{opens + 1:02d}:00" if opens < 23 else "24:00"]
    every_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    calendar = BusinessCalendarRecord(name="Tokyo hours", timezone="UTC", weekly={day: [hours] for day in every_day})
    db.session.add(calendar)
    db.session.commit()
    team = make_team("Tokyo", channels=["chat"], calendar_id=calendar.id)
    next_open = now.replace(hour=opens, minute=0, second=0, microsecond=0)
    return team, next_open if next_open > now else next_open + timedelta(days=1)


@pytest.mark.config(CHAT_ABANDON_SECONDS=60)
def test_out_of_hours_the_visitor_is_told_the_next_opening_and_the_chat_moves_to_email(
        app, live_server, make_agent, make_team, visitors):
    team, next_open = _closed_team(make_team)
    agent = make_agent("jiwoo@kept.example", teams=[team], presence="online")
    agent_client, agent_events = connect_agent(live_server, agent.email)
    try:
        visitor = visitors(tz="Asia/Seoul")
        assert visitor.session["availability"]["state"] == "closed"
        visitor.send("c1", "Can I change my delivery address?")
        wait = visitor.next("wait")
        assert wait["state"] == "closed" and wait["seconds"] is None and wait["ask_email"] is True
        assert wait["next_open_at"] == next_open.isoformat().replace("+00:00", "Z")
        local = next_open.astimezone(ZoneInfo("Asia/Seoul")).strftime("%H:%M")
        assert local in wait["text"] and "(your time)" in wait["text"]
        identified = visitor.call("identify", {"name": "Ana Lima", "email": "Ana@Example.com"})
        assert identified == {"ok": True, "name": "Ana Lima", "email": "ana@example.com"}
        visitor.disconnect()
        _left(agent_events)
        run_jobs(app, utcnow() + timedelta(seconds=61))
        ticket = chat_ticket(visitor)
        handed = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == "chat.handed_to_email"))
        assert handed.ticket_id == ticket.id and handed.data["email"] == "ana@example.com"
        assert ticket.abandoned_at is None
        reply = tickets.reply(ticket, agent, "Yes — done. See you!")
        assert reply.channel == "email" and reply.identity.external_id == "ana@example.com"
        assert reply.identity.customer_id == ticket.customer_id
    finally:
        agent_client.disconnect()


@pytest.mark.config(CHAT_ABANDON_SECONDS=60)
def test_a_visitor_back_in_the_chat_after_the_hand_off_is_answered_in_the_chat(
        app, live_server, agent, visitors):
    agent_client, agent_events = connect_agent(live_server, agent.email)
    try:
        visitor = visitors()
        visitor.send("c1", "Hello")
        visitor.call("identify", {"email": "ana@example.com"})
        visitor.disconnect()
        _left(agent_events)
        run_jobs(app, utcnow() + timedelta(seconds=61))
        assert tickets.default_channel(chat_ticket(visitor)) == "email"
        back = visitors(visitor.token)
        back.send("c2", "I'm back")
        assert tickets.reply(chat_ticket(visitor), agent, "Welcome back").channel == "chat"
    finally:
        agent_client.disconnect()


def test_an_email_of_a_known_customer_joins_the_visitor_to_that_customer(live_server, visitors):
    from inbox.ingest import ingest
    from tests import factories

    known = ingest(factories.email(sender="ana@example.com", name="Ana Lima"))
    known_customer = db.session.get(Ticket, known.ticket_id).customer_id
    visitor = visitors()
    visitor.send("c1", "Hi, it's Ana again")
    assert visitor.call("identify", {"email": "ana@example.com"})["ok"]
    ticket = chat_ticket(visitor)
    assert ticket.customer_id == known_customer
    chat_identity = db.session.scalar(select(Identity).where(Identity.channel == "chat"))
    assert chat_identity.customer_id == known_customer
    assert visitor.send("c2", "Still there?")["ok"]
    assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.channel == "chat")) == 1


def test_an_invalid_email_is_refused_with_a_reason(live_server, visitors):
    refused = visitors().call("identify", {"email": "not an address"})
    assert refused["ok"] is False and refused["error"] == "invalid_email"


def test_the_wait_moves_up_live_when_the_chat_ahead_is_answered(app, live_server, agent, visitors):
    first, second = visitors(), visitors()
    first.send("a1", "First!")
    second.send("b1", "Second")
    before = second.next("wait")
    assert before["position"] == 2
    tickets.reply(chat_ticket(first), agent, "Hi, how can I help?")
    run_jobs(app)
    moved = second.next("wait", where=lambda data: data["position"] == 1)
    assert 0 < moved["seconds"] <= before["seconds"]


def test_a_visitor_is_told_honestly_when_no_agent_is_online(live_server, make_agent, visitors):
    make_agent("sam@kept.example", presence="offline")
    visitor = visitors()
    assert visitor.session["availability"] == {"state": "no_agents", "agents_online": 0, "next_open_at": None}
    visitor.send("c1", "Hello?")
    wait = visitor.next("wait")
    assert wait["state"] == "no_agents" and wait["seconds"] is None and wait["ask_email"] is True
    assert "Leave your email address" in wait["text"]


def test_the_wait_changes_live_when_the_only_agent_leaves_and_comes_back(app, live_server, agent, visitors):
    visitor = visitors()
    visitor.send("c1", "Hello")
    assert visitor.next("wait")["state"] == "waiting"
    agent.presence = "offline"
    db.session.commit()
    run_jobs(app)
    gone = visitor.next("wait")
    assert gone["state"] == "no_agents" and gone["agents_online"] == 0 and gone["ask_email"] is True
    agent.presence = "online"
    db.session.commit()
    run_jobs(app)
    back = visitor.next("wait")
    assert back["state"] == "waiting" and back["position"] == 1 and back["seconds"] > 0


@pytest.mark.sqlite_only
def test_the_demo_page_embeds_the_widget_with_one_script_tag(client):
    page = client.get("/channels/chat/demo")
    assert page.status_code == 200
    assert page.text.count('src="/static/widget.js"') == 1
