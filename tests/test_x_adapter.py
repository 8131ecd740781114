"""Outbound on X: the real tweepy.Client, with X's HTTP API answered by ``responses``."""
from __future__ import annotations

import json

import pytest
import requests
import responses

from channels.base import DeliveryError, Identity, Outbound
from channels.x import make_adapter
from channels.x.adapter import XAdapter
from channels.x.client import make_client
from channels.x.counting import count_x
from channels.x.settings import XSettings

API = "https://api.twitter.com/2"
CUSTOMER = Identity(channel="x", external_id="2222222222222222222", handle="OtherUser")
SETTINGS = XSettings(
    consumer_key="ck", consumer_secret="cs", access_token="at", access_token_secret="ats",
    bearer_token="bt", account_id="1111111111111111111",
)
NOW = 1_800_000_000.0


def adapter() -> XAdapter:
    return XAdapter(make_client(SETTINGS), clock=lambda: NOW)


def outbound(text: str, *, key: str = "k1", **meta: object) -> Outbound:
    return Outbound(channel="x", idempotency_key=key, recipient=CUSTOMER, text=text, meta=dict(meta))


def public(text: str, **meta: object) -> Outbound:
    return outbound(text, reply_to="2080765813578191303", reply_to_meta={"public": True, "kind": "mention"}, **meta)


def bodies(calls: responses.CallList) -> list[dict]:
    return [json.loads(call.request.body) for call in calls]


@responses.activate
def test_a_public_reply_is_one_post_in_reply_to_the_customers_post():
    responses.post(f"{API}/tweets", json={"data": {"id": "3000000000000000001", "text": "x"}}, status=201)

    result = adapter().send(public("Thanks, we are on it!"))

    assert result.external_ids == ("3000000000000000001",)
    assert bodies(responses.calls) == [
        {"text": "Thanks, we are on it!", "reply": {"in_reply_to_tweet_id": "2080765813578191303"}}
    ]


@responses.activate
def test_posts_are_signed_with_the_accounts_oauth1_user_context():
    responses.post(f"{API}/tweets", json={"data": {"id": "1", "text": "x"}}, status=201)

    adapter().send(public("Hello"))

    authorization = responses.calls[0].request.headers["Authorization"]
    assert authorization.startswith("OAuth ")
    assert 'oauth_consumer_key="ck"' in authorization and 'oauth_token="at"' in authorization


@responses.activate
def test_a_long_reply_in_thread_mode_is_a_numbered_chain_of_posts():
    responses.post(f"{API}/tweets", json={"data": {"id": "4000000000000000001", "text": "1"}}, status=201)
    responses.post(f"{API}/tweets", json={"data": {"id": "4000000000000000002", "text": "2"}}, status=201)
    responses.post(f"{API}/tweets", json={"data": {"id": "4000000000000000003", "text": "3"}}, status=201)
    text = " ".join(f"Step {n}: restart the router and wait for the light to turn green." for n in range(1, 11))

    result = adapter().send(public(text, x_mode="thread"))

    sent = bodies(responses.calls)
    assert result.external_ids == ("4000000000000000001", "4000000000000000002", "4000000000000000003")
    assert [body["reply"]["in_reply_to_tweet_id"] for body in sent] == [
        "2080765813578191303", "4000000000000000001", "4000000000000000002",
    ]
    assert [body["text"].rsplit(" ", 1)[1] for body in sent] == ["1/3", "2/3", "3/3"]
    assert all(count_x(body["text"]) <= 280 for body in sent)


@responses.activate
def test_a_thread_that_failed_part_way_continues_after_the_posts_already_published():
    responses.post(f"{API}/tweets", json={"data": {"id": "5000000000000000001", "text": "1"}}, status=201)
    responses.post(f"{API}/tweets", json={"title": "Service Unavailable", "detail": "Service Unavailable"}, status=503)
    responses.post(f"{API}/tweets", json={"data": {"id": "5000000000000000002", "text": "2"}}, status=201)
    text = "Please check your settings. " * 15
    sender = adapter()

    with pytest.raises(DeliveryError) as failed:
        sender.send(public(text, x_mode="thread"))
    result = sender.send(public(text, x_mode="thread"))

    assert failed.value.retryable
    sent = bodies(responses.calls)
    assert [body["text"][-3:] for body in sent] == ["1/2", "2/2", "2/2"]
    assert sent[2]["reply"]["in_reply_to_tweet_id"] == "5000000000000000001"
    assert result.external_ids == ("5000000000000000001", "5000000000000000002")


