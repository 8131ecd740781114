"""Webhook bodies in both of X's formats, read into normalised messages (no database needed)."""
from __future__ import annotations

import json

import pytest

from channels.x.payloads import parse
from tests.test_x_examples import (
    AAA_ACCOUNT,
    OUR_ACCOUNT,
    aaa_mention,
    account_activity,
    activity,
    activity_kinds,
    v1_user,
    with_changes,
)


def read(body: dict, account_id: str | None = OUR_ACCOUNT):
    raw = json.dumps(body).encode()
    return parse(body, raw, account_id=account_id)


def test_an_activity_mention_becomes_a_public_message_from_its_author():
    parsed = read(activity("post.mention.create"))

    [message] = parsed.inbound
    assert message.external_id == "2080765813578191303"
    assert message.sender.external_id == "2222222222222222222"
    assert (message.sender.handle, message.sender.display_name) == ("OtherUser", "OtherUser")
    assert message.text == "hey @ExampleUser"
    assert message.meta["public"] is True
    assert message.meta["event_uuid"] == "2080765813578191303"


def test_a_fresh_mention_starts_its_own_conversation():
    [message] = read(activity("post.mention.create")).inbound

    assert message.thread.references == ()
    assert message.thread.conversation_key == "conv:2080765813578191303"


def test_an_activity_reply_threads_by_the_post_it_answers_and_its_conversation():
    [message] = read(activity("post.reply.create")).inbound

    assert message.external_id == "2090000000000000001"
    assert message.thread.references == ("2080761390344937796",)
    assert message.thread.conversation_key == "conv:2080761390344937796"
    assert message.meta["in_reply_to_tweet_id"] == "2080761390344937796"
    assert message.language_hint == "en"


def test_an_activity_dm_names_its_sender_from_the_users_map():
    [message] = read(activity("dm.received")).inbound

    assert message.external_id == "2080765901528535096"
    assert message.sender.external_id == "2222222222222222222"
    assert message.sender.handle == "OtherUser"
    assert message.text == "hello!"
    assert message.meta["public"] is False
    assert message.thread.conversation_key == "dm:2222222222222222222"


def test_our_own_posts_and_dms_echoed_back_are_ignored():
    for kind in ("post.create", "dm.sent"):
        parsed = read(activity(kind))
        assert parsed.inbound == [] and parsed.unreadable == []
        assert parsed.ignored == [f"{kind}: our own activity"]


def test_a_mention_by_our_own_account_is_ignored_even_under_a_customer_event_type():
    parsed = read(with_changes(activity("post.mention.create"), author_id=OUR_ACCOUNT))

    assert parsed.inbound == []
    assert parsed.ignored == ["post.mention.create: our own post"]


@pytest.mark.parametrize("kind", [
    "like.create", "follow.follow", "follow.unfollow", "post.delete", "post.quote.create", "post.repost.create",
    "profile.update.screenname", "profile.update.bio", "oauth.revoke", "chat.received", "chat.sent",
    "spaces.start", "spaces.end", "broadcast.chat", "news.new",
])
def test_activity_kinds_we_do_not_use_are_acknowledged_and_ignored(kind):
    parsed = read(activity(kind))

    assert parsed.inbound == [] and parsed.unreadable == []
    assert parsed.ignored == [f"{kind}: not a support event"]


def test_every_published_activity_kind_is_read_without_error():
    for kind in activity_kinds():
        parsed = read(activity(kind))
        assert parsed.unreadable == [], kind
        assert len(parsed.inbound) + len(parsed.ignored) >= 1, kind


def test_an_account_activity_dm_names_its_sender_from_the_users_map():
    [message] = read(account_activity("11_direct_message_events"), account_id=AAA_ACCOUNT).inbound

    assert message.external_id == "954491830116155396"
    assert message.sender.external_id == "3001969357"
    assert (message.sender.handle, message.sender.display_name) == ("furiouscamper", "Jordan Brinks")
    assert message.thread.conversation_key == "dm:3001969357"


def test_an_account_activity_dm_we_sent_is_ignored():
    body = account_activity("11_direct_message_events")
    body["direct_message_events"][0]["message_create"]["sender_id"] = AAA_ACCOUNT

    parsed = read(body, account_id=AAA_ACCOUNT)

    assert parsed.inbound == []
    assert parsed.ignored == ["direct_message_events: our own DM"]


def test_the_subscribed_account_counts_as_ours_when_no_account_id_is_configured():
    body = account_activity("11_direct_message_events")
    body["direct_message_events"][0]["message_create"]["sender_id"] = AAA_ACCOUNT

    assert read(body, account_id=None).inbound == []


def test_an_account_activity_long_post_mentioning_us_keeps_its_full_text():
    body = aaa_mention(author=v1_user("3001969357", "furiouscamper", "Jordan Brinks"),
                       for_user_id=AAA_ACCOUNT, mention_id=AAA_ACCOUNT, mention_name="Harris_0ff")

    [message] = read(body, account_id=AAA_ACCOUNT).inbound

    assert message.external_id == "1924465506158878979"
    assert message.text.startswith("The Antikythera Mechanism:")
    assert message.text.endswith("off the Greek island of Antikythera...")
    assert message.sender.handle == "furiouscamper"
    assert message.thread.conversation_key == "conv:1924465506158878979"
    assert message.meta["url"] == "https://x.com/furiouscamper/status/1924465506158878979"


def test_an_account_activity_reply_to_our_post_threads_by_that_post():
    body = aaa_mention(author=v1_user("3001969357", "furiouscamper", "Jordan Brinks"),
                       for_user_id=AAA_ACCOUNT, mention_id=AAA_ACCOUNT, mention_name="Harris_0ff",
                       in_reply_to="1924000000000000000")

    [message] = read(body, account_id=AAA_ACCOUNT).inbound

    assert message.thread.references == ("1924000000000000000",)
    assert message.meta["kind"] == "reply"


def test_an_account_activity_post_of_our_own_is_ignored():
    body = aaa_mention(author=v1_user(AAA_ACCOUNT, "Harris_0ff", "Harrison Test"),
                       for_user_id=AAA_ACCOUNT, mention_id="3001969357", mention_name="furiouscamper")

    parsed = read(body, account_id=AAA_ACCOUNT)

    assert parsed.inbound == []
    assert parsed.ignored == ["tweet_create_events: our own post"]


def test_an_account_activity_post_that_neither_mentions_nor_answers_us_is_ignored():
    body = aaa_mention(author=v1_user("3001969357", "furiouscamper", "Jordan Brinks"),
                       for_user_id=AAA_ACCOUNT, mention_id="999", mention_name="someoneelse")

    assert read(body, account_id=AAA_ACCOUNT).inbound == []


@pytest.mark.parametrize("example", [
    "12_direct_message_indicate_typing_events", "13_direct_message_mark_read_events",
    "14_tweet_delete_events", "10_user_event", "21_replay", "22_job_completed_messages",
])
def test_account_activity_kinds_we_do_not_use_are_ignored(example):
    parsed = read(account_activity(example), account_id=AAA_ACCOUNT)

    assert parsed.inbound == [] and parsed.unreadable == []
    assert parsed.ignored


def test_a_customer_event_we_cannot_read_is_set_aside_not_fatal():
    body = activity("post.mention.create")
    del body["data"]["payload"]["author_id"]

    parsed = read(body)

    assert parsed.inbound == []
    [(reason, _event)] = parsed.unreadable
    assert reason.startswith("post.mention.create: unreadable")
