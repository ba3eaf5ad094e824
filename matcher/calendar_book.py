"""The calendars of a proposal, kept per mentor: a mentor is planned again only when its
pairs change, and a pair can be tried on its mentor's calendar before it is proposed.

A trial plans one mentor with one pair added, and keeps the pair only when it holds
HELD_SHARE of its sessions and no other pair of the mentor loses a session; trials are
shared with a forked process (background.shared_work).
"""
from __future__ import annotations

import operator
import time
from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from matcher.model import Mentee, Scenario
from matcher.proposal import Session, Unplaced
from matcher.solver.background import shared_work
from matcher.solver.calendar import (CalendarResult, ScenarioPairs, calendar_result, plan_sessions, session_order,
                                     unplaced_order)
from matcher.solver.calendar_weeks import MentorCalendar

HELD_SHARE = 0.75        # a new pair must hold this share of its sessions to be proposed
TRIAL_SECONDS = 0.2      # calendar time for one trial
TRIAL_PATIENCE = 2.0 + TRIAL_SECONDS  # seconds the forked share of a round's trials is waited for after this
# process's share (each process is then on its last trial)


class CalendarBook:
    """The calendar of every mentor with pairs, kept per mentor."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.known = ScenarioPairs(scenario)
        self.pairs: dict[str, tuple[str, ...]] = {}
        self.sessions: dict[str, list[Session]] = {}
        self.unplaced: dict[str, list[Unplaced]] = {}
        self.typical_weeks: dict[str, tuple] = {}
        self.seconds = 0.0

    def _plan(self, pairs: list[tuple[str, str]], time_limit: float, typical_weeks: dict | None = None
              ) -> CalendarResult:
        result = plan_sessions(self.scenario, pairs, time_limit, self.known, typical_weeks)
        self.seconds += result.stats["seconds"]
        return result

    def _store(self, mentors, grouped: dict[str, tuple[str, ...]], result: CalendarResult) -> None:
        for mentor in mentors:
            self.pairs[mentor] = grouped.get(mentor, ())
            self.sessions[mentor], self.unplaced[mentor] = [], []
            self.typical_weeks[mentor] = result.typical_weeks.get(mentor, ())
        for session in result.sessions:
            self.sessions[session.mentor].append(session)
        for gap in result.unplaced:
            self.unplaced[gap.mentor].append(gap)

    def saved(self, mentors: set[str]) -> dict[str, tuple]:
        """The mentors' calendars as they are, to put back (restore)."""
        return {mentor: (self.pairs.get(mentor), self.sessions.get(mentor), self.unplaced.get(mentor),
                         self.typical_weeks.get(mentor)) for mentor in mentors}

    def restore(self, saved: dict[str, tuple], mentors: set[str]) -> None:
        """Put back the calendars of `mentors` as `saved` holds them."""
        for mentor in mentors:
            for book, part in zip((self.pairs, self.sessions, self.unplaced, self.typical_weeks), saved[mentor]):
                if part is None:
                    book.pop(mentor, None)
                else:
                    book[mentor] = part

    def update(self, pairs: list[tuple[str, str]], time_limit: float, typical_weeks: dict | None = None) -> None:
        """Plan the mentors whose (mentor, mentee) pairs differ from the ones planned, in any
        order (a calendar orders its pairs itself), from `typical_weeks` where given
        (plan_sessions)."""
        grouped = defaultdict(tuple)
        for mentor, mentee in pairs:
            grouped[mentor] += (mentee,)
        changed = [j for j in set(grouped) | set(self.pairs)
                   if sorted(grouped.get(j, ())) != sorted(self.pairs.get(j, ()))]
        result = self._plan([(j, i) for j in changed for i in grouped.get(j, ())], time_limit, typical_weeks)
        self._store(changed, grouped, result)

    def try_each(self, pairs: list[tuple[str, str]]) -> list[str | None]:
        """Add each (mentor, mentee) pair whose mentor's calendar then holds it and loses
        nothing else; for each, None or why not (see trial). No two pairs may have the same
        mentor: each trial sees its own mentor's calendar as it is now."""
        if len({mentor for mentor, _ in pairs}) < len(pairs):
            raise ValueError("two trials of the same mentor depend on each other's outcome")
        outcomes = self.trials(pairs)
        for (mentor, mentee), (_, planned) in zip(pairs, outcomes):
            self.keep(mentor, mentee, planned)
        return [why for why, _ in outcomes]

    def trials(self, pairs: list[tuple]) -> list[tuple[str | None, CalendarResult | None]]:
        """trial for every (mentor, mentee) or (mentor, mentee, leaving) against the book as it
        is, the trials shared with a forked process (background.shared_work)."""
        began = time.perf_counter()

        def tried(indices: Iterator[int]) -> dict[int, tuple[str | None, CalendarResult | None]]:
            return {k: self.trial(*pairs[k]) for k in indices}

        outcomes = shared_work(len(pairs), tried, operator.or_, TRIAL_PATIENCE)
        self.seconds += time.perf_counter() - began
        return [outcomes[k] for k in range(len(pairs))]

    def trial(self, mentor: str, mentee: str, leaving: str | None = None
              ) -> tuple[str | None, CalendarResult | None]:
        """(None, the mentor's calendar with the pair added, and without its pair with
        `leaving` if given) if that calendar holds the pair and loses nothing else; otherwise
        (why not, None). The book is left as it is. A weekly pair that gets no whole pattern
        in the mentor's typical week is turned down before its weeks are planned, which take
        most of a trial's time: of 2,082 such trials in generated youth scenarios (2,000 x
        500, seeds 1-3) and 509 in recovery and job ones (1,000 x 250), planned in full, none
        held its share of sessions."""
        pairs = self.known.grouped([(mentor, i) for i in self._with(mentor, mentee, leaving)])[mentor]
        calendar = MentorCalendar(self.known.horizon, pairs, TRIAL_SECONDS)
        if calendar.short_of_pattern(mentee):
            return no_weekly_time(mentor), None
        result = calendar_result(self.known.horizon, [calendar.plan()], time.perf_counter())
        before = {u.mentee: u.missing for u in self.unplaced.get(mentor, []) if u.mentee != leaving}
        mine = [u for u in result.unplaced if u.mentee == mentee]
        if any(u.missing > before.get(u.mentee, 0) for u in result.unplaced if u.mentee != mentee):
            return f"it would cost {mentor}'s other mentees sessions", None
        if mine and too_few_held(mine[0], self.known.mentees[mentee], self.scenario.programme.weeks):
            return mine[0].reason, None
        return None, result

    def holds(self, mentor: str, new: tuple[str, ...], kept: tuple[str, ...] = ()) -> bool:
        """Whether `mentor`'s calendar, planned alone with its `kept` mentees and the `new`
        ones, holds HELD_SHARE of every new mentee's sessions (the book is left as it is)."""
        began = time.perf_counter()
        pairs = self.known.grouped([(mentor, i) for i in kept + new])[mentor]
        planned = calendar_result(self.known.horizon, [MentorCalendar(self.known.horizon, pairs, TRIAL_SECONDS).plan()],
                                  began)
        self.seconds += time.perf_counter() - began
        weeks = self.scenario.programme.weeks
        return not any(gap.mentee in new and too_few_held(gap, self.known.mentees[gap.mentee], weeks)
                       for gap in planned.unplaced)

    def keep(self, mentor: str, mentee: str, planned: CalendarResult | None, leaving: str | None = None) -> None:
        """Keep the mentor's calendar `planned` (a trial's) with the pair added, and without
        its pair with `leaving` if given (nothing when `planned` is None)."""
        if planned is not None:
            self._store([mentor], {mentor: self._with(mentor, mentee, leaving)}, planned)

    def _with(self, mentor: str, mentee: str, leaving: str | None) -> tuple[str, ...]:
        """The mentor's mentees with `mentee` added and `leaving` gone."""
        return tuple(i for i in self.pairs.get(mentor, ()) if i != leaving) + (mentee,)

    def missing(self) -> dict[tuple[str, str], Unplaced]:
        """(mentee, mentor) -> what could not be placed, for pairs missing sessions."""
        return {(u.mentee, u.mentor): u for gaps in self.unplaced.values() for u in gaps}

    def result(self) -> tuple[list[Session], list[Unplaced], dict]:
        """All sessions by start, all unplaced by pair, and the calendar's figures."""
        sessions = sorted((s for group in self.sessions.values() for s in group), key=session_order)
        unplaced = sorted((u for group in self.unplaced.values() for u in group), key=unplaced_order)
        weeks = self.scenario.programme.weeks
        stats = {"sessions_required": sum(self.known.mentees[i].sessions.total(weeks)
                                          for group in self.pairs.values() for i in group),
                 "sessions_placed": len(sessions), "flexible_sessions": sum(s.flexible for s in sessions),
                 "missing_sessions": sum(u.missing for u in unplaced),
                 "calendar_seconds": round(self.seconds, 3)}
        return sessions, unplaced, stats


