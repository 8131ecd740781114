"""The backtest: agreement with the independent referee, the goal on the public trace, the CLI."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner

from inbox.eta.backtest import KEPT, BacktestResult, replay, run, score, write_promises
from inbox.eta.cli import eta
from inbox.eta.promiser import Promise
from inbox.eta.replay import Arrived, Replay
from inbox.eta.simulate import TEAMS, Shift, Team, simulate
from inbox.eta.trace import FIRST_REPLY, Trace, TraceEvent, iter_json_lines, parse_lines, read_trace
from inbox.sla.calendar import BusinessCalendar

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
PUBLIC = SHARED / "traces" / "tokyo-public.jsonl"
REFEREE = SHARED / "tools" / "score_promises.py"

SMALL = Team(
    name="small", timezone="America/Sao_Paulo",
    hours={d: ["08:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}, holidays=(),
    start=date(2026, 5, 4), days=10,
    shifts=(Shift(8.0, 17.0, 12.0), Shift(8.0, 17.0, 13.0)),
    daily={"email": 25, "social": 10, "chat": 15},
    priorities={"email": {"normal": 0.8, "low": 0.2}, "social": {"normal": 1.0}, "chat": {"normal": 1.0}},
    service_minutes={"email": 10, "social": 8, "chat": 8},
)


def need_shared() -> None:
    if not PUBLIC.exists() or not REFEREE.exists():
        pytest.skip(f"the shared traces and referee are not at {SHARED}")


@pytest.fixture(scope="module")
def small_trace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("eta") / "small.jsonl"
    path.write_text("\n".join(iter_json_lines(simulate(SMALL, seed=5))) + "\n")
    return path


@pytest.fixture(scope="module")
def public_result() -> BacktestResult:
    need_shared()
    return replay(read_trace(PUBLIC), 0.9)


def referee(trace: Path, promises: Path) -> dict:
    out = subprocess.run([sys.executable, str(REFEREE), str(trace), "--promises", str(promises), "--json"],
                         check=True, capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout)


def test_a_written_trace_reads_back_the_same(small_trace):
    trace = read_trace(small_trace)
    again = parse_lines(iter_json_lines(trace))
    assert again == trace


def test_every_arrival_gets_a_promise(small_trace):
    trace = read_trace(small_trace)
    result = replay(trace)
    arrivals = {e.ticket for e in trace.events if e.kind == "arrival"}
    assert set(result.promises["kept"]) == arrivals
    assert all(v >= 0 for v in result.promises["kept"].values())


def test_the_backtest_scores_kept_promises_as_the_referee_does(small_trace, tmp_path):
    need_shared()
    promises = tmp_path / "kept.csv"
    ours = run(small_trace, 0.9, promises, json_output=True, out=io.StringIO()).scores["kept"]
    theirs = referee(small_trace, promises)["kept"]
    assert theirs["n"] == ours.n
    assert theirs["kept"] == pytest.approx(ours.kept, abs=1e-4)
    assert theirs["pinball_min"] == pytest.approx(ours.pinball_min, abs=1e-3)
    assert theirs["padding"] == pytest.approx(ours.padding, abs=0.01)
    assert theirs["kept_by_channel"] == pytest.approx(ours.kept_by_channel, abs=1e-4)


def test_a_repeated_line_is_one_ticket_scored_as_the_referee_scores_it(small_trace, tmp_path):
    """An export may repeat lines. A ticket arriving again while it waits is promised afresh
    (the referee times its wait from the later line); left in the work order twice, it broke
    the backtest at the next arrival. Repeated replies and logins change nothing."""
    need_shared()
    lines = small_trace.read_text().splitlines()
    repeated = tmp_path / "repeated.jsonl"
    arrivals = [i for i, line in enumerate(lines) if '"arrival"' in line]
    again = set(arrivals[10::25]) | {i for i, line in enumerate(lines) if '"first_reply"' in line}
    repeated.write_text("\n".join(x for i, line in enumerate(lines)
                                   for x in ([line, line] if i in again else [line])) + "\n")
    promises = tmp_path / "kept.csv"
    ours = run(repeated, 0.9, promises, json_output=True, out=io.StringIO()).scores["kept"]
    theirs = referee(repeated, promises)["kept"]
    plain = replay(read_trace(small_trace)).scores["kept"]
    assert ours.n == theirs["n"] == plain.n
    assert theirs["kept"] == pytest.approx(ours.kept, abs=1e-4)
    assert theirs["pinball_min"] == pytest.approx(ours.pinball_min, abs=1e-3)
    assert abs(ours.kept - plain.kept) < 0.03


def test_on_the_public_trace_the_referee_agrees_and_the_goal_is_met(public_result, tmp_path):
    promises = tmp_path / "kept.csv"
    with open(promises, "w", newline="") as fh:
        write_promises(public_result, fh)
    scores = referee(PUBLIC, promises)
    kept = scores.pop("kept")
    assert kept["kept"] == pytest.approx(public_result.scores["kept"].kept, abs=1e-4)
    assert 0.88 <= kept["kept"] <= 0.93
    assert min(kept["kept_by_channel"].values()) >= 0.85
    assert kept["pinball_min"] <= 0.8 * min(s["pinball_min"] for s in scores.values())
    assert kept["padding"] <= 3.0


def test_our_baselines_are_in_line_with_the_referees(public_result, tmp_path):
    promises = tmp_path / "kept.csv"
    with open(promises, "w", newline="") as fh:
        write_promises(public_result, fh)
    scores = referee(PUBLIC, promises)
    for name in ("static", "sla_business_hours", "trailing_p90_7d", "queue_erlang"):
        assert public_result.scores[name].kept == pytest.approx(scores[name]["kept"], abs=0.01)


def test_flask_eta_backtest_prints_the_table_and_writes_promises(small_trace, tmp_path):
    assert isinstance(eta, click.Group) and eta.name == "eta"
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(eta, ["backtest", str(small_trace), "--promises-out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("predictor")
    assert any(line.startswith("kept ") for line in result.output.splitlines())
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["ticket", "promised_seconds"] and len(rows) > 100


@pytest.mark.parametrize(("line", "reason"), [
    ('{"t": "2026-05-04T12:00:00Z", "event": "arrival", "ticket": "x1"', "line 4: not JSON"),
    ('{"event": "arrival", "ticket": "x1", "channel": "email"}', 'line 4: arrival has no "t"'),
    ('{"t": "yesterday", "event": "first_reply", "ticket": "x1"}', 'line 4: "t" is not an ISO-8601 time'),
    ('{"t": "2026-05-04T12:00:00Z", "event": "arrival", "ticket": "x1", "channel": "fax"}',
     "line 4: channel 'fax' is not one of email, social, chat"),
    ('{"t": "2026-05-04T12:00:00Z", "event": "agent_online"}', 'line 4: agent_online has no "agent"'),
])
def test_a_trace_line_that_cannot_be_read_is_named_with_what_is_wrong(small_trace, tmp_path, line, reason):
    """A broken line stops the backtest with its number and the reason, not a traceback, and
    writes no promises: scores over a silently shortened trace would be wrong."""
    lines = small_trace.read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines[:3], line, *lines[3:]]) + "\n")
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(eta, ["backtest", str(broken), "--promises-out", str(out)])
    assert result.exit_code == 1
    assert f"{broken}: {reason}" in result.output
    assert "Traceback" not in result.output and not out.exists()
    standalone = subprocess.run([sys.executable, "-m", "inbox.eta.backtest", str(broken)], cwd=REPO,
                                capture_output=True, text=True, timeout=120)
    assert standalone.returncode == 2 and reason in standalone.stderr


def test_a_trace_with_a_bad_calendar_is_refused_with_the_calendar_s_reason(tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"t": 0, "event": "calendar", "timezone": "Mars/Base"}\n')
    result = CliRunner().invoke(eta, ["backtest", str(broken)])
    assert result.exit_code == 1 and "line 1: calendar: unknown time zone 'Mars/Base'" in result.output


def test_times_without_an_offset_are_utc_and_unknown_event_kinds_are_skipped():
    """Traces are in UTC: a time written without ``Z`` must not be read in the machine's own
    zone. An event kind the format does not know (an export's extra ``resolved`` lines) is
    skipped, so the rest still replays."""
    plain = parse_lines(['{"t": "2026-05-04T12:00:00", "event": "arrival", "ticket": "a", "channel": "chat"}',
                         '{"t": "2026-05-04T12:30:00Z", "event": "resolved", "ticket": "a"}'])
    zulu = parse_lines(['{"t": "2026-05-04T12:00:00Z", "event": "arrival", "ticket": "a", "channel": "chat"}'])
    assert plain == zulu
    assert plain.events[0].t == datetime(2026, 5, 4, 12, tzinfo=UTC).timestamp()


def test_the_backtest_runs_standalone_as_a_module(small_trace):
    out = subprocess.run([sys.executable, "-m", "inbox.eta.backtest", str(small_trace), "--json"],
                         check=True, capture_output=True, text=True, cwd=REPO, timeout=300)
    scores = json.loads(out.stdout)
    assert {"kept", "queue_erlang", "static", "last_to_enter_service"} <= set(scores)


def kept_and_best_baseline(trace: Trace):
    """Kept's scores on ``trace`` and the best baseline's pinball (minutes)."""
    scores = replay(trace, 0.9).scores
    return scores[KEPT], min(s.pinball_min for name, s in scores.items() if name != KEPT)


def replayed(trace: Trace) -> list[tuple[TraceEvent, Promise, float]]:
    """Each answered ticket's arrival event, the promise made then and the epoch second of its
    first reply, from one replay of ``trace``."""
    rp = Replay(BusinessCalendar.from_spec(trace.calendar), 0.9)
    replies = {e.ticket: e.t for e in trace.events if e.kind == FIRST_REPLY}
    out = []
    for e in trace.events:
        arrived = rp.apply(e)
        if isinstance(arrived, Arrived) and e.ticket in replies:
            out.append((e, arrived.promise, replies[e.ticket]))
    return out


def answered_promises(trace: Trace, tz: ZoneInfo) -> list[tuple[datetime, Promise, bool]]:
    """Each answered ticket's arrival (local time), the promise made then, and whether it was
    kept, from one replay of ``trace``."""
    return [(datetime.fromtimestamp(e.t, tz), promise, replied - e.t <= promise.promise.total_seconds())
            for e, promise, replied in replayed(trace)]


def local_times(trace: Trace, tz: ZoneInfo) -> list[tuple[TraceEvent, datetime, datetime, datetime]]:
    """Each answered ticket's arrival event with when, in local time, it arrived, was promised by
    and was answered."""
    def local(t: float) -> datetime:
        return datetime.fromtimestamp(t, tz)
    return [(e, local(e.t), local(e.t + promise.promise.total_seconds()), local(replied))
            for e, promise, replied in replayed(trace)]


def test_a_history_without_presence_events_still_gets_honest_promises():
    """Some systems log replies but not when agents log in. Agents are then known by their
    replies; without that, nobody would ever be online and every promise would run to the
    horizon (kept, but padded a thousandfold)."""
    full = simulate(replace(TEAMS["berlin-surge"], days=14), seed=1)
    trace = full.replies_only()
    kept, best = kept_and_best_baseline(trace)
    assert 0.86 <= kept.kept <= 0.94
    assert kept.padding is not None and kept.padding < 3.0
    assert kept.pinball_min < best


def test_a_team_whose_pace_changes_from_day_to_day_is_still_promised_what_it_keeps():
    """The simulated teams work at one pace every day; real teams do not. With each day's
    handling times off by a lognormal factor (its log spread 0.25: about one day in five a fifth
    or more slower than the usual, one in five a fifth or more faster), New York's fortnight
    still keeps about the share of promises it is told on every channel, well inside the best
    baseline's pinball."""
    steady = simulate(replace(TEAMS["newyork-large"], days=14), seed=1)
    trace = simulate(replace(TEAMS["newyork-large"], days=14, pace_spread=0.25), seed=1)
    assert trace.events != steady.events
    kept, best = kept_and_best_baseline(trace)
    assert 0.88 <= kept.kept <= 0.93
    assert min(kept.kept_by_channel.values()) >= 0.85
    assert kept.pinball_min < 0.8 * best


def test_replies_that_name_no_agent_still_get_promises_of_their_waits():
    """An export may name nobody: no presence events and no agent on the replies. The replies
    still show the team at work; read as nobody online, a contact centre answering in seconds
    was promised a day and a half."""
    full = simulate(replace(TEAMS["contact-centre"], days=14), seed=1)
    replies = full.replies_only()
    trace = replace(replies, events=tuple(replace(e, agent=None) for e in replies.events))
    kept, best = kept_and_best_baseline(trace)
    assert 0.86 <= kept.kept <= 0.94
    assert kept.padding is not None and kept.padding < 3.0
    assert kept.pinball_min < best


def test_agents_whose_logout_was_lost_are_not_counted_online_all_night():
    """Presence logs lose logouts (a closed laptop). An agent left online overnight made every
    night's ticket look minutes from an answer, and their idle hours in a queue read as a pace
    several times too slow. Idle for an hour while work waits, they are taken to have gone."""
    full = simulate(replace(TEAMS["berlin-surge"], days=14), seed=1)
    dropped = [i for i, e in enumerate(full.events) if e.kind == "agent_offline"][::20]
    trace = Trace(calendar=full.calendar,
                  events=tuple(e for i, e in enumerate(full.events) if i not in set(dropped)))
    kept, best = kept_and_best_baseline(trace)
    assert 0.86 <= kept.kept <= 0.94
    assert kept.padding is not None and kept.padding < 3.0
    assert kept.pinball_min < 0.8 * best


def test_tickets_answered_nowhere_in_the_export_do_not_stand_ahead_of_everyone_after_them():
    """An export may hold tickets that were neither answered nor left (closed without a reply,
    answered in another tool, a call logged as neither served nor abandoned). Left in the queue,
    each stood ahead of every ticket after it for the rest of the history: with one reply in fifty
    lost, a desk of two's three weeks kept 0.99 of their promises at 7.2 times the waits (pinball
    31 minutes; 11 with every reply there). Overtaken by tickets that came after them and were due
    after them, they are taken to have been passed over (kept 0.90, padding 2.4, pinball 11)."""
    full = simulate(replace(TEAMS["london-duo"], days=21), seed=1)
    replies = [i for i, e in enumerate(full.events) if e.kind == FIRST_REPLY]
    lost = set(replies[::50])
    trace = Trace(calendar=full.calendar,
                  events=tuple(e for i, e in enumerate(full.events) if i not in lost))
    kept, best = kept_and_best_baseline(trace)
    assert 0.88 <= kept.kept <= 0.93
    assert kept.padding is not None and kept.padding < 3.0
    assert kept.pinball_min < 0.8 * best


def overtaken_trace(answered_at: datetime | None) -> Trace:
    """One agent on a Berlin Monday. Ticket ``x`` (09:30) is overtaken by tickets that came
    after it, every ten minutes, each answered eight minutes later; ``x`` is answered at
    ``answered_at`` if given. Ticket ``w`` arrives at 16:00."""
    def at(hour: int, minute: int = 0) -> float:
        return datetime(2026, 3, 23, hour, minute, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()
    events = [TraceEvent(at(9), "agent_online", agent="a"),
              TraceEvent(at(9, 30), "arrival", "x", channel="email", priority="normal")]
    for k in range(36):                                      # 09:40 to 15:30
        t = at(9, 40) + 600.0 * k
        events += [TraceEvent(t, "arrival", f"t{k}", channel="email", priority="normal"),
                   TraceEvent(t + 480.0, "first_reply", f"t{k}", agent="a")]
    events.append(TraceEvent(at(16), "arrival", "w", channel="email", priority="normal"))
    if answered_at is not None:
        events.append(TraceEvent(answered_at.timestamp(), "first_reply", "x", agent="a"))
    calendar = {"timezone": "Europe/Berlin", "hours": {d: ["09:00", "18:00"] for d in
                                                      ("mon", "tue", "wed", "thu", "fri")}}
    return Trace(calendar=calendar, events=tuple(sorted(events, key=lambda e: e.t)))


@pytest.mark.parametrize("closes_logged", [False, True])
def test_a_ticket_overtaken_for_hours_has_been_passed_over_unless_the_history_logs_closes(closes_logged):
    """Agents take the ticket due first, so one still waiting hours after tickets that came after it
    were answered is not in the queue: at 16:00 ``w`` is next in line. The install's own history
    logs when a ticket is closed unanswered, so the live model infers nothing: there ``x`` is a
    customer still waiting, ahead of ``w``."""
    trace = overtaken_trace(None)
    rp = Replay(BusinessCalendar.from_spec(trace.calendar), 0.9, closes_logged=closes_logged)
    positions = {e.ticket: out.position for e in trace.events
                 if isinstance(out := rp.apply(e), Arrived)}
    assert positions["w"] == (2 if closes_logged else 1)


def test_a_passed_over_ticket_answered_after_all_is_scored_with_its_whole_wait(tmp_path):
    """A ticket taken to have been passed over that is answered after all is scored with its
    whole wait, as the referee scores it."""
    need_shared()
    answered = datetime(2026, 3, 23, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    trace = overtaken_trace(answered)
    result = replay(trace, 0.9)
    assert result.waits["x"] == ("email", 7.5 * 3600)
    path = tmp_path / "overtaken.jsonl"
    path.write_text("\n".join(iter_json_lines(trace)) + "\n")
    promises = tmp_path / "kept.csv"
    with promises.open("w", newline="") as fh:
        write_promises(result, fh)
    ours, theirs = result.scores[KEPT], referee(path, promises)["kept"]
    assert theirs["n"] == ours.n == 37
    assert theirs["kept"] == pytest.approx(ours.kept, abs=1e-4)
    assert theirs["pinball_min"] == pytest.approx(ours.pinball_min, abs=1e-3)


def test_where_the_whole_team_leaves_at_closing_posts_after_it_are_promised_the_morning():
    """A centre open until midnight whose agents all leave then, exported without presence
    events: agents are known by their replies. One whose last reply came at 23:45 was counted
    online until 00:25, with nobody usually online then, so as a night shift, and tickets written
    just after midnight were promised minutes for a wait until 08:00 (that hour's pinball 19.3
    min). Its replies stop at closing, so its agents leave at closing."""
    full = simulate(replace(TEAMS["contact-centre-16h"], days=14), seed=2)
    trace = full.replies_only()
    result = replay(trace, 0.9)
    arrived = {e.ticket: e.t for e in trace.events if e.kind == "arrival"}
    after_midnight = [(wait, result.promises[KEPT][tk]) for tk, (_, wait) in result.waits.items()
                      if datetime.fromtimestamp(arrived[tk], UTC).hour == 0]
    n, kept, pinball, _ = score(after_midnight, 0.9)
    assert n > 50
    assert kept >= 0.95
    assert pinball < 10.0
    best = min(s.pinball_min for name, s in result.scores.items() if name != KEPT)
    assert result.scores[KEPT].pinball_min < 0.72 * best


def test_a_team_back_from_a_holiday_block_keeps_its_promises_on_the_days_after():
    """Sydney closes for Christmas; its export starts at 11:00 on its first day, agents already
    in. The closure matured as some 150 tickets answered in the two days back, all kept: counted
    one by one they spent the calibration's offset, and on the second day back, one agent of
    three away, 49 of 61 promises broke and the month ended at 0.879 kept. They are one draw of
    the pace the team came back at, and counted as one the month meets the goal."""
    full = simulate(TEAMS["sydney-holidays"], seed=2)
    cut = datetime(2026, 12, 7, 11, tzinfo=ZoneInfo("Australia/Sydney")).timestamp()
    trace = full.between(start=cut)
    kept, best = kept_and_best_baseline(trace)
    assert 0.88 <= kept.kept <= 0.93
    assert min(kept.kept_by_channel.values()) >= 0.85
    assert kept.padding is not None and kept.padding < 3.0
    assert kept.pinball_min < 0.8 * best


def test_a_one_agent_desk_s_day_off_on_its_second_day_is_promised_for_when_it_is_back():
    """A one-agent desk starts on Kept at midnight on a Monday (lisbon-solo, seed 7); its agent,
    in at 09:00 on Monday, is off on Tuesday. From 09:30 the agent is late, and either away for
    the day or coming after all. Read as the mean of the two, half a day's staffing, the day's
    promises came due that afternoon or early the next morning: 12 of the 28 answered ones made
    after 09:30 broke, and the month kept 0.878. Kept apart, the two put the promise where the
    next day's backlog clears."""
    trace = simulate("lisbon-solo", 7)
    late = [kept for at, _, kept in answered_promises(trace, ZoneInfo("Europe/Lisbon"))
            if at.date() == date(2026, 3, 17) and (at.hour, at.minute) >= (9, 30)]
    assert len(late) == 28 and sum(late) >= 20
    kept, _ = kept_and_best_baseline(trace)
    assert kept.kept >= 0.88


def test_a_christmas_backlog_is_promised_for_a_team_that_may_come_back_one_agent_short():
    """Sydney closes for Christmas (seed 10, first run after the promise was built). One of its
    three agents is away on the first days back, as happens to a team of three on a quarter of
    its days. The closure's promises all wait on those days: read at the level the calibration
    learned from the closed nights (0.70-0.80 of their forecasts), none of the 174 answered was
    kept, and the month kept 0.832. Read at no less than their own forecast's 0.95, more than half
    are (the rest, made on the first days of the closure, wait through less than a day's work)."""
    trace = simulate("sydney-holidays", 10)
    closure = [kept for at, _, kept in answered_promises(trace, ZoneInfo("Australia/Sydney"))
               if date(2026, 12, 24) <= at.date() <= date(2027, 1, 3)]
    assert len(closure) > 150
    assert sum(closure) / len(closure) > 0.5
    kept, best = kept_and_best_baseline(trace)
    assert 0.88 <= kept.kept <= 0.93
    assert min(kept.kept_by_channel.values()) >= 0.85
    assert kept.pinball_min < 0.8 * best


def test_a_desk_that_never_works_the_saturdays_its_calendar_opens_is_not_promised_them():
    """A one-agent desk on Lisbon's calendar, open 09:00-13:00 on Saturdays, whose agent works
    weekdays only (lisbon-solo, seed 1). Once a Saturday has passed with nobody in, a Friday
    evening's tickets are promised on the Monday: read as a Saturday nothing had yet been seen
    of, they were promised 09:20-10:20 on Saturday, and all five broke."""
    trace = simulate("lisbon-solo", 1)
    # Promised dates through the clock change of 29 March, so from the instant, not wall-clock sums.
    friday_evening = [(datetime.fromtimestamp(at.timestamp() + p.promise.total_seconds(), at.tzinfo).date(), kept)
                      for at, p, kept in answered_promises(trace, ZoneInfo("Europe/Lisbon"))
                      if at.date() == date(2026, 3, 27) and at.hour >= 17]
    assert len(friday_evening) == 5
    assert all(day == date(2026, 3, 30) and kept for day, kept in friday_evening)
    kept, _ = kept_and_best_baseline(trace)
    assert 0.88 <= kept.kept <= 0.93


def test_promises_waiting_on_a_short_handed_return_from_a_holiday_block_are_kept():
    """Sydney closes for Christmas and one agent of three takes the week after it off. Every
    promise of the closure waits on how fast the team gets through its backlog when it is back,
    one draw of its staffing for them all: read at q, they broke together and the month fell
    short of the goal (social kept 0.830). Promises that run through more than a day's work after
    today are read to break half as often; an ordinary day's or weekend's are not."""
    team = TEAMS["sydney-holidays"]
    week_back = tuple(f"2027-01-0{d}" for d in range(4, 9))
    shifts = (replace(team.shifts[0], leave=week_back), *team.shifts[1:])
    trace = simulate(replace(team, shifts=shifts), seed=1)

    kept, best = kept_and_best_baseline(trace)
    assert 0.88 <= kept.kept <= 0.93
    assert min(kept.kept_by_channel.values()) >= 0.85
    assert kept.padding is not None and kept.padding < 3.0
    assert kept.pinball_min < 0.8 * best

    before, closure = [], []
    for at, promise, kept in answered_promises(trace, ZoneInfo(team.timezone)):
        row = (promise.target, kept)
        if at.date() < date(2026, 12, 21):
            before.append(row)
        elif date(2026, 12, 24) <= at.date() <= date(2027, 1, 3):
            closure.append(row)
    assert len(before) > 600 and all(target == 0.9 for target, _ in before)
    assert len(closure) > 150
    assert sum(target > 0.9 for target, _ in closure) > len(closure) / 2
    assert sum(k for _, k in closure) / len(closure) > 0.95


def test_a_bad_morning_is_not_paid_back_by_promising_the_afternoon_for_the_next_working_day():
    """A desk of two (london-duo, seed 2), one of them away on a Friday. The night's emails broke
    that morning, and the calibration read the afternoon's forecasts above q to pay that back.
    Those forecasts were split by the evening's closing, a good chance of a reply that day and
    the rest on Monday; read above q they promised Monday (64-74 hours) for emails answered within
    the hour. Over the month, 60 of the 912 tickets answered the day they came had been promised a
    later day. Kept short of the closing, such promises fall that evening and are still kept."""
    trace = simulate("london-duo", 2)
    times = local_times(trace, ZoneInfo("Europe/London"))
    same_day = [by.date() > came.date() for _, came, by, answered in times if answered.date() == came.date()]
    assert len(same_day) > 900
    assert sum(same_day) < 40
    friday_afternoon = [(by, answered) for e, came, by, answered in times
                        if came.date() == date(2026, 3, 20) and 13 <= came.hour < 18 and e.priority != "low"]
    assert len(friday_afternoon) > 15
    assert all(by.date() == date(2026, 3, 20) and answered <= by for by, answered in friday_afternoon)
    kept, best = kept_and_best_baseline(trace)
    assert 0.88 <= kept.kept <= 0.93
    assert kept.pinball_min < 0.9 * best


def test_saturdays_opened_like_weekdays_but_worked_by_a_few_are_read_from_saturdays():
    """A Seoul team (seoul-evening, seed 4) declares 09:00-22:00 Monday to Saturday, but on
    Saturdays only its evening crew of four comes in, at 13:00, to a third of the customers. With
    one Saturday behind it, the second was read from the weekdays: nobody in by mid-morning where
    five usually are read as the whole team away, and 8 of the Saturday's tickets answered that
    same day had been promised for after the new-year holiday (Monday to Wednesday). That one
    past Saturday, unlike the weekdays in staffing and arrivals both, now describes the next."""
    trace = simulate("seoul-evening", 4)
    saturday = [by.date() for _, came, by, answered in local_times(trace, ZoneInfo("Asia/Seoul"))
                if came.date() == answered.date() == date(2026, 2, 14)]
    assert len(saturday) > 80
    assert all(day == date(2026, 2, 14) for day in saturday)
    kept, best = kept_and_best_baseline(trace)
    assert 0.88 <= kept.kept <= 0.93
    assert kept.pinball_min < 0.8 * best
