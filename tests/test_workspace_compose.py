"""The composer and ticket actions: collision check, notes with mentions, canned replies, channel
counting, attachments, tags and merges."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Customer, Mention, Message, Ticket, TicketEvent
from tests import factories
from tests.conftest import login


@pytest.fixture
def signed_in(client, make_agent):  # noqa: ANN001, ANN201
    make_agent("sam@kept.example", name="Sam Carter")
    csrf = login(client, "sam@kept.example")
    return lambda: {"X-CSRFToken": csrf}


def last_message_id(ticket_id: int) -> int:
    return db.session.scalar(select(Message.id).where(Message.ticket_id == ticket_id).order_by(Message.id.desc()))


def test_a_reply_is_held_back_when_the_customer_wrote_since_the_agent_last_looked(client, signed_in):
    first = ingest(factories.email(text="Where is my order?"))
    seen = first.message_id
    ingest(factories.email(text="Never mind, found it", references=(), ticket_ref=first.ticket_id))
    url = f"/api/tickets/{first.ticket_id}/messages"
    held = client.post(url, json={"text": "Let me check", "last_seen_message_id": seen}, headers=signed_in())
    assert held.status_code == 409
    assert [m["text"] for m in held.json["messages"]] == ["Never mind, found it"]
    sent = client.post(url, json={"text": "Glad you found it", "last_seen_message_id": seen, "force": True},
                       headers=signed_in())
    assert sent.status_code == 201 and sent.json["direction"] == "outbound"


def test_a_reply_goes_through_when_nothing_new_happened(client, signed_in):
    result = ingest(factories.email())
    response = client.post(f"/api/tickets/{result.ticket_id}/messages",
                           json={"text": "On it", "last_seen_message_id": last_message_id(result.ticket_id)},
                           headers=signed_in())
    assert response.status_code == 201 and response.json["channel"] == "email"


def test_a_note_mentioning_an_agent_records_the_mention(client, signed_in, make_agent):
    mika = make_agent("mika@kept.example")
    result = ingest(factories.email())
    response = client.post(f"/api/tickets/{result.ticket_id}/messages",
                           json={"kind": "note", "text": "@mika can you take this?"}, headers=signed_in())
    assert response.status_code == 201 and response.json["direction"] == "note"
    mention = db.session.scalar(select(Mention))
    assert (mention.agent_id, mention.ticket_id) == (mika.id, result.ticket_id)


def test_a_mentioned_agent_who_cannot_see_the_ticket_is_not_told(client, signed_in, make_agent, make_team):
    tokyo, seoul = make_team("Tokyo", channels=["email"]), make_team("Seoul", channels=["x"])
    make_agent("jiwoo@kept.example", teams=[seoul])
    result = ingest(factories.email())
    assert db.session.get(Ticket, result.ticket_id).team_id == tokyo.id
    client.post(f"/api/tickets/{result.ticket_id}/messages", json={"kind": "note", "text": "ask @jiwoo"},
                headers=signed_in())
    assert db.session.scalar(select(Mention)) is None


def test_a_canned_reply_fills_in_the_customer_the_ticket_and_the_promise(client, signed_in):
    result = ingest(factories.email(name="Ana Lima"))
    created = client.post("/api/canned", json={
        "title": "Looking", "body": "Hi {{ customer.first_name }}, ticket #{{ ticket.id }}: {{ promise or 'soon' }}"},
        headers=signed_in())
    assert created.status_code == 201
    rendered = client.post(f"/api/tickets/{result.ticket_id}/canned/{created.json['id']}", headers=signed_in())
    assert rendered.json["text"] == f"Hi Ana, ticket #{result.ticket_id}: soon"


def test_a_canned_reply_cannot_reach_python_internals(client, signed_in):
    result = ingest(factories.email())
    created = client.post("/api/canned", json={
        "title": "Evil", "body": "{{ customer.__class__.__mro__[1].__subclasses__() }}"}, headers=signed_in())
    rendered = client.post(f"/api/tickets/{result.ticket_id}/canned/{created.json['id']}", headers=signed_in())
    assert rendered.status_code == 400 and "template error" in rendered.json["error"]


def test_x_replies_are_counted_as_x_counts_them(client, signed_in):
    response = client.post("/api/compose/count", json={"channel": "x", "text": "こんにちは https://example.com/a/long/path"},
                           headers=signed_in())
    assert response.json == {"count": 5 * 2 + 1 + 23, "limit": 280, "parts": 1}


def test_an_email_reply_carries_attachments(client, signed_in):
    result = ingest(factories.email())
    response = client.post(f"/api/tickets/{result.ticket_id}/messages", headers=signed_in(),
                           data={"text": "Label attached", "files": (io.BytesIO(b"%PDF-1.4 label"), "label.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.text
    assert [a["filename"] for a in response.json["attachments"]] == ["label.pdf"]


def test_tags_are_normalised_and_recorded(client, signed_in):
    result = ingest(factories.email())
    response = client.put(f"/api/tickets/{result.ticket_id}/tags", json={"tags": ["VIP", " refund ", "vip"]},
                          headers=signed_in())
    assert response.json["tags"] == ["refund", "vip"]
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == "tags.changed"))
    assert event.data == {"old": [], "new": ["refund", "vip"]}


def test_merging_tickets_moves_the_messages_and_closes_the_merged_one(client, signed_in):
    first = ingest(factories.email(subject="Order", text="one"))
    second = ingest(factories.email(subject="Order again", text="two"))
    response = client.post(f"/api/tickets/{second.ticket_id}/merge", json={"into": first.ticket_id},
                           headers=signed_in())
    assert response.status_code == 200
    db.session.expire_all()
    merged = db.session.get(Ticket, second.ticket_id)
    assert (merged.status, merged.merged_into_id) == ("closed", first.ticket_id)
    texts = db.session.scalars(select(Message.text).where(Message.ticket_id == first.ticket_id)).all()
    assert sorted(texts) == ["one", "two"]
    kinds = db.session.scalars(select(TicketEvent.kind).where(TicketEvent.kind == "ticket.merged")).all()
    assert len(kinds) == 2


def test_merging_customers_moves_identities_and_tickets(client, signed_in):
    by_mail = ingest(factories.email(sender="ana@example.com"))
    by_dm = ingest(factories.dm(user_id="777"))
    mail_customer = db.session.get(Ticket, by_mail.ticket_id).customer_id
    dm_customer = db.session.get(Ticket, by_dm.ticket_id).customer_id
    response = client.post(f"/api/customers/{dm_customer}/merge", json={"into": mail_customer}, headers=signed_in())
    assert response.status_code == 200
    assert {i["channel"] for i in response.json["identities"]} == {"email", "x"}
    db.session.expire_all()
    assert db.session.get(Ticket, by_dm.ticket_id).customer_id == mail_customer
    assert db.session.get(Customer, dm_customer).merged_into_id == mail_customer
