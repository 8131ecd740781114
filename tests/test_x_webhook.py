"""The X webhook route, end to end: signature, CRC, both payload formats, ingest and threading."""
from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from channels.x.demo import (
    XUser,
    direct_message,
    mention,
    signed_request,
    webhook_delivery,
)
from channels.x.signature import SIGNATURE_HEADER, sign
from inbox.extensions import db
from inbox.models import Identity, Message, QuarantinedPayload, Ticket
from tests.test_x_examples import (
    AAA_ACCOUNT,
    ACCOUNT_ACTIVITY,
    OUR_ACCOUNT,
    aaa_mention,
    account_activity,
    activity,
    v1_user,
)

SECRET = "test"  # the consumer secret of X's published signature vectors
URL = "/channels/x/webhook"
US = XUser(OUR_ACCOUNT, "ExampleUser", "Example User")
AIKO = XUser("2222222222222222222", "aiko_t", "Aiko Tanaka")
MINJUN = XUser("3333333333333333333", "minjun_k", "Kim Min-jun")

pytestmark = pytest.mark.config(X_CONSUMER_SECRET=SECRET, X_ACCOUNT_ID=OUR_ACCOUNT)


def post(client, body, secret: str = SECRET):
    raw, headers = signed_request(body, secret)
    return client.post(URL, data=raw, headers=headers)


