"""The wait-time predictor on live snapshots: queue length, closed hours, no agents, no history."""
from __future__ import annotations

import bisect
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.eta.backtest import KEPT, replay, score
from inbox.eta.history import TeamHistory
from inbox.eta.predictor import JUMP_SPREAD, LiveState, QueuedTicket, WaitForecast, _Clock, forecast_wait, sla_due
from inbox.eta.replay import Arrived, Replay
from inbox.eta.simulate import TEAMS, Shift, Team, hour_share, simulate
from inbox.eta.trace import ARRIVAL, FIRST_REPLY, to_datetime
from inbox.sla.calendar import BusinessCalendar

BERLIN = {"timezone": "Europe/Berlin", "hours": {d: ["09:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
          "holidays": ["2026-04-03"]}
TEAM = Team(
    name="unit", timezone="Europe/Berlin", hours=BERLIN["hours"], holidays=("2026-04-03",),
    start=date(2026, 3, 23), days=14,
    shifts=(Shift(9.0, 18.0, 12.0), Shift(9.0, 18.0, 13.0), Shift(9.0, 18.0, 12.5)),
    daily={"email": 40, "social": 15, "chat": 20},
    priorities={"email": {"normal": 0.8, "high": 0.2}, "social": {"normal": 1.0}, "chat": {"normal": 1.0}},
    service_minutes={"email": 10, "social": 8, "chat": 8},
)


def history_until(until: datetime, team: Team = TEAM, seed: int = 3) -> TeamHistory:
    """A team's history (the Berlin team's fortnight unless given) simulated up to ``until``."""
    trace = simulate(team, seed=seed)
    history = TeamHistory(BusinessCalendar.from_spec(trace.calendar))
    for e in trace.events:
        if e.t >= until.timestamp():
            break
        history.record(e)
    return history


def state_at(history: TeamHistory, now: datetime, ahead: int, channel: str = "email",
             online: int | None = None) -> LiveState:
    return LiveState(
        now=now, channel=channel, priority="normal", due=sla_due(now, channel, "normal"),
        ahead=[QueuedTicket("email", "normal")] * ahead, queue_length=ahead,
        agents_online=len(history.online) if online is None else online,
        stats=history.stats(now), longest_wait=3600.0 if ahead else 0.0,
    )


@pytest.fixture(scope="module")
def tuesday_morning() -> tuple[TeamHistory, datetime]:
    now = datetime(2026, 3, 31, 8, 30, tzinfo=UTC)      # 10:30 in Berlin, second week
    return history_until(now), now


@settings(max_examples=30, deadline=None)
@given(shorter=st.integers(0, 150), extra=st.integers(1, 150))
def test_a_longer_queue_ahead_never_shortens_the_promise(tuesday_morning, shorter, extra):
    history, now = tuesday_morning
    short = forecast_wait(state_at(history, now, shorter))
    long = forecast_wait(state_at(history, now, shorter + extra))
    assert long.quantile(0.9) >= short.quantile(0.9)
    assert long.quantile(0.5) >= short.quantile(0.5)


def test_the_promise_grows_steadily_with_the_queue(tuesday_morning):
    history, now = tuesday_morning
    promises = [forecast_wait(state_at(history, now, k)).quantile(0.9) for k in range(0, 200, 20)]
    assert promises == sorted(promises)
    assert promises[-1] > 2 * promises[1]


def test_a_ticket_arriving_in_closed_hours_is_promised_no_earlier_than_opening(tuesday_morning):
    history, _ = tuesday_morning
    friday_night = datetime(2026, 3, 27, 20, 0, tzinfo=UTC)   # 21:00 Friday in Berlin
    monday_open = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)     # 09:00 Monday (CEST)
    stats_history = history_until(friday_night)
    fc = forecast_wait(state_at(stats_history, friday_night, 5, online=0))
    assert friday_night + timedelta(seconds=fc.quantile(0.1)) >= monday_open
    assert friday_night + timedelta(seconds=fc.quantile(0.9)) < monday_open + timedelta(hours=9)


def test_a_holiday_is_skipped_like_a_weekend(tuesday_morning):
    thursday_evening = datetime(2026, 4, 2, 17, 0, tzinfo=UTC)   # 19:00 before Good Friday
    history = history_until(thursday_evening)
    fc = forecast_wait(state_at(history, thursday_evening, 3, online=0))
    monday_open = datetime(2026, 4, 6, 7, 0, tzinfo=UTC)
    assert thursday_evening + timedelta(seconds=fc.quantile(0.1)) >= monday_open


def test_with_nobody_online_in_open_hours_the_wait_covers_their_return(tuesday_morning):
    history, now = tuesday_morning
    staffed = forecast_wait(state_at(history, now, 10)).quantile(0.9)
    unstaffed = forecast_wait(state_at(history, now, 10, online=0)).quantile(0.9)
    assert unstaffed > staffed


def test_a_new_install_with_no_history_still_promises_through_the_calendar():
    history = TeamHistory(BusinessCalendar.from_spec(BERLIN))
    saturday = datetime(2026, 3, 28, 10, 0, tzinfo=UTC)
    fc = forecast_wait(state_at(history, saturday, 4, online=0))
    monday_open = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    promise = saturday + timedelta(seconds=fc.quantile(0.9))
    assert monday_open <= promise < monday_open + timedelta(hours=9)


def test_a_new_install_open_now_promises_minutes_not_days():
    history = TeamHistory(BusinessCalendar.from_spec(BERLIN))
    tuesday = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
    history.agent_online(tuesday - timedelta(minutes=30), "a1")
    history.agent_online(tuesday - timedelta(minutes=30), "a2")
    history.arrival(tuesday - timedelta(minutes=20), "x", "email", "normal")
    fc = forecast_wait(state_at(history, tuesday, 1, channel="chat"))
    assert 0 < fc.quantile(0.9) < 3 * 3600


def test_an_idle_agent_answers_at_once_when_nothing_waits():
    history = TeamHistory(None)
    now = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
    history.agent_online(now - timedelta(hours=1), "a1")
    state = replace(state_at(history, now, 0, channel="chat"), agents_free=1.0)
    assert forecast_wait(state).immediate == 1.0


def test_an_idle_agent_s_promise_is_the_ninetieth_percentile_of_past_reply_delays(tuesday_morning):
    """Taken at once, the wait is the take-to-reply delay alone, known by its 5th, 15th, ... 95th
    percentiles. Read as steps, the chance of a reply reached 0.9 at the 85th percentile and one
    at the 95th, as if no reply were ever slower."""
    history, now = tuesday_morning
    state = replace(state_at(history, now, 0), agents_free=1.0)
    fc = forecast_wait(state)
    d = state.stats.reply_delays["email"]
    assert fc.immediate == 1.0
    assert fc.quantile(0.9) == pytest.approx((d[8] + d[9]) / 2, rel=0.01)
    assert fc.cdf(d[9]) == pytest.approx(0.95, abs=0.005)
    assert 0.95 < fc.cdf(d[9] + (d[9] - d[8])) < 0.99
    assert fc.cdf(d[0] / 2) == pytest.approx(0.025, abs=0.005)


def test_the_forecast_cdf_and_quantile_agree(tuesday_morning):
    history, now = tuesday_morning
    fc = forecast_wait(state_at(history, now, 40))
    for p in (0.1, 0.5, 0.9):
        assert fc.cdf(fc.quantile(p)) == pytest.approx(p, abs=0.02)



SURGE_NOW = datetime(2026, 3, 31, 11, 30, tzinfo=UTC)      # 13:30 in Berlin


def with_chat_surge(hours: int) -> TeamHistory:
    """The team's history, plus a chat every two minutes for the last ``hours`` hours."""
    history = history_until(SURGE_NOW - timedelta(hours=4))
    for n, minutes in enumerate(range(0, 60 * hours, 2)):
        history.arrival(SURGE_NOW - timedelta(minutes=60 * hours - minutes), f"surge-{n}", "chat", "normal")
    return history


def test_a_surge_that_has_lasted_all_morning_is_expected_to_last_longer_than_a_fresh_one():
    """The same burst of chats in the last hour: after four hours of it the email promise is
    longer than when it has just begun, because chats jump ahead of email for longer."""
    fresh, lasting = with_chat_surge(1), with_chat_surge(4)
    s_fresh, s_lasting = fresh.stats(SURGE_NOW), lasting.stats(SURGE_NOW)
    assert s_fresh.surge["chat"] == pytest.approx(s_lasting.surge["chat"], rel=0.05)
    assert s_lasting.surge_age["chat"] >= 3 * 3600 > s_fresh.surge_age["chat"]
    promise_fresh = forecast_wait(state_at(fresh, SURGE_NOW, 8, online=3)).quantile(0.9)
    promise_lasting = forecast_wait(state_at(lasting, SURGE_NOW, 8, online=3)).quantile(0.9)
    assert promise_lasting > promise_fresh * 1.1


def test_a_surge_is_over_once_arrivals_are_back_to_usual():
    history = with_chat_surge(4)
    later = SURGE_NOW + timedelta(hours=2)
    history.arrival(later, "after", "chat", "normal")
    stats = history.stats(later)
    assert stats.surge_age["chat"] == 0.0
    assert stats.surge["chat"] <= 1 / 3600             # at most the one chat just in


def _fed(team: Team, seed: int = 1) -> tuple[TeamHistory, datetime]:
    trace = simulate(team, seed=seed)
    history = TeamHistory(BusinessCalendar.from_spec(trace.calendar) if trace.calendar.get("hours") else None)
    for e in trace.events:
        history.record(e)
    return history, to_datetime(trace.events[-1].t)


def _handling_minutes(history: TeamHistory, at: datetime) -> tuple[float, dict[str, float]]:
    stats = history.stats(at)
    pooled = 1 / stats.service_rate / 60
    return pooled, {ch: w * pooled for ch, w in stats.service_weight.items()}


def test_handling_time_is_learned_on_a_large_team_where_timing_reply_pairs_reads_half():
    """A 24/7 centre of 33 agents spending 4 minutes on every ticket: consecutive replies of one
    agent are mostly the short tickets (the long ones see the queue change under them), so timing
    them would read about 2 minutes and promise half the true wait in every queue."""
    team = replace(TEAMS["contact-centre"], days=7)
    history, end = _fed(team)
    pooled, by_channel = _handling_minutes(history, end)
    assert pooled == pytest.approx(4.0, rel=0.15)
    assert by_channel["chat"] == pytest.approx(4.0, rel=0.15)


def test_handling_times_differ_by_channel_as_the_teams_do():
    history, end = _fed(replace(TEAMS["newyork-large"], days=21))
    _pooled, minutes = _handling_minutes(history, end)
    truth = TEAMS["newyork-large"].service_minutes       # email 12, social 8, chat 10
    assert minutes["email"] == pytest.approx(truth["email"], rel=0.12)
    assert minutes["email"] > minutes["chat"] > minutes["social"]


def test_a_two_week_holiday_does_not_make_the_team_forget_its_pace():
    """Knowledge of the pace fades with time worked, not with the calendar: after a fortnight
    closed, the first morning back is forecast at the pace of the weeks before."""
    history, _ = _fed(TEAMS["sydney-holidays"])
    before = history.stats(datetime(2026, 12, 23, 5, 0, tzinfo=UTC))   # 16:00 in Sydney, last day
    after = history.stats(datetime(2027, 1, 3, 20, 0, tzinfo=UTC))     # 07:00, first day back
    assert after.service_rate == pytest.approx(before.service_rate, rel=0.02)
    assert after.service_weight.keys() == before.service_weight.keys() != set()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_small_team_that_often_misses_an_agent_expects_some_days_to_be_short(seed):
    """Three agents, each away one day in four: a quarter of days or more run at two thirds.
    The outlook's staffing levels say so (lopsided, not a symmetric spread); a team that is
    always in full expects every day to be like the usual."""
    full, end = _fed(replace(TEAM, days=21, absence=0.0), seed)
    assert all(f == pytest.approx(1.0, abs=0.05) for f, _ in full.stats(end).outlook.staff_levels)
    short, end = _fed(replace(TEAM, days=21, absence=0.25), seed)
    levels = short.stats(end).outlook.staff_levels
    assert sum(w for _, w in levels) == pytest.approx(1.0)
    assert sum(f * w for f, w in levels) == pytest.approx(1.0, abs=0.02)
    (low, low_weight), *_, (high, _) = levels
    assert low < 0.75 and low_weight == pytest.approx(1 / 6)
    assert high > 1.2


def test_work_left_for_tomorrow_is_promised_later_when_tomorrow_may_be_short(tuesday_morning):
    history, _ = tuesday_morning
    evening = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)       # 17:30 in Berlin
    state = state_at(history, evening, ahead=60)
    even = replace(state.stats.outlook, staff_levels=((1.0, 1.0),))
    lopsided = replace(state.stats.outlook, staff_levels=((0.67, 1 / 6), (1.0, 2 / 3), (1.33, 1 / 6)))
    at = {name: forecast_wait(replace(state, stats=replace(state.stats, outlook=ol))).quantile(0.9)
          for name, ol in (("even", even), ("lopsided", lopsided))}
    assert at["lopsided"] > at["even"] + 1800


