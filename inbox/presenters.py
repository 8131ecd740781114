"""Plain dictionaries for the API and Socket.IO events, so both say the same thing."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.models import Message, Ticket


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, the form every client parses."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    customer = ticket.customer
    return {
        "id": ticket.id,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "language": ticket.language,
        "subject": ticket.subject,
        "preview": ticket.preview,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "assignee_name": ticket.assignee.name if ticket.assignee else None,
        "customer": {"id": customer.id, "name": customer.display()} if customer else None,
        "tags": list(ticket.tags or []),
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "first_response_at": iso(ticket.first_response_at),
        "last_customer_message_at": iso(ticket.last_customer_message_at),
        "last_agent_reply_at": iso(ticket.last_agent_reply_at),
        "solved_at": iso(ticket.solved_at),
        "sla": {
            "policy_id": ticket.sla_policy_id,
            "policy_version": ticket.sla_policy_version,
            "first_response_due_at": iso(ticket.first_response_due_at),
            "next_response_due_at": iso(ticket.next_response_due_at),
            "resolution_due_at": iso(ticket.resolution_due_at),
            "due_at": iso(ticket.sla_due_at),
            "paused": ticket.sla_paused_since is not None,
        },
        "promise": {
            "promised_at": iso(ticket.promised_at),
            "due_at": iso(ticket.promise_due_at),
            "median_at": iso(ticket.promise_median_at),
            "quantile": ticket.promise_quantile,
        },
    }


def message_dict(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "ticket_id": message.ticket_id,
        "direction": message.direction,
        "channel": message.channel,
        "kind": message.kind,
        "external_id": message.external_id,
        "subject": message.subject,
        "text": message.text,
        "auto_kind": message.auto_kind,
        "delivery_state": message.delivery_state,
        "delivery_error": message.delivery_error,
        "author": message.author.name if message.author else None,
        "created_at": iso(message.created_at),
        "sent_at": iso(message.sent_at),
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments
        ],
    }
