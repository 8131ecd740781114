"""Presence and automatic assignment: who is online, who gets a new ticket, and what happens to
an absent agent's chats."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from channels.base import Identity, Inbound, ThreadHints
from inbox import assignment, presence
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Agent, Ticket, TicketEvent, utcnow
from tests import factories
from tests.conftest import login


def chat(visitor: str, text: str = "Hello?") -> Inbound:
    return Inbound(channel="chat", external_id=f"chat-{visitor}-{text}", sender=Identity("chat", visitor, "Visitor"),
                   text=text, raw=text.encode(), thread=ThreadHints(conversation_key=f"chat:{visitor}"))


def new_ticket(inbound: Inbound) -> Ticket:
    return db.session.get(Ticket, ingest(inbound).ticket_id)


@pytest.fixture
def team(make_team):
    return make_team("Support", channels=[], language="en")


def online(make_agent, email: str, team, **fields) -> Agent:  # noqa: ANN001, ANN003
    agent = make_agent(email, teams=[team], languages=fields.pop("languages", ["en"]), **fields)
    presence.set_presence(agent, "online")
    return agent


def test_online_agents_lists_only_online_agents_taking_the_channel_in_the_team(make_agent, team, make_team):
    other = make_team("Other")
    ana = online(make_agent, "ana@kept.example", team, channels=["email", "chat"])
    online(make_agent, "bo@kept.example", team, channels=["x"])
    online(make_agent, "cy@kept.example", other)
    make_agent("dee@kept.example", teams=[team])  # offline
    assert [a.email for a in presence.online_agents(channel="chat", team_id=team.id)] == [ana.email]
    assert len(presence.online_agents()) == 3


def test_a_manual_team_leaves_new_tickets_unassigned(make_agent, team):
    online(make_agent, "ana@kept.example", team)
    assert new_ticket(factories.email()).assignee_id is None


def test_round_robin_takes_turns_among_online_agents(make_agent, team):
    assignment.set_team_mode(team, "round_robin")
    ana = online(make_agent, "ana@kept.example", team)
    bo = online(make_agent, "bo@kept.example", team)
    owners = [new_ticket(factories.email(sender=f"c{n}@example.com")).assignee_id for n in range(4)]
    assert owners == [ana.id, bo.id, ana.id, bo.id]


def test_least_loaded_picks_the_agent_with_fewest_open_tickets_on_the_channel(make_agent, team):
    ana = online(make_agent, "ana@kept.example", team)
    bo = online(make_agent, "bo@kept.example", team)
    for n in range(2):
        ticket = new_ticket(factories.email(sender=f"old{n}@example.com"))
        ticket.assignee_id = ana.id
    db.session.commit()
    assignment.set_team_mode(team, "least_loaded")
    assert new_ticket(factories.email(sender="new@example.com")).assignee_id == bo.id


def test_automatic_assignment_needs_the_channel_skill_and_the_language(make_agent, team):
    assignment.set_team_mode(team, "round_robin")
    online(make_agent, "ana@kept.example", team, channels=["x"])
    online(make_agent, "bo@kept.example", team, languages=["en"])
    kim = online(make_agent, "kim@kept.example", team, languages=["ko", "en"])
    assert new_ticket(factories.email(language="ko")).assignee_id == kim.id


def test_a_full_agent_is_passed_over_and_nobody_gets_a_chat_when_all_are_full(make_agent, team):
    assignment.set_team_mode(team, "least_loaded")
    ana = online(make_agent, "ana@kept.example", team, capacity=1)
    assert new_ticket(chat("v1")).assignee_id == ana.id
    assert new_ticket(chat("v2")).assignee_id is None


def test_automatic_assignment_is_a_ticket_event(make_agent, team):
    assignment.set_team_mode(team, "round_robin")
    ana = online(make_agent, "ana@kept.example", team)
    ticket = new_ticket(factories.email())
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                        TicketEvent.kind == "assignee.changed"))
    assert event.data == {"old": None, "new": ana.id, "reason": "round_robin"}


def test_going_offline_hands_open_chats_to_another_online_agent(make_agent, team):
    assignment.set_team_mode(team, "round_robin")
    ana = online(make_agent, "ana@kept.example", team)
    ticket = new_ticket(chat("v1"))
    assert ticket.assignee_id == ana.id
    bo = online(make_agent, "bo@kept.example", team)
    email = new_ticket(factories.email())
    email.assignee_id = ana.id
    db.session.commit()
    presence.set_presence(ana, "offline")
    assert db.session.get(Ticket, ticket.id).assignee_id == bo.id
    assert db.session.get(Ticket, email.id).assignee_id == ana.id  # email waits for its owner


def test_an_agent_goes_away_a_moment_after_the_last_socket_closes_and_is_back_on_reopening(app, make_agent, team):
    ana = online(make_agent, "ana@kept.example", team)
    presence.socket_opened(ana, "s1")
    presence.socket_opened(ana, "s2")
    presence.socket_closed("s1")
    presence.socket_closed("s2")
    assert ana.presence == "online"
    later = utcnow() + timedelta(seconds=app.config["PRESENCE_AWAY_AFTER_SECONDS"] + 1)
    app.extensions["kept_jobs"].run_due(now=later)
    db.session.expire_all()  # the job ran in its own session
    assert ana.presence == "away"
    presence.socket_opened(ana, "s3")
    assert ana.presence == "online"


def test_moving_between_pages_does_not_make_an_agent_away(app, make_agent, team):
    ana = online(make_agent, "ana@kept.example", team)
    presence.socket_opened(ana, "s1")
    presence.socket_closed("s1")
    presence.socket_opened(ana, "s2")
    later = utcnow() + timedelta(seconds=app.config["PRESENCE_AWAY_AFTER_SECONDS"] + 1)
    app.extensions["kept_jobs"].run_due(now=later)
    db.session.expire_all()
    assert ana.presence == "online"


def test_an_agent_who_chose_away_stays_away_when_a_workspace_opens(make_agent, team):
    ana = make_agent("ana@kept.example", teams=[team])
    presence.set_presence(ana, "away")
    presence.socket_opened(ana, "s1")
    assert ana.presence == "away"


@pytest.mark.config(PRESENCE_AWAY_AFTER_SECONDS=0)
def test_chats_move_after_the_grace_period_only_if_the_agent_has_not_come_back(app, make_agent, team):
    assignment.set_team_mode(team, "round_robin")
    ana = online(make_agent, "ana@kept.example", team)
    ticket = new_ticket(chat("v1"))
    online(make_agent, "bo@kept.example", team)
    presence.socket_opened(ana, "s1")
    presence.socket_closed("s1")
    runner = app.extensions["kept_jobs"]
    runner.run_due(now=utcnow())
    assert db.session.get(Ticket, ticket.id).assignee_id == ana.id  # still within the grace period
    grace = timedelta(seconds=app.config["PRESENCE_REASSIGN_GRACE_SECONDS"] + 1)
    runner.run_due(now=utcnow() + grace)
    db.session.expire_all()  # the job ran in its own session
    assert db.session.get(Ticket, ticket.id).assignee_id != ana.id


def test_an_agent_sets_presence_through_the_api(client, make_agent, team):
    make_agent("ana@kept.example", teams=[team])
    csrf = login(client, "ana@kept.example")
    response = client.put("/api/presence", json={"presence": "online"}, headers={"X-CSRFToken": csrf})
    assert response.status_code == 200 and response.json["presence"] == "online"
    refused = client.put("/api/presence", json={"presence": "asleep"}, headers={"X-CSRFToken": csrf})
    assert refused.status_code == 400


def test_only_admins_and_the_lead_change_a_teams_assignment_rule(client, make_agent, team):
    make_agent("ana@kept.example", teams=[team])
    csrf = login(client, "ana@kept.example")
    url = f"/api/teams/{team.id}/assignment"
    assert client.put(url, json={"mode": "round_robin"}, headers={"X-CSRFToken": csrf}).status_code == 403
