"""The predictor in the app: the database's history replayed as the backtest replays a trace, and
live promises from the real queue, presence and business calendar."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox import presence, promises
from inbox.eta import backtest, install_history, live
from inbox.eta.trace import AGENT_OFFLINE, AGENT_ONLINE, ARRIVAL
from inbox.extensions import db
from inbox.models import Customer, Ticket
from inbox.models.promises import AgentPresenceLog
from tests import promise_fixtures

pytestmark = pytest.mark.config(PROMISES_ENABLED=True, PROMISE_HISTORY_WEEKS=3)

END = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)     # a Thursday, 14:00 in Berlin, after the fortnight
START = live.replay_start(END, 3)


@pytest.fixture
def history(app):  # noqa: ANN001, ANN201
    team = promise_fixtures.berlin_team()
    loaded = promise_fixtures.load(promise_fixtures.simulated_trace(), team)
    return team, loaded


def waiting_ticket(team, created: datetime, channel: str = "email", priority: str = "normal") -> Ticket:  # noqa: ANN001
    customer = Customer(name="Mika Sato")
    ticket = Ticket(customer=customer, status="new", priority=priority, channel=channel, team_id=team.id,
                    created_at=created, updated_at=created)
    db.session.add(ticket)
    db.session.commit()
    return ticket


def test_the_exported_history_is_the_trace_it_was_written_from(history):
    team, loaded = history
    exported = install_history.export_trace(team, START, END)
    names = {f"t{i}": name for name, i in loaded.tickets.items()} | {f"a{i}": name for name, i in loaded.agents.items()}
    original = [(round(e.t, 3), e.kind, e.ticket, e.agent, e.channel, e.priority) for e in loaded.trace.events]
    assert [(round(e.t, 3), e.kind, names.get(e.ticket), names.get(e.agent), e.channel, e.priority)
            for e in exported.events] == original
    assert exported.calendar["timezone"] == "Europe/Berlin"


def test_the_live_replay_makes_every_promise_the_backtest_makes(history):
    team, _ = history
    exported = install_history.export_trace(team, START, END)
    expected = backtest.replay(exported).promises[backtest.KEPT]
    replay = live.Replay(live.calendar_of(team), 0.9, keep=True)
    for e in install_history.history_events(team.id, START, END):
        replay.apply(e)
    assert replay.promises == expected
    assert len(expected) == sum(e.kind == ARRIVAL for e in exported.events)


def test_catching_up_in_steps_reaches_the_state_of_one_replay(history):
    team, _ = history
    calendar = live.calendar_of(team)
    whole = live.Replay(calendar, 0.9, keep=True)
    for e in install_history.history_events(team.id, START, END):
        whole.apply(e)
    stepped = live.TeamModel(team.id, calendar, 0.9, START, live.Replay(calendar, 0.9, keep=True), applied_to=START)
    moment = START
    while moment < END:
        moment = min(END, moment + timedelta(hours=7))
        stepped.catch_up(moment)
    assert stepped.replay.promises == whole.promises
    for channel in ("email", "social", "chat"):
        assert stepped.replay.promiser.calibrator.level(channel) == whole.promiser.calibrator.level(channel)


def test_every_process_reaches_the_same_model(app, history):
    team, _ = history
    first = live.model_for(team, 0.9, END)
    live.forget_models()
    second = live.model_for(team, 0.9, END + timedelta(minutes=3))
    assert first is not second and first.replay.events == second.replay.events > 0
    for channel in ("email", "social", "chat"):
        assert first.replay.promiser.calibrator.level(channel) == second.replay.promiser.calibrator.level(channel)


def test_asking_for_an_estimate_leaves_the_replay_as_it_was(history):
    team, _ = history
    model = live.model_for(team, 0.9, END)
    before = model.replay.history.stats(END - live.LAG)
    later = END + timedelta(hours=5)
    unsaved = Ticket(status="new", priority="normal", channel="email", team_id=team.id, created_at=later)
    promises.estimate(unsaved, later, 0.9)
    assert model.replay.history.stats(END - live.LAG) == before


def test_a_longer_queue_ahead_never_shortens_the_promise(history, make_agent):
    team, _ = history
    make_agent("on@kept.example", teams=[team], presence="online")
    now = END + timedelta(minutes=5)
    waits = []
    ahead: list[Ticket] = []
    for count in (0, 1, 3, 6, 12, 24):
        while len(ahead) < count:
            ahead.append(waiting_ticket(team, now - timedelta(minutes=30 - len(ahead))))
        ticket = waiting_ticket(team, now)
        waits.append(promises.estimate(ticket, now, 0.9).promise)
        db.session.delete(ticket)
        db.session.commit()
    assert waits == sorted(waits) and waits[-1] > waits[0]


def test_a_ticket_written_while_closed_is_promised_no_earlier_than_opening(app, make_team):
    team = promise_fixtures.berlin_team("Closed")
    saturday = datetime(2026, 4, 4, 9, 0, tzinfo=UTC)          # 11:00 Saturday in Berlin
    monday_opening = datetime(2026, 4, 6, 7, 0, tzinfo=UTC)    # 09:00 Monday in Berlin
    ticket = waiting_ticket(team, saturday)
    est = promises.estimate(ticket, saturday, 0.9)
    assert not est.open_now and est.next_open_at == monday_opening
    assert est.due_at >= monday_opening and est.median_at >= monday_opening


def test_a_new_install_without_history_promises_through_the_calendar(app, make_agent):
    team = promise_fixtures.berlin_team("New")
    make_agent("first@kept.example", teams=[team], presence="online")
    tuesday = datetime(2026, 4, 7, 8, 0, tzinfo=UTC)            # 10:00 in Berlin, open
    est = promises.estimate(waiting_ticket(team, tuesday), tuesday, 0.9)
    assert est.open_now and timedelta(0) < est.promise < timedelta(hours=9)
    assert est.median <= est.promise


def test_every_presence_change_is_logged_for_the_replay(app, make_agent, make_team):
    team = make_team()
    agent = make_agent("mika@kept.example", teams=[team])
    presence.set_presence(agent, "online")
    presence.set_presence(agent, "away")
    presence.set_presence(agent, "away")
    states = [row.state for row in db.session.query(AgentPresenceLog).order_by(AgentPresenceLog.id)]
    assert states == ["online", "away"]
    now = datetime.now(UTC)
    events = install_history.history_events(team.id, now - timedelta(hours=1), now + timedelta(seconds=1))
    kinds = [e.kind for e in events]
    assert kinds == [AGENT_ONLINE, AGENT_OFFLINE]


def test_the_warm_up_job_prepares_every_teams_model_before_a_customer_writes(app, make_team):
    from inbox import promises
    from inbox.eta import live

    app.config["PROMISES_ENABLED"] = True
    make_team("Tokyo")
    make_team("Seoul")
    live.forget_models()
    assert promises.warm() == 3  # both teams, and tickets without a team
    assert len(app.extensions["kept_promise_models"]) == 3
