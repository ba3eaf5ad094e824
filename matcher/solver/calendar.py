"""When every matched pair meets: the session calendar of a proposal.

The calendar decomposes by mentor, since a mentee has exactly one mentor. For each mentor:
1. the booked sessions of kept matches are fixed where they are;
2. every `per_week` pair gets a weekly pattern (same weekday and time every week, firm
   windows before flexible ones), conflict-free across the mentor's pairs
   (calendar_patterns: greedy, CP-SAT where the greedy leaves a pair short);
3. week by week the pattern is followed; where a week cannot hold it (an absence, a day
   the clocks skip the time, a booked session, hours or flexible cap used up) the session
   moves to the best other time that week;
4. count-based pairs get their sessions spread over the horizon, the first one early;
5. weeks that are still short are made up in the nearest week with room (calendar_weeks).
Every session keeps the hard rules of DESIGN.md (calendar_rules); what cannot be placed
is reported per pair with the reason. Where processes fork, a child process on the other core
plans a share of the mentors (background.shared_work).
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial

from matcher.model import Scenario
from matcher.proposal import Session, Unplaced
from matcher.solver.background import shared_work
from matcher.solver.calendar_rules import Blocker, Placement
from matcher.solver.calendar_slots import Horizon, Pair, weekly_slots
from matcher.solver.calendar_weeks import MentorCalendar, PatternSlot

EXACT_SECONDS_PER_MENTOR = 0.5   # CP-SAT's share for one mentor whose greedy patterns fall short
FORKED_PATIENCE = 2.0 + EXACT_SECONDS_PER_MENTOR  # seconds the forked share of the mentors is waited for
# after this process has planned its own (each process is then on its last mentor)
WEEKS_LISTED = 3


@dataclass(frozen=True)
class CalendarResult:
    sessions: list[Session]      # every placed session, booked ones of kept matches included, by start
    unplaced: list[Unplaced]     # per pair with missing > 0: how many sessions could not be placed, why
    stats: dict
    typical_weeks: dict[str, tuple] = field(default_factory=dict)  # mentor id -> MentorCalendar.typical_week()


class ScenarioPairs:
    """The pairs of one scenario as the calendar sees them, each built once (its people, the
    bookings of a kept match, its weekly slots), however often it is planned: the calendar
    book plans a mentor again for every mentee tried on it."""

    def __init__(self, scenario: Scenario):
        self.programme = scenario.programme
        self.horizon = Horizon(scenario.programme)  # its clock's answers are kept for every plan
        self.mentors = {m.id: m for m in scenario.mentors}
        self.mentees = {m.id: m for m in scenario.mentees}
        self.bookings = {(m.mentor, m.mentee): m.sessions for m in scenario.kept_matches()}
        self.built: dict[tuple[str, str], Pair] = {}

    def pair(self, mentor_id: str, mentee_id: str) -> Pair:
        """The pair of these two people."""
        key = (mentor_id, mentee_id)
        if key not in self.built:
            mentor, mentee = self.mentors[mentor_id], self.mentees[mentee_id]
            self.built[key] = Pair(mentor=mentor, mentee=mentee,
                                   slots=weekly_slots(mentor, mentee, self.programme.slot_minutes),
                                   booked=tuple(sorted(self.bookings.get(key, ()))), kept=key in self.bookings,
                                   required=mentee.sessions.total(self.programme.weeks))
        return self.built[key]

    def grouped(self, pairs: list[tuple[str, str]]) -> dict[str, list[Pair]]:
        """The (mentor id, mentee id) pairs grouped by mentor."""
        grouped = defaultdict(list)
        for mentor_id, mentee_id in pairs:
            grouped[mentor_id].append(self.pair(mentor_id, mentee_id))
        return grouped


def session_order(session: Session) -> tuple:
    """Sessions in order of start, then mentor and mentee."""
    return session.start, session.mentor, session.mentee


def unplaced_order(gap: Unplaced) -> tuple[str, str]:
    """Unplaced sessions in order of mentor and mentee."""
    return gap.mentor, gap.mentee


def as_session(horizon: Horizon, placement: Placement) -> Session:
    """A placement as an aware local session with its flexible flag."""
    when = placement.when
    return Session(placement.pair.mentor.id, placement.pair.mentee.id,
                   horizon.aware(when.begin), horizon.aware(when.end), not when.firm)


def in_weeks(weeks: list) -> str:
    """The weeks a cause applies to, short."""
    if len(weeks) == 1:
        return f"in week {weeks[0]}"
    if len(weeks) <= WEEKS_LISTED:
        return f"in weeks {', '.join(map(str, weeks[:-1]))} and {weeks[-1]}"
    return f"in {len(weeks)} weeks from {weeks[0]} to {weeks[-1]}"


def reason(losses: list[tuple[int, Blocker]]) -> str:
    """The distinct causes of a pair's lost weeks or sessions, earliest first, each with its weeks."""
    weeks_of: dict[str, list] = {}
    for _, blocker in sorted(losses, key=lambda loss: loss[0]):
        weeks = weeks_of.setdefault(blocker.text, [])
        if blocker.week is not None and blocker.week not in weeks:
            weeks.append(blocker.week)
    return "; ".join(f"{text} {in_weeks(weeks)}" if weeks else text for text, weeks in weeks_of.items())


