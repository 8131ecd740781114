"""All models, imported here so Alembic and the app see one metadata."""
from inbox.models import (
    report_indexes,  # noqa: F401 - indexes the reports need on the tables below
    report_rollup,  # noqa: F401 - the reports' pre-aggregation and its change marks
)
from inbox.models.agents import Agent, Team, agent_teams
from inbox.models.customers import Customer, Identity
from inbox.models.holding import QuarantinedPayload, SandboxDelivery, Setting
from inbox.models.messages import Message, MessageAttachment
from inbox.models.outbox import OutboxItem
from inbox.models.promises import AgentPresenceLog, NoticeTemplate, Promise  # noqa: F401 - registered on the metadata
from inbox.models.sla import BusinessCalendarRecord, SLAPolicy, TicketSLAMetric
from inbox.models.suppression import EmailSuppression
from inbox.models.surveys import FollowUp, Survey
from inbox.models.tickets import Ticket, TicketEvent
from inbox.models.types import utcnow
from inbox.models.workspace import (  # noqa: F401 - registered on the metadata
    AgentSocket,
    AutoAway,
    CannedReply,
    Mention,
    SavedView,
    TeamAssignment,
)

__all__ = [
    "Agent",
    "BusinessCalendarRecord",
    "Customer",
    "EmailSuppression",
    "FollowUp",
    "Identity",
    "Message",
    "MessageAttachment",
    "OutboxItem",
    "QuarantinedPayload",
    "SLAPolicy",
    "SandboxDelivery",
    "Setting",
    "Survey",
    "Team",
    "Ticket",
    "TicketEvent",
    "TicketSLAMetric",
    "agent_teams",
    "utcnow",
]
