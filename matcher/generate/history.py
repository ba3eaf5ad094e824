"""History: ratings, breakdowns and current matches with sessions booked in the first weeks."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from matcher.generate.people import Mentees, Mentors
from matcher.generate.presets import DAYS, FIRST_SLOT, LAST_SLOT, SLOT


def draw_history(rng, mentors: Mentors, mentees: Mentees):
    """Ratings, breakdowns and current matches with booked sessions in the first weeks.

    Returns feedback as (mentee, mentor, entry) and matches as (mentee, mentor, start times).
    """
    n = len(mentees.demand)
    order = rng.permutation(np.flatnonzero(~mentees.hard))
    current = order[:round(rng.uniform(0.1, 0.3) * n)]
    past = order[current.size:current.size + round(0.04 * n)]
    chosen = np.concatenate([current, past])
    fits = _compatible(mentors, mentees, chosen)
    slots_needed = np.asarray([mentees.sessions[y]["minutes"] // SLOT for y in chosen])
    common = _time_grid(mentees.windows, chosen) @ _time_grid(mentors.windows, range(len(mentors.role))).T
    timely = common >= slots_needed[:, None]

    capacity_left = mentors.capacity.copy()
    hours_left = mentors.hours.copy()
    pairs = []
    for row, y in enumerate(current):
        free = (capacity_left >= 1) & (hours_left >= mentees.demand[y])
        pool = np.flatnonzero(fits[row] & timely[row] & free)
        if pool.size:
            m = int(pool[rng.integers(pool.size)])
            capacity_left[m] -= 1
            hours_left[m] -= mentees.demand[y]
            pairs.append((int(y), m))

    quality = rng.normal(0, 1, len(mentors.role))
    feedback = []

    def rate(y, m, count, shift=0.0):
        for score in np.clip(np.rint(3.5 + 0.9 * quality[m] + shift + rng.normal(0, 0.6, count)), 1, 5):
            feedback.append((y, m, {"rating": int(score)}))

    broken = set()
    if len(pairs) >= 5:  # a few current pairs broke down and wait for a rematch
        broken = set(rng.permutation(len(pairs))[:max(1, round(0.06 * len(pairs)))].tolist())
    for k, (y, m) in enumerate(pairs):
        if k in broken:
            rate(y, m, 1, shift=-2.0)
            feedback.append((y, m, {"breakdown": True}))
        else:
            rate(y, m, int(rng.integers(0, 4)))
    for row, y in enumerate(past, start=current.size):
        pool = np.flatnonzero(fits[row])
        if pool.size:
            m = int(pool[rng.integers(pool.size)])
            rate(int(y), m, int(rng.integers(0, 2)), shift=-2.0)
            feedback.append((int(y), m, {"breakdown": True}))

    booked = _book_sessions(rng, mentors, mentees, pairs)
    matches = sorted((y, m, booked[(y, m)]) for y, m in pairs)
    feedback.sort(key=lambda entry: entry[:2])
    return feedback, matches


def _compatible(mentors: Mentors, mentees: Mentees, rows: np.ndarray) -> np.ndarray:
    """(rows × mentors): every need covered, kind allowed, mentor not excluded."""
    needs = mentees.needs[rows]
    fits = np.ones((len(rows), len(mentors.role)), dtype=bool)
    for c in range(needs.shape[1]):
        fits &= mentors.levels[None, :, c] >= needs[:, c, None]
    if mentees.kinds is not None:
        fits &= mentees.kinds[rows][:, mentors.role]
    for row, y in enumerate(rows):
        fits[row, mentees.excluded[y]] = False
    return fits


def _time_grid(windows: list, rows) -> np.ndarray:
    """(rows × weekly slots) 1 where the person can meet."""
    rows = list(rows)
    per_day = LAST_SLOT - FIRST_SLOT
    grid = np.zeros((len(rows), 7 * per_day), dtype=np.float32)
    for row, i in enumerate(rows):
        for day, start, end, _ in windows[i]:
            grid[row, day * per_day + start // SLOT - FIRST_SLOT:day * per_day + end // SLOT - FIRST_SLOT] = 1
    return grid


class _Diary:
    """Booked sessions so far: each mentor's busy times, weekly minutes and flexible sessions."""

    def __init__(self, mentors: Mentors):
        self.mentors = mentors
        self.busy = defaultdict(list)
        self.minutes = defaultdict(int)
        self.flexible = defaultdict(int)

    def fits(self, m: int, start: int, minutes: int, flexible: bool) -> bool:
        week = start // (7 * 1440)
        if self.minutes[m, week] + minutes > self.mentors.hours[m] * 60:
            return False
        cap = self.mentors.max_flexible[m]
        if flexible and cap is not None and self.flexible[m, week] >= cap:
            return False
        return all(start + minutes <= begin or end <= start for begin, end in self.busy[m])

    def book(self, m: int, start: int, minutes: int, flexible: bool) -> None:
        week = start // (7 * 1440)
        self.busy[m].append((start, start + minutes))
        self.minutes[m, week] += minutes
        self.flexible[m, week] += flexible


def _book_sessions(rng, mentors: Mentors, mentees: Mentees, pairs) -> dict:
    """Sessions already booked for most current matches in their first one or two weeks.

    Times are minutes from midnight of the first day; every hard rule of DESIGN.md holds.
    """
    diary = _Diary(mentors)
    booked = {}
    for y, m in pairs:
        booked[y, m] = times = []
        if rng.random() < 0.3:
            continue
        plan = mentees.sessions[y]
        weeks = int(rng.integers(1, 3))
        per_week = plan.get("per_week", 1)
        wanted = [week for week in range(weeks) for _ in range(per_week)][:plan.get("count")]
        away = _away_days(mentors.unavailable[m]) | _away_days(mentees.unavailable[y])
        common = _common_windows(mentors.windows[m], mentees.windows[y], plan["minutes"])
        for week in wanted:
            start, flexible = _first_free(rng, diary, m, week, common, away, times, plan)
            if start is not None:
                diary.book(m, start, plan["minutes"], flexible)
                times.append(start)
        times.sort()
    return booked


def _first_free(rng, diary: _Diary, m: int, week: int, common, away, times, plan):
    """The first start in a week that keeps every rule, firm windows before flexible ones."""
    minutes, apart = plan["minutes"], plan["min_days_apart"] * 1440
    days = rng.permutation(7).tolist()
    for flexible in (False, True):
        for day in days:
            offset = 7 * week + day
            if offset in away:
                continue
            for start, end, window_flexible in common[day]:
                if window_flexible != flexible:
                    continue
                for clock in range(start, end - minutes + 1, SLOT):
                    when = offset * 1440 + clock
                    spaced = all(abs(when - other) >= apart for other in times)
                    if spaced and diary.fits(m, when, minutes, flexible):
                        return when, flexible
    return None, False


def _common_windows(first: list, second: list, minutes: int) -> list[list[tuple]]:
    """Per weekday, the (start, end, flexible) overlaps of two people long enough for a session."""
    common = [[] for _ in DAYS]
    for day, start, end, flexible in first:
        for other_day, other_start, other_end, other_flexible in second:
            begin, finish = max(start, other_start), min(end, other_end)
            if day == other_day and finish - begin >= minutes:
                common[day].append((begin, finish, flexible or other_flexible))
    return common


def _away_days(spans: list[tuple[int, int]]) -> set[int]:
    return {day for first, last in spans for day in range(first, last + 1)}
