"""Survey links: one click rates, a second click changes the rating, and nothing else gets in."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from inbox import surveys
from inbox.extensions import db
from inbox.models import Survey, TicketEvent, utcnow
from tests.conftest import csrf_from
from tests.survey_steps import run_jobs, solved_ticket, survey_of


@pytest.fixture
def agent(make_agent):  # noqa: ANN001, ANN201
    return make_agent("sam@kept.example")


def sent_survey(app, agent, channel: str = "email", **kwargs) -> Survey:  # noqa: ANN001, ANN003
    ticket = solved_ticket(agent, channel, **kwargs)
    run_jobs(app, timedelta(hours=2))
    return survey_of(ticket)


def path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_one_click_records_the_rating_without_signing_in(app, client, agent):
    survey = sent_survey(app, agent)
    response = client.get(path(surveys.links_for(survey).ratings["4"]))
    assert response.status_code == 303
    assert survey_of(survey.ticket).rating == 4


def test_a_second_click_changes_the_rating_instead_of_adding_one(app, client, agent):
    survey = sent_survey(app, agent)
    links = surveys.links_for(survey).ratings
    client.get(path(links["5"]))
    client.get(path(links["3"]))
    assert survey_of(survey.ticket).rating == 3
    assert db.session.scalar(select(func.count(Survey.id))) == 1
    rated = db.session.scalars(select(TicketEvent).where(TicketEvent.kind == "survey.rated")).all()
    assert [(e.data["rating"], e.data["previous"]) for e in rated] == [(5, None), (3, 5)]


def test_a_tampered_token_is_refused(app, client, agent):
    survey = sent_survey(app, agent)
    token = surveys.token_for(survey)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/survey/{forged}/rate/5").status_code == 404
    assert survey_of(survey.ticket).rating is None


def test_a_token_cannot_be_pointed_at_someone_elses_ticket(app, client, agent):
    mine = sent_survey(app, agent, sender="ana@example.com")
    theirs = sent_survey(app, agent, sender="bob@example.com")
    token = surveys.token_for(mine)
    payload, rest = token.split(".", 1)
    # Swap in the other survey's payload but keep this token's signature: the signature no longer fits.
    forged = surveys.token_for(theirs).split(".", 1)[0] + "." + rest
    assert client.get(f"/survey/{forged}/rate/1").status_code == 404
    assert survey_of(theirs.ticket).rating is None


def test_a_token_signed_with_another_key_is_refused(app, client, agent):
    from itsdangerous import URLSafeTimedSerializer

    survey = sent_survey(app, agent)
    forged = URLSafeTimedSerializer("guessed-secret", salt=surveys.TOKEN_SALT).dumps({"s": survey.id,
                                                                                      "t": survey.ticket_id})
    assert client.get(f"/survey/{forged}/rate/5").status_code == 404


def test_an_expired_link_is_refused_with_a_clear_page(app, client, agent):
    survey = sent_survey(app, agent)
    days = app.config["SURVEY_LINK_MAX_AGE_DAYS"]
    old = surveys.token_for(survey, now=utcnow() - timedelta(days=days, hours=1))
    response = client.get(f"/survey/{old}/rate/5")
    assert response.status_code == 410 and "expired" in response.text
    assert survey_of(survey.ticket).rating is None


def test_a_link_is_still_good_the_day_before_it_expires(app, agent):
    survey = sent_survey(app, agent)
    token = surveys.token_for(survey)
    days = app.config["SURVEY_LINK_MAX_AGE_DAYS"]
    assert surveys.survey_for_token(token, now=utcnow() + timedelta(days=days - 1)).id == survey.id
    with pytest.raises(surveys.SurveyLinkError):
        surveys.survey_for_token(token, now=utcnow() + timedelta(days=days + 1))


def test_a_rating_outside_one_to_five_is_not_recorded(app, client, agent):
    survey = sent_survey(app, agent)
    assert client.get(f"/survey/{surveys.token_for(survey)}/rate/9").status_code == 404
    assert survey_of(survey.ticket).rating is None


def test_the_comment_page_saves_a_comment_with_its_csrf_token(app, client, agent):
    survey = sent_survey(app, agent)
    token = surveys.token_for(survey)
    page = client.get(f"/survey/{token}?rated=1")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = client.post(f"/survey/{token}/comment", data={"comment": "Quick and kind.",
                                                              "csrf_token": csrf_from(page.text)})
    assert response.status_code == 303
    assert survey_of(survey.ticket).comment == "Quick and kind."


def test_a_comment_without_a_csrf_token_is_refused(app, client, agent):
    survey = sent_survey(app, agent)
    response = client.post(f"/survey/{surveys.token_for(survey)}/comment", data={"comment": "spam"})
    assert response.status_code == 400
    assert survey_of(survey.ticket).comment is None


def test_the_survey_page_is_in_the_customers_language(app, client, agent):
    survey = sent_survey(app, agent, language="ko")
    page = client.get(f"/survey/{surveys.token_for(survey)}", headers={"Accept-Language": "en"})
    assert '<html lang="ko">' in page.text
