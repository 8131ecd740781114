"""A solved ticket gets one survey after the delay, on its own channel, unless it is not done."""
from __future__ import annotations

from datetime import timedelta

import pytest

from inbox import survey_settings, surveys, tickets
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import OutboxItem
from tests import factories
from tests.survey_steps import chat, run_jobs, solved_ticket, survey_of, surveys_sent


@pytest.fixture
def agent(make_agent):  # noqa: ANN001, ANN201
    return make_agent("sam@kept.example")


@pytest.mark.parametrize("channel", ["email", "x", "chat"])
def test_a_solved_ticket_gets_exactly_one_survey_after_the_delay(app, agent, channel):
    ticket = solved_ticket(agent, channel)
    run_jobs(app, timedelta(minutes=59))
    assert surveys_sent(ticket) == []
    run_jobs(app, timedelta(minutes=61))
    surveys.sweep(now=survey_of(ticket).due_at + timedelta(days=1))
    run_jobs(app, timedelta(hours=3))
    sent = surveys_sent(ticket)
    assert len(sent) == 1 and sent[0].channel == channel
    assert survey_of(ticket).state == "sent"


def test_no_survey_goes_when_the_ticket_reopens_before_the_delay(app, agent):
    ticket = solved_ticket(agent, "email")
    tickets.update(ticket, agent, status="open")
    run_jobs(app, timedelta(hours=2))
    assert surveys_sent(ticket) == []
    assert survey_of(ticket).state == "cancelled"


def test_no_survey_goes_when_the_customer_writes_again_before_the_delay(app, agent):
    ticket = solved_ticket(agent, "x", user_id="99")
    ingest(factories.dm(user_id="99", text="Actually, one more thing"))
    run_jobs(app, timedelta(hours=2))
    assert surveys_sent(ticket) == []
    assert survey_of(ticket).state_reason == "customer wrote again"


def test_a_ticket_solved_again_after_a_reopen_gets_one_survey_at_the_new_delay(app, agent):
    ticket = solved_ticket(agent, "email")
    tickets.update(ticket, agent, status="open")
    tickets.update(ticket, agent, status="solved")
    run_jobs(app, timedelta(hours=2))
    assert len(surveys_sent(ticket)) == 1


def test_a_lost_timer_is_caught_by_the_sweep(app, agent):
    ticket = solved_ticket(agent, "email")
    app.extensions["kept_jobs"].queue.clear()  # the process restarted: the in-memory timer is gone
    assert surveys.sweep(now=survey_of(ticket).due_at + timedelta(seconds=1)) == 1
    assert len(surveys_sent(ticket)) == 1


def test_no_survey_is_scheduled_while_surveys_are_switched_off(app, agent):
    survey_settings.save(survey_settings.SurveySettings(enabled=False))
    db.session.commit()
    ticket = solved_ticket(agent, "email")
    run_jobs(app, timedelta(hours=2))
    assert surveys_sent(ticket) == [] and survey_of(ticket) is None


def test_switching_surveys_off_cancels_the_ones_waiting(app, agent):
    ticket = solved_ticket(agent, "chat")
    survey_settings.save(survey_settings.SurveySettings(channels=["email", "x"]))
    db.session.commit()
    run_jobs(app, timedelta(hours=2))
    assert surveys_sent(ticket) == []
    assert survey_of(ticket).state_reason == "surveys switched off on chat"


def test_the_delay_is_the_admins_choice(app, agent):
    survey_settings.save(survey_settings.SurveySettings(delay_minutes=10))
    db.session.commit()
    ticket = solved_ticket(agent, "email")
    run_jobs(app, timedelta(minutes=11))
    assert len(surveys_sent(ticket)) == 1


def test_the_email_survey_has_five_one_click_ratings(app, agent):
    ticket = solved_ticket(agent, "email", subject="Order 1234")
    run_jobs(app, timedelta(hours=2))
    message = surveys_sent(ticket)[0]
    token_links = [f"/rate/{score}" for score in range(1, 6)]
    assert all(link in message.html for link in token_links)
    assert all(link in message.text for link in token_links)
    assert message.text.startswith("Hi Ana,") and "Order 1234" in message.subject


def test_the_chat_survey_is_a_rating_card_for_the_widget(app, agent):
    ticket = solved_ticket(agent, "chat")
    run_jobs(app, timedelta(hours=2))
    outbox = db.session.query(OutboxItem).filter_by(message_id=surveys_sent(ticket)[0].id).one()
    card = outbox.payload["meta"]["survey"]
    assert outbox.payload["kind"] == "survey"
    assert sorted(card["ratings"]) == ["1", "2", "3", "4", "5"] and card["question"]


def test_the_x_survey_is_a_short_direct_message_with_a_link(app, agent):
    ticket = solved_ticket(agent, "x")
    run_jobs(app, timedelta(hours=2))
    message = surveys_sent(ticket)[0]
    outbox = db.session.query(OutboxItem).filter_by(message_id=message.id).one()
    assert outbox.payload["meta"]["x_mode"] == "dm"
    assert "/survey/" in message.text and len(message.text) < 280


def test_the_survey_uses_the_admins_wording_in_the_customers_language(app, agent):
    survey_settings.save(survey_settings.SurveySettings(
        wording={"ja": {"question": "{name}様、「{subject}」の対応はいかがでしたか？"}}))
    db.session.commit()
    ticket = solved_ticket(agent, "email", language="ja", subject="注文")
    run_jobs(app, timedelta(hours=2))
    message = surveys_sent(ticket)[0]
    assert "Ana様、「注文」の対応はいかがでしたか？" in message.text
    assert 'lang="ja"' in message.html


def test_a_survey_over_the_customers_automatic_message_budget_is_suppressed(app, agent):
    from inbox import automatic

    ticket = solved_ticket(agent, "email")
    for _ in range(app.config["AUTOMATIC_PER_HOUR"]):
        automatic.send(ticket, text="notice", kind="notice")
    db.session.commit()
    run_jobs(app, timedelta(hours=2))
    assert surveys_sent(ticket) == []
    assert survey_of(ticket).state == "suppressed"


def test_a_chat_ticket_reopened_by_a_new_chat_message_gets_no_survey(app, agent):
    ticket = solved_ticket(agent, "chat", visitor="v-7")
    ingest(chat(visitor="v-7", text="wait, it broke again"))
    run_jobs(app, timedelta(hours=2))
    assert surveys_sent(ticket) == []
