"""The work order: which tickets an agent sees, in the order they should be worked.

Tickets are ordered by their soonest SLA due time (breached ones are simply the most overdue, so
they come first), then by id; tickets with no running target come after all that have one.
Pages are read by keyset on ``(sla_due_at, id)`` rather than OFFSET, so the thousandth page costs
what the first does: an index range scan on the partial index of open tickets.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Select, String, cast, literal, or_, select, tuple_, union
from sqlalchemy.orm import selectinload

from inbox.extensions import db
from inbox.models import Agent, Customer, Message, Ticket
from inbox.models.tickets import OPEN_STATUSES
from inbox.models.types import UTCDateTime

__all__ = ["OPEN_STATUSES", "Cursor", "QueueFilter", "QueuePage", "page", "queue_query", "visible_tickets"]


@dataclass(frozen=True)
class QueueFilter:
    status: tuple[str, ...] = OPEN_STATUSES
    channel: str | None = None
    priority: str | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    search: str | None = None
    tag: str | None = None
    # Only tickets whose SLA is due before this instant (breached ones included).
    due_before: datetime | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's due time (None once into the rows without one) and id."""

    due_at: datetime | None
    id: int

    # URL-safe as it stands (no "+" or ":"), with the microseconds the database keeps.
    _FORMAT = "%Y%m%dT%H%M%S.%fZ"

    def encode(self) -> str:
        due = self.due_at.astimezone(timezone.utc).strftime(self._FORMAT) if self.due_at else ""
        return f"{due}_{self.id}"

    @classmethod
    def decode(cls, value: str) -> Cursor:
        """Raises ValueError on a malformed cursor."""
        due, _, ident = value.partition("_")
        when = datetime.strptime(due, cls._FORMAT).replace(tzinfo=timezone.utc) if due else None
        return cls(when, int(ident))


@dataclass(frozen=True)
class QueuePage:
    tickets: list[Ticket]
    next_cursor: Cursor | None


def visible_tickets(agent: Agent) -> Select:
    # A page shows each row's customer and assignee: load them with the page, not row by row.
    query = select(Ticket).where(Ticket.merged_into_id.is_(None)).options(
        selectinload(Ticket.customer).selectinload(Customer.identities), selectinload(Ticket.assignee)
    )
    if not agent.is_admin:
        query = query.where(or_(Ticket.team_id.is_(None), Ticket.team_id.in_(agent.team_ids() or {-1})))
    return query


def _filtered(agent: Agent, flt: QueueFilter) -> Select:
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
    if flt.due_before is not None:
        query = query.where(Ticket.sla_due_at < flt.due_before)
    if flt.tag:
        # Tags are a short JSON list; matching its text form works on both databases and the
        # quotes stop "vip" matching "vip-lite".
        query = query.where(cast(Ticket.tags, String).like(f'%"{flt.tag}"%'))
    if flt.search:
        pattern = "%" + flt.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        in_subject = Ticket.subject.ilike(pattern, escape="\\")
        in_messages = select(Message.ticket_id).where(Message.text.ilike(pattern, escape="\\"))
        if len(flt.search) >= 3:
            # The matching ids first, each side from its trigram index on PostgreSQL: a rare term
            # costs two index lookups instead of a walk through every open ticket.
            query = query.where(Ticket.id.in_(union(select(Ticket.id).where(in_subject), in_messages)))
        else:
            # Shorter than a trigram (two-character Japanese and Korean words are common): no
            # index can narrow it, so one scan of the messages while walking the work order.
            query = query.where(or_(in_subject, Ticket.id.in_(in_messages)))
    return query


def queue_query(agent: Agent, flt: QueueFilter) -> Select:
    """Every matching ticket in work order."""
    return _filtered(agent, flt).order_by(Ticket.sla_due_at.asc().nulls_last(), Ticket.id)


def page(agent: Agent, flt: QueueFilter, *, after: Cursor | None = None, limit: int = 50) -> QueuePage:
    """One page of the work order after ``after``.

    Two index range scans instead of one OR: rows with a due time after the cursor, then, if the
    page is not full, rows without one. An OR across the two would defeat the index.
    """
    base = _filtered(agent, flt)
    rows: list[Ticket] = []
    if after is None or after.due_at is not None:
        timed = base.where(Ticket.sla_due_at.is_not(None))
        if after is not None:
            mark = tuple_(literal(after.due_at, UTCDateTime()), literal(after.id))
            timed = timed.where(tuple_(Ticket.sla_due_at, Ticket.id) > mark)
        rows = list(db.session.scalars(timed.order_by(Ticket.sla_due_at, Ticket.id).limit(limit + 1)))
    if len(rows) <= limit:
        untimed = base.where(Ticket.sla_due_at.is_(None))
        if after is not None and after.due_at is None:
            untimed = untimed.where(Ticket.id > after.id)
        rows += db.session.scalars(untimed.order_by(Ticket.id).limit(limit + 1 - len(rows)))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows and more else None
    return QueuePage(rows, Cursor(last.sla_due_at, last.id) if last else None)
