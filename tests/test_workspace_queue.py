"""The queue API: work order, keyset pages, built-in and saved views, search."""
from __future__ import annotations

from datetime import timedelta

from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Ticket, utcnow
from tests import factories
from tests.conftest import login


def make_ticket(subject: str, due_in: timedelta | None = None, **fields) -> Ticket:  # noqa: ANN003
    result = ingest(factories.email(sender=f"{abs(hash(subject))}@example.com", subject=subject,
                                    text=fields.pop("text", "Hello")))
    ticket = db.session.get(Ticket, result.ticket_id)
    ticket.sla_due_at = utcnow() + due_in if due_in is not None else None
    for name, value in fields.items():
        setattr(ticket, name, value)
    db.session.commit()
    return ticket


def subjects(response) -> list[str]:  # noqa: ANN001
    assert response.status_code == 200, response.text
    return [t["subject"] for t in response.json["tickets"]]


def test_breached_tickets_come_first_then_the_soonest_due_then_those_without_a_target(client, make_agent):
    make_agent("sam@kept.example")
    make_ticket("no target")
    make_ticket("due in an hour", timedelta(hours=1))
    make_ticket("breached", timedelta(minutes=-5))
    make_ticket("due in a minute", timedelta(minutes=1))
    login(client, "sam@kept.example")
    assert subjects(client.get("/api/queue")) == ["breached", "due in a minute", "due in an hour", "no target"]


def test_keyset_pages_walk_the_whole_queue_once_in_order(client, make_agent):
    make_agent("sam@kept.example")
    for n in range(7):
        make_ticket(f"t{n}", timedelta(minutes=n) if n % 3 else None)
    login(client, "sam@kept.example")
    seen, cursor = [], None
    while True:
        response = client.get("/api/queue", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})})
        seen += subjects(response)
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert seen == ["t1", "t2", "t4", "t5", "t0", "t3", "t6"]


def test_the_mine_view_shows_only_tickets_assigned_to_the_agent(client, make_agent):
    sam = make_agent("sam@kept.example")
    make_ticket("mine", timedelta(hours=1), assignee_id=sam.id)
    make_ticket("nobody's", timedelta(hours=1))
    login(client, "sam@kept.example")
    assert subjects(client.get("/api/queue?view=mine")) == ["mine"]
    assert subjects(client.get("/api/queue?view=unassigned")) == ["nobody's"]


def test_the_breaching_soon_view_shows_tickets_due_within_its_horizon_and_breached_ones(client, make_agent):
    make_agent("sam@kept.example")
    make_ticket("breached", timedelta(minutes=-1))
    make_ticket("soon", timedelta(minutes=10))
    make_ticket("later", timedelta(hours=3))
    login(client, "sam@kept.example")
    assert subjects(client.get("/api/queue?view=breaching")) == ["breached", "soon"]


def test_filters_combine_channel_priority_status_and_tag(client, make_agent):
    make_agent("sam@kept.example")
    make_ticket("urgent vip", timedelta(hours=1), priority="urgent", tags=["vip"])
    make_ticket("urgent", timedelta(hours=1), priority="urgent", tags=["vip-lite"])
    make_ticket("pending vip", timedelta(hours=1), status="pending", tags=["vip"])
    login(client, "sam@kept.example")
    assert subjects(client.get("/api/queue?priority=urgent&tag=vip&channel=email")) == ["urgent vip"]
    assert subjects(client.get("/api/queue?status=pending")) == ["pending vip"]


def test_search_finds_a_ticket_by_words_in_any_of_its_messages_in_any_script(client, make_agent):
    make_agent("sam@kept.example")
    make_ticket("Order 1", timedelta(hours=1), text="注文番号の商品がまだ届いていません")
    make_ticket("Invoice question", timedelta(hours=1), text="Please send the invoice again")
    login(client, "sam@kept.example")
    assert subjects(client.get("/api/queue", query_string={"q": "まだ届"})) == ["Order 1"]
    assert subjects(client.get("/api/queue", query_string={"q": "INVOICE"})) == ["Invoice question"]


def test_search_takes_percent_and_underscore_literally(client, make_agent):
    make_agent("sam@kept.example")
    make_ticket("50% off", timedelta(hours=1))
    make_ticket("500 off", timedelta(hours=1))
    login(client, "sam@kept.example")
    assert subjects(client.get("/api/queue", query_string={"q": "50%"})) == ["50% off"]


def test_an_agent_never_sees_another_teams_ticket_in_the_queue(client, make_agent, make_team):
    tokyo, seoul = make_team("Tokyo", channels=["email"]), make_team("Seoul", channels=["x"])
    make_agent("jiwoo@kept.example", teams=[seoul])
    ticket = make_ticket("Tokyo's", timedelta(hours=1))
    assert ticket.team_id == tokyo.id
    login(client, "jiwoo@kept.example")
    assert subjects(client.get("/api/queue")) == []
    assert client.get(f"/api/queue/{ticket.id}").status_code == 404


def test_a_saved_view_is_listed_for_its_owner_and_applies_its_filters(client, make_agent):
    make_agent("sam@kept.example")
    make_agent("mika@kept.example")
    csrf = login(client, "sam@kept.example")
    created = client.post("/api/views", json={"name": "Urgent email", "filters": {"priority": "urgent",
                          "channel": "email", "bogus": "x"}}, headers={"X-CSRFToken": csrf})
    assert created.status_code == 201 and created.json["filters"] == {"priority": "urgent", "channel": "email"}
    assert [v["name"] for v in client.get("/api/views").json] == ["Urgent email"]
    client.post("/logout", data={"csrf_token": csrf})
    login(client, "mika@kept.example")
    assert client.get("/api/views").json == []


def test_a_view_with_an_unknown_status_is_refused(client, make_agent):
    make_agent("sam@kept.example")
    csrf = login(client, "sam@kept.example")
    response = client.post("/api/views", json={"name": "Odd", "filters": {"status": "lost"}},
                           headers={"X-CSRFToken": csrf})
    assert response.status_code == 400 and "status" in response.json["error"]
