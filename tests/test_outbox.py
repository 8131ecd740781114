"""The durable outbox: retries after a failing delivery, never a second send after success."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from channels.base import DeliveryError, DeliveryResult, Outbound
from inbox import outbox, tickets
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import Message, OutboxItem, SandboxDelivery, Ticket, utcnow
from tests import factories


class FlakyProvider:
    """A provider that is down for its first ``outages`` calls, then accepts."""

    name = "email"

    def __init__(self, outages: int = 0, permanent: str | None = None):
        self.outages = outages
        self.permanent = permanent
        self.calls: list[Outbound] = []

    def send(self, outbound: Outbound) -> DeliveryResult:
        self.calls.append(outbound)
        if self.permanent:
            raise DeliveryError(self.permanent, retryable=False)
        if len(self.calls) <= self.outages:
            raise DeliveryError("503 Service Unavailable", retryable=True)
        return DeliveryResult(external_ids=(f"<sent-{len(self.calls)}@kept.example>",))


def reply_on_new_ticket(make_agent, provider, app):  # noqa: ANN001, ANN201
    app.extensions["kept_adapters"] = {"email": provider}
    agent = make_agent(role="admin")
    result = ingest(factories.email())
    ticket = db.session.get(Ticket, result.ticket_id)
    return tickets.reply(ticket, agent, "We are on it."), ticket


def run_until_settled(app, rounds: int = 20) -> None:  # noqa: ANN001
    """Deliver whatever is due, moving the clock past each backoff, as the periodic job would."""
    for _ in range(rounds):
        items = db.session.scalars(select(OutboxItem).where(OutboxItem.state == "pending")).all()
        if not items:
            return
        for item in items:
            item.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        outbox.deliver_due()


def test_a_reply_is_written_to_the_outbox_in_the_same_transaction(app, make_agent):
    message, _ = reply_on_new_ticket(make_agent, FlakyProvider(), app)
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    assert item.state == "pending" and message.delivery_state == "queued"
    assert item.payload["recipient"]["external_id"] == "ana@example.com"


def test_a_failing_delivery_is_retried_until_the_provider_accepts(app, make_agent):
    provider = FlakyProvider(outages=2)
    message, _ = reply_on_new_ticket(make_agent, provider, app)
    run_until_settled(app)
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    assert len(provider.calls) == 3
    assert item.state == "sent" and item.attempts == 3
    assert db.session.get(Message, message.id).external_id == "<sent-3@kept.example>"


def test_every_retry_carries_the_same_idempotency_key(app, make_agent):
    provider = FlakyProvider(outages=2)
    reply_on_new_ticket(make_agent, provider, app)
    run_until_settled(app)
    assert len({call.idempotency_key for call in provider.calls}) == 1


def test_a_delivery_that_succeeded_is_never_sent_twice(app, make_agent):
    provider = FlakyProvider()
    message, _ = reply_on_new_ticket(make_agent, provider, app)
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    outbox.deliver_due()
    assert not outbox.claim(item.id, now=utcnow() + timedelta(days=1))
    outbox.deliver_due()
    assert len(provider.calls) == 1


def test_a_permanent_refusal_is_shown_on_the_message_and_not_retried(app, make_agent):
    provider = FlakyProvider(permanent="400 The from address does not match a verified Sender Identity")
    message, _ = reply_on_new_ticket(make_agent, provider, app)
    run_until_settled(app)
    message = db.session.get(Message, message.id)
    assert len(provider.calls) == 1
    assert message.delivery_state == "failed" and "verified Sender Identity" in message.delivery_error


def test_too_many_outages_end_in_a_dead_letter_an_admin_can_retry(app, make_agent):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    provider = FlakyProvider(outages=3)
    message, _ = reply_on_new_ticket(make_agent, provider, app)
    run_until_settled(app)
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    assert item.state == "dead" and db.session.get(Message, message.id).delivery_state == "failed"
    outbox.retry(item)
    run_until_settled(app)
    assert item.state == "sent" and len(provider.calls) == 4


def test_two_workers_never_claim_the_same_delivery(app, make_agent):
    message, _ = reply_on_new_ticket(make_agent, FlakyProvider(), app)
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    assert outbox.claim(item.id) is True
    assert outbox.claim(item.id) is False


def test_without_credentials_a_reply_lands_in_the_sandbox_mailbox(app, make_agent):
    agent = make_agent(role="admin")
    result = ingest(factories.email())
    tickets.reply(db.session.get(Ticket, result.ticket_id), agent, "Thanks for waiting.")
    app.extensions["kept_jobs"].run_due()
    delivery = db.session.scalar(select(SandboxDelivery))
    assert delivery.channel == "email" and delivery.recipient == "ana@example.com"
    assert "Thanks for waiting." in delivery.text