def unplaced(calendar: MentorCalendar) -> list[Unplaced]:
    """Per pair of the mentor, the required sessions not placed and why."""
    missing = []
    for pair in calendar.pairs:
        count = pair.required - len(calendar.diary.days[pair.key])
        if count > 0:
            missing.append(Unplaced(pair.mentor.id, pair.mentee.id, count,
                                    reason(calendar.losses[pair.key]) or "no room left in the horizon"))
    return missing


def plan_sessions(scenario: Scenario, pairs: list[tuple[str, str]], time_limit: float = 10.0,
                  known: ScenarioPairs | None = None,
                  typical_weeks: dict[str, tuple[PatternSlot, ...]] | None = None) -> CalendarResult:
    """Place the sessions of every (mentor id, mentee id) pair of a proposal, kept and new.
    `time_limit` bounds the CP-SAT refinement of weekly patterns; the greedy always completes.
    `known`: the scenario's pairs built before, when it is planned repeatedly.
    `typical_weeks`: pattern slots found before (mentor id -> PatternSlot), taken where they
    fill as many slots as the greedy or more. The mentors' calendars are shared with a forked
    process where there are enough of them (shared_work)."""
    began = time.perf_counter()
    known = known or ScenarioPairs(scenario)
    groups = list(known.grouped(pairs).values())

    def planned(indices: Iterator[int]) -> CalendarResult:
        calendars = []
        for k in indices:
            left = time_limit - (time.perf_counter() - began)
            found = (typical_weeks or {}).get(groups[k][0].mentor.id, ())
            calendars.append(MentorCalendar(known.horizon, groups[k], min(EXACT_SECONDS_PER_MENTOR, max(left, 0.0)),
                                            found).plan())
        return calendar_result(known.horizon, calendars, began)

    return shared_work(len(groups), planned, partial(merged_results, began=began), FORKED_PATIENCE)


def calendar_result(horizon: Horizon, calendars: list[MentorCalendar], began: float) -> CalendarResult:
    """The sessions, the unplaced pairs and the figures of planned mentors' calendars, the
    seconds counted from `began`."""
    sessions: list[Session] = []
    missing: list[Unplaced] = []
    kinds = defaultdict(int)
    for calendar in calendars:
        for placement in calendar.diary.placements:
            sessions.append(as_session(horizon, placement))
            kinds[placement.kind] += 1
        missing += unplaced(calendar)
    sessions.sort(key=session_order)
    stats = {"sessions_required": sum(pair.required for calendar in calendars for pair in calendar.pairs),
             "sessions_placed": len(sessions),
             "flexible_sessions": sum(s.flexible for s in sessions),
             "moved_sessions": kinds["moved"], "made_up_sessions": kinds["makeup"],
             "missing_sessions": sum(u.missing for u in missing),
             "exact_mentors": sum(calendar.exact for calendar in calendars),
             "seconds": round(time.perf_counter() - began, 3)}
    return CalendarResult(sessions=sessions, unplaced=sorted(missing, key=unplaced_order),
                          stats=stats, typical_weeks={calendar.pairs[0].mentor.id: calendar.typical_week()
                                                      for calendar in calendars})


def merged_results(first: CalendarResult, second: CalendarResult, began: float) -> CalendarResult:
    """The calendars of two results of different mentors as one, the seconds counted from `began`."""
    stats = {key: first.stats[key] + second.stats[key] for key in first.stats}
    stats["seconds"] = round(time.perf_counter() - began, 3)
    return CalendarResult(sessions=sorted(first.sessions + second.sessions, key=session_order),
                          unplaced=sorted(first.unplaced + second.unplaced, key=unplaced_order),
                          stats=stats, typical_weeks=first.typical_weeks | second.typical_weeks)
