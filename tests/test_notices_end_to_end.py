"""Notices end to end: a customer writes on a channel, the promise is made, and a notice leaves on
the same channel through the real webhook, ingest, automatic-message gate, outbox and adapters."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from channels.x.counting import count_x
from channels.x.demo import XUser, webhook_delivery
from inbox import notice_words, notices, promises, tickets
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Message, SandboxDelivery, Team, Ticket, TicketEvent
from inbox.models.promises import Promise
from tests import factories, promise_fixtures
from tests.email_fixtures import mails
from tests.test_chat_socket import Visitor, chat_ticket
from tests.test_email_webhook import post_raw

TOKYO = ZoneInfo("Asia/Tokyo")
X_SECRET = "test"
AIKO = XUser("2222222222222222222", "aiko_t", "Aiko Tanaka")

pytestmark = pytest.mark.config(PROMISES_ENABLED=True, X_CONSUMER_SECRET=X_SECRET)


@pytest.fixture
def team(app, make_agent):  # noqa: ANN001, ANN201
    team = Team(name="Support", timezone="Asia/Tokyo", language="en")
    db.session.add(team)
    db.session.commit()
    make_agent("mika@kept.example", name="Mika Sato", teams=[team], presence="online")
    return team


def run_jobs(app) -> None:  # noqa: ANN001
    app.extensions["kept_jobs"].run_due()


def deliveries(channel: str) -> list[SandboxDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(SandboxDelivery).where(SandboxDelivery.channel == channel)
                                   .order_by(SandboxDelivery.id)))


def only_ticket() -> Ticket:
    db.session.expire_all()
    [ticket] = db.session.scalars(select(Ticket)).all()
    return ticket


def promised_words(ticket: Ticket, language: str, zone: ZoneInfo = TOKYO) -> notice_words.PromiseWords:
    return notice_words.describe(ticket.promise_due_at, ticket.promised_at, language, zone)


def test_an_email_is_answered_by_email_with_the_promised_time(app, client, team):
    assert post_raw(client, app, mails.plain_mail()).status_code == 200
    run_jobs(app)
    ticket = only_ticket()
    [notice] = deliveries("email")
    words = promised_words(ticket, "en")
    assert notice.recipient == "customer@example.com" and notice.subject == "Question"
    assert notice.text.startswith("Hi Customer,")
    assert f"#{ticket.id}" in notice.text and f"We'll reply {words.relative} — {words.absolute}." in notice.text
    assert "(JST)" in words.absolute
    row = db.session.scalar(select(Promise))
    assert (row.ticket_id, row.due_at, row.quantile) == (ticket.id, ticket.promise_due_at, 0.9)
    assert row.inputs["channel"] == "email" and row.inputs["agents_online"] == 1
    assert row.inputs["target"] == 0.9      # an ordinary wait, read to keep q
    assert db.session.scalar(select(TicketEvent.kind).where(TicketEvent.kind == "promise.made")) == "promise.made"


def test_a_japanese_email_gets_a_japanese_notice(app, client, team):
    mime = mails.charset_mail("注文した商品がまだ届きません。", "iso-2022-jp", subject="配送について", name="田中 愛子")
    assert post_raw(client, app, mime, envelope_from="customer@example.jp").status_code == 200
    run_jobs(app)
    ticket = only_ticket()
    [notice] = deliveries("email")
    assert ticket.language == "ja"
    words = promised_words(ticket, "ja")
    assert notice.text.startswith("田中 愛子 様")
    assert f"受付番号は #{ticket.id} です" in notice.text
    assert f"{words.absolute}にご返信いたします（{words.relative}）" in notice.text


def test_an_x_mention_is_answered_in_public_without_anything_personal(app, client, team):
    raw, headers = webhook_delivery(app.config, AIKO, "my order 1234 never arrived, tracking AB123")
    assert client.post("/channels/x/webhook", data=raw, headers=headers).status_code == 200
    run_jobs(app)
    ticket = only_ticket()
    [notice] = deliveries("x")
    words = promised_words(ticket, "en")
    assert notice.payload["meta"]["x_mode"] == "public"
    assert "Aiko" not in notice.text and "1234" not in notice.text and "AB123" not in notice.text
    assert words.absolute in notice.text and f"#{ticket.id}" in notice.text and "DM" in notice.text
    assert count_x(notice.text) <= 280


def test_an_x_dm_is_answered_by_dm_with_the_customers_first_name(app, client, team):
    raw, headers = webhook_delivery(app.config, AIKO, "Where is my parcel?", dm=True)
    assert client.post("/channels/x/webhook", data=raw, headers=headers).status_code == 200
    run_jobs(app)
    ticket = only_ticket()
    [notice] = deliveries("x")
    assert notice.payload["meta"]["x_mode"] == "dm"
    assert notice.text.startswith("Hi Aiko, thanks") and promised_words(ticket, "en").absolute in notice.text


def test_a_chat_is_promised_and_told_its_wait_live_in_the_widget(app, live_server, team):
    visitor = Visitor(live_server.url, lang="ja", tz="Asia/Tokyo").connect()
    try:
        visitor.send("c1", "配送状況を教えてください")
        wait = visitor.next("wait")
        ticket = chat_ticket(visitor)
        row = db.session.scalar(select(Promise).where(Promise.ticket_id == ticket.id))
        promised = (row.due_at - row.made_at).total_seconds()
        assert ticket.language == "ja" and row.inputs["channel"] == "chat"
        assert wait["state"] == "waiting" and wait["position"] == 1
        # The widget rounds to half-minutes, and the estimate has moved on by a few milliseconds.
        assert abs(wait["seconds"] - promised) <= 30
        assert deliveries("chat") == [] and db.session.scalar(
            select(Message).where(Message.kind == "notice")) is None
    finally:
        visitor.disconnect()


def test_a_chat_notice_switched_on_arrives_in_the_visitors_language(app, live_server, team):
    promises.save_settings(promises.PromiseSettings(notices={"email": True, "x": True, "chat": True}))
    db.session.commit()
    visitor = Visitor(live_server.url, lang="ja", tz="Asia/Tokyo").connect()
    try:
        visitor.send("c1", "返品したいです")
        run_jobs(app)
        notice = visitor.next("message", where=lambda data: data["from"] == "system")
        ticket = chat_ticket(visitor)
        assert notice["kind"] == "notice"
        assert f"お問い合わせありがとうございます（#{ticket.id}）" in notice["text"]
        assert promised_words(ticket, "ja").absolute in notice["text"]
    finally:
        visitor.disconnect()


def test_an_out_of_office_reply_gets_no_notice(app, client, team):
    post_raw(client, app, mails.plain_mail())
    ticket = only_ticket()
    question = "<question-1@mail.example.com>"
    auto = mails.out_of_office(Message_ID="<ooo-1@example.com>", In_Reply_To=question, References=question)
    assert post_raw(client, app, auto).status_code == 200
    run_jobs(app)
    assert len(deliveries("email")) == 1
    assert db.session.scalar(select(Message).where(Message.auto_kind.is_not(None))).ticket_id == ticket.id
    assert len(db.session.scalars(select(Promise)).all()) == 1


def test_automatic_mail_matching_no_ticket_gets_no_notice(app, client, team):
    for mime in (mails.out_of_office(), mails.list_mail(Message_ID="<list-1@example.com>")):
        assert post_raw(client, app, mime).status_code == 200
    run_jobs(app)
    assert deliveries("email") == [] and db.session.scalar(select(Promise)) is None


def test_a_slipping_estimate_tells_the_customer_exactly_once(app, team):
    ticket = db.session.get(Ticket, ingest(factories.email()).ticket_id)
    promise = db.session.scalar(select(Promise))
    assert notices.revise_slipping(now=promise.made_at + timedelta(minutes=1)) == 0
    late = promise.due_at + timedelta(hours=2)
    told = [notices.revise_slipping(now=late), notices.revise_slipping(now=late + timedelta(minutes=1)),
            notices.revise_slipping(now=late + timedelta(hours=6))]
    run_jobs(app)
    assert told == [1, 0, 0]
    [first, update] = deliveries("email")
    db.session.refresh(promise)
    words = notice_words.describe(promise.revised_due_at, late, "en", TOKYO)
    assert update.text.startswith("Hi Ana,\n\nWe're sorry: we're running behind")
    assert f"We now expect to reply {words.relative} — {words.absolute}." in update.text
    assert promise.revised_due_at > promise.due_at and ticket.promise_due_at == promise.due_at
    revised = db.session.scalars(select(TicketEvent).where(TicketEvent.kind == "promise.revised")).all()
    assert len(revised) == 1 and revised[0].data["told"] is True


def test_the_first_reply_scores_the_promise(app, team):
    ticket = db.session.get(Ticket, ingest(factories.email()).ticket_id)
    agent = team.agents[0]
    tickets.reply(ticket, agent, "Your parcel is on its way.")
    promise = db.session.scalar(select(Promise))
    assert promise.outcome == "kept" and promise.first_reply_at == ticket.first_response_at
    promised = (promise.due_at - promise.made_at).total_seconds()
    assert promise.pinball == pytest.approx(0.1 * (promised - promise.wait_seconds) / 60)
    assert promise.padding == pytest.approx(max(promised, 60) / max(promise.wait_seconds, 60))
    assert db.session.scalar(select(TicketEvent.kind).where(TicketEvent.kind.like("promise.kept"))) == "promise.kept"


def test_a_late_first_reply_is_scored_late(app, team):
    made = datetime.now(UTC) - timedelta(days=3)
    ticket = db.session.get(Ticket, ingest(factories.email(), now=made).ticket_id)
    tickets.reply(ticket, team.agents[0], "Sorry for the wait.")
    promise = db.session.scalar(select(Promise))
    assert promise.outcome == "late" and promise.padding is None
    assert promise.pinball == pytest.approx(0.9 * (promise.wait_seconds - (promise.due_at - made).total_seconds()) / 60)


def test_a_channel_with_notices_switched_off_is_promised_but_not_told(app, client, team):
    promises.save_settings(promises.PromiseSettings(notices={"email": False, "x": True, "chat": False}))
    db.session.commit()
    post_raw(client, app, mails.plain_mail())
    run_jobs(app)
    assert deliveries("email") == [] and only_ticket().promise_due_at is not None


def test_a_closed_team_says_so_and_promises_after_the_next_opening(app, make_agent):
    team = promise_fixtures.berlin_team()
    saturday = datetime(2026, 4, 4, 9, 0, tzinfo=UTC)           # 11:00 Saturday in Berlin
    ticket = db.session.get(Ticket, ingest(factories.email(), now=saturday).ticket_id)
    run_jobs(app)
    [notice] = deliveries("email")
    assert ticket.team_id == team.id and ticket.promise_due_at >= datetime(2026, 4, 6, 7, 0, tzinfo=UTC)
    assert "We're closed right now. We'll reply within about" in notice.text
    assert "on Monday (CEST)." in notice.text