def test_the_outlook_expects_each_channel_s_usual_arrivals_and_a_usual_day_is_no_surge():
    """The usual arrivals per channel are what jump-ins are forecast from, and what a surge is
    measured against; a team whose days are alike must see its usual volume, and no surge."""
    noon = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)                  # Thursday 12:00 in Berlin
    history = history_until(noon)
    stats = history.stats(noon)
    ol = stats.outlook
    day = slice(0, 96)                                                # the whole of Thursday
    for channel, per_day in TEAM.daily.items():
        assert sum(ol.arrivals[channel][day]) == pytest.approx(per_day, rel=0.35)
    assert all(age == 0.0 for age in stats.surge_age.values())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_usual_arrivals_follow_the_team_s_day_not_the_minutes_a_few_past_days_had_them(seed):
    """The usual rate of each quarter hour is what jump-ins are forecast from. Read from a few
    past days alone, a quarter hour in which none of them had a chat expects none, and the one
    next to it where two came expects twice the day's rate: a ticket's chance of being taken
    before the closing then hung on which minutes last week's customers chose. Over the peak
    hours the simulated team's true rate is known: no quarter hour may expect nothing, and half
    of them must be within 35 % of it (read slot by slot: 43-52 % off, 28-33 quarters empty)."""
    noon = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)                  # Thursday 12:00 in Berlin
    ol = history_until(noon, seed=seed).stats(noon).outlook
    lo, hi = TEAM.peak
    errors = []
    for channel, per_day in TEAM.daily.items():
        for k in range(int(lo * 4), int(hi * 4)):                     # Thursday's peak quarters
            true = per_day * hour_share(TEAM, k // 4) / 4
            assert ol.arrivals[channel][k] > 0.0
            errors.append(abs(ol.arrivals[channel][k] - true) / true)
    assert sorted(errors)[len(errors) // 2] < 0.35


def test_in_a_surge_the_promise_allows_for_not_knowing_when_it_ends():
    """Mid-surge (chats alone arriving faster than three agents can take them), the email
    forecast's 90th percentile lies far further beyond its middle than on a calm day: if the
    surge runs all day, email waits until it is over, and nobody knows when that is."""
    history = with_chat_surge(2)
    stats = history.stats(SURGE_NOW)
    assert stats.surge["chat"] > 0
    state = state_at(history, SURGE_NOW, 8, online=3)
    surging = forecast_wait(state)
    calm = forecast_wait(replace(state, stats=replace(stats, surge={ch: 0.0 for ch in stats.surge})))
    assert surging.quantile(0.9) / surging.quantile(0.5) > 2 * calm.quantile(0.9) / calm.quantile(0.5)


def _queued_medians_and_waits(team: Team, seed: int, positions: range) -> list[tuple[float, float]]:
    """(middle estimate, actual wait) of every answered ticket that arrived while someone was
    online, at one of ``positions`` in the work order, with no idle agent to take it."""
    trace = simulate(team, seed=seed)
    replay = Replay(BusinessCalendar.from_spec(trace.calendar), 0.9)
    issued: dict[str, tuple[float, float]] = {}
    pairs = []
    for e in trace.events:
        staffed = bool(replay.history.online)
        out = replay.apply(e)
        if isinstance(out, Arrived) and staffed and out.position in positions \
                and out.promise.forecast.immediate < 0.5:
            issued[e.ticket] = (e.t, out.promise.forecast.quantile(0.5))
        elif e.kind == FIRST_REPLY and e.ticket in issued:
            t0, median = issued.pop(e.ticket)
            pairs.append((median, e.t - t0))
    return pairs


def test_near_the_front_of_a_busy_queue_the_middle_estimate_is_the_middle_of_the_waits():
    """Tickets at the front of the queue may already be taken, their first reply being written.
    Counted as work still to take, they made every short queue's estimate about half as long
    again as its waits: over a month of New York's queues, fewer than three in ten waits came
    out above the middle estimate at positions 2 to 5."""
    pairs = _queued_medians_and_waits(replace(TEAMS["newyork-large"], days=21), 2, range(2, 6))
    above, n = sum(wait > median for median, wait in pairs), len(pairs)
    assert n > 500
    assert 0.4 <= above / n <= 0.6, (above, n)


def test_first_in_line_behind_agents_who_have_replied_waits_for_the_rest_of_their_handling():
    """An agent who has sent a ticket's first reply is only the rest of that handling from free,
    so the ticket first in line is taken sooner than a whole handling per seat. Over a month of
    Lisbon's queued tickets first in line, the middle estimates' median was 6.2 min against
    actual waits' 5.5 (13 % over)."""
    pairs = _queued_medians_and_waits(TEAMS["lisbon-small"], 1, range(1, 2))
    medians, waits = sorted(m for m, _ in pairs), sorted(w for _, w in pairs)
    assert len(waits) > 150
    ratio = medians[len(medians) // 2] / waits[len(waits) // 2]
    assert 0.92 <= ratio <= 1.08, ratio


def test_chat_visitors_who_come_at_night_and_leave_do_not_hold_up_the_morning():
    """A team with 200 chats a day, a quarter of them overnight: the visitors who find nobody
    online leave within minutes, so an email written in the evening with nothing ahead of it
    waits for the morning's own chats only. Counting the night's visitors as jumping the queue
    put its middle estimate 37 minutes after opening."""
    team = replace(TEAM, daily={**TEAM.daily, "chat": 200})
    now = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)           # Tuesday, 19:30 in Berlin
    history = history_until(now, team)
    assert not history.online
    median = now + timedelta(seconds=forecast_wait(state_at(history, now, 0)).quantile(0.5))
    opening = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)         # Wednesday, 09:00 in Berlin
    assert opening < median < opening + timedelta(minutes=25)


def test_a_new_install_does_not_read_its_unknown_pace_as_days():
    """Before any agent has been seen, the pace is the prior's (ten minutes a reply per agent),
    weighed in the mean as five replies. Its uncertainty is now that of five replies too; counted
    as one, twenty emails waiting overnight were promised the next day's evening."""
    history = TeamHistory(BusinessCalendar.from_spec(BERLIN))
    night = datetime(2026, 3, 30, 23, 0, tzinfo=UTC)           # Tuesday, 01:00 in Berlin
    opening = datetime(2026, 3, 31, 7, 0, tzinfo=UTC)
    closing = opening + timedelta(hours=9)

    def after_opening(ahead: int, p: float) -> float:
        fc = forecast_wait(state_at(history, night, ahead, online=0))
        return (night + timedelta(seconds=fc.quantile(p)) - opening).total_seconds()

    assert after_opening(10, 0.9) <= 2.5 * after_opening(10, 0.5)
    assert opening + timedelta(seconds=after_opening(20, 0.9)) < closing


def test_a_new_install_s_first_night_is_promised_the_first_morning_not_the_next_day():
    """A contact centre open 08:00-24:00 with 24 agents starts using Kept at midnight. Until
    08:00 nobody has been online, so nothing is known of its staffing but the arrivals. Read as
    one agent, the posts waiting for the first morning were promised 40-53 hours; the centre,
    taken to be staffed to keep up with what arrives, is promised that morning, and keeps it."""
    trace = simulate(replace(TEAMS["contact-centre-16h"], days=1), seed=1)
    replay = Replay(BusinessCalendar.from_spec(trace.calendar), 0.9)
    night = datetime(2026, 2, 2, 5, 0, tzinfo=UTC)
    opening = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
    noon = datetime(2026, 2, 2, 12, 0, tzinfo=UTC)
    promised: dict[str, tuple[datetime, datetime]] = {}
    answered: dict[str, datetime] = {}
    for e in trace.events:
        out = replay.apply(e)
        at = to_datetime(e.t)
        if isinstance(out, Arrived) and night <= at < opening and e.channel == "social":
            assert not replay.history.online
            promised[e.ticket] = (at, at + out.promise.promise)
        elif e.kind == FIRST_REPLY and e.ticket in promised:
            answered[e.ticket] = at
    assert len(answered) >= 10
    assert all(promised[tk][1] < noon + timedelta(hours=1) for tk in answered)
    assert all(at <= promised[tk][1] for tk, at in answered.items())


def test_a_one_agent_team_s_day_off_is_not_read_as_every_day_to_come():
    """A one-agent desk starts on Monday; on Tuesday its agent is off and the mail piles up. The
    usual staffing of every weekday to come was read from Tuesday, the only weekday since the
    (partial) first one, so on Wednesday morning every promise ran to the 90-day horizon. With
    one day off and nothing else known, the desk is expected back, and answers that day."""
    history = TeamHistory(BusinessCalendar.from_spec(BERLIN))
    monday = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)          # 09:00 in Berlin
    history.agent_online(monday, "solo")
    for i in range(20):
        at = monday + timedelta(minutes=25 * i)
        history.arrival(at, f"m{i}", "email", "normal")
        history.first_reply(at + timedelta(minutes=10), f"m{i}", "solo")
    history.agent_offline(monday + timedelta(hours=9), "solo")
    tuesday = monday + timedelta(days=1)
    for i in range(12):                                        # nobody there to answer
        history.arrival(tuesday + timedelta(minutes=40 * i), f"t{i}", "email", "normal")
    now = datetime(2026, 3, 25, 6, 30, tzinfo=UTC)             # Wednesday, 07:30 in Berlin
    promise = now + timedelta(seconds=forecast_wait(state_at(history, now, 12, online=0)).quantile(0.9))
    assert promise < datetime(2026, 3, 25, 16, 0, tzinfo=UTC)  # Wednesday, before closing


