"""The polling fallback: the real tweepy.Client against X's API answered by ``responses``."""
from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
import responses
from responses import matchers
from sqlalchemy import func, select

from channels.x.client import make_client
from channels.x.demo import signed_request
from channels.x.polling import poll
from channels.x.settings import XSettings
from inbox.extensions import db
from inbox.jobs import run_job
from inbox.models import Message, Ticket
from tests.test_x_examples import OUR_ACCOUNT, activity

API = "https://api.twitter.com/2"
MENTIONS = f"{API}/users/{OUR_ACCOUNT}/mentions"
DM_EVENTS = f"{API}/dm_events"
SETTINGS = XSettings(
    consumer_key="ck", consumer_secret="test", access_token="at", access_token_secret="ats", bearer_token="bt",
    account_id=OUR_ACCOUNT, polling=True, poll_seconds=60,
)
NOW = datetime(2026, 7, 24, 22, 0, tzinfo=UTC)
CREDENTIALS = {"X_CONSUMER_KEY": "ck", "X_CONSUMER_SECRET": "test", "X_ACCESS_TOKEN": "at",
               "X_ACCESS_TOKEN_SECRET": "ats", "X_BEARER_TOKEN": "bt", "X_ACCOUNT_ID": OUR_ACCOUNT}

pytestmark = pytest.mark.config(**CREDENTIALS)


def published_mention() -> tuple[dict, list[dict]]:
    """X's published post.mention.create payload: the same v2 post object the mentions timeline returns."""
    data = activity("post.mention.create")["data"]
    return data["payload"], data["includes"]["users"]


def later_mention(post_id: str, text: str) -> dict:
    post, _ = published_mention()
    post = copy.deepcopy(post)
    post.update(id=post_id, conversation_id=post_id, text=text, edit_history_tweet_ids=[post_id])
    return post


def mentions_page(posts: list[dict], users: list[dict], next_token: str | None = None) -> dict:
    meta = {"result_count": len(posts)}
    if posts:
        meta.update(newest_id=posts[0]["id"], oldest_id=posts[-1]["id"])
    if next_token:
        meta["next_token"] = next_token
    page = {"meta": meta}
    if posts:
        page.update(data=posts, includes={"users": users})
    return page


def dm_event(event_id: str, sender: str, text: str, at: str = "2026-07-24T21:23:44.372Z") -> dict:
    return {"id": event_id, "event_type": "MessageCreate", "text": text, "sender_id": sender,
            "dm_conversation_id": f"{OUR_ACCOUNT}-{sender}", "created_at": at}


CUSTOMER = {"id": "2222222222222222222", "name": "OtherUser", "username": "OtherUser"}
NO_DMS = {"meta": {"result_count": 0}}


def run(now: datetime = NOW):
    return poll(make_client(SETTINGS), SETTINGS, now=now)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def query(call: responses.Call) -> dict:
    return call.request.params


@responses.activate
def test_new_mentions_are_stored_oldest_first(app):
    newer = later_mention("2080765813578191400", "@ExampleUser still waiting")
    post, users = published_mention()
    responses.get(MENTIONS, json=mentions_page([newer, post], users))
    responses.get(DM_EVENTS, json=NO_DMS)

    report = run()

    assert report.stored == 2
    stored = list(db.session.scalars(select(Message.external_id).order_by(Message.id)))
    assert stored == ["2080765813578191303", "2080765813578191400"]


@responses.activate
def test_the_first_run_looks_back_one_day_only(app):
    responses.get(MENTIONS, json=mentions_page([], []))
    responses.get(DM_EVENTS, json=NO_DMS)

    run()

    params = query(responses.calls[0])
    assert params["start_time"] == "2026-07-23T22:00:00Z"
    assert "since_id" not in params
    assert params["expansions"] == "author_id"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer bt"


@responses.activate
def test_the_next_run_asks_only_for_mentions_after_the_last_one_stored(app):
    post, users = published_mention()
    responses.get(MENTIONS, json=mentions_page([post], users))
    responses.get(DM_EVENTS, json=NO_DMS)
    run()
    # A restart: nothing in memory survives, only the database.
    db.session.remove()

    run(NOW + timedelta(minutes=2))

    mention_calls = [call for call in responses.calls if call.request.url.startswith(MENTIONS)]
    assert query(mention_calls[1])["since_id"] == "2080765813578191303"
    assert count(Message) == 1


@responses.activate
def test_a_stream_is_not_asked_again_before_its_interval(app):
    responses.get(MENTIONS, json=mentions_page([], []))
    responses.get(DM_EVENTS, json=NO_DMS)
    run()

    report = run(NOW + timedelta(seconds=30))

    assert len(responses.calls) == 2
    assert len(report.skipped) == 2


