"""The work order: which tickets an agent sees, in the order they should be worked.

Tickets are ordered by their soonest SLA due time (breached ones are simply the most overdue),
then by priority and age; tickets with no running target come after all that have one.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, or_, select

from inbox.models import Agent, Message, Ticket
from inbox.models.tickets import OPEN_STATUSES, PRIORITY_RANK


@dataclass(frozen=True)
class QueueFilter:
    status: tuple[str, ...] = OPEN_STATUSES
    channel: str | None = None
    priority: str | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    search: str | None = None


def visible_tickets(agent: Agent) -> Select:
    query = select(Ticket).where(Ticket.merged_into_id.is_(None))
    if not agent.is_admin:
        query = query.where(or_(Ticket.team_id.is_(None), Ticket.team_id.in_(agent.team_ids() or {-1})))
    return query


def queue_query(agent: Agent, flt: QueueFilter) -> Select:
    query = visible_tickets(agent)
    if flt.status:
        query = query.where(Ticket.status.in_(flt.status))
    if flt.channel:
        query = query.where(Ticket.channel == flt.channel)
    if flt.priority:
        query = query.where(Ticket.priority == flt.priority)
    if flt.team_id is not None:
        query = query.where(Ticket.team_id == flt.team_id)
    if flt.unassigned:
        query = query.where(Ticket.assignee_id.is_(None))
    elif flt.assignee_id is not None:
        query = query.where(Ticket.assignee_id == flt.assignee_id)
    if flt.search:
        pattern = f"%{flt.search.lower()}%"
        in_messages = select(Message.ticket_id).where(func.lower(Message.text).like(pattern))
        query = query.where(or_(func.lower(Ticket.subject).like(pattern), Ticket.id.in_(in_messages)))
    priority_rank = case(PRIORITY_RANK, value=Ticket.priority, else_=9)
    return query.order_by(
        Ticket.sla_due_at.is_(None), Ticket.sla_due_at, priority_rank, Ticket.created_at, Ticket.id
    )
