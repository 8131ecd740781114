"""What the team has recently done, summarised for the wait-time predictor.

:class:`TeamHistory` is fed the same events live and in a backtest (agents going online and
offline, arrivals, first replies, abandonments) and answers with plain values:

* a staffing and arrival *outlook*: for each 15-minute slot of the next weeks, how many agents
  are usually online and how many tickets of each channel usually arrive, learned from the
  same weekday (or, failing that, any day of the same open/closed kind) of past weeks in the
  team's local time, and from the declared business calendar when there is no history yet;
* handling time per channel, from spells when every agent was busy (:mod:`inbox.eta.service_times`),
  forgetting in staffed time so that a closed fortnight does not erase it;
* per channel: the delay from an agent taking a ticket to its first reply, the priority mix,
  the share of tickets abandoned (of those that had to wait in line, which is what a ticket
  ahead in the queue is), and how far the last hour's arrivals ran above the usual.

Nothing here looks ahead of the instant it is asked about.
"""
from __future__ import annotations

import bisect
import math
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from inbox.eta.service_times import ServiceTimes
from inbox.eta.trace import ABANDONED, AGENT_OFFLINE, AGENT_ONLINE, ARRIVAL, FIRST_REPLY, TraceEvent, to_datetime
from inbox.sla.calendar import BusinessCalendar

SLOT = 900.0
# A quarter hour's usual arrivals are read over the hour each side of it, weighted 1, 2, … 5, … 1:
# a day's arrival curve barely changes within an hour, while a few past days hold only a few
# arrivals per quarter hour, often none (see ``_build_outlook``).
ARRIVAL_KERNEL = tuple(float(min(k, 8 - k) + 1) for k in range(9))
OUTLOOK_DAYS = 24               # long enough to see past a two-week holiday block
PROFILE_WEEKS = 4               # how many past same-kind days feed a slot's average
# The service rate forgets in *staffed* time (seconds with an agent online): a closed weekend or a
# two-week holiday says nothing new about how fast agents work, so it must not erase what the
# weeks before it said. One staffed day is about three working days of a nine-to-five team.
SERVICE_HALF_LIFE = 86400.0
PRIOR_SERVICE_SECONDS = 600.0   # a first reply every ten minutes per agent, until we know better
PRIOR_REPLIES = 5.0
REPLY_DELAY_SAMPLES = 200
# The take-to-reply delay enters the wait as a mixture over these quantiles. Ten, not five: when
# an agent is free the delay is the whole wait, and a promise at 0.9 must be able to fall between
# the delay's 85th and 95th percentiles rather than jump from its 70th to its 90th.
DELAY_POINTS = tuple((k + 0.5) / 10 for k in range(10))
MIX_HALF_LIFE = 7 * 86400.0
CHANNELS = ("email", "social", "chat")
UNNAMED = "(unnamed)"   # the author of replies that name no agent
# A history without presence events (a system that logs only replies) still shows who works: an
# agent counts as online from a first reply until IDLE_HANDLINGS handling times (at least
# MIN_IDLE) pass without another, or one handling time once the team is closed.
IDLE_HANDLINGS = 4.0
MIN_IDLE = 900.0
# An agent logged in but idle this long while a ticket waits has gone without logging out.
ABSENT_HANDLINGS = 12.0
MIN_ABSENT = 3600.0
SURGE_CLEAR = 2.0               # an hour's excess arrivals, in noise units, that starts a surge
SURGE_OVER = 1.0                # ... and at or below which it has ended
# Today's staffing so far is read with one agent-hour at the usual on each side, so the first
# minutes of a shift (an agent a few minutes late) do not read as a short day.
STAFF_PRIOR = 3600.0
# An agent not in within this long after they usually are is away today, not running late.
LATE_GRACE = 1800.0
# A history that starts this long before its first day's opening saw that day's agents come in:
# the day is whole, and is read for days no later day describes yet (see _similar_past_days).
WHOLE_FIRST_DAY = 3600.0
# Agents known only by replies leave at the calendar's closing, not idle minutes after their last
# reply, where the team's replies stop there: fewer than CLOSING_LATE_SHARE as many in the hour
# after a closing as in the hour before one (once CLOSING_MIN_REPLIES have come before one).
CLOSING_LATE_SHARE = 0.1
CLOSING_MIN_REPLIES = 20
# A day is another kind of day than those sharing its declared hours when it has under this or
# over its inverse times their mean agent-hours and arrivals (``_unlike``).
UNLIKE = 0.5
# A future day's staffing, as three levels: the lowest sixth of recent days, the middle two
# thirds, the highest sixth (the weights of a three-point Gauss–Hermite rule).
STAFF_BANDS = ((0.0, 1 / 6), (1 / 6, 5 / 6), (5 / 6, 1.0))


@dataclass(frozen=True)
class Outlook:
    """Expected agents online and arrivals per channel, slot by slot from ``bounds[0]``.

    ``staff_cum[i]`` and ``arrivals_cum[ch][i]`` are running totals (agent-seconds, tickets) up
    to ``bounds[i]``; rates are per slot ``[bounds[i], bounds[i+1])``.
    """

    bounds: tuple[float, ...]
    staff: tuple[float, ...]
    staff_cum: tuple[float, ...]
    starts_cum: tuple[float, ...]             # running total of agents coming online
    arrivals: Mapping[str, tuple[float, ...]]
    arrivals_cum: Mapping[str, tuple[float, ...]]
    learned: bool
    # How a future day's staffed hours may turn out, relative to the usual: (factor, chance).
    staff_levels: tuple[tuple[float, float], ...] = ((1.0, 1.0),)
    # Running totals of the arrivals expected while someone is online (each slot's arrivals
    # times the chance, capped at one agent, that an agent is there).
    staffed_arrivals_cum: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    # Whether its first day is read from days with other declared hours (TeamHistory._borrowed).
    borrowed_today: bool = False
    # When each agent was first seen (seconds after local midnight) on the days its first day's
    # staffing is read from, sorted, and how many such days there are.
    first_seen: tuple[float, ...] = ()
    first_seen_days: int = 0

    def slot_at(self, t: float) -> int:
        return min(max(bisect.bisect_right(self.bounds, t) - 1, 0), len(self.staff) - 1)