def messages() -> list[Message]:
    return list(db.session.scalars(select(Message).order_by(Message.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_crc_challenge_is_answered_with_the_signed_token(client):
    path = ACCOUNT_ACTIVITY / "autohook_signature_vectors.json"
    if not path.exists():
        pytest.skip(f"corpus missing: {path}")
    vectors = json.loads(path.read_text())
    vector = vectors["vectors"][0]

    response = client.get(URL, query_string={"crc_token": vector["body"]})

    assert response.status_code == 200
    assert response.json == {"response_token": vector["expected_header"]}


def test_a_crc_request_without_a_token_is_refused(client):
    response = client.get(URL)

    assert response.status_code == 400
    assert "crc_token" in response.json["error"]


def test_a_mention_opens_a_ticket_for_its_author(client):
    response = post(client, activity("post.mention.create"))

    assert response.status_code == 200
    assert response.json["stored"] == 1
    [message] = messages()
    assert (message.channel, message.external_id, message.text) == ("x", "2080765813578191303", "hey @ExampleUser")
    assert message.meta["public"] is True
    identity = db.session.scalar(select(Identity).where(Identity.external_id == "2222222222222222222"))
    assert (identity.channel, identity.handle, identity.display_name) == ("x", "OtherUser", "OtherUser")


def test_a_bad_signature_is_refused_and_nothing_is_stored(client):
    raw, headers = signed_request(activity("post.mention.create"), "not-the-secret")

    response = client.post(URL, data=raw, headers=headers)

    assert response.status_code == 401
    assert count(Message) == 0 and count(QuarantinedPayload) == 0


def test_a_missing_signature_is_refused_and_nothing_is_stored(client):
    response = client.post(URL, data=json.dumps(activity("post.mention.create")),
                           headers={"Content-Type": "application/json"})

    assert response.status_code == 401
    assert count(Message) == 0


def test_a_signed_body_that_is_not_json_is_refused_with_a_reason(client):
    raw = b'{"data": {"event_type": '

    response = client.post(URL, data=raw, headers={SIGNATURE_HEADER: sign(SECRET, raw)})

    assert response.status_code == 400
    assert "not JSON" in response.json["error"]
    assert count(Message) == 0


def test_a_redelivered_mention_is_stored_once(client):
    body = activity("post.mention.create")

    first = post(client, body)
    second = post(client, body)

    assert (first.json["stored"], second.json["stored"], second.json["duplicates"]) == (1, 0, 1)
    assert count(Message) == 1 and count(Ticket) == 1


def test_a_post_delivered_both_as_a_mention_and_as_a_reply_is_stored_once(client):
    # A reply to our post that also @mentions us matches both subscriptions' filters; X sends one
    # event for each, with different event ids and the same post.
    as_reply = mention(AIKO, "@ExampleUser thanks!", account=US, in_reply_to="2080761390344937796")
    as_mention = copy.deepcopy(as_reply)
    as_mention["data"].update(event_type="post.mention.create", event_uuid="7777777777777777777")

    post(client, as_reply)
    response = post(client, as_mention)

    assert response.json["duplicates"] == 1
    assert count(Message) == 1


def test_a_reply_within_the_conversation_joins_the_mentions_ticket(client):
    opening = mention(AIKO, "@ExampleUser my order has not arrived", account=US)
    opening_id = opening["data"]["payload"]["id"]
    follow_up = mention(AIKO, "@ExampleUser it was order 12345", account=US, in_reply_to=opening_id)

    post(client, opening)
    post(client, follow_up)

    first, second = messages()
    assert second.ticket_id == first.ticket_id
    assert count(Ticket) == 1
    assert db.session.get(Ticket, first.ticket_id).thread_key == f"conv:{opening_id}"


def test_a_fresh_mention_from_the_same_customer_opens_another_ticket(client):
    post(client, mention(AIKO, "@ExampleUser my order has not arrived", account=US))
    post(client, mention(AIKO, "@ExampleUser also, how do I change my address?", account=US))

    assert count(Ticket) == 2


def test_a_reply_to_our_public_answer_joins_that_ticket(client):
    opening = mention(AIKO, "@ExampleUser my order has not arrived", account=US)
    post(client, opening)
    [first] = messages()
    ours = Message(ticket_id=first.ticket_id, direction="outbound", channel="x", external_id="4000000000000000001",
                   kind="reply", text="Sorry! We are checking.", delivery_state="sent")
    db.session.add(ours)
    db.session.commit()

    post(client, mention(AIKO, "@ExampleUser thanks, any news?", account=US, in_reply_to="4000000000000000001",
                         conversation_id="9999999999999999999"))

    assert messages()[-1].ticket_id == first.ticket_id


def test_dms_from_one_customer_share_one_ticket_apart_from_their_mentions(client):
    post(client, mention(AIKO, "@ExampleUser help please", account=US))
    post(client, direct_message(AIKO, "My order number is 12345", account=US))
    post(client, direct_message(AIKO, "and my postcode is 100-0001", account=US))

    public, dm1, dm2 = messages()
    assert dm1.ticket_id == dm2.ticket_id != public.ticket_id
    assert dm1.meta["public"] is False
    assert db.session.get(Ticket, dm1.ticket_id).thread_key == f"dm:{AIKO.id}"


def test_dms_from_different_customers_open_different_tickets(client):
    post(client, direct_message(AIKO, "Hello", account=US))
    post(client, direct_message(MINJUN, "안녕하세요, 주문 문의드립니다", account=US))

    assert count(Ticket) == 2


def test_our_own_post_and_dm_echoed_back_store_nothing(client):
    for kind in ("post.create", "dm.sent"):
        response = post(client, activity(kind))
        assert response.status_code == 200
        assert response.json["ignored"] == 1

    assert count(Message) == 0


@pytest.mark.parametrize("kind", ["like.create", "follow.follow", "profile.update.screenname", "post.repost.create",
                                  "oauth.revoke", "chat.received"])
def test_events_we_do_not_use_are_acknowledged_and_store_nothing(client, kind):
    response = post(client, activity(kind))

    assert response.status_code == 200
    assert count(Message) == 0 and count(QuarantinedPayload) == 0


@pytest.mark.config(X_CONSUMER_SECRET=SECRET, X_ACCOUNT_ID=AAA_ACCOUNT)
def test_an_account_activity_dm_is_stored_with_the_senders_name_from_the_users_map(client):
    response = post(client, account_activity("11_direct_message_events"))

    assert response.json["stored"] == 1
    [message] = messages()
    assert message.external_id == "954491830116155396"
    assert (message.identity.handle, message.identity.display_name) == ("furiouscamper", "Jordan Brinks")
    assert message.ticket.customer.name == "Jordan Brinks"


@pytest.mark.config(X_CONSUMER_SECRET=SECRET, X_ACCOUNT_ID=AAA_ACCOUNT)
def test_an_account_activity_mention_is_stored_and_our_own_post_is_not(client):
    customer = v1_user("3001969357", "furiouscamper", "Jordan Brinks")
    ours = v1_user(AAA_ACCOUNT, "Harris_0ff", "Harrison Test")

    post(client, aaa_mention(author=customer, for_user_id=AAA_ACCOUNT, mention_id=AAA_ACCOUNT,
                             mention_name="Harris_0ff"))
    post(client, aaa_mention(author=ours, for_user_id=AAA_ACCOUNT, mention_id="3001969357",
                             mention_name="furiouscamper"))

    [message] = messages()
    assert message.external_id == "1924465506158878979"
    assert message.text.endswith("off the Greek island of Antikythera...")


@pytest.mark.config(X_CONSUMER_SECRET=SECRET, X_ACCOUNT_ID=AAA_ACCOUNT)
def test_account_activity_likes_follows_and_typing_store_nothing(client):
    for example in ("12_direct_message_indicate_typing_events", "13_direct_message_mark_read_events",
                    "14_tweet_delete_events"):
        assert post(client, account_activity(example)).status_code == 200

    assert count(Message) == 0


def test_a_renamed_customer_keeps_their_identity_with_the_new_handle(client):
    post(client, direct_message(AIKO, "Hello", account=US))
    renamed = XUser(AIKO.id, "aiko_tanaka_jp", "田中 愛子")
    post(client, direct_message(renamed, "I changed my name", account=US))

    identities = list(db.session.scalars(select(Identity)))
    assert len(identities) == 1
    assert (identities[0].handle, identities[0].display_name) == ("aiko_tanaka_jp", "田中 愛子")
    assert count(Ticket) == 1


def test_a_customer_event_we_cannot_read_is_quarantined_and_acknowledged(client):
    body = activity("post.mention.create")
    del body["data"]["payload"]["author_id"]

    response = post(client, body)

    assert response.status_code == 200
    assert response.json["quarantined"] == 1
    [held] = db.session.scalars(select(QuarantinedPayload))
    assert held.channel == "x" and "unreadable" in held.reason
    assert count(Message) == 0


@pytest.mark.config()
def test_the_sandbox_accepts_demo_traffic_signed_with_the_embedded_secret(client, app):
    raw, headers = webhook_delivery(app.config, AIKO, "こんにちは、注文が届きません", lang="ja")

    response = client.post(URL, data=raw, headers=headers)

    assert response.status_code == 200
    [message] = messages()
    assert message.text == f"@{app.config['X_ACCOUNT_HANDLE']} こんにちは、注文が届きません"
    assert message.ticket.language == "ja"


@pytest.mark.config()
def test_demo_dms_go_through_the_same_route(client, app):
    raw, headers = webhook_delivery(app.config, AIKO, "注文番号は12345です", dm=True)

    assert client.post(URL, data=raw, headers=headers).json["stored"] == 1
    assert messages()[0].meta["public"] is False
