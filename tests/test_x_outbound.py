"""Agents' replies on X, end to end: ticket → outbox → real tweepy.Client → X's API (``responses``)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import responses
from sqlalchemy import select

from channels.x.counting import count_x, split_for_x
from channels.x.demo import XUser, direct_message, mention, signed_request
from inbox import outbox, tickets
from inbox.extensions import db
from inbox.models import Message, OutboxItem, Ticket, utcnow

API = "https://api.twitter.com/2"
US = XUser("1111111111111111111", "KeptSupport", "Kept Support")
AIKO = XUser("2222222222222222222", "aiko_t", "Aiko Tanaka")

pytestmark = pytest.mark.config(
    X_CONSUMER_KEY="ck", X_CONSUMER_SECRET="test", X_ACCESS_TOKEN="at", X_ACCESS_TOKEN_SECRET="ats",
    X_ACCOUNT_ID=US.id, X_ACCOUNT_HANDLE=US.username,
)


def deliver_from_webhook(client, body) -> Ticket:
    raw, headers = signed_request(body, "test")
    assert client.post("/channels/x/webhook", data=raw, headers=headers).status_code == 200
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


def deliver(message: Message) -> OutboxItem:
    """Run the outbox for this one message, as the delivery job would."""
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    assert outbox.claim(item.id)
    outbox.deliver_claimed(item.id)
    db.session.expire_all()
    return db.session.get(OutboxItem, item.id)


def posted(call: responses.Call) -> dict:
    return json.loads(call.request.body)


@responses.activate
def test_a_reply_to_a_mention_is_posted_in_reply_to_it_and_the_customers_answer_threads_back(client, make_agent):
    body = mention(AIKO, "@KeptSupport my parcel is lost", account=US)
    mention_id = body["data"]["payload"]["id"]
    ticket = deliver_from_webhook(client, body)
    responses.post(f"{API}/tweets", json={"data": {"id": "3000000000000000001", "text": "..."}}, status=201)

    reply = tickets.reply(ticket, make_agent(), "Sorry to hear that! Could you DM us the order number?")
    deliver(reply)

    assert [posted(call) for call in responses.calls] == [{
        "text": "Sorry to hear that! Could you DM us the order number?",
        "reply": {"in_reply_to_tweet_id": mention_id},
    }]
    assert db.session.get(Message, reply.id).external_id == "3000000000000000001"
    answer = mention(AIKO, "@KeptSupport sure, sending it now", account=US, in_reply_to="3000000000000000001",
                     conversation_id=mention_id)
    assert deliver_from_webhook(client, answer).id == ticket.id


@responses.activate
def test_a_reply_on_a_dm_ticket_is_sent_as_a_dm(client, make_agent):
    ticket = deliver_from_webhook(client, direct_message(AIKO, "My order 12345 never came", account=US))
    responses.post(f"{API}/dm_conversations/with/{AIKO.id}/messages",
                   json={"data": {"dm_conversation_id": f"{US.id}-{AIKO.id}", "dm_event_id": "6000000000000000001"}},
                   status=201)

    reply = tickets.reply(ticket, make_agent(), "Thanks, a replacement ships today.")
    item = deliver(reply)

    assert item.state == "sent"
    assert [posted(call) for call in responses.calls] == [{"text": "Thanks, a replacement ships today."}]
    assert db.session.get(Message, reply.id).external_id == "6000000000000000001"


@responses.activate
def test_a_long_reply_sent_as_a_thread_is_numbered_and_chained(client, make_agent):
    body = mention(AIKO, "@KeptSupport how do I reset my router?", account=US)
    ticket = deliver_from_webhook(client, body)
    text = " ".join(f"Step {n}: hold the reset button for ten seconds, then wait for the light." for n in range(7))
    assert len(split_for_x(text)) == 3
    for n in (1, 2, 3):
        responses.post(f"{API}/tweets", json={"data": {"id": f"700000000000000000{n}", "text": "..."}}, status=201)

    reply = tickets.reply(ticket, make_agent(), text, options={"x_mode": "thread"})
    deliver(reply)

    sent = [posted(call) for call in responses.calls]
    assert [part["reply"]["in_reply_to_tweet_id"] for part in sent] == [
        body["data"]["payload"]["id"], "7000000000000000001", "7000000000000000002",
    ]
    assert [part["text"][-3:] for part in sent] == ["1/3", "2/3", "3/3"]
    assert all(count_x(part["text"]) <= 280 for part in sent)
    assert db.session.get(Message, reply.id).external_id == "7000000000000000001"


@responses.activate
def test_a_refused_post_fails_for_good_with_xs_own_words_on_the_message(client, make_agent):
    ticket = deliver_from_webhook(client, mention(AIKO, "@KeptSupport hello?", account=US))
    responses.post(f"{API}/tweets", status=403, json={
        "detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank",
        "title": "Forbidden", "status": 403})

    reply = tickets.reply(ticket, make_agent(), "Hello! How can we help?")
    item = deliver(reply)

    assert item.state == "failed"
    message = db.session.get(Message, reply.id)
    assert message.delivery_state == "failed"
    assert message.delivery_error == "You are not allowed to create a Tweet with duplicate content."


@responses.activate
def test_a_rate_limited_post_waits_for_x_rate_limit_reset_before_the_next_attempt(client, make_agent):
    ticket = deliver_from_webhook(client, mention(AIKO, "@KeptSupport hello?", account=US))
    reset = utcnow() + timedelta(minutes=10)
    responses.post(f"{API}/tweets", status=429, json={"title": "Too Many Requests", "status": 429},
                   headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(reset.timestamp()))})

    reply = tickets.reply(ticket, make_agent(), "Hello! How can we help?")
    item = deliver(reply)

    assert item.state == "pending"
    assert item.next_attempt_at >= reset - timedelta(seconds=2)
    assert db.session.get(Message, reply.id).delivery_state == "queued"