def one_agent_monday() -> TeamHistory:
    """A one-agent desk's first day on Kept, from midnight in Berlin: the night's mail, then its
    agent in 09:00-17:00 with an hour's lunch, replying to an email every twenty minutes."""
    history = TeamHistory(BusinessCalendar.from_spec(BERLIN))
    midnight = datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    for i in range(4):
        history.arrival(midnight + timedelta(hours=i), f"n{i}", "email", "normal")
    nine = midnight + timedelta(hours=9)
    history.agent_online(nine, "solo")
    for i in range(20):
        at = nine + timedelta(minutes=20 * i)
        at += timedelta(hours=1) if at >= nine + timedelta(hours=3.5) else timedelta()
        history.arrival(at, f"m{i}", "email", "normal")
        history.first_reply(at + timedelta(minutes=10), f"m{i}", "solo")
    history.agent_offline(nine + timedelta(hours=3.5), "solo")
    history.agent_online(nine + timedelta(hours=4.5), "solo")
    history.agent_offline(nine + timedelta(hours=8), "solo")
    return history


@pytest.mark.parametrize("comes_in", [False, True])
def test_a_new_install_that_saw_its_first_day_whole_knows_when_the_agent_is_not_coming(comes_in):
    """The history starts the night before a one-agent desk's first day, so it saw that day
    whole: its agent in at 09:00. On the second day the agent is off. Read as a day nothing is
    known of, the second day was staffed by one agent through every open hour, and an email
    written at 10:45 was promised for 17:56 that day; it is now promised for the next morning.
    When the agent does come in, the promise stays that day."""
    history = one_agent_monday()
    tuesday = datetime(2026, 3, 24, 6, 0, tzinfo=UTC)          # 07:00 in Berlin
    if comes_in:
        history.agent_online(tuesday + timedelta(hours=2), "solo")
    for i in range(8):
        history.arrival(tuesday + timedelta(minutes=30 * i), f"t{i}", "email", "normal")
    now = datetime(2026, 3, 24, 9, 45, tzinfo=UTC)             # 10:45
    promise = now + timedelta(seconds=forecast_wait(state_at(history, now, 8)).quantile(0.9))
    if comes_in:
        assert promise < datetime(2026, 3, 24, 17, 0, tzinfo=UTC)    # Tuesday, before closing
    else:
        assert promise > datetime(2026, 3, 25, 8, 0, tzinfo=UTC)     # Wednesday, after 09:00


