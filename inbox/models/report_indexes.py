"""Indexes the admin reports need on other aggregates' tables, declared in one place.

Reports select a date range of tickets and read a handful of their columns; on PostgreSQL the
INCLUDE columns let that be an index-only scan of a narrow index instead of visiting every wide
ticket row (subject, preview, tags). SQLite ignores INCLUDE and gets a plain index on the key.
The README lists these under "Surveys and reports".
"""
from sqlalchemy import Index, and_

from inbox.models.sla import TicketSLAMetric
from inbox.models.tickets import Ticket

TICKETS_BY_CREATION = Index(
    "ix_tickets_reports_created",
    Ticket.created_at,
    postgresql_include=["id", "channel", "priority", "team_id", "first_response_at", "solved_at", "promised_at",
                        "promise_due_at"],
)

# Clocks are read per ticket of the range (SLA attainment, business-time percentiles).
SLA_CLOCKS_BY_TICKET = Index(
    "ix_ticket_sla_metrics_reports",
    TicketSLAMetric.ticket_id,
    postgresql_include=["metric", "cycle", "outcome", "breached_at", "business_seconds", "due_at"],
)

# Promises not answered yet turn from running to missed as time passes, so the promises report
# counts them from the tickets rather than from the rollup; they are few, and this finds them.
_UNANSWERED = and_(Ticket.first_response_at.is_(None), Ticket.promise_due_at.is_not(None))
UNANSWERED_PROMISES = Index(
    "ix_tickets_reports_unanswered_promises",
    Ticket.created_at,
    postgresql_include=["channel", "promise_due_at"],
    postgresql_where=_UNANSWERED,
    sqlite_where=_UNANSWERED,
)
