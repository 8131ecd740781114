"""The JSON API: token and session auth, CSRF, work order, replies on the ticket's channel."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import OutboxItem, Ticket, utcnow
from tests import factories
from tests.conftest import login


def token_for(app, email: str) -> str:  # noqa: ANN001
    result = app.test_cli_runner().invoke(args=["users", "token", email])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_the_api_refuses_a_caller_without_session_or_token(client):
    response = client.get("/api/tickets")
    assert response.status_code == 401 and "Bearer" in response.json["error"]


def test_a_wrong_token_is_refused(client, make_agent):
    make_agent()
    assert client.get("/api/tickets", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_token_from_the_cli_lists_tickets_with_sla_and_promise_times_in_utc(app, client, make_agent):
    make_agent("sam@kept.example", role="admin")
    result = ingest(factories.email())
    ticket = db.session.get(Ticket, result.ticket_id)
    ticket.first_response_due_at = ticket.sla_due_at = utcnow().replace(microsecond=0) + timedelta(hours=1)
    db.session.commit()
    response = client.get("/api/tickets", headers={"Authorization": f"Bearer {token_for(app, 'sam@kept.example')}"})
    assert response.status_code == 200
    row = response.json["tickets"][0]
    assert row["id"] == result.ticket_id
    assert row["sla"]["first_response_due_at"].endswith("Z")
    assert "due_at" in row["promise"]


def test_tickets_come_in_order_of_their_sla_due_time(app, client, make_agent):
    make_agent("sam@kept.example", role="admin")
    later = ingest(factories.email(sender="a@example.com")).ticket_id
    sooner = ingest(factories.email(sender="b@example.com")).ticket_id
    no_target = ingest(factories.email(sender="c@example.com")).ticket_id
    now = utcnow()
    db.session.get(Ticket, later).sla_due_at = now + timedelta(hours=3)
    db.session.get(Ticket, sooner).sla_due_at = now + timedelta(minutes=5)
    db.session.commit()
    token = token_for(app, "sam@kept.example")
    ids = [t["id"] for t in client.get("/api/tickets", headers={"Authorization": f"Bearer {token}"}).json["tickets"]]
    assert ids == [sooner, later, no_target]


def test_a_token_reply_goes_to_the_outbox_on_the_tickets_channel(app, client, make_agent):
    make_agent("sam@kept.example", role="admin")
    result = ingest(factories.dm())
    token = token_for(app, "sam@kept.example")
    response = client.post(f"/api/tickets/{result.ticket_id}/reply", json={"text": "Sorry! Checking now."},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.json
    item = db.session.scalar(select(OutboxItem))
    assert item.channel == "x" and item.payload["recipient"]["external_id"] == "4242"


def test_a_session_call_that_changes_something_needs_the_csrf_header(client, make_agent):
    make_agent("sam@kept.example", role="admin")
    result = ingest(factories.email())
    token = login(client, "sam@kept.example")
    refused = client.patch(f"/api/tickets/{result.ticket_id}", json={"priority": "high"})
    assert refused.status_code == 400 and "CSRF" in refused.json["error"]
    accepted = client.patch(f"/api/tickets/{result.ticket_id}", json={"priority": "high"},
                            headers={"X-CSRFToken": token})
    assert accepted.status_code == 200 and accepted.json["priority"] == "high"


def test_a_login_form_without_its_csrf_token_is_refused(client, make_agent):
    make_agent("sam@kept.example")
    response = client.post("/login", data={"email": "sam@kept.example", "password": "correct horse battery"})
    assert response.status_code == 400


def test_a_wrong_password_does_not_sign_in(client, make_agent):
    from tests.conftest import csrf_from

    make_agent("sam@kept.example")
    page = client.get("/login")
    response = client.post("/login", data={"email": "sam@kept.example", "password": "wrong",
                                           "csrf_token": csrf_from(page.text)})
    assert response.status_code == 401 and "Wrong email or password" in response.text
    assert client.get("/queue").status_code == 302


def test_an_agent_cannot_read_a_ticket_of_another_team(app, client, make_agent, make_team):
    tokyo, seoul = make_team("Tokyo", channels=["email"]), make_team("Seoul", channels=["x"])
    make_agent("mika@kept.example", teams=[tokyo])
    result = ingest(factories.dm())
    assert db.session.get(Ticket, result.ticket_id).team_id == seoul.id
    token = token_for(app, "mika@kept.example")
    response = client.get(f"/api/tickets/{result.ticket_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404


def test_invalid_changes_are_refused_with_a_reason(app, client, make_agent):
    make_agent("sam@kept.example", role="admin")
    result = ingest(factories.email())
    token = token_for(app, "sam@kept.example")
    response = client.patch(f"/api/tickets/{result.ticket_id}", json={"status": "maybe"},
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "status" in response.json["error"]


def test_the_openapi_document_describes_every_ticket_operation(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) >= {"/api/tickets", "/api/tickets/{ticket_id}", "/api/tickets/{ticket_id}/reply",
                                  "/api/tickets/{ticket_id}/notes"}
    ticket = spec["components"]["schemas"]["Ticket"]["properties"]
    assert ticket["sla"] and ticket["promise"]