def test_without_presence_events_agents_quiet_after_closing_have_gone_home():
    """A history of replies only (no presence events): agents count as online while they reply.
    The team closes at 18:00 and its last replies come at 17:55. Counted online for four handling
    times after them, the three agents were still free at 18:10, and an email written then was
    promised minutes for a wait until the next morning."""
    history = TeamHistory(BusinessCalendar.from_spec(BERLIN))
    for day in range(3):                                       # Monday to Wednesday
        opening = datetime(2026, 3, 23 + day, 8, 0, tzinfo=UTC)    # 09:00 in Berlin
        for slot in range(54):                                 # a reply each ten minutes each
            at = opening + timedelta(minutes=10 * slot + 5)
            for agent in range(3):
                history.arrival(at - timedelta(minutes=8), f"{day}-{slot}-{agent}", "email", "normal")
                history.first_reply(at, f"{day}-{slot}-{agent}", f"agent{agent}")
    evening = datetime(2026, 3, 25, 17, 10, tzinfo=UTC)        # Wednesday, 18:10 in Berlin
    history.advance(evening)
    promise = evening + timedelta(seconds=forecast_wait(state_at(history, evening, 0)).quantile(0.9))
    assert promise >= datetime(2026, 3, 26, 8, 0, tzinfo=UTC)  # Thursday, 09:00 in Berlin


