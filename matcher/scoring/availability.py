"""Availability on a weekly grid: where both people can start a whole session, and how much
common time they have. Pair figures are matrix products of per-person grids."""
from __future__ import annotations

from dataclasses import dataclass

from itertools import combinations

import numpy as np

from matcher.model import Mentee, Mentor
from matcher.scoring.blocks import Block

DAY_MINUTES = 24 * 60
FLEXIBLE_WORTH = 0.5      # common time only in flexible windows counts this much
ROOM_WANTED = 2.0         # common time this many times the weekly need scores full marks
HOUR = 60


class Windows:
    """Every weekly window of a group of people as flat arrays, built once."""

    def __init__(self, people):
        self.size = len(people)
        windows = [w for person in people for w in person.availability]
        day = np.array([w.day for w in windows], dtype=np.int64) * DAY_MINUTES
        self.rows = np.repeat(np.arange(self.size), [len(p.availability) for p in people])
        self.starts = day + np.array([w.start for w in windows], dtype=np.int64)
        self.ends = day + np.array([w.end for w in windows], dtype=np.int64)
        self.flexible = np.array([w.flexible for w in windows], dtype=bool)

    def subset(self, rows: np.ndarray | None, firm_only: bool) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """(people, owner row, start, end) of the windows of `rows` (all if None), renumbered."""
        keep = ~self.flexible if firm_only else np.ones(len(self.rows), dtype=bool)
        if rows is None:
            return self.size, self.rows[keep], self.starts[keep], self.ends[keep]
        position = np.full(self.size, -1)
        position[rows] = np.arange(len(rows))
        keep &= position[self.rows] >= 0
        return len(rows), position[self.rows[keep]], self.starts[keep], self.ends[keep]


def _run_cells(people: int, columns: int, rows, first, last) -> np.ndarray:
    """Flat cell indices of columns first..last (inclusive) of each row's runs."""
    keep = last >= first
    length = (last - first + 1)[keep]
    run_starts = rows[keep] * columns + first[keep]
    return np.repeat(run_starts - (np.cumsum(length) - length), length) + np.arange(length.sum())


def _runs(people: int, columns: int, rows, first, last) -> np.ndarray:
    """Bool (people × columns): True on columns first..last (inclusive) of each row's runs."""
    grid = np.zeros(people * columns, dtype=bool)
    grid[_run_cells(people, columns, rows, first, last)] = True
    return grid.reshape(people, columns)