@responses.activate
def test_a_long_reply_in_dm_mode_is_one_direct_message():
    responses.post(
        f"{API}/dm_conversations/with/2222222222222222222/messages",
        json={"data": {"dm_conversation_id": "1111111111111111111-2222222222222222222",
                       "dm_event_id": "6000000000000000001"}},
        status=201,
    )
    text = "Your order details: " + "item, " * 100

    result = adapter().send(public(text, x_mode="dm"))

    assert result.external_ids == ("6000000000000000001",)
    assert bodies(responses.calls) == [{"text": text}]


@responses.activate
def test_a_ticket_that_began_as_a_dm_is_answered_by_dm_even_when_public_is_asked():
    responses.post(
        f"{API}/dm_conversations/with/2222222222222222222/messages",
        json={"data": {"dm_conversation_id": "c", "dm_event_id": "6000000000000000002"}},
        status=201,
    )

    adapter().send(outbound("Your account number ends in 42.", reply_to="2080765901528535096",
                            reply_to_meta={"public": False, "kind": "dm"}, thread_key="dm:2222222222222222222",
                            x_mode="public"))

    assert [call.request.url for call in responses.calls] == [
        f"{API}/dm_conversations/with/2222222222222222222/messages"
    ]


@responses.activate
def test_a_rate_limited_post_is_retried_after_x_rate_limit_reset():
    responses.post(
        f"{API}/tweets",
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
        status=429,
        headers={"x-rate-limit-limit": "300", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW) + 540)},
    )

    with pytest.raises(DeliveryError) as error:
        adapter().send(public("Hello"))

    assert error.value.retryable
    assert error.value.retry_after == 540
    assert len(responses.calls) == 1


@responses.activate
def test_duplicate_content_is_a_permanent_failure_with_xs_own_words():
    responses.post(
        f"{API}/tweets",
        json={"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank",
              "title": "Forbidden", "status": 403},
        status=403,
    )

    with pytest.raises(DeliveryError) as error:
        adapter().send(public("Hello again"))

    assert not error.value.retryable
    assert error.value.reason == "You are not allowed to create a Tweet with duplicate content."


@responses.activate
def test_a_dm_to_someone_who_does_not_accept_them_is_a_permanent_failure():
    responses.post(
        f"{API}/dm_conversations/with/2222222222222222222/messages",
        json={"errors": [{"message": "You cannot send messages to this user.", "code": 349}],
              "title": "Forbidden", "detail": "Forbidden", "status": 403},
        status=403,
    )

    with pytest.raises(DeliveryError) as error:
        adapter().send(outbound("Hi", x_mode="dm"))

    assert not error.value.retryable
    assert error.value.reason == "You cannot send messages to this user."


@responses.activate
def test_a_server_error_is_retryable():
    responses.post(f"{API}/tweets", body="upstream connect error", status=503)

    with pytest.raises(DeliveryError) as error:
        adapter().send(public("Hello"))

    assert error.value.retryable
    assert error.value.retry_after is None


@responses.activate
def test_a_network_failure_is_retryable():
    responses.post(f"{API}/tweets", body=requests.ConnectionError("connection reset"))

    with pytest.raises(DeliveryError) as error:
        adapter().send(public("Hello"))

    assert error.value.retryable


@responses.activate
def test_an_over_long_public_reply_is_refused_without_calling_x():
    with pytest.raises(DeliveryError) as error:
        adapter().send(public("あ" * 141))

    assert not error.value.retryable
    assert "282/280" in error.value.reason
    assert len(responses.calls) == 0


def test_without_credentials_the_channel_delivers_to_the_sandbox():
    from channels.sandbox import SandboxAdapter

    assert isinstance(make_adapter({"X_CONSUMER_SECRET": "embedded-default-x-secret"}), SandboxAdapter)


def test_with_credentials_the_channel_delivers_to_x():
    config = {"X_CONSUMER_KEY": "ck", "X_CONSUMER_SECRET": "cs", "X_ACCESS_TOKEN": "at",
              "X_ACCESS_TOKEN_SECRET": "ats"}

    assert isinstance(make_adapter(config), XAdapter)