def test_without_presence_events_the_usual_lunch_starts_when_the_replies_stop():
    """A history of replies only: three agents reply every ten minutes with work always waiting,
    and all go to lunch from 12:00 to 13:00. Each was counted online for four handling times
    after the last reply before lunch, so the days read as staffed until 12:35, and worked: on
    Thursday at 11:58 an email with nine ahead was promised 13:09, though the nine take the half
    hour after lunch and its reply comes about 13:35. The quiet spell is now read back as gone
    from one handling time after the last reply, in the staffing and in the time worked."""
    history = TeamHistory(BusinessCalendar.from_spec(BERLIN))
    now = datetime(2026, 3, 26, 10, 58, tzinfo=UTC)            # Thursday, 11:58 in Berlin
    events = []
    for day in range(4):
        opening = datetime(2026, 3, 23 + day, 8, 0, tzinfo=UTC)    # 09:00 in Berlin
        for slot in range(54):
            at = opening + timedelta(minutes=10 * slot + 5)
            if 18 <= slot < 24 or at > now:                    # lunch, 12:00-13:00
                continue
            for agent in range(3):
                ticket = f"{day}-{slot}-{agent}"
                events.append((at - timedelta(minutes=90), ticket, None))
                events.append((at, ticket, f"agent{agent}"))
    for at, ticket, agent in sorted(events, key=lambda e: (e[0], e[2] is not None)):
        if agent is None:
            history.arrival(at, ticket, "email", "normal")
        else:
            history.first_reply(at, ticket, agent)
    history.advance(now)
    assert len(history.online) == 3
    promise = now + timedelta(seconds=forecast_wait(state_at(history, now, 9)).quantile(0.9))
    after_lunch = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)     # 13:00 in Berlin
    assert after_lunch + timedelta(minutes=25) < promise < after_lunch + timedelta(hours=1)


def test_agents_logged_in_before_the_history_starts_count_by_their_replies():
    """A history that starts at 11:00 while three agents are already logged in: their logins are
    not in it. At 12:00 one of them logs out for lunch. That first presence event made every
    agent without one count as gone, even the two still replying every ten minutes, and at 12:30
    an email with six ahead was promised 16:45; the two agents take it within the hour or so."""
    history = TeamHistory(BusinessCalendar.from_spec(BERLIN))
    start = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)            # Tuesday, 11:00 in Berlin
    lunch = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
    now = datetime(2026, 3, 31, 10, 30, tzinfo=UTC)
    for slot in range(9):
        at = start + timedelta(minutes=10 * slot + 5)
        for agent in ("a", "b", "c"):
            if agent == "c" and at >= lunch:
                continue
            history.arrival(at - timedelta(minutes=4), f"{slot}{agent}", "email", "normal")
            history.first_reply(at, f"{slot}{agent}", agent)
        if at < lunch <= at + timedelta(minutes=10):
            history.agent_offline(lunch, "c")
    history.advance(now)
    assert sorted(history.online) == ["a", "b"]
    promise = now + timedelta(seconds=forecast_wait(state_at(history, now, 6)).quantile(0.9))
    assert promise < now + timedelta(hours=1, minutes=30)


