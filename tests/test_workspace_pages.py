"""The workspace pages as served: the ticket timeline across channels, visibility, preferences."""
from __future__ import annotations

from dataclasses import replace

from inbox import tickets
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Agent, Ticket
from tests import factories
from tests.conftest import login


def test_the_queue_page_renders_for_a_signed_in_agent(client, make_agent):
    make_agent("sam@kept.example")
    login(client, "sam@kept.example")
    page = client.get("/queue")
    assert page.status_code == 200 and 'id="queue"' in page.text


def test_the_ticket_page_shows_every_channel_notes_and_events_in_one_timeline(client, make_agent):
    sam = make_agent("sam@kept.example", name="Sam Carter")
    first = ingest(factories.email(sender="ana@example.com", text="Mail body"))
    ticket = db.session.get(Ticket, first.ticket_id)
    tickets.note(ticket, sam, "Checking the warehouse")
    tickets.update(ticket, sam, priority="urgent")
    login(client, "sam@kept.example")
    page = client.get(f"/tickets/{ticket.id}").text
    assert page.index("Mail body") < page.index("Checking the warehouse") < page.index("Priority: Normal → Urgent")


def test_an_html_mail_is_shown_in_a_sandboxed_frame_and_quoted_text_is_folded(client, make_agent):
    make_agent("sam@kept.example")
    inbound = factories.email(text="Thanks!")
    inbound = replace(inbound, html="<p>Thanks!</p><script>alert(1)</script>",
                      meta={"full_text": "Thanks!\n\nOn Monday you wrote:\n> the old text"})
    result = ingest(inbound)
    login(client, "sam@kept.example")
    page = client.get(f"/tickets/{result.ticket_id}").text
    assert '<iframe class="mail-html" sandbox="' in page and "alert(1)" not in page
    assert "<details class=\"quoted\">" in page and "the old text" in page


def test_another_teams_ticket_page_is_not_found(client, make_agent, make_team):
    tokyo, seoul = make_team("Tokyo", channels=["email"]), make_team("Seoul", channels=["x"])
    make_agent("jiwoo@kept.example", teams=[seoul])
    result = ingest(factories.email())
    assert db.session.get(Ticket, result.ticket_id).team_id == tokyo.id
    login(client, "jiwoo@kept.example")
    assert client.get(f"/tickets/{result.ticket_id}").status_code == 404


def test_a_live_message_is_rendered_as_its_timeline_entry(client, make_agent):
    make_agent("sam@kept.example")
    result = ingest(factories.email(text="Live one"))
    login(client, "sam@kept.example")
    entry = client.get(f"/tickets/{result.ticket_id}/entries/m{result.message_id}")
    assert entry.status_code == 200 and "Live one" in entry.text and f'id="m{result.message_id}"' in entry.text


def test_an_agent_chooses_their_language_and_time_zone(client, make_agent):
    agent = make_agent("sam@kept.example")
    csrf = login(client, "sam@kept.example")
    response = client.post("/preferences", data={"language": "ja", "timezone": "Asia/Tokyo", "next": "/queue",
                                                  "csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith("/queue")
    db.session.expire_all()
    assert (db.session.get(Agent, agent.id).language, db.session.get(Agent, agent.id).timezone) == ("ja", "Asia/Tokyo")


def test_next_ticket_opens_the_agents_own_ticket_before_unassigned_ones(client, make_agent):
    sam = make_agent("sam@kept.example")
    unassigned = ingest(factories.email(sender="a@example.com")).ticket_id
    mine = ingest(factories.email(sender="b@example.com")).ticket_id
    db.session.get(Ticket, mine).assignee_id = sam.id
    db.session.commit()
    login(client, "sam@kept.example")
    assert client.get("/tickets/next").headers["Location"].endswith(f"/tickets/{mine}")
    assert client.get(f"/tickets/next?after={mine}").headers["Location"].endswith(f"/tickets/{unassigned}")


def test_the_workspace_speaks_japanese_and_korean_once_chosen(client, make_agent):
    make_agent("sam@kept.example")
    csrf = login(client, "sam@kept.example")
    client.post("/preferences", data={"language": "ja", "csrf_token": csrf})
    assert "<h1 id=\"queue-heading\">キュー" in client.get("/queue").text
    client.post("/preferences", data={"language": "ko", "csrf_token": csrf})
    assert "<h1 id=\"queue-heading\">대기열" in client.get("/queue").text


def test_every_catalogue_translates_every_string():
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "translations"
    template = {m.id for m in read_po((root / "messages.pot").open("rb")) if m.id}
    for language in ("en", "ja", "ko"):
        catalogue = read_po((root / language / "LC_MESSAGES" / "messages.po").open("rb"))
        translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
        assert template <= translated, f"{language} lacks {sorted(template - translated)[:5]}"
