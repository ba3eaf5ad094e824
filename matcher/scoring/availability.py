"""Availability on a weekly grid: where both people can start a whole session, and how much
common time they have. Pair figures are matrix products of per-person grids."""
from __future__ import annotations

import numpy as np

from matcher.model import Mentee, Mentor

DAY_MINUTES = 24 * 60
FLEXIBLE_WORTH = 0.5      # common time only in flexible windows counts this much
ROOM_WANTED = 2.0         # common time this many times the weekly need scores full marks
HOUR = 60


class Windows:
    """Every weekly window of a group of people as flat arrays, built once."""

    def __init__(self, people):
        self.size = len(people)
        flat = [(row, w.day * DAY_MINUTES + w.start, w.day * DAY_MINUTES + w.end, w.flexible)
                for row, person in enumerate(people) for w in person.availability]
        rows, starts, ends, flexible = zip(*flat) if flat else ((), (), (), ())
        self.rows = np.array(rows, dtype=np.int64)
        self.starts = np.array(starts, dtype=np.int64)
        self.ends = np.array(ends, dtype=np.int64)
        self.flexible = np.array(flexible, dtype=bool)

    def subset(self, rows: np.ndarray | None, firm_only: bool) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """(people, owner row, start, end) of the windows of `rows` (all if None), renumbered."""
        keep = ~self.flexible if firm_only else np.ones(len(self.rows), dtype=bool)
        if rows is None:
            return self.size, self.rows[keep], self.starts[keep], self.ends[keep]
        position = np.full(self.size, -1)
        position[rows] = np.arange(len(rows))
        keep &= position[self.rows] >= 0
        return len(rows), position[self.rows[keep]], self.starts[keep], self.ends[keep]


def _runs(people: int, columns: int, rows, first, last) -> np.ndarray:
    """Bool (people × columns): True on columns first..last (inclusive) of each row's runs."""
    keep = last >= first
    diff = np.zeros((people, columns + 1), dtype=np.int32)
    np.add.at(diff, (rows[keep], first[keep]), 1)
    np.add.at(diff, (rows[keep], last[keep] + 1), -1)
    return np.cumsum(diff[:, :-1], axis=1) > 0


def start_grid(windows: Windows, minutes: int, slot: int, rows: np.ndarray | None = None,
               firm_only: bool = False) -> np.ndarray:
    """Bool (people × week slots): where a session of `minutes` may start, aligned to `slot`,
    wholly inside one window of the person."""
    people, owner, starts, ends = windows.subset(rows, firm_only)
    return _runs(people, 7 * DAY_MINUTES // slot, owner, -(-starts // slot), (ends - minutes) // slot)


def hour_grid(windows: Windows, firm_only: bool) -> np.ndarray:
    """Float32 (people × week hours): the share of each hour inside the person's windows."""
    people, owner, starts, ends = windows.subset(None, firm_only)
    first, last = starts // HOUR, (ends - 1) // HOUR
    grid = _runs(people, 7 * 24, owner, first, last).astype(np.float32)
    np.add.at(grid, (owner, first), -(starts - first * HOUR) / HOUR)
    np.add.at(grid, (owner, last), -((last + 1) * HOUR - ends) / HOUR)
    return np.clip(grid, 0.0, 1.0, out=grid)


def _shared_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Columns where both sides have someone: the only ones a product needs."""
    return np.flatnonzero(a.any(axis=0) & b.any(axis=0))


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    keep = _shared_columns(a, b)
    return a[:, keep].astype(np.float32) @ b[:, keep].astype(np.float32).T


class AvailabilityResult:
    """Per pair: common session starts (any, and in firm time), distinct days with a start
    where it matters, and common minutes (any, and firm) on an hourly grid."""

    def __init__(self, mentees: tuple[Mentee, ...], mentors: tuple[Mentor, ...], slot: int, weeks: int):
        n, m = len(mentees), len(mentors)
        lengths = np.array([p.sessions.minutes for p in mentees])
        self.need = np.array([max(p.sessions.weekly_hours(weeks) * 60, p.sessions.minutes)
                              for p in mentees], dtype=np.float32)
        self.days_needed = np.array([_days_needed(p) for p in mentees], dtype=np.float32)
        self.any_starts = np.zeros((n, m), dtype=np.float32)
        self.firm_starts = np.zeros((n, m), dtype=np.float32)
        self.days = np.ones((n, m), dtype=np.float32)
        mentee_windows, mentor_windows = Windows(mentees), Windows(mentors)
        for minutes in np.unique(lengths):
            rows = np.flatnonzero(lengths == minutes)
            mentee_any = start_grid(mentee_windows, minutes, slot, rows)
            mentor_any = start_grid(mentor_windows, minutes, slot)
            self.any_starts[rows] = _product(mentee_any, mentor_any)
            self.firm_starts[rows] = _product(start_grid(mentee_windows, minutes, slot, rows, firm_only=True),
                                              start_grid(mentor_windows, minutes, slot, firm_only=True))
            spread = np.flatnonzero(self.days_needed[rows] > 1)
            if len(spread):
                self.days[rows[spread]] = _days_with_starts(mentee_any[spread], mentor_any)
        self.firm_minutes = _product(hour_grid(mentee_windows, True), hour_grid(mentor_windows, True)) * HOUR
        self.any_minutes = _product(hour_grid(mentee_windows, False), hour_grid(mentor_windows, False)) * HOUR


def _days_needed(mentee: Mentee) -> int:
    """Distinct weekdays a week of sessions needs: several a week, a day or more apart."""
    plan = mentee.sessions
    return plan.per_week if plan.per_week and plan.min_days_apart >= 1 else 1


def _days_with_starts(mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
    """(rows × mentors): on how many weekdays the two have a common start."""
    per_day = mentee.shape[1] // 7
    days = np.zeros((mentee.shape[0], mentor.shape[0]), dtype=np.float32)
    for d in range(7):
        part = slice(d * per_day, (d + 1) * per_day)
        days += _product(mentee[:, part], mentor[:, part]) > 0
    return days


def common_time(result: AvailabilityResult) -> np.ndarray:
    """Hard: the two have at least one weekly time where a whole session fits."""
    return result.any_starts > 0


def availability_fit(result: AvailabilityResult) -> np.ndarray:
    """Soft: common weekly time against the time the mentee needs; time only in flexible
    windows counts less, and too few distinct days for several sessions a week scale it down."""
    score = result.any_minutes - result.firm_minutes
    score *= FLEXIBLE_WORTH
    score += result.firm_minutes
    score /= (ROOM_WANTED * result.need)[:, None]
    np.minimum(score, 1.0, out=score)
    np.minimum(score, np.where(result.firm_starts > 0, 1.0, FLEXIBLE_WORTH).astype(np.float32), out=score)
    score *= np.minimum(1.0, result.days / result.days_needed[:, None])
    score[result.any_starts <= 0] = 0.0
    return score