def test_nobody_online_over_the_team_s_lunch_means_back_after_lunch():
    """A team that all goes to lunch at 12:00 for half an hour. Counted as a share of the usual
    (a fraction of an agent, as some leave a few minutes late), nobody online read as the whole
    team away for hours, and a ticket with three ahead at 12:10 was expected at 14:00."""
    lunch_together = tuple(Shift(9.0, 18.0, 12.0, 30.0) for _ in range(4))
    team = replace(TEAM, shifts=lunch_together)
    now = datetime(2026, 3, 31, 10, 10, tzinfo=UTC)            # Tuesday, 12:10 in Berlin
    history = history_until(now, team, seed=2)
    assert not history.online
    median = now + timedelta(seconds=forecast_wait(state_at(history, now, 3)).quantile(0.5))
    back = datetime(2026, 3, 31, 10, 30, tzinfo=UTC)
    assert back < median < back + timedelta(minutes=30)


def test_an_agent_working_late_leaves_as_the_rest_of_the_team_did():
    """The team closes at 18:00; now and then someone stays up to an hour. At 18:50 one agent
    is still online, busy with a ticket; an email written then has that ticket ahead of it.
    Kept for three hours as if one more agent had come in that day, the late agent made the
    promise that evening; the agent leaves as the usual ones do, so it is the next morning's."""
    now = datetime(2026, 3, 31, 16, 50, tzinfo=UTC)           # Tuesday, 18:50 in Berlin
    history = history_until(now)
    if not history.online:
        history.agent_online(now - timedelta(minutes=70), "late")
    history.arrival(now - timedelta(minutes=5), "in-hand", "email", "normal")
    state = replace(state_at(history, now, 1), agents_free=0.0)
    promise = now + timedelta(seconds=forecast_wait(state).quantile(0.9))
    opening = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)          # Wednesday, 09:00 in Berlin
    assert opening <= promise < opening + timedelta(hours=2)


def _first_takes(per_hour: float, jump_ins_per_hour: float, work: int, by: list[float],
                 paths: int = 20000) -> list[float]:
    """The share of simulated queues in which the ticket, ``work`` takes away, is taken by each
    of ``by`` (seconds): takes and jump-ins come as Poisson processes, the jump-ins' rate off
    the usual by the predictor's own JUMP_SPREAD from one path to the next."""
    rng = random.Random(7)
    up = per_hour / 3600.0
    taken = [0] * len(by)
    for _ in range(paths):
        down = jump_ins_per_hour / 3600.0 * max(0.0, 1.0 + JUMP_SPREAD * rng.gauss(0.0, 1.0))
        t, short = 0.0, work
        while short > 0 and t <= by[-1]:
            t += rng.expovariate(up + down)
            short += -1 if rng.random() < up / (up + down) else 1
        for i, s in enumerate(by):
            taken[i] += short <= 0 and t <= s
    return [n / paths for n in taken]


@pytest.mark.parametrize(("per_hour", "jump_ins_per_hour", "work"),
                         [(12, 10, 3), (12, 11, 1), (12, 6, 5), (20, 19, 8)])
def test_the_chance_of_being_taken_by_each_hour_is_that_of_a_simulated_queue(per_hour, jump_ins_per_hour, work):
    """A ticket is taken the first time the takes catch up with the work ahead of it, and a
    queue that ends level with it has often been past it on the way (taken then, it stays
    taken). With jump-ins coming nearly as fast as the takes, reading only where the queue ends
    gave a ticket second in line 0.47 of a take within the hour where the queue gives 0.66, and
    small desks' afternoon emails were promised the next morning and answered within the hour."""
    hours = 10 * 3600.0
    capacity = _Clock([0.0, hours], [0.0, per_hour * 10.0], (0.0, hours), ((per_hour / 3600.0, (0.0, hours)),))
    arrivals = _Clock([0.0, 0.0], [0.0, 0.0], (0.0, hours), ((jump_ins_per_hour / 3600.0, (0.0, hours)),))
    fc = WaitForecast(0.0, 0.0, float(work), capacity, [(hours, 1.0, arrivals)], (0.0,), 0.0)
    by = [900.0, 1800.0, 3600.0, 7200.0, 10800.0]
    simulated = _first_takes(per_hour, jump_ins_per_hour, work, by)
    assert [fc.take_cdf(s) for s in by] == pytest.approx(simulated, abs=0.06)


@pytest.mark.parametrize("ahead", [5, 15, 25, 35])
def test_the_chance_of_an_answer_never_falls_as_the_wait_grows(ahead):
    """After closing, later arrivals keep jumping ahead of a waiting email while nobody takes
    tickets; a ticket taken before closing stays taken, so the chance of an answer by then is
    not lost overnight, and the middle estimate stays on the side of the closing it is on."""
    thursday = datetime(2026, 4, 2, 14, 30, tzinfo=UTC)      # 16:30 before Good Friday
    history = history_until(thursday)
    fc = forecast_wait(state_at(history, thursday, ahead))
    waits = [minutes * 60.0 for minutes in range(0, 4 * 24 * 60, 10)]
    chances = [fc.cdf(w) for w in waits]
    assert all(later >= earlier - 1e-9 for earlier, later in zip(chances, chances[1:], strict=False))
    evening = 6 * 3600.0      # 22:30: every ticket taken before the 18:00 closing has its reply
    assert (fc.quantile(0.5) <= evening) == (fc.cdf(evening) >= 0.5)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_team_s_first_saturday_is_promised_from_that_day_not_from_weekdays(seed):
    """New York opens 07:00-21:00 on weekdays with fourteen agents and 10:00-16:00 on Saturdays
    with three, and a Saturday brings a third of a weekday's messages. On its first Saturday no
    past day has those hours; read from weekdays, it expected three times the arrivals and the
    weekday crew, and promised Saturday's customers Monday or minutes, missing both ways."""
    team = TEAMS["newyork-large"]
    trace = simulate(team, seed=seed)
    zone = ZoneInfo(team.timezone)
    saturday = datetime(2026, 3, 7, tzinfo=zone).timestamp()
    trace = trace.between(end=saturday + 3 * 86400)
    result = replay(trace, 0.9)
    arrived = {e.ticket: e.t for e in trace.events if e.kind == ARRIVAL}
    pairs = [(wait, result.promises[KEPT][ticket]) for ticket, (_, wait) in result.waits.items()
             if saturday <= arrived[ticket] < saturday + 86400]
    n, kept, pinball, _ = score(pairs, 0.9)
    assert n > 90
    assert kept >= 0.85, f"kept {kept:.3f} of Saturday's promises"
    assert pinball < 120, f"pinball {pinball:.0f} min on Saturday's promises"


