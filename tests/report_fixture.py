"""A small, hand-checked world for the report tests: six tickets in two weeks of March 2025 (UTC),
one before them, their events, surveys and SLA clocks. Expected figures are worked out by hand in
the tests that use it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.extensions import db
from inbox.models import Customer, Survey, Team, Ticket, TicketEvent, TicketSLAMetric


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


MIN = timedelta(minutes=1)


def build() -> dict[str, Ticket]:
    tokyo, seoul = Team(name="Tokyo"), Team(name="Seoul")
    customer = Customer(name="Ana Lima", email="ana@example.com")
    db.session.add_all([tokyo, seoul, customer])
    db.session.flush()

    def ticket(key: str, channel: str, created: datetime, *, first: timedelta | None = None,
               solved: timedelta | None = None, promise: timedelta | None = None, team: Team | None = None,
               status: str = "solved", priority: str = "normal") -> Ticket:
        t = Ticket(customer_id=customer.id, channel=channel, status=status, priority=priority, subject=key,
                   created_at=created, updated_at=created, team_id=team.id if team else None,
                   first_response_at=created + first if first is not None else None,
                   solved_at=created + solved if solved is not None else None,
                   promised_at=created if promise is not None else None,
                   promise_due_at=created + promise if promise is not None else None)
        db.session.add(t)
        db.session.flush()
        db.session.add(TicketEvent(ticket_id=t.id, kind="ticket.created", actor_type="customer", data={},
                                   created_at=created))
        return t

    def status(t: Ticket, when: datetime, old: str, new: str) -> None:
        db.session.add(TicketEvent(ticket_id=t.id, kind="status.changed", data={"old": old, "new": new},
                                   created_at=when))

    tickets = {
        "T0": ticket("T0", "email", at(20, 9, month=2), first=10 * MIN, solved=60 * MIN, promise=30 * MIN),
        "T1": ticket("T1", "email", at(3, 9), first=10 * MIN, solved=timedelta(days=5), promise=15 * MIN,
                     team=tokyo),
        "T2": ticket("T2", "email", at(4, 10), first=30 * MIN, solved=timedelta(hours=5), promise=20 * MIN,
                     team=tokyo, priority="high"),
        "T3": ticket("T3", "x", at(5, 11), first=60 * MIN, solved=timedelta(days=1), promise=90 * MIN, team=seoul,
                     status="closed"),
        "T4": ticket("T4", "chat", at(10, 12), first=2 * MIN, solved=30 * MIN, promise=5 * MIN),
        "T5": ticket("T5", "chat", at(11, 13), first=20 * MIN, promise=10 * MIN, status="open"),
        "T6": ticket("T6", "email", at(12, 14), status="new"),
    }
    t = tickets
    status(t["T0"], at(20, 10, month=2), "open", "solved")
    status(t["T1"], at(3, 12), "open", "solved")
    status(t["T1"], at(7, 10), "solved", "open")  # reopened by the customer on Friday
    status(t["T1"], at(8, 9), "open", "solved")
    status(t["T2"], at(4, 15), "open", "solved")
    status(t["T3"], at(5, 11) + timedelta(days=1), "open", "solved")
    status(t["T3"], at(9, 11), "solved", "closed")  # closing a solved ticket changes no backlog
    status(t["T4"], at(10, 12, 30), "open", "solved")
    status(t["T5"], at(11, 14), "new", "open")

    def survey(key: str, sent: datetime, rating: int | None, nps: int | None = None) -> None:
        db.session.add(Survey(ticket_id=t[key].id, customer_id=customer.id, team_id=t[key].team_id,
                              channel=t[key].channel, state="sent", solved_at=sent - 60 * MIN, due_at=sent,
                              sent_at=sent, rating=rating, rated_at=sent + MIN if rating else None,
                              nps_asked=nps is not None, nps_score=nps,
                              comment="=HYPERLINK(\"http://evil\")" if key == "T2" else None,
                              commented_at=sent + 2 * MIN if key == "T2" else None))

    survey("T0", at(20, 12, month=2), 1)  # before the range
    survey("T1", at(3, 12), 5, nps=10)
    survey("T2", at(4, 16), 2, nps=3)
    survey("T3", at(6, 12), 4, nps=9)
    survey("T4", at(10, 13, 30), None)

    def clock(key: str, metric: str, outcome: str | None, business: float | None = None,
              breached: datetime | None = None) -> None:
        started = t[key].created_at
        db.session.add(TicketSLAMetric(ticket_id=t[key].id, metric=metric, cycle=1, target_seconds=900,
                                       started_at=started, due_at=started + 15 * MIN, outcome=outcome,
                                       business_seconds=business, breached_at=breached,
                                       stopped_at=started + timedelta(hours=1) if outcome else None))

    clock("T0", "first_response", "breached", 600, at(20, 9, 15, month=2))  # before the range
    clock("T1", "first_response", "met", 600)
    clock("T1", "resolution", "met", 7200)
    clock("T2", "first_response", "breached", 1800, at(4, 10, 15))
    clock("T2", "next_response", "cancelled")
    clock("T2", "resolution", "met", 18000)
    clock("T3", "first_response", "met", 3000)
    clock("T3", "next_response", "breached", 5000, at(5, 14))
    clock("T3", "resolution", "breached", 40000, at(5, 20))
    clock("T4", "first_response", "met", 100)
    clock("T4", "resolution", "met", 1800)
    clock("T5", "first_response", None, None, at(11, 13, 15))  # running, already past its target
    clock("T5", "resolution", None)  # running, in time: neither met nor breached
    db.session.commit()
    return tickets
