"""The one ingest path: de-duplication, customers found again, threading."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from inbox import tickets
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Customer, Message, QuarantinedPayload, Ticket, TicketEvent, utcnow
from tests import factories


def count(model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_same_delivery_three_times_gives_one_message(app):
    inbound = factories.email(external_id="dup-1@example.com")
    first = ingest(inbound)
    again = [ingest(inbound) for _ in range(2)]
    assert first.created_ticket and not first.duplicate
    assert all(r.duplicate and r.message_id == first.message_id for r in again)
    assert count(Message) == 1 and count(Ticket) == 1


def test_a_customer_is_found_again_by_the_same_identity(app):
    ingest(factories.email(sender="ana@example.com", subject="First matter"))
    ingest(factories.email(sender="ana@example.com", subject="Second matter"))
    assert count(Customer) == 1
    assert count(Ticket) == 2  # a new email without thread hints is a new matter


def test_a_reply_threads_into_its_open_ticket_by_reference(app):
    first = ingest(factories.email(external_id="root@example.com"))
    reply = ingest(factories.email(text="Any news?", references=("root@example.com",)))
    assert reply.ticket_id == first.ticket_id and not reply.created_ticket


def test_a_ticket_number_threads_only_for_its_own_customer(app):
    mine = ingest(factories.email(sender="ana@example.com"))
    by_ref = ingest(factories.email(sender="ana@example.com", ticket_ref=mine.ticket_id))
    stranger = ingest(factories.email(sender="eve@example.com", ticket_ref=mine.ticket_id))
    assert by_ref.ticket_id == mine.ticket_id
    assert stranger.ticket_id != mine.ticket_id


def test_direct_messages_of_one_user_join_their_open_conversation(app):
    first = ingest(factories.dm(user_id="77"))
    second = ingest(factories.dm(user_id="77", text="Hello?"))
    other = ingest(factories.dm(user_id="78"))
    assert second.ticket_id == first.ticket_id
    assert other.ticket_id != first.ticket_id


def test_a_renamed_x_user_is_the_same_customer_with_the_new_handle(app):
    ingest(factories.dm(user_id="77", handle="old_name"))
    ingest(factories.dm(user_id="77", handle="new_name"))
    customer = db.session.scalar(select(Customer))
    assert [i.handle for i in customer.identities] == ["new_name"]


def test_a_customer_reply_to_a_solved_ticket_reopens_it_within_the_window(app, make_agent):
    agent = make_agent(role="admin")
    first = ingest(factories.email(external_id="root@example.com"))
    ticket = db.session.get(Ticket, first.ticket_id)
    tickets.update(ticket, agent, status="solved")
    again = ingest(factories.email(references=("root@example.com",)))
    assert again.ticket_id == first.ticket_id
    assert db.session.get(Ticket, first.ticket_id).status == "open"


def test_a_reply_after_the_reopen_window_opens_a_new_ticket(app, make_agent):
    agent = make_agent(role="admin")
    first = ingest(factories.email(external_id="root@example.com"))
    ticket = db.session.get(Ticket, first.ticket_id)
    tickets.update(ticket, agent, status="solved")
    ticket.solved_at = utcnow() - timedelta(days=app.config["REOPEN_WINDOW_DAYS"] + 1)
    db.session.commit()
    again = ingest(factories.email(references=("root@example.com",)))
    assert again.ticket_id != first.ticket_id


def test_an_auto_reply_is_recorded_on_its_ticket_but_never_reopens_it(app, make_agent):
    agent = make_agent(role="admin")
    first = ingest(factories.email(external_id="root@example.com"))
    tickets.update(db.session.get(Ticket, first.ticket_id), agent, status="solved")
    auto = ingest(factories.email(text="I am out of office", references=("root@example.com",), auto_kind="auto-reply"))
    assert auto.ticket_id == first.ticket_id
    assert db.session.get(Ticket, first.ticket_id).status == "solved"
    assert db.session.get(Message, auto.message_id).auto_kind == "auto-reply"


def test_an_automatic_message_matching_no_ticket_is_kept_for_an_admin(app):
    result = ingest(factories.email(text="Delivery failed", auto_kind="bounce"))
    assert result.ticket_id is None and result.quarantined_id
    assert count(Ticket) == 0
    held = db.session.get(QuarantinedPayload, result.quarantined_id)
    assert b"Delivery failed" in held.raw


def test_every_new_ticket_and_message_is_in_the_event_log(app):
    result = ingest(factories.email())
    kinds = db.session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == result.ticket_id)).all()
    # The SLA clocks that start with the ticket log their own events (tests/test_sla_clock.py).
    assert [kind for kind in kinds if not kind.startswith("sla.")] == ["ticket.created", "message.received"]


def test_closing_a_solved_ticket_keeps_when_it_was_solved(app, make_agent):
    agent = make_agent(role="admin")
    ticket = db.session.get(Ticket, ingest(factories.email()).ticket_id)
    tickets.update(ticket, agent, status="solved")
    solved_at = ticket.solved_at
    tickets.update(ticket, agent, status="closed")
    assert ticket.solved_at == solved_at is not None
