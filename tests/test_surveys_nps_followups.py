"""NPS at most every N days per customer, and follow-ups for team leads after a low rating."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from inbox import survey_settings, surveys
from inbox.extensions import db, socketio
from inbox.models import FollowUp, Survey, utcnow
from tests.conftest import login
from tests.survey_steps import run_jobs, solved_ticket, survey_of


@pytest.fixture
def team(make_team, make_agent):  # noqa: ANN001, ANN201
    team = make_team("Support", channels=["email", "x", "chat"])
    lead = make_agent("lena@kept.example", teams=[team], name="Lena Lead")
    team.lead_id = lead.id
    db.session.commit()
    return team


@pytest.fixture
def agent(make_agent, team):  # noqa: ANN001, ANN201
    return make_agent("sam@kept.example", teams=[team])


def ask_nps_every(team, days: int) -> None:  # noqa: ANN001
    survey_settings.save(survey_settings.SurveySettings(nps_every_days={str(team.id): days}))
    db.session.commit()


def test_a_team_with_nps_asks_the_question_with_the_survey(app, agent, team):
    ask_nps_every(team, 90)
    ticket = solved_ticket(agent, "email")
    run_jobs(app, timedelta(hours=2))
    survey = survey_of(ticket)
    assert survey.nps_asked
    assert "/nps/0" in survey.ticket.messages[-1].html and "/nps/10" in survey.ticket.messages[-1].html


def test_nps_is_asked_at_most_once_in_n_days_per_customer(app, agent, team):
    ask_nps_every(team, 90)
    first = solved_ticket(agent, "email", sender="ana@example.com")
    run_jobs(app, timedelta(hours=2))
    second = solved_ticket(agent, "email", sender="ana@example.com", subject="Another order")
    run_jobs(app, timedelta(hours=2))
    other_customer = solved_ticket(agent, "email", sender="bob@example.com")
    run_jobs(app, timedelta(hours=2))
    assert survey_of(first).nps_asked and not survey_of(second).nps_asked
    assert survey_of(other_customer).nps_asked


def test_nps_is_asked_again_once_n_days_have_passed(app, agent, team):
    ask_nps_every(team, 30)
    first = solved_ticket(agent, "email", sender="ana@example.com")
    run_jobs(app, timedelta(hours=2))
    earlier = survey_of(first)
    earlier.sent_at = utcnow() - timedelta(days=31)
    db.session.commit()
    second = solved_ticket(agent, "email", sender="ana@example.com", subject="Another order")
    run_jobs(app, timedelta(hours=2))
    assert survey_of(second).nps_asked


def test_a_team_without_nps_never_asks_it(app, agent):
    ticket = solved_ticket(agent, "email")
    run_jobs(app, timedelta(hours=2))
    assert not survey_of(ticket).nps_asked


def test_the_nps_score_is_recorded_and_changed_by_a_second_click(app, client, agent, team):
    ask_nps_every(team, 90)
    ticket = solved_ticket(agent, "email")
    run_jobs(app, timedelta(hours=2))
    nps = surveys.links_for(survey_of(ticket), nps=True).nps
    client.get(nps["10"].split("127.0.0.1:5000", 1)[-1])
    client.get(nps["8"].split("127.0.0.1:5000", 1)[-1])
    assert survey_of(ticket).nps_score == 8


def test_an_nps_score_on_a_survey_that_did_not_ask_is_refused(app, agent):
    ticket = solved_ticket(agent, "email")
    run_jobs(app, timedelta(hours=2))
    with pytest.raises(surveys.SurveyError):
        surveys.rate_nps(survey_of(ticket), 9)


def rated(app, agent, rating: int, **kwargs) -> Survey:  # noqa: ANN001, ANN003
    ticket = solved_ticket(agent, "email", **kwargs)
    run_jobs(app, timedelta(hours=2))
    survey = surveys.rate(survey_of(ticket), rating)
    db.session.commit()
    return survey


def test_a_low_rating_creates_a_follow_up_for_the_team_lead(app, agent, team):
    survey = rated(app, agent, 2)
    follow_up = db.session.scalar(select(FollowUp))
    assert follow_up.ticket_id == survey.ticket_id and follow_up.assignee_id == team.lead_id
    assert follow_up.state == "open" and follow_up.rating == 2


@pytest.mark.parametrize("rating", [3, 4, 5])
def test_a_good_or_middling_rating_creates_no_follow_up(app, agent, rating):
    rated(app, agent, rating)
    assert db.session.scalar(select(FollowUp)) is None


def test_changing_a_low_rating_to_another_low_one_keeps_one_follow_up(app, agent):
    survey = rated(app, agent, 2)
    surveys.rate(survey, 1)
    db.session.commit()
    follow_ups = db.session.scalars(select(FollowUp)).all()
    assert len(follow_ups) == 1 and follow_ups[0].rating == 1


def test_the_lead_hears_of_the_follow_up_in_their_agent_room(app, client, agent, team):
    login(client, "lena@kept.example")
    lead_socket = socketio.test_client(app, namespace="/agents", flask_test_client=client)
    assert lead_socket.is_connected("/agents")
    lead_socket.get_received("/agents")
    rated(app, agent, 1)
    received = [e for e in lead_socket.get_received("/agents") if e["name"] == "follow_up.created"]
    assert len(received) == 1 and received[0]["args"][0]["rating"] == 1
    lead_socket.disconnect("/agents")


def test_the_lead_lists_and_closes_follow_ups_through_the_api(app, client, agent, team):
    rated(app, agent, 1, subject="Broken again")
    csrf = login(client, "lena@kept.example")
    listed = client.get("/api/follow-ups").get_json()["follow_ups"]
    assert [(f["rating"], f["ticket_subject"]) for f in listed] == [(1, "Broken again")]
    done = client.post(f"/api/follow-ups/{listed[0]['id']}/done", headers={"X-CSRFToken": csrf})
    assert done.status_code == 200 and done.get_json()["state"] == "done"
    assert client.get("/api/follow-ups").get_json()["follow_ups"] == []


def test_another_agent_neither_sees_nor_closes_the_leads_follow_up(app, client, agent, team):
    rated(app, agent, 1)
    csrf = login(client, "sam@kept.example")
    assert client.get("/api/follow-ups").get_json()["follow_ups"] == []
    follow_up = db.session.scalar(select(FollowUp))
    assert client.post(f"/api/follow-ups/{follow_up.id}/done", headers={"X-CSRFToken": csrf}).status_code == 404
