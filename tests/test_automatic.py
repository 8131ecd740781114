"""The gate for automatic messages: a per-recipient budget and bounce suppression."""
from __future__ import annotations

from inbox import automatic
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Ticket, TicketEvent
from tests import factories


def test_an_auto_responder_storm_is_cut_off_by_the_hourly_budget(app):
    ticket = db.session.get(Ticket, ingest(factories.email()).ticket_id)
    sent = [automatic.send(ticket, text=f"notice {i}", kind="notice") for i in range(5)]
    db.session.commit()
    assert sum(m is not None for m in sent) == app.config["AUTOMATIC_PER_HOUR"]
    refused = db.session.query(TicketEvent).filter_by(kind="automatic.suppressed").count()
    assert refused == 5 - app.config["AUTOMATIC_PER_HOUR"]


def test_no_automatic_mail_goes_to_an_address_that_hard_bounced(app):
    from inbox import suppression

    ticket = db.session.get(Ticket, ingest(factories.email(sender="gone@example.com")).ticket_id)
    suppression.record_bounce("gone@example.com", None, "550 5.1.1 user unknown")
    assert automatic.send(ticket, text="We'll reply by 10:30", kind="notice") is None


def test_only_automatic_kinds_pass_the_gate(app):
    ticket = db.session.get(Ticket, ingest(factories.email()).ticket_id)
    try:
        automatic.send(ticket, text="hello", kind="reply")
    except ValueError as error:
        assert "automatic messages are" in str(error)
    else:
        raise AssertionError("a reply must not pass as automatic")