@dataclass(frozen=True)
class RecentStats:
    """The history summary the predictor needs, as of one instant."""

    service_rate: float                       # takes per busy agent-second
    service_replies: float                    # evidence behind it (decayed count, prior included)
    reply_delays: Mapping[str, tuple[float, ...]]
    class_mix: Mapping[str, Mapping[str, float]]
    abandon_share: Mapping[str, float]
    surge: Mapping[str, float]                # extra arrivals per second, last hour
    surge_age: Mapping[str, float]            # seconds the current surge has lasted (0: none)
    free_chances: tuple[float, ...]           # per online agent: P(idle now)
    service_weight: Mapping[str, float]       # a channel's handling time over the average
    outlook: Outlook
    # Per channel: the share of tickets arriving with nobody online that leave unanswered.
    closed_abandon_share: Mapping[str, float] = field(default_factory=dict)
    # Today's arrivals so far over the outlook's, when today's outlook is read from unlike days.
    arrival_level: float = 1.0
    # How full the rest of today will be, as (level, weight) pairs (``_today_levels``), and when
    # today ends.
    today_levels: tuple[tuple[float, float], ...] = ((1.0, 1.0),)
    today_end: float = 0.0

    @property
    def staff_today(self) -> float:
        """How full the rest of today will be, on average over ``today_levels``."""
        return sum(level * w for level, w in self.today_levels)


@dataclass
class _Decayed:
    """A sum that halves every ``half_life`` seconds of wall time."""

    half_life: float
    value: float = 0.0
    t: float = 0.0

    def add(self, t: float, x: float) -> None:
        self.value = self.at(t) + x
        self.t = t

    def at(self, t: float) -> float:
        if t <= self.t:
            return self.value
        return self.value * 0.5 ** ((t - self.t) / self.half_life)


class _Both:
    """Adds to two decayed sums at once."""

    def __init__(self, a: _Decayed, b: _Decayed):
        self.a, self.b = a, b

    def add(self, t: float, x: float) -> None:
        self.a.add(t, x)
        self.b.add(t, x)


@dataclass
class _Ticket:
    channel: str
    arrived: float
    staffed: bool      # agents were online when it arrived
    queued: bool       # ... and all of them busy, so it had to wait in line