@responses.activate
def test_a_mention_seen_by_webhook_and_by_polling_is_stored_once(app, client):
    raw, headers = signed_request(activity("post.mention.create"), "test")
    assert client.post("/channels/x/webhook", data=raw, headers=headers).json["stored"] == 1
    post, users = published_mention()
    responses.get(MENTIONS, json=mentions_page([post], users))
    responses.get(DM_EVENTS, json=NO_DMS)

    report = run()

    assert (report.stored, report.duplicates) == (0, 1)
    assert count(Message) == 1 and count(Ticket) == 1


@responses.activate
def test_a_dm_seen_by_webhook_and_by_polling_is_stored_once(app, client):
    raw, headers = signed_request(activity("dm.received"), "test")
    assert client.post("/channels/x/webhook", data=raw, headers=headers).json["stored"] == 1
    responses.get(MENTIONS, json=mentions_page([], []))
    responses.get(DM_EVENTS, json={"data": [dm_event("2080765901528535096", CUSTOMER["id"], "hello!")],
                                   "includes": {"users": [CUSTOMER]}, "meta": {"result_count": 1}})

    report = run()

    assert (report.stored, report.duplicates) == (0, 1)
    assert count(Message) == 1


@responses.activate
def test_dm_polling_stops_at_the_last_event_already_seen_and_skips_our_own(app):
    responses.get(MENTIONS, json=mentions_page([], []))
    responses.get(DM_EVENTS, json={
        "data": [dm_event("2080765901528535200", OUR_ACCOUNT, "We are on it"),
                 dm_event("2080765901528535100", CUSTOMER["id"], "hello!")],
        "includes": {"users": [CUSTOMER]}, "meta": {"result_count": 2},
    })
    first = run()
    responses.get(DM_EVENTS, json={
        "data": [dm_event("2080765901528535300", CUSTOMER["id"], "any news?"),
                 dm_event("2080765901528535200", OUR_ACCOUNT, "We are on it")],
        "includes": {"users": [CUSTOMER]}, "meta": {"result_count": 2, "next_token": "older"},
    })

    second = run(NOW + timedelta(minutes=2))

    assert (first.stored, second.stored) == (1, 1)
    dm_calls = [call for call in responses.calls if call.request.url.startswith(DM_EVENTS)]
    assert len(dm_calls) == 2  # the older page was never asked for
    texts = list(db.session.scalars(select(Message.text).order_by(Message.id)))
    assert texts == ["hello!", "any news?"]
    assert count(Ticket) == 1


@responses.activate
def test_a_rate_limited_stream_waits_until_x_rate_limit_reset(app):
    reset = NOW + timedelta(minutes=9)
    responses.get(MENTIONS, status=429, json={"title": "Too Many Requests", "status": 429},
                  headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(reset.timestamp()))})
    responses.get(DM_EVENTS, json=NO_DMS)
    run()
    post, users = published_mention()
    responses.get(MENTIONS, json=mentions_page([post], users))

    before = run(NOW + timedelta(minutes=5))
    mention_calls_before_reset = sum(call.request.url.startswith(MENTIONS) for call in responses.calls)
    after = run(reset + timedelta(seconds=1))

    assert mention_calls_before_reset == 1
    assert before.skipped[0].startswith("mentions: not before 2026-07-24T22:09:00")
    assert after.stored == 1


@responses.activate
def test_a_failed_run_does_not_move_the_cursor(app):
    responses.get(MENTIONS, status=503, body="over capacity")
    responses.get(DM_EVENTS, json=NO_DMS)
    run()
    post, users = published_mention()
    responses.get(MENTIONS, json=mentions_page([post], users))

    report = run(NOW + timedelta(seconds=1))

    assert report.stored == 1
    assert "start_time" in query([c for c in responses.calls if c.request.url.startswith(MENTIONS)][-1])


@responses.activate
@pytest.mark.config(X_POLLING=True, **CREDENTIALS)
def test_the_periodic_job_polls_when_polling_is_enabled(app):
    post, users = published_mention()
    responses.get(MENTIONS, json=mentions_page([post], users))
    responses.get(DM_EVENTS, json=NO_DMS, match=[matchers.query_param_matcher({"event_types": "MessageCreate"},
                                                                           strict_match=False)])

    run_job("x.poll")

    assert count(Message) == 1


@responses.activate
def test_the_periodic_job_does_nothing_when_polling_is_off(app):
    run_job("x.poll")

    assert len(responses.calls) == 0