AUCKLAND = TEAMS["auckland-weekend"]           # open every day; Waitangi Day closed, 6 February
WAITANGI = datetime(2026, 2, 6, tzinfo=ZoneInfo(AUCKLAND.timezone))


def test_customers_are_expected_to_write_on_a_holiday_no_past_day_is_like():
    """A team open every day of the week has no closed day in its history before its first
    holiday. Its customers still write that day (Auckland's bring half a weekday's messages on
    weekends and holidays), and those messages jump ahead of the emails waiting through it. Read
    from no past day, the holiday expected nobody."""
    now = WAITANGI - timedelta(hours=12)                              # Thursday noon
    ol = history_until(now, AUCKLAND, seed=1).stats(now).outlook
    start = bisect.bisect_left(ol.bounds, WAITANGI.timestamp())
    holiday = slice(start, start + 96)
    expected = sum(sum(ol.arrivals[ch][holiday]) for ch in AUCKLAND.daily)
    quiet_day = sum(AUCKLAND.daily.values()) * AUCKLAND.weekend_share
    assert expected == pytest.approx(quiet_day, rel=0.35), f"{expected:.0f} arrivals expected"


def test_a_holiday_s_own_messages_are_promised_with_that_day_s_customers_ahead_of_them():
    """The tickets written on Auckland's Waitangi Day wait for Saturday's one agent, behind the
    day's later chats and posts. Forecast without them (no past day like the holiday), 0.82 of
    those promises were kept over seeds 1-4 (seed 2: half); with them, 0.94."""
    pairs = []
    for seed in (1, 2, 3, 4):
        trace = simulate(AUCKLAND, seed=seed).between(end=WAITANGI.timestamp() + 3 * 86400)
        result = replay(trace, 0.9)
        arrived = {e.ticket: e.t for e in trace.events if e.kind == ARRIVAL}
        pairs += [(wait, result.promises[KEPT][ticket]) for ticket, (_, wait) in result.waits.items()
                  if WAITANGI.timestamp() <= arrived[ticket] < WAITANGI.timestamp() + 86400]
    n, kept, _, _ = score(pairs, 0.9)
    assert n > 100
    assert kept >= 0.85, f"kept {kept:.3f} of the holiday's promises"


def day_with(until: datetime, came_in: dict[str, datetime], now: datetime) -> TeamHistory:
    """The simulated history up to ``until``, then these agents coming online at these times
    and, while they are, answering the oldest waiting ticket at the team's usual pace (agents
    logged in who answer nothing while work waits have gone), brought up to ``now``."""
    history = history_until(until)
    pace = timedelta(seconds=1.0 / history.stats(until).service_rate)
    for at, agent in sorted((at, agent) for agent, at in came_in.items()):
        history.agent_online(at, agent)
    replies = sorted((at + k * pace, agent) for agent, at in came_in.items()
                     for k in range(1, 1000) if at + k * pace < now)
    for at, agent in replies:
        if history.waiting:
            history.first_reply(at, next(iter(history.waiting)), agent)
    history.advance(now)
    return history


def middle_estimate(history: TeamHistory, now: datetime, ahead: int, online: int) -> float:
    return forecast_wait(state_at(history, now, ahead, online=online)).quantile(0.5)


def test_agents_away_all_morning_are_not_expected_back_this_afternoon():
    """Absences last the day. Two of three agents not in all morning: the afternoon beyond the
    next hours was read at the usual staffing, as if they would turn up after lunch, and a long
    queue written at 11:30 was promised for the afternoon. The day's staffing so far says what the
    rest of it will be; a morning everybody worked says the afternoon is as usual."""
    monday = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)           # 09:00 in Berlin, second week
    now = monday + timedelta(hours=2, minutes=30)
    before = monday - timedelta(minutes=30)
    full = day_with(before, dict.fromkeys(("a1", "a2", "a3"), monday), now)
    short = day_with(before, {"a1": monday}, now)
    assert full.stats(now).staff_today > 0.9
    assert short.stats(now).staff_today < 0.5
    # The same queue, with one agent online in both (the others at lunch early, or away).
    assert middle_estimate(short, now, 25, online=1) > middle_estimate(full, now, 25, online=1) + 3600


def test_a_widened_channel_is_unsure_of_the_work_ahead_not_of_the_team_s_pace(tuesday_morning):
    """The calibration widens a channel whose outcomes keep landing in its forecasts' tails
    (``dispersion``): the count of tickets that jump in and of handlings that run long is less
    certain than the forecast said. The pace itself is learned from hundreds of replies and has
    its own spread; widened as well, a 150-ticket queue on a channel widened 3× was promised 26 h
    past its middle estimate instead of 19 h. A short queue, mostly count noise, still widens."""
    history, now = tuesday_morning
    def promise_and_middle(ahead: int, dispersion: float) -> tuple[float, float]:
        forecast = forecast_wait(state_at(history, now, ahead), dispersion)
        return forecast.quantile(0.9), forecast.quantile(0.5)
    (long_even, _), (long_wide, long_middle) = promise_and_middle(150, 1.0), promise_and_middle(150, 3.0)
    assert long_wide < 1.6 * long_even
    assert long_wide - long_middle < 22 * 3600
    (short_even, _), (short_wide, _) = promise_and_middle(20, 1.0), promise_and_middle(20, 3.0)
    assert short_wide > short_even + 3600