def start_grid(windows: Windows, minutes: int, slot: int, rows: np.ndarray | None = None,
               firm_only: bool = False) -> np.ndarray:
    """Bool (people × week slots): where a session of `minutes` may start, aligned to `slot`,
    wholly inside one window of the person."""
    people, owner, starts, ends = windows.subset(rows, firm_only)
    return _runs(people, 7 * DAY_MINUTES // slot, owner, -(-starts // slot), (ends - minutes) // slot)


def hour_grid(windows: Windows, firm_only: bool) -> np.ndarray:
    """Float32 (people × week hours): the share of each hour inside the person's windows
    (windows that meet inside an hour add up; overlapping ones count once at most)."""
    people, owner, starts, ends = windows.subset(None, firm_only)
    columns = 7 * 24
    first, last = starts // HOUR, (ends - 1) // HOUR
    cells = _run_cells(people, columns, owner, first, last)
    grid = np.bincount(cells, minlength=people * columns).astype(np.float32)
    grid -= np.bincount(owner * columns + first, weights=(starts - first * HOUR) / HOUR,
                        minlength=people * columns).astype(np.float32)
    grid -= np.bincount(owner * columns + last, weights=((last + 1) * HOUR - ends) / HOUR,
                        minlength=people * columns).astype(np.float32)
    return np.clip(grid, 0.0, 1.0, out=grid).reshape(people, columns)


def _shared_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Columns where both sides have someone: the only ones a product needs."""
    return np.flatnonzero(a.any(axis=0) & b.any(axis=0))


def _days_needed(mentee: Mentee) -> int:
    """Distinct weekdays a week of sessions needs: several a week, a day or more apart."""
    plan = mentee.sessions
    return plan.per_week if plan.per_week and plan.min_days_apart >= 1 else 1


def steady_week(mentee: Mentee) -> tuple[int, int]:
    """(sessions a week, days apart) a steady week must hold; (0, 0) when nothing to check."""
    plan = mentee.sessions
    if not plan.per_week or plan.min_days_apart < 1:
        return 0, 0
    return min(plan.per_week, 7), min(plan.min_days_apart, 8)


def _spacing_table() -> np.ndarray:
    """Bool [sessions, days apart, weekday mask]: whether the weekdays in the mask hold that
    many sessions every week, each that many days after the one before (the week wrapping)."""
    table = np.zeros((8, 9, 128), dtype=bool)
    table[0] = True
    for mask in range(128):
        days = [d for d in range(7) if mask >> d & 1]
        for count in range(1, 8):
            for chosen in combinations(days, count):
                gaps = np.diff(chosen + (chosen[0] + 7,))
                table[count, :gaps.min() + 1, mask] = True
    return table


SPACING = _spacing_table()


@dataclass
class AvailabilityResult:
    """For a block of mentees and every mentor: whether a whole session fits, and the soft score."""

    fits: np.ndarray
    spaced: np.ndarray
    score: np.ndarray


class AvailabilityTable:
    """Weekly grids built once, on the columns where anyone can meet: each mentee's session
    starts for their own session length (at all, and in firm time), every mentor's starts per
    session length, and hourly grids whose product is the time in common, the mentee's side
    in units of twice their weekly need."""

    def __init__(self, mentees: tuple[Mentee, ...], mentors: tuple[Mentor, ...], slot: int, weeks: int):
        self.lengths = np.array([p.sessions.minutes for p in mentees], dtype=np.int64)
        self.days_needed = np.array([_days_needed(p) for p in mentees], dtype=np.float32)
        self.spacing = np.array([steady_week(p) for p in mentees], dtype=np.int64).reshape(-1, 2)
        need = np.array([max(p.sessions.weekly_hours(weeks) * 60, p.sessions.minutes)
                         for p in mentees], dtype=np.float32)
        self.mentors = len(mentors)
        mentee_windows, mentor_windows = Windows(mentees), Windows(mentors)
        columns = 7 * DAY_MINUTES // slot
        mentee_any = np.zeros((len(mentees), columns), dtype=bool)
        mentee_firm = np.zeros_like(mentee_any)
        mentor_any, mentor_firm = {}, {}
        mentor_open = np.zeros(columns, dtype=bool)
        for minutes in np.unique(self.lengths):
            rows = np.flatnonzero(self.lengths == minutes)
            mentee_any[rows] = start_grid(mentee_windows, minutes, slot, rows)
            mentee_firm[rows] = start_grid(mentee_windows, minutes, slot, rows, firm_only=True)
            mentor_any[minutes] = start_grid(mentor_windows, minutes, slot)
            mentor_firm[minutes] = start_grid(mentor_windows, minutes, slot, firm_only=True)
            mentor_open |= mentor_any[minutes].any(axis=0)
        keep = np.flatnonzero(mentee_any.any(axis=0) & mentor_open)
        self.day_bounds = np.searchsorted(keep, np.arange(8) * (columns // 7))
        self.mentee_any = mentee_any[:, keep].astype(np.float32)
        self.mentee_firm = mentee_firm[:, keep].astype(np.float32)
        self.mentor_any = {minutes: grid[:, keep].astype(np.float32) for minutes, grid in mentor_any.items()}
        self.mentor_firm = {minutes: grid[:, keep].astype(np.float32) for minutes, grid in mentor_firm.items()}
        self.mentee_hours, self.mentor_hours = _hour_grids(mentee_windows, mentor_windows)
        self.mentee_hours *= (1.0 / (ROOM_WANTED * need))[:, None]

    def result(self, block: Block) -> AvailabilityResult:
        """Session fit and soft score of the mentees in `block` with every mentor."""
        lengths, days_needed = self.lengths[block.rows], self.days_needed[block.rows]
        any_starts, firm_starts = self.mentee_any[block.rows], self.mentee_firm[block.rows]
        shape = (len(block), self.mentors)
        fits, cap = np.empty(shape, dtype=bool), np.empty(shape, dtype=np.float32)
        spaced = np.ones(shape, dtype=bool)
        spacing = self.spacing[block.rows]
        days_short = []
        for minutes in np.unique(lengths):
            rows = np.flatnonzero(lengths == minutes)
            fits[rows] = any_starts[rows] @ self.mentor_any[minutes].T > 0
            firm = firm_starts[rows] @ self.mentor_firm[minutes].T
            # firm starts are whole counts: the cap is 1 with any, FLEXIBLE_WORTH with none
            cap[rows] = np.minimum(firm + FLEXIBLE_WORTH, 1.0, out=firm)
            spread = rows[spacing[rows, 0] > 0]
            if len(spread):
                mask = weekdays_with_starts(any_starts[spread], self.mentor_any[minutes], self.day_bounds)
                spaced[spread] = SPACING[spacing[spread, 0, None], spacing[spread, 1, None], mask]
                days = BITS_SET[mask].astype(np.float32)
                days_short.append((spread, np.minimum(1.0, days / days_needed[spread, None])))
        score = self.mentee_hours[block.rows] @ self.mentor_hours.T
        np.minimum(score, cap, out=score)
        for rows, factor in days_short:
            score[rows] *= factor
        score *= fits
        return AvailabilityResult(fits, spaced, score)


def _hour_grids(mentee_windows: Windows, mentor_windows: Windows) -> tuple[np.ndarray, np.ndarray]:
    """Hourly grids whose product is the common weekly minutes, flexible ones counted at
    FLEXIBLE_WORTH: mentee minutes (firm, any) against mentor shares (firm, any)."""
    mentee = np.hstack([hour_grid(mentee_windows, True) * (HOUR * (1 - FLEXIBLE_WORTH)),
                        hour_grid(mentee_windows, False) * (HOUR * FLEXIBLE_WORTH)])
    mentor = np.hstack([hour_grid(mentor_windows, True), hour_grid(mentor_windows, False)])
    keep = _shared_columns(mentee, mentor)
    return mentee[:, keep], mentor[:, keep]


BITS_SET = np.array([bin(mask).count("1") for mask in range(128)], dtype=np.int64)


def weekdays_with_starts(mentee: np.ndarray, mentor: np.ndarray, day_bounds: np.ndarray) -> np.ndarray:
    """(rows × mentors) weekday masks: bit d set when the two have a common start on day d,
    which is on grid columns day_bounds[d]:day_bounds[d + 1]."""
    mask = np.zeros((mentee.shape[0], mentor.shape[0]), dtype=np.int64)
    for day, (first, last) in enumerate(zip(day_bounds[:-1], day_bounds[1:])):
        mask |= (mentee[:, first:last] @ mentor[:, first:last].T > 0).astype(np.int64) << day
    return mask


def common_time(result: AvailabilityResult) -> np.ndarray:
    """Hard: the two have at least one weekly time where a whole session fits."""
    return result.fits


def weekly_spacing(result: AvailabilityResult) -> np.ndarray:
    """Hard: the weekdays with common starts can hold the mentee's sessions every week,
    `min_days_apart` apart, the week wrapping into the next."""
    return result.spaced


def availability_fit(result: AvailabilityResult) -> np.ndarray:
    """Soft: common weekly time against twice the time the mentee needs; time only in
    flexible windows counts FLEXIBLE_WORTH, a pair with no firm start is capped there, and
    too few distinct days for several sessions a week scale it down."""
    return result.score