class TeamHistory:
    """Rolling record of one team's events; see the module docstring."""

    def __init__(self, calendar: BusinessCalendar | None, channels: tuple[str, ...] = CHANNELS):
        self.calendar = calendar
        self.tz = ZoneInfo(calendar.timezone) if calendar is not None else ZoneInfo("UTC")
        self.channels = channels
        self.online: dict[str, float] = {}
        self._seen_replying: dict[str, float] = {}    # agent -> last reply, online by replies only
        self._around_closing = (0, 0)                 # replies in the hour before / after a closing
        self._with_presence: set[str] = set()         # agents whose presence events are logged
        self._active: dict[str, float] = {}           # ... and their last login or reply
        self._away: set[str] = set()                  # ... logged in, but gone (_forget_absent)
        self.waiting: dict[str, _Ticket] = {}
        self._t = -math.inf
        self._midnight = math.inf   # the next local midnight after ``_t``
        self._staffed = 0.0         # seconds so far with at least one agent online
        self._service = ServiceTimes(channels, SERVICE_HALF_LIFE, PRIOR_SERVICE_SECONDS,
                                     PRIOR_REPLIES)
        self._first: float | None = None
        self._staff_slots: dict[date, list[float]] = defaultdict(lambda: [0.0] * 100)
        # Per local day: each agent seen online, and when first (seconds after local midnight).
        self._first_seen: dict[date, dict[str, float]] = defaultdict(dict)
        self._arrival_slots: dict[tuple[date, str], list[float]] = defaultdict(lambda: [0.0] * 100)
        self._last_take: dict[str, tuple[float, bool]] = {}   # agent -> (when, at a reply)
        self._took_on_return: dict[str, float] = {}
        self._delays: dict[str, deque[float]] = {ch: deque(maxlen=REPLY_DELAY_SAMPLES) for ch in channels}
        # (mean delay, points per channel), until the next delay is observed: every arrival asks.
        self._delay_summary: tuple[float, dict[str, tuple[float, ...]]] | None = None
        self._mix: dict[tuple[str, str], _Decayed] = {}
        self._ended: dict[tuple[str, bool], _Decayed] = {}
        self._recent_arrivals: dict[str, deque[float]] = {ch: deque() for ch in channels}
        self._surge_since: dict[str, float] = {}
        self._outlook: Outlook | None = None
        self._outlook_day: date | None = None
        self._outlook_built = 0.0
        self._open_days: dict[date, tuple[tuple[float, float], ...]] = {}

    # -- events ----------------------------------------------------------------------------

    def record(self, e: TraceEvent) -> None:
        """Feed one trace event to the method for its kind."""
        at = to_datetime(e.t)
        if e.kind == AGENT_ONLINE:
            self.agent_online(at, e.agent)
        elif e.kind == AGENT_OFFLINE:
            self.agent_offline(at, e.agent)
        elif e.kind == ARRIVAL:
            self.arrival(at, e.ticket, e.channel, e.priority)
        elif e.kind == FIRST_REPLY:
            self.first_reply(at, e.ticket, e.agent)
        elif e.kind == ABANDONED:
            self.abandoned(at, e.ticket)

    def advance(self, at: datetime) -> None:
        """Bring the record up to ``at`` (agents seen only by their replies may have gone)."""
        self._advance(at)

    def _presence_logged(self, agent: str) -> None:
        """From now on the agent's presence events say whether they are online, not replies."""
        self._with_presence.add(agent)
        self._seen_replying.pop(agent, None)

    def agent_online(self, at: datetime, agent: str) -> None:
        t = self._advance(at)
        self._presence_logged(agent)
        self.online[agent] = t
        self._active[agent] = t
        self._away.discard(agent)
        self._seen_today(t, agent)
        if self.waiting:
            # Work was waiting, so the agent took a ticket at once: the delay to their next
            # first reply is the take-to-reply delay, otherwise unobservable.
            self._took_on_return[agent] = t
            self._last_take[agent] = (t, False)
        else:
            self._last_take.pop(agent, None)

    def agent_offline(self, at: datetime, agent: str) -> None:
        self._advance(at)
        self._presence_logged(agent)
        self.online.pop(agent, None)
        self._away.discard(agent)
        self._took_on_return.pop(agent, None)

    def arrival(self, at: datetime, ticket: str, channel: str, priority: str) -> None:
        t = self._advance(at)
        if ticket in self.waiting:
            return      # a repeated line: one customer waiting, not two arrivals
        self.waiting[ticket] = _Ticket(channel, t, bool(self.online),
                                       bool(self.online) and len(self.waiting) >= len(self.online))
        day, k = self._slot_key(t)
        self._arrival_slots[(day, channel)][k] += 1
        self._mix.setdefault((channel, priority), _Decayed(MIX_HALF_LIFE)).add(t, 1.0)
        self._recent_arrivals.setdefault(channel, deque()).append(t)
        self._track_surge(t, channel)

    def first_reply(self, at: datetime, ticket: str, agent: str | None) -> None:
        t = self._advance(at)
        saturated = self._saturated()
        tk = self.waiting.pop(ticket, None)
        # A reply shows its author at work. One with no presence event yet (a history of
        # replies only, or one that starts while agents are already logged in) counts as online
        # until a quiet spell says they have gone, or their own presence events take over. Once
        # an agent's presence is logged, it alone tells: replies sent while logged out (from a
        # phone, after a shift) do not make the agent available for the queue. Replies that name
        # nobody (an export without agent ids) are one unnamed agent's, working at the pace of
        # all of them: with no agent online ever, every day read as unstaffed and promises ran
        # to the horizon (a contact centre answering in seconds was promised 36 hours).
        agent = UNNAMED if agent is None else agent
        if agent not in self._with_presence:
            self.online.setdefault(agent, t)
            self._seen_replying[agent] = t
            self._seen_today(t, agent)
            self._count_around_closing(t)
        else:
            self._active[agent] = t
            if agent in self._away:
                self._away.discard(agent)
                self.online.setdefault(agent, t)
        if tk is None:
            return
        took = self._took_on_return.pop(agent, None)
        if saturated and took is None:
            self._service.replied(self._staffed, tk.channel)
        self._last_take[agent] = (t, True)
        if took is not None:
            self._delays.setdefault(tk.channel, deque(maxlen=REPLY_DELAY_SAMPLES)).append(
                min(t - took, t - tk.arrived))
            self._delay_summary = None
        self._ended_counter(tk).add(t, 0.0)

    def abandoned(self, at: datetime, ticket: str) -> None:
        t = self._advance(at)
        tk = self.waiting.pop(ticket, None)
        if tk is not None:
            self._ended_counter(tk).add(t, 1.0)

    def passed_over(self, at: datetime, ticket: str) -> None:
        """Stop counting ``ticket`` as waiting: the agents have passed it over (closed without a
        reply, or handled elsewhere; see ``replay.PASSED_OVER_HANDLINGS``). It did not leave the way
        a visitor does, so it is no abandonment."""
        self._advance(at)
        self.waiting.pop(ticket, None)

    def mean_handling(self) -> float:
        """Seconds an agent usually spends on a ticket, all channels together."""
        return self._service.pooled(self._staffed)

    def _ended_counter(self, tk: _Ticket) -> _Decayed:
        # Keyed (channel, staffed): abandon shares differ when nobody is there to answer.
        key = (tk.channel, tk.staffed)
        total = self._ended.setdefault(("n", *key), _Decayed(MIX_HALF_LIFE))
        total.add(self._t, 1.0)
        counter = self._ended.setdefault(key, _Decayed(MIX_HALF_LIFE))
        if tk.queued:
            self._ended.setdefault(("n", tk.channel, "queued"), _Decayed(MIX_HALF_LIFE)).add(self._t, 1.0)
            return _Both(counter, self._ended.setdefault((tk.channel, "queued"), _Decayed(MIX_HALF_LIFE)))
        return counter

    def _free_chance(self, t: float, agent: str, handling: float, after_reply: float) -> float:
        last = self._last_take.get(agent)
        if last is None:
            return 1.0
        when, at_reply = last
        return 1.0 - math.exp(-(t - when) / (after_reply if at_reply else handling))

    def _saturated(self) -> bool:
        """More tickets unanswered than agents online: some ticket is untaken, so nobody is idle."""
        return bool(self.online) and len(self.waiting) > len(self.online)

    def longest_wait(self, at: datetime) -> float:
        """Seconds the oldest waiting ticket has waited (0 when none is waiting)."""
        for tk in self.waiting.values():     # insertion order: the oldest first
            return max(0.0, at.timestamp() - tk.arrived)
        return 0.0

    # -- bookkeeping -----------------------------------------------------------------------

    def _advance(self, at: datetime) -> float:
        t = at.timestamp()
        if self._first is None:
            self._first = t
            self._midnight = self._next_midnight(t)
        elif t > self._t:
            if self._seen_replying:
                self._forget_idle(t)
            if self.waiting and len(self.online) > len(self._seen_replying):
                self._forget_absent(t, next(iter(self.waiting.values())).arrived)
            self._pass(self._t, t)
        self._t = max(self._t, t)
        return t

    def _seen_today(self, t: float, agent: str) -> None:
        day = self._slot_key(t)[0]
        self._first_seen[day].setdefault(agent, t - self._local_epoch(day, 0.0))

    def _next_midnight(self, t: float) -> float:
        return self._local_epoch(self._slot_key(t)[0] + timedelta(days=1), 0.0)

    def _pass(self, a: float, b: float) -> None:
        if b >= self._midnight:
            # Agents online through midnight are in on the new day from its start. Checked
            # against the next midnight, not by each end's local date: this runs on every event.
            self._midnight = self._next_midnight(b)
            if self.online:
                seen = self._first_seen[self._slot_key(b)[0]]
                for agent in self.online:
                    seen.setdefault(agent, 0.0)
        n = len(self.online)
        if n:
            self._accumulate_staff(a, b, n)
            self._staffed += b - a
            if self._saturated():
                self._service.worked(self._staffed, n * (b - a))

    def _forget_idle(self, t: float) -> None:
        """Agents seen only by their replies are gone once a few handling times pass quietly,
        or one when the team is closed by then: in opening hours a quiet agent is most likely
        between tickets, after them most likely gone. Kept for four handling times after the last
        reply of the evening, agents were read as free at once, and posts written just after
        closing were promised minutes for a wait until the morning.

        An agent who goes quiet while work waits untaken was not at work through the quiet spell
        either: once the spell has run out, it is read back as gone from one handling time after
        the last reply, in the day's staffing and in the time worked. Kept, a team's lunch read
        as staffed for its first four handling times and its agents' pace as that much slower:
        replayed from replies only, the public trace broke the Monday promises after a long
        weekend (social kept 0.837, pinball 15.2 minutes; with it 0.872 and 12.8). While nothing
        waits, a quiet agent may be there and idle, and the spell stands."""
        handling = self._service.pooled(self._staffed)
        idle = max(MIN_IDLE, IDLE_HANDLINGS * handling)
        for gone, agent in self._leave_by(t, ((self._quiet_until(last, handling, idle), agent)
                                              for agent, last in self._seen_replying.items())):
            last = self._seen_replying.pop(agent)
            since = last + handling
            # Gone by the quiet spell, not at a closing.
            if gone == last + idle and self._untaken_since(since):
                self._accumulate_staff(since, gone, -1)
                self._service.worked(self._staffed, -(gone - since))

    def _untaken_since(self, since: float) -> bool:
        """Whether some ticket has waited untaken since ``since``, with the agent just gone
        counted among those online then: more tickets waiting since then than agents, so the
        whole spell was also counted as saturated, worked time."""
        ahead = 0
        for tk in self.waiting.values():      # insertion order: the oldest first
            if tk.arrived > since:
                return False
            ahead += 1
            if ahead > len(self.online) + 1:
                return True
        return False

    def _forget_absent(self, t: float, waiting_since: float) -> None:
        """Agents logged in who have neither replied nor logged in again for ``ABSENT_HANDLINGS``
        handling times (at least ``MIN_ABSENT``) while a ticket waited are not at work: a logout
        never logged (a closed laptop) left them online all night, the night's tickets were
        promised minutes, and their idle hours in a queue read as a pace several times too slow
        (5 % of logouts lost: pinball 2.6-8 x the best baseline's). They are back at their next
        reply or login. Four handling times, as for agents known by replies only, measured
        worse on the public trace (8.79 -> 9.76): its agents go 35-60 min between first replies
        with work waiting, and reply minutes later."""
        handling = self._service.pooled(self._staffed)
        idle = max(MIN_ABSENT, ABSENT_HANDLINGS * handling)
        for _, agent in self._leave_by(t, ((max(self._active.get(agent, since), waiting_since) + idle, agent)
                                           for agent, since in self.online.items() if agent in self._with_presence)):
            self._took_on_return.pop(agent, None)
            self._away.add(agent)

    def _leave_by(self, t: float, departures: Iterable[tuple[float, str]]) -> list[tuple[float, str]]:
        """Take offline, in time order, the agents of ``(when, agent)`` pairs that leave before
        ``t``, counting the staffed time up to each departure; the pairs of those who left."""
        left = []
        for gone, agent in sorted(departures):
            if gone >= t:
                break
            if gone > self._t:
                self._pass(self._t, gone)
                self._t = gone
            self.online.pop(agent, None)
            left.append((gone, agent))
        return left

    def _quiet_until(self, last: float, handling: float, idle: float) -> float:
        if self.calendar is not None:
            if not self.calendar.is_open_us(int((last + handling) * 1e6)):
                return last + handling
            if self._closes_with_calendar():
                close = self.calendar.next_close_us(int(last * 1e6))
                if close is not None and close / 1e6 < last + idle:
                    return max(last + handling, close / 1e6)
        return last + idle

    def _closes_with_calendar(self) -> bool:
        """Whether the team's replies stop at the calendar's closings (``_count_around_closing``)."""
        before, after = self._around_closing
        return before >= CLOSING_MIN_REPLIES and after < CLOSING_LATE_SHARE * before

    def _count_around_closing(self, t: float) -> None:
        """Count a reply sent in the hour before a closing or in the hour after one.

        Where the whole team leaves at closing (a centre open until midnight), an agent whose
        last reply came at 23:45 was counted online until 00:25, with nobody usually online
        then, so as a night shift: posts written just after midnight were promised minutes for
        a wait until the morning (the 16-hour centre, replayed from replies only: a fifth of its
        pinball in that hour). Where shifts run past the declared hours (an agent on 10-19 in a
        team open 9-18), replies go on after closing and the idle rule stands: cutting there
        dropped agents still at work (Berlin, every seed, +0.02 to +0.06 x the baseline)."""
        cal = self.calendar
        if cal is None:
            return
        before, after = self._around_closing
        if cal.is_open_us(int(t * 1e6)):
            if not cal.is_open_us(int((t + 3600.0) * 1e6)):
                self._around_closing = (before + 1, after)
        elif cal.is_open_us(int((t - 3600.0) * 1e6)):
            self._around_closing = (before, after + 1)

    def _slot_key(self, t: float) -> tuple[date, int]:
        local = datetime.fromtimestamp(t, self.tz)
        secs = local.hour * 3600 + local.minute * 60 + local.second
        return local.date(), int(secs // SLOT)

    def _accumulate_staff(self, a: float, b: float, n: int) -> None:
        while a < b:
            day, k = self._slot_key(a)
            local = datetime.fromtimestamp(a, self.tz)
            into = local.minute * 60 + local.second + local.microsecond / 1e6
            step = min(b - a, SLOT - (into % SLOT) or SLOT)
            self._staff_slots[day][k] += n * step
            a += step

    # -- summaries -------------------------------------------------------------------------

    def taking(self, at: datetime) -> int:
        """Agents online who may still take a ticket at ``at``. Where the team's replies stop at
        closing, one known by replies only whose last handling runs past it leaves when that
        ends (``_quiet_until``) and takes nothing more: counted, the agents finishing at a
        centre's midnight closing read as a night shift for the rest of the quarter hour, and
        posts written just after were promised minutes. Where replies go on after closing, an
        agent online then is at work."""
        t = at.timestamp()
        cal = self.calendar
        if cal is None or cal.is_open_us(int(t * 1e6)) or not self._closes_with_calendar():
            return len(self.online)
        handling = self._service.pooled(self._staffed)
        return len(self.online) - sum(1 for agent, last in self._seen_replying.items()
                                      if agent in self.online
                                      and not cal.is_open_us(int((last + handling) * 1e6)))

    def stats(self, at: datetime) -> RecentStats:
        t = at.timestamp()
        staffed = self._staffed + (max(0.0, t - self._t) if self.online else 0.0)
        pooled = self._service.pooled(staffed)
        mu = 1.0 / pooled
        # An agent idle since coming online is free; one who took work e seconds ago is still
        # handling it with probability exp(-e/s̄), and one who sent a first reply e seconds ago
        # with exp(-e/(s̄ - d̄)): the reply comes a take-to-reply delay d into the handling.
        if self._delay_summary is None:
            delays = [x for d in self._delays.values() for x in d]
            self._delay_summary = (sum(delays) / len(delays) if delays else 0.0,
                                   self._reply_delay_points())
        mean_delay, delay_points = self._delay_summary
        after_reply = max(pooled - mean_delay, 0.1 * pooled)
        free = tuple(self._free_chance(t, a, pooled, after_reply) for a in self.online)
        surges, surge_ages = self._surges(t)
        return RecentStats(
            service_rate=mu,
            service_replies=self._service.evidence(staffed),
            reply_delays=delay_points,
            class_mix=self._class_mix(t),
            abandon_share=self._abandon_shares(t),
            surge=surges,
            surge_age=surge_ages,
            free_chances=free,
            service_weight={ch: v / pooled for ch, v in self._service.by_channel(staffed).items()},
            outlook=self.outlook(t),
            closed_abandon_share={ch: self._abandon_share(t, ch, False) for ch in self.channels},
            arrival_level=self._arrival_level(t),
            today_levels=self._today_levels(t),
            today_end=self._local_epoch(self._outlook_day + timedelta(days=1), 0.0),
        )

    def _today_levels(self, t: float) -> tuple[tuple[float, float], ...]:
        """How full the rest of today will be, as (level, weight) pairs: today's agent-hours so
        far over the usual's by now, or the agents who have come in over those who usually have by
        now, whichever is lower.

        Absences last the day. Two agents of three not in by mid-morning will not be in this
        afternoon either, so the rest of today is read at this level; the days after it at the
        outlook's levels (``_staff_levels``). Not on a new install's guessed staffing, nor on a day
        read from unlike days, whose staffing already follows the agents online.
        """
        outlook = self.outlook(t)
        if not outlook.learned or outlook.borrowed_today:
            return ((1.0, 1.0),)
        day_start = self._local_epoch(self._outlook_day, 0.0)
        expected = _integral(outlook.bounds, outlook.staff_cum, day_start, t)
        slots = self._staff_slots.get(self._outlook_day)
        # Agent-time is recorded as events pass; the stretch since the last one is still to count.
        seen = (sum(slots) if slots else 0.0) + len(self.online) * max(0.0, t - max(self._t, day_start))
        level = (seen + STAFF_PRIOR) / (expected + STAFF_PRIOR)
        if not outlook.first_seen_days:
            return ((level, 1.0),)
        # Agent-hours alone dilute an absence with the hours before the absent agent was due and
        # with colleagues who came in early: one of three agents away reads as a day at 0.85, not
        # two thirds. Counting who has come in against who usually has by now says it plainly.
        due = bisect.bisect_right(outlook.first_seen, t - day_start - LATE_GRACE) / outlook.first_seen_days
        came = len(self._first_seen.get(self._outlook_day, {}).keys() | self.online.keys())
        mean = min(level, (came + 1.0) / (due + 1.0))
        if came >= due:
            # Until as many have come as a day usually has, the hours of those who came early say
            # nothing of the rest of the day beyond its being full. Read as a fuller day, a desk of
            # two whose first agent came in early had the rest of it above its usual, as certain,
            # with the second not yet due, and away: London's Tuesday after Easter Monday, its
            # long weekend's backlog promised eight hours at 09:23 and answered in twenty-seven.
            if came < len(outlook.first_seen) / outlook.first_seen_days:
                mean = min(mean, 1.0)
            return ((mean, 1.0),)
        # Those missing are away for the day, or late after all and the rest of it is full: the
        # level is the mean of the two ends, kept apart. Half a day's staffing for a one-agent
        # desk whose agent is not in is a day that never happens, and read so, its promises came
        # due in the afternoon of the day off, or early the next morning as if half its backlog
        # had gone. As the morning goes on the level falls, and the chance of the full day with it.
        away = min(level, came / due)
        late = (mean - away) / (1.0 - away)
        return ((away, 1.0 - late), (1.0, late))

    def _arrival_level(self, t: float) -> float:
        """Today's arrivals so far over what its outlook expected by now, when that outlook is
        borrowed from unlike days (see ``_borrowed``); one pseudo-ticket on each side keeps a
        quiet first hour from reading as an empty day."""
        outlook = self.outlook(t)
        if not outlook.borrowed_today:
            return 1.0
        day_start = self._local_epoch(self._outlook_day, 0.0)
        expected = sum(_integral(outlook.bounds, outlook.arrivals_cum.get(ch), day_start, t) for ch in self.channels)
        k = int((t - day_start) // SLOT)
        return (self._arrived(self._outlook_day, k + 1) + 1.0) / (expected + 1.0)

    def _reply_delay_points(self) -> dict[str, tuple[float, ...]]:
        pooled = sorted(x for d in self._delays.values() for x in d)
        out = {}
        for ch in self.channels:
            own = sorted(self._delays.get(ch, ()))
            sample = own if len(own) >= 8 else pooled
            out[ch] = tuple(sample[int(p * len(sample))] for p in DELAY_POINTS) \
                if sample else ()
        return out

    def _class_mix(self, t: float) -> dict[str, dict[str, float]]:
        mix: dict[str, dict[str, float]] = {}
        for (ch, pr), d in self._mix.items():
            mix.setdefault(ch, {})[pr] = d.at(t)
        for ch, m in mix.items():
            total = sum(m.values()) or 1.0
            mix[ch] = {pr: v / total for pr, v in m.items()}
        return mix

    def _abandon_shares(self, t: float) -> dict[str, float]:
        out = {}
        for ch in self.channels:
            queued = self._ended.get(("n", ch, "queued"))
            out[ch] = self._abandon_share(t, ch, "queued" if queued is not None and queued.at(t) >= 5.0 else True)
        return out

    def _abandon_share(self, t: float, channel: str, kind: bool | str) -> float:
        """The share of ``channel``'s tickets of ``kind`` (staffed on arrival or not, or queued)
        that left unanswered."""
        ab = self._ended.get((channel, kind))
        n = self._ended.get(("n", channel, kind))
        # One pseudo-ticket of each outcome keeps a new team from an all-or-nothing share.
        return ((ab.at(t) if ab else 0.0) + 0.05) / ((n.at(t) if n else 0.0) + 1.0)

    def _excess(self, t: float, channel: str) -> tuple[float, float]:
        """Arrivals of the last hour beyond what the outlook expected, and that excess in
        units of Poisson noise (``SURGE_CLEAR`` and more: a surge, not a busy hour)."""
        times = self._recent_arrivals[channel]
        while times and times[0] < t - 3600:
            times.popleft()
        outlook = self.outlook(t)
        if not outlook.learned:
            return float(len(times)), 0.0
        expected = _integral(outlook.bounds, outlook.arrivals_cum.get(channel), t - 3600, t)
        excess = len(times) - expected
        return excess, excess / math.sqrt(expected + 1.0)

    def _track_surge(self, t: float, channel: str) -> None:
        """A surge begins with an hour clearly above the usual and ends with an hour no longer
        above it by more than noise. How long it has lasted is the best guide to how long it
        will go on (an outage that has run all morning is likely to run all afternoon), so the
        predictor lets it fade no faster than it grew."""
        _excess, sigmas = self._excess(t, channel)
        if sigmas <= SURGE_OVER:
            self._surge_since.pop(channel, None)
        elif sigmas >= SURGE_CLEAR and channel not in self._surge_since:
            self._surge_since[channel] = t - 3600.0

    def _surges(self, t: float) -> tuple[dict[str, float], dict[str, float]]:
        """Per channel: extra arrivals per second over the last hour, and for how many seconds
        the surge it belongs to has been going on (0 when the excess is mere noise)."""
        rates, ages = {}, {}
        for ch in self._recent_arrivals:
            excess, sigmas = self._excess(t, ch)
            rates[ch] = max(0.0, excess) / 3600.0
            since = self._surge_since.get(ch)
            ages[ch] = t - since if sigmas >= SURGE_CLEAR and since is not None else 0.0
        return rates, ages

    def outlook(self, t: float) -> Outlook:
        today = datetime.fromtimestamp(t, self.tz).date()
        # Until an agent is first seen, staffing is guessed from the arrivals so far (see
        # _fallback_staff), and the guess firms up as they come; on a day read from unlike days
        # (_borrowed) it follows the agents online.
        unseen = not self._staff_slots
        if self._outlook is None or self._outlook_day != today or (
                (unseen or self._outlook.borrowed_today) and t - self._outlook_built >= SLOT):
            self._outlook = self._build_outlook(today, t)
            self._outlook_day = today
            self._outlook_built = t
        return self._outlook

    def _day_kind(self, day: date) -> tuple[tuple[float, float], ...]:
        """The day's declared opening hours (seconds after local midnight); () when closed."""
        if self.calendar is None:
            return ((0.0, 86400.0),)
        known = self._open_days.get(day)
        if known is None:
            a = self._local_epoch(day, 0.0)
            b = self._local_epoch(day + timedelta(days=1), 0.0)
            known = tuple((s / 1e6 - a, e / 1e6 - a)
                          for s, e in self.calendar.open_intervals_us(int(a * 1e6), int(b * 1e6)))
            self._open_days[day] = known
        return known

    def _local_epoch(self, day: date, secs: float) -> float:
        return (datetime(day.year, day.month, day.day, tzinfo=self.tz) + timedelta(seconds=secs)).timestamp()

    def _similar_past_days(self, day: date, today: date) -> list[date]:
        """Past days (before today) that should look like ``day``: the same weekday with the
        same declared hours, else any day with the same declared hours, else a whole first day
        with them, else any day as open or as closed as it.

        The first day is usually partial (the history starts mid-day) and is skipped. But a
        history that starts before the first day's opening saw it whole, and on a new install's
        second day it is all there is: read as unknown instead, that day's staffing was taken to
        be the agents online, or one, through every open hour. A one-agent desk whose agent was
        off on its second day was then promised that afternoon until mid-morning, and the next
        morning for a nine-hour day where its agent works seven. It is the last resort, not one
        day among the rest: a team's first Monday was its thinnest of the month, and read with
        the Mondays after it, it padded the Sunday promises waiting on them (one Sunday's pinball
        9.4 -> 24.5 minutes a ticket).
        """
        first = self._first_day
        if first is None:
            return []
        kind = self._day_kind(day)
        candidates = self._recent_days(today)
        same_kind = [d for d in candidates if self._day_kind(d) == kind]
        if not same_kind and first < today and kind == self._day_kind(first) and self._whole(first):
            return [first]
        same_weekday = [d for d in same_kind if d.weekday() == day.weekday()]
        if len(same_weekday) >= 2 or (same_weekday and self._unlike(same_weekday[0], same_kind)):
            return same_weekday[:PROFILE_WEEKS]
        if same_kind:
            return same_kind[:PROFILE_WEEKS + 1]
        return [d for d in candidates if bool(self._day_kind(d)) == bool(kind)][:PROFILE_WEEKS + 1]

    def _recent_days(self, today: date) -> list[date]:
        """The days of the last PROFILE_WEEKS weeks before today, latest first, after the
        history's first (usually partial) day."""
        first = self._first_day
        if first is None:
            return []
        return [d for d in (today - timedelta(days=k) for k in range(1, 7 * PROFILE_WEEKS + 1))
                if d > first]

    def _unlike(self, day: date, like: list[date]) -> bool:
        """Whether ``day`` was another kind of day than the rest of ``like`` (the days with its
        declared hours): under UNLIKE or over 1/UNLIKE times their mean in agent-hours and in
        arrivals both.

        A team whose calendar opens Saturdays as it does weekdays may still staff them with a few
        agents for fewer customers. With one Saturday behind it, the next was read from the
        weekdays: nobody in by 11:00 where five usually are read as the whole team away for the
        day, and a Korean team's Saturday emails, answered that afternoon, were promised for after
        the new-year holiday (112-125 hours). One day unlike the rest in staffing alone is an
        absence, in arrivals alone a surge; unlike in both, it is its own kind of day."""
        rest = [d for d in like if d != day and self._agent_time(d) > 0.0]
        if self._agent_time(day) <= 0.0 or not rest:
            return False
        for amount in (self._agent_time, self._arrived):
            mean = sum(map(amount, rest)) / len(rest)
            if UNLIKE * mean <= amount(day) <= mean / UNLIKE:
                return False
        return True

    @property
    def _first_day(self) -> date | None:
        """The local date of the history's first event."""
        return None if self._first is None else datetime.fromtimestamp(self._first, self.tz).date()

    def _agent_time(self, day: date) -> float:
        """Agent-seconds online on ``day`` (nought for a day nobody was)."""
        return sum(self._staff_slots[day]) if day in self._staff_slots else 0.0

    def _arrived(self, day: date, slots: int | None = None) -> float:
        """Arrivals on ``day`` over every channel, in its first ``slots`` slots (all of it by
        default)."""
        return sum(sum(self._arrival_slots[(day, ch)][:slots]) for ch in self.channels
                   if (day, ch) in self._arrival_slots)

    def _whole(self, first: date) -> bool:
        """Whether the history started well before the first day's opening (see WHOLE_FIRST_DAY)."""
        opening = self._day_kind(first)
        return bool(opening) and self._first <= self._local_epoch(first, opening[0][0]) - WHOLE_FIRST_DAY

    def _borrowed(self, day: date, past: list[date]) -> bool:
        """Whether ``day`` is read from days with other declared hours.

        The first Saturday of a team open 10:00-16:00 on Saturdays shares its hours with no past
        day yet, and was read from weekdays: three times its arrivals, jumping in ahead of every
        waiting email, and the weekday crew (14 agents where 3 work). Such a day's staffing is
        the fallback instead (the agents online, the outlook rebuilt every slot while today is
        such a day), and its arrivals are scaled by how busy the day has been so far
        (``_arrival_level``). Correcting the arrivals alone made that Saturday worse (kept 0.81
        -> 0.40): the two errors had partly cancelled."""
        kind = self._day_kind(day)
        return any(self._day_kind(d) != kind for d in past)

    def _fallback_staff(self, t: float) -> float:
        """Agents assumed on a day no past day says anything about.

        Once agents have been seen: those online now, at least one. Before any has been (a new
        install, a history that starts at night), nothing is known of the team but its arrivals,
        so it is taken to be staffed to keep up with them: to handle in its open hours what
        arrives round the clock, at the prior pace. One agent instead read a 24-agent contact
        centre's first night as a day and a half of work (34 h promised for a 72 min wait).
        """
        if self._staff_slots:
            return max(len(self.online), 1)
        if self._first is None or t - self._first < SLOT:
            return 1.0
        day = datetime.fromtimestamp(t, self.tz).date()
        open_secs = sum(b - a for k in range(7) for a, b in self._day_kind(day + timedelta(days=k)))
        if not open_secs:
            return 1.0
        arrived = sum(sum(v) for v in self._arrival_slots.values())
        per_open_second = arrived / (t - self._first) * 7 * 86400 / open_secs
        return max(1.0, per_open_second * self._service.pooled(self._staffed))

    def _build_outlook(self, today: date, t: float) -> Outlook:
        bounds: list[float] = []
        staff: list[float] = []
        arrivals: dict[str, list[float]] = {ch: [] for ch in self.channels}
        learned = False
        fallback_staff = self._fallback_staff(t)
        quiet: list[date] | None = None
        for offset in range(OUTLOOK_DAYS):
            day = today + timedelta(days=offset)
            past = self._similar_past_days(day, today)
            written = past      # the days its arrivals are read from
            if not past:
                if quiet is None:
                    quiet = self._quietest_weekday(today)
                written = quiet
            borrowed = self._borrowed(day, past)
            staffing = [] if borrowed else self._staffing_days(past)
            if offset == 0:
                borrowed_today = borrowed
                first_seen = sorted(v for d in staffing for v in self._first_seen.get(d, {}).values())
                first_seen_days = len(staffing)
            day_start = self._local_epoch(day, 0.0)
            next_start = self._local_epoch(day + timedelta(days=1), 0.0)
            n_slots = max(1, round((next_start - day_start) / SLOT))
            open_mask = self._open_mask(day_start, n_slots) if not staffing else None
            learned = learned or bool(past)
            for k in range(n_slots):
                start = day_start + k * SLOT
                bounds.append(start)
                if staffing:
                    staff.append(sum(self._staff_slots[d][k] for d in staffing if d in self._staff_slots)
                                 / (len(staffing) * SLOT))
                else:
                    staff.append(fallback_staff * open_mask[k])
                for ch in self.channels:
                    arrivals[ch].append(sum(self._arrival_slots[(d, ch)][k] for d in written
                                            if (d, ch) in self._arrival_slots) / len(written)
                                        if written else 0.0)
        bounds.append(bounds[-1] + SLOT)
        # Jump-ins are forecast from these rates. Read slot by slot, a quarter hour in which none
        # of the past days had an arrival expected none and its neighbour twice the usual, so the
        # work forecast to jump in over the next hour hung on the minutes last week's customers
        # chose.
        arrivals = {ch: _smoothed(v, ARRIVAL_KERNEL) for ch, v in arrivals.items()}
        return Outlook(
            bounds=tuple(bounds),
            staff=tuple(staff),
            staff_cum=_running(s * SLOT for s in staff),
            starts_cum=_running(max(0.0, b - a) for a, b in zip([staff[0], *staff], staff, strict=False)),
            arrivals={ch: tuple(v) for ch, v in arrivals.items()},
            arrivals_cum={ch: _running(v) for ch, v in arrivals.items()},
            learned=learned,
            staff_levels=self._staff_levels(today),
            borrowed_today=borrowed_today,
            first_seen=tuple(first_seen),
            first_seen_days=first_seen_days,
            staffed_arrivals_cum={ch: _running(a * min(1.0, n) for a, n in zip(v, staff, strict=True))
                                  for ch, v in arrivals.items()},
        )

    def _quietest_weekday(self, today: date) -> list[date]:
        """The past days (before today, after the first) of the weekday with the fewest arrivals,
        to read the arrivals of a day no past day is like.

        Customers write on days the team is closed, and such a day (a holiday of a team open every
        day of the week; a weekday team's first weekend) was read as one nobody writes on:
        Auckland's Waitangi Day was forecast no arrivals where 38-55 came, and the tickets waiting
        through it were promised the Saturday morning as if nothing would come in ahead of them
        (0.82 of that day's promises kept over four seeds); the public trace's first Saturday kept
        0.68. A holiday is a day off for the customers too, and the nearest kind of day the history
        has seen is their quietest. Staffing is not read from these days: the day is still closed."""
        by_weekday: dict[int, list[date]] = {}
        for day in self._recent_days(today):
            by_weekday.setdefault(day.weekday(), []).append(day)
        if not by_weekday:
            return []
        return min(by_weekday.values(), key=lambda days: sum(self._arrived(d) for d in days) / len(days))

    def _staffing_days(self, past: list[date]) -> list[date]:
        """The days of ``past`` to read a future day's usual staffing from.

        A day nobody worked in its opening hours, among like days that were worked, is an
        absence, not the usual: read into the usual, one agent's day off on the second day of a
        one-agent install became every future weekday's staffing, and every promise ran to the
        90-day horizon. Nor is it a staffing level (``_staff_levels``): a level holds for every day
        after today, and one at nought sends the tail of every promise to the horizon as well; such
        days are left to the calibration. When two or more like days all went unworked, the day is
        one the team does not work. A single one is an absence where a day with its hours was worked
        before it (the history's first day: a one-agent desk's Monday, then its Tuesday off), and
        then the fallback stands. Where none ever was, it is a day the calendar opens and nobody
        works: a one-agent desk whose calendar opens 09:00-13:00 on Saturdays it never works had
        its Friday evenings promised on the Saturday after one such Saturday had passed as well as
        before, every one of them broken, and the misses taught the calibration to pad the week.
        """
        worked = [d for d in past if self._worked(d)]
        if worked or len(past) >= 2:
            return worked or past
        if past and not self._kind_worked(self._day_kind(past[0])):
            return past
        return []

    def _kind_worked(self, kind: tuple[tuple[float, float], ...]) -> bool:
        """Whether the history's first day has ``kind``'s declared hours and was worked (it is
        not among the past days read for a like day, see ``_similar_past_days``)."""
        first = self._first_day
        return first is not None and self._day_kind(first) == kind and self._worked(first)

    def _worked(self, day: date) -> bool:
        """Whether anyone was online on ``day`` within its declared opening hours."""
        if day not in self._staff_slots:
            return False
        slots = self._staff_slots[day]
        return any(any(slots[int(a // SLOT):math.ceil(b / SLOT)]) for a, b in self._day_kind(day))

    def _staff_levels(self, today: date) -> tuple[tuple[float, float], ...]:
        """Recent staffed days' agent-hours over the mean of days like them, as three levels:
        the mean of the lowest sixth, of the middle two thirds and of the highest sixth.

        Absences make a future day's capacity uncertain and lopsided: in a team of three, one
        agent off is a day at two thirds, and it happens on a quarter of days. A symmetric spread
        fitted to the variance puts too little weight that low; the days themselves do not.
        """
        by_kind: dict[tuple, list[float]] = {}
        for k in range(1, 7 * PROFILE_WEEKS + 1):
            day = today - timedelta(days=k)
            kind = self._day_kind(day)
            total = self._agent_time(day) if kind else 0.0
            if total > 0:
                by_kind.setdefault(kind, []).append(total)
        ratios = sorted(v / (sum(vals) / len(vals)) for vals in by_kind.values() if len(vals) >= 3
                        for v in vals)
        if len(ratios) < 6:
            return ((1.0, 1.0),)
        return tuple((_band_mean(ratios, a, b), b - a) for a, b in STAFF_BANDS)

    def _open_mask(self, day_start: float, n_slots: int) -> list[float]:
        mask = [0.0] * n_slots
        if self.calendar is None:
            return [1.0] * n_slots
        a, b = int(day_start * 1e6), int((day_start + n_slots * SLOT) * 1e6)
        for s, e in self.calendar.open_intervals_us(a, b):
            s_sec, e_sec = s / 1e6 - day_start, e / 1e6 - day_start
            for k in range(int(s_sec // SLOT), min(n_slots, math.ceil(e_sec / SLOT))):
                lo, hi = max(s_sec, k * SLOT), min(e_sec, (k + 1) * SLOT)
                mask[k] += max(0.0, hi - lo) / SLOT
        return mask


def _smoothed(values: list[float], kernel: tuple[float, ...]) -> list[float]:
    """``values`` averaged over their neighbours with ``kernel`` (odd length, centred), the
    weights renormalised where it runs past either end."""
    half = len(kernel) // 2
    n = len(values)
    out = []
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i + half + 1)
        w = kernel[lo - i + half:hi - i + half]
        out.append(sum(a * b for a, b in zip(values[lo:hi], w, strict=True)) / sum(w))
    return out


def _band_mean(sorted_values: list[float], a: float, b: float) -> float:
    """The mean of the values between quantiles ``a`` and ``b``, fractional ends weighted."""
    n = len(sorted_values)
    lo, hi = a * n, b * n
    total = 0.0
    for i, v in enumerate(sorted_values):
        total += v * max(0.0, min(hi, i + 1) - max(lo, i))
    return total / (hi - lo)


def _running(values) -> tuple[float, ...]:
    out = [0.0]
    for v in values:
        out.append(out[-1] + v)
    return tuple(out)


def _integral(bounds: tuple[float, ...], cum: tuple[float, ...] | None, a: float, b: float) -> float:
    """Integral over [a, b] of a slot-wise constant rate given by its running totals."""
    if cum is None:
        return 0.0
    return _cum_at(bounds, cum, b) - _cum_at(bounds, cum, a)


def _cum_at(bounds: tuple[float, ...], cum: tuple[float, ...], t: float) -> float:
    if t <= bounds[0]:
        return 0.0
    if t >= bounds[-1]:
        return cum[-1]
    i = bisect.bisect_right(bounds, t) - 1
    return cum[i] + (cum[i + 1] - cum[i]) * (t - bounds[i]) / (bounds[i + 1] - bounds[i])