def test_colleagues_in_early_to_cover_an_absence_do_not_make_a_full_afternoon():
    """One of three agents is away; the other two came in at 08:00, an hour early, to cover.
    By 11:30 their agent-hours exceed a usual morning's, and read alone they promised the
    afternoon at more than full staffing. Who has come in against who usually has by then says
    two of three: the rest of today is read at that, and a long queue is promised later than on
    a day everyone came in, with the same two agents online."""
    monday = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)           # 08:00 in Berlin, second week
    now = monday + timedelta(hours=3, minutes=30)
    before = monday - timedelta(minutes=30)
    usual = day_with(before, dict.fromkeys(("a1", "a2", "a3"), monday + timedelta(hours=1)), now)
    covered = day_with(before, dict.fromkeys(("a1", "a2"), monday), now)
    assert usual.stats(now).staff_today > 1.0
    assert covered.stats(now).staff_today < 0.9
    assert middle_estimate(covered, now, 60, online=2) > middle_estimate(usual, now, 60, online=2) + 1800


def test_an_agent_in_early_does_not_make_the_rest_of_the_day_fuller():
    """One of three agents comes in at 08:00, an hour before the usual; at 08:40 the others are
    not yet due. Read from the hours worked by then, the rest of the day was 1.67 times the usual,
    as certain, as if an early start brought more colleagues later. Until as many have come as a
    day usually has, an early agent says the day is full, no more."""
    monday = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)           # 08:00 in Berlin, second week
    now = monday + timedelta(minutes=40)
    early = day_with(monday - timedelta(minutes=30), {"a1": monday}, now)
    assert early.stats(now).staff_today == pytest.approx(1.0)


def test_a_long_weekend_s_backlog_is_not_promised_for_the_afternoon_an_early_agent_came_in():
    """London's desk of two, the Tuesday after Easter Monday (seed 9): the first agent comes in
    early, the second is away. Read from the first one's early hours, the rest of the day was
    fuller than usual and the emails written before the second was due were promised for that
    afternoon (eight hours); the weekend's backlog took until the next day."""
    team = TEAMS["london-duo"]
    tuesday = datetime(2026, 4, 7, 9, 0, tzinfo=ZoneInfo(team.timezone))
    trace = simulate(team, seed=9).between(end=tuesday.timestamp() + 3 * 86400)
    result = replay(trace, 0.9)
    morning = [e.ticket for e in trace.events if e.kind == ARRIVAL and e.channel == "email"
               and tuesday.timestamp() <= e.t < tuesday.timestamp() + 5400]
    assert len(morning) >= 3
    for ticket in morning:
        assert result.waits[ticket][1] > 20 * 3600
        assert result.promises[KEPT][ticket] > 20 * 3600, ticket


def test_a_reply_delay_observed_after_a_promise_counts_in_the_next_one():
    """The delay points are summarised once per observed delay, not once per arrival: a slow
    first reply after an agent's return moves the very next promise."""
    history = TeamHistory(None)
    t0 = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
    history.arrival(t0, "t1", "email", "normal")
    history.agent_online(t0 + timedelta(minutes=1), "a1")
    history.first_reply(t0 + timedelta(minutes=11), "t1", "a1")
    before = history.stats(t0 + timedelta(minutes=12)).reply_delays["email"]
    history.arrival(t0 + timedelta(minutes=13), "t2", "email", "normal")
    history.agent_offline(t0 + timedelta(minutes=14), "a1")
    history.agent_online(t0 + timedelta(minutes=15), "a1")
    history.first_reply(t0 + timedelta(minutes=45), "t2", "a1")
    after = history.stats(t0 + timedelta(minutes=46)).reply_delays["email"]
    assert max(before) == 600.0
    assert max(after) == 1800.0


def test_agents_finishing_their_last_ticket_at_closing_take_no_new_one():
    """The centre open until midnight, exported without presence events (seed 2). At 00:02 on 14
    February the agents whose last replies came at 23:58-23:59 are still handling those tickets
    and leave when they are done. Counted as taking, four agents read as a night shift for the
    rest of the quarter hour, and a post written then with one ahead of it, answered at 08:00, was
    promised 21 minutes."""
    trace = simulate(replace(TEAMS["contact-centre-16h"], days=14), seed=2).replies_only()
    now = datetime(2026, 2, 14, 0, 2, tzinfo=UTC)
    history = TeamHistory(BusinessCalendar.from_spec(trace.calendar))
    for e in trace.events:
        if e.t >= now.timestamp():
            break
        history.record(e)
    assert len(history.online) >= 2
    assert history.taking(now) == 0
    post = next(e.ticket for e in trace.events
                if e.kind == ARRIVAL and e.channel == "social" and now.timestamp() <= e.t < now.timestamp() + 60)
    result = replay(trace, 0.9)
    assert result.waits[post][1] > 7 * 3600
    assert result.promises[KEPT][post] >= result.waits[post][1]


def test_agents_whose_replies_go_on_after_closing_still_take_tickets_then():
    """Berlin's shifts run past its declared hours: replies go on after closing, so an agent known
    by replies who is online then is at work and counts as taking."""
    trace = simulate(TEAM, seed=3).replies_only()
    calendar = BusinessCalendar.from_spec(trace.calendar)
    history = TeamHistory(calendar)
    after_closing = 0
    for e in trace.events:
        if e.kind == ARRIVAL and not calendar.is_open_us(int(e.t * 1e6)) and history.online:
            assert history.taking(to_datetime(e.t)) == len(history.online)
            after_closing += 1
        history.record(e)
    assert after_closing > 10