def too_few_held(gap: Unplaced, mentee: Mentee, weeks: int) -> bool:
    """Whether a new pair missing `gap.missing` sessions holds less than HELD_SHARE of them."""
    return gap.missing > (1 - HELD_SHARE) * mentee.sessions.total(weeks)


def no_weekly_time(mentor: str) -> str:
    """Why a weekly pair has no whole pattern in its mentor's typical week."""
    return (f"no regular weekly time left with {mentor}: its other mentees' sessions, "
            "its hours or its flexible sessions take it")


def not_held(scenario: Scenario, book: CalendarBook,
             pairs: list[tuple[int, int, str]]) -> dict[tuple[int, int], str]:
    """New pairs (mentee row, mentor column) holding less than HELD_SHARE of their sessions,
    with the calendar's reason."""
    lost = book.missing()
    failing = {}
    for i, j, status in pairs:
        mentee, mentor = scenario.mentees[i], scenario.mentors[j]
        gap = lost.get((mentee.id, mentor.id))
        if status == "new" and gap and too_few_held(gap, mentee, scenario.programme.weeks):
            failing[(i, j)] = gap.reason
    return failing


def without_rejected(allowed: np.ndarray, pool: np.ndarray, rejected: dict[tuple[int, int], str]) -> np.ndarray:
    """`allowed` (rows: the mentees of `pool`) without the (mentee, mentor) pairs the
    calendars rejected."""
    row_of = {int(i): row for row, i in enumerate(pool)}
    allowed = allowed.copy()
    for i, j in rejected:
        allowed[row_of[i], j] = False
    return allowed
