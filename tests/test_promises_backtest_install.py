"""``flask eta backtest-install``: the install's own history exported as a trace and backtested."""
from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from inbox.eta import backtest
from inbox.eta.trace import ARRIVAL, iter_json_lines, read_trace
from inbox.extensions import db
from inbox.models import Ticket
from tests import promise_fixtures

pytestmark = pytest.mark.config(PROMISES_ENABLED=True)


@pytest.fixture
def recent_history(app):  # noqa: ANN001, ANN201
    """The small team's ten days, moved by whole weeks so they end within the last week."""
    trace = promise_fixtures.simulated_trace()
    end = trace.events[-1].t
    weeks = math.floor((datetime.now(UTC).timestamp() - end) / timedelta(weeks=1).total_seconds())
    team = promise_fixtures.berlin_team()
    return team, promise_fixtures.load(promise_fixtures.simulated_trace(shift=timedelta(weeks=weeks)), team)


def test_the_install_history_backtests_exactly_as_the_trace_it_was_written_from(app, recent_history, tmp_path):
    team, loaded = recent_history
    path = tmp_path / "install.jsonl"
    result = app.test_cli_runner().invoke(
        args=["eta", "backtest-install", "--weeks", "4", "--team", team.name, "--trace-out", str(path)])
    assert result.exit_code == 0, result.output
    exported = read_trace(path)
    assert sum(e.kind == ARRIVAL for e in exported.events) == len(loaded.tickets)
    assert exported.calendar["timezone"] == "Europe/Berlin"
    original = tmp_path / "original.jsonl"
    original.write_text("\n".join(iter_json_lines(loaded.trace)) + "\n", encoding="utf-8")
    from_file = io.StringIO()
    backtest.run(original, out=from_file)
    assert result.stdout == from_file.getvalue()
    answered = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.first_response_at.is_not(None)))
    kept_row = next(line for line in result.stdout.splitlines() if line.startswith("kept "))
    assert int(kept_row.split()[1]) == answered


def test_an_unknown_team_is_refused_by_name(app):
    result = app.test_cli_runner().invoke(args=["eta", "backtest-install", "--team", "Nobody"])
    assert result.exit_code != 0 and "no team named 'Nobody'" in result.output
