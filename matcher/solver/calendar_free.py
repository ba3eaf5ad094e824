"""Where a mentor's typical week is still free: the weekly starts of a session inside the
mentor's windows and clear of the pattern slots its pairs hold, against a waiting mentee's
own starts.

A mentee fits a mentor's free time when the two share free starts on enough weekdays for
the mentee's sessions a week, as far apart as the mentee needs; flexible windows count
only while the mentor has flexible sessions left in the week. Starts are on the
programme's slot grid, as in scoring (scoring.availability).

A PatternBook adds new weekly pairs to the typical weeks one at a time, each taking its best
whole pattern in the time left, so that many new pairs of one mentor are checked against
each other without planning the mentor's weeks.
"""
from __future__ import annotations

import numpy as np

from matcher.model import Mentee, Mentor
from matcher.scoring.availability import (DAY_MINUTES, SPACING, Windows, start_grid, steady_week,
                                          weekdays_with_starts)
from matcher.solver.calendar_patterns import TypicalWeek, best_combination, constrained_first
from matcher.solver.calendar_slots import Pair
from matcher.solver.calendar_weeks import PatternSlot, pattern_slots


class FreeTime:
    """The mentors' start grids per session length, built once; `fits` holds them against
    the typical weeks of the moment."""

    def __init__(self, mentors: tuple[Mentor, ...], slot: int):
        self.mentors = mentors
        self.slot = slot
        self.columns = 7 * DAY_MINUTES // slot
        self.day_bounds = np.arange(8) * (self.columns // 7)
        self.windows = Windows(mentors)
        self.starts: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def mentor_starts(self, minutes: int) -> tuple[np.ndarray, np.ndarray]:
        """(mentors × columns) bool: where a session of `minutes` may start, in any window and
        in firm ones."""
        if minutes not in self.starts:
            self.starts[minutes] = (start_grid(self.windows, minutes, self.slot),
                                    start_grid(self.windows, minutes, self.slot, firm_only=True))
        return self.starts[minutes]

    def busy(self, typical_weeks: dict[str, tuple[PatternSlot, ...]]) -> np.ndarray:
        """(mentors, columns + 1) running count of the grid columns the mentors' pattern slots
        touch, 0 in the first column."""
        owner, first, last = [], [], []
        for j, mentor in enumerate(self.mentors):
            for slot in typical_weeks.get(mentor.id, ()):
                owner.append(j)
                first.append((slot.day * DAY_MINUTES + slot.start) // self.slot)
                last.append((slot.day * DAY_MINUTES + slot.end - 1) // self.slot)
        marks = np.zeros((len(self.mentors), self.columns + 1), dtype=np.int64)
        np.add.at(marks, (np.array(owner, dtype=np.int64), np.array(first, dtype=np.int64)), 1)
        np.add.at(marks, (np.array(owner, dtype=np.int64), np.array(last, dtype=np.int64) + 1), -1)
        taken = np.cumsum(marks[:, :-1], axis=1) > 0
        return np.hstack([np.zeros((len(self.mentors), 1), dtype=np.int64), np.cumsum(taken, axis=1)])

    def flexible_left(self, typical_weeks: dict[str, tuple[PatternSlot, ...]]) -> np.ndarray:
        """(mentors,) whether a mentor's pattern slots leave it a flexible session in the week."""
        used = [sum(not slot.firm for slot in typical_weeks.get(m.id, ())) for m in self.mentors]
        return np.array([m.max_flexible_per_week is None or count < m.max_flexible_per_week
                         for m, count in zip(self.mentors, used)], dtype=bool)

    def fits(self, mentees: list[Mentee], typical_weeks: dict[str, tuple[PatternSlot, ...]]) -> np.ndarray:
        """(mentees × mentors) bool: the mentee's weekly sessions fit the mentor's free time,
        given each mentor's pattern slots (mentor id -> MentorCalendar.typical_week())."""
        busy = self.busy(typical_weeks)
        flexible = self.flexible_left(typical_weeks)[:, None]
        lengths = np.array([mentee.sessions.minutes for mentee in mentees], dtype=np.int64)
        rhythm = np.array([steady_week(mentee) for mentee in mentees], dtype=np.int64).reshape(-1, 2)
        mentee_windows = Windows(mentees)
        fits = np.zeros((len(mentees), len(self.mentors)), dtype=bool)
        columns = np.arange(self.columns)
        for minutes in np.unique(lengths):
            rows = np.flatnonzero(lengths == minutes)
            any_starts, firm_starts = self.mentor_starts(int(minutes))
            clear = busy[:, np.minimum(columns + -(-minutes // self.slot), self.columns)] == busy[:, columns]
            free = (np.where(flexible, any_starts, firm_starts) & clear).astype(np.float32)
            own = start_grid(mentee_windows, int(minutes), self.slot, rows).astype(np.float32)
            days = weekdays_with_starts(own, free, self.day_bounds)
            fits[rows] = (days > 0) & SPACING[rhythm[rows, 0, None], rhythm[rows, 1, None], days]
        return fits


class PatternBook:
    """The mentors' typical weeks (mentor id -> pattern slots, as MentorCalendar.typical_week()
    gives them), with the patterns of the pairs added since."""

    def __init__(self, mentors: dict[str, Mentor], typical_weeks: dict[str, tuple[PatternSlot, ...]]):
        self.mentors = mentors
        self.typical_weeks = dict(typical_weeks)
        self.weeks: dict[str, TypicalWeek] = {}

    def week(self, mentor_id: str) -> TypicalWeek:
        """The mentor's typical week as it stands, built on first use."""
        if mentor_id not in self.weeks:
            self.weeks[mentor_id] = TypicalWeek(self.mentors[mentor_id])
            for slot in self.typical_weeks.get(mentor_id, ()):
                self.weeks[mentor_id].hold(slot.day, slot.start, slot.end, slot.firm)
        return self.weeks[mentor_id]

    def add(self, pairs: list[Pair]) -> list[bool]:
        """Hard: whether each pair has a whole weekly pattern in its mentor's typical week (a
        count-based pair needs none): the pairs most constrained first, each taking the
        first whole pattern left in preference order (calendar_patterns.best_combination)."""
        held = [True] * len(pairs)
        for k in sorted(range(len(pairs)), key=lambda k: constrained_first(pairs[k])):
            pair = pairs[k]
            if not pair.per_week:
                continue
            week = self.week(pair.mentor.id)
            pattern = best_combination(pair, week, pair.per_week)
            held[k] = len(pattern) == pair.per_week
            if held[k]:
                week.take(pair, pattern)
                self.typical_weeks[pair.mentor.id] = self.typical_weeks.get(pair.mentor.id, ()) + pattern_slots(
                    pair, pattern)
        return held
