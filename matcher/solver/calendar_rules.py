"""The hard rules of a session, one check each, over a mentor's diary.

A check returns None when the session may go ahead, or a Blocker: why not, in words a
coordinator understands, with a rank telling how far the session got (a higher rank is the
better explanation of a lost week: the time existed and both were there, but ...).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from matcher.solver.calendar_slots import Horizon, Pair, Slot, fit


class Blocker(NamedTuple):
    """Why a session cannot go; `week` (the Monday) when the cause is particular to a week."""

    rank: int
    text: str
    week: date | None = None


NO_TIME, CLOCK, AWAY, SPACING, BUSY, HOURS, FLEXIBLE = range(7)


@dataclass(frozen=True)
class Candidate:
    """A concrete session start: local date and wall-clock minute, absolute begin and end."""

    day: date
    start: int
    begin: int
    end: int
    firm: bool

    @property
    def monday(self) -> date:
        return monday_of(self.day)


@lru_cache(maxsize=4096)
def monday_of(day: date) -> date:
    """The Monday of a date's week (asked for every rule a session is checked against)."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Placement:
    """A session in the diary; `kind` is booked, pattern, moved, makeup or count."""

    pair: Pair
    when: Candidate
    kind: str


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def concrete(horizon: Horizon, pair: Pair, slot: Slot, day: date) -> Candidate | Blocker:
    """Hard: a local time the clocks skip is never used, and on a day the clocks change the
    session must still end inside a window of both people."""
    begin = horizon.instant(day, slot.start)
    if begin is None:
        return Blocker(CLOCK, f"{clock(slot.start)} does not exist on {day} (the clocks go forward)")
    end = begin + pair.minutes
    firm = slot.firm
    if not horizon.regular(day):
        firm = fit(pair.mentor, pair.mentee, slot.day, slot.start, horizon.wall_minute(day, end))
        if firm is None:
            return Blocker(CLOCK, f"the clocks change on {day} and a session at {clock(slot.start)} "
                                  "would run past the common time")
    return Candidate(day, slot.start, begin, end, firm)


def booked(horizon: Horizon, pair: Pair, start: datetime) -> Candidate:
    """A booked session as it stands (flexible unless inside a firm window of both)."""
    day, minute = start.date(), start.hour * 60 + start.minute
    begin = int(horizon.local(day, minute).timestamp()) // 60
    end = begin + pair.minutes
    firm = fit(pair.mentor, pair.mentee, day.weekday(), minute, horizon.wall_minute(day, end))
    return Candidate(day, minute, begin, end, bool(firm))


class Diary:
    """One mentor's calendar so far: sessions by day, hours and flexible sessions by week."""

    def __init__(self, horizon: Horizon):
        self.horizon = horizon
        self.placements: list[Placement] = []
        self.busy: dict[date, list[Candidate]] = defaultdict(list)
        self.minutes: Counter = Counter()          # Monday of a calendar week -> session minutes
        self.flexible: Counter = Counter()         # Monday of a calendar week -> flexible sessions
        self.days: dict[tuple, list[date]] = defaultdict(list)   # pair -> session dates
        self.ordinals: dict[tuple, set[int]] = defaultdict(set)  # pair -> session dates as ordinals
        self.counts: Counter = Counter()           # (pair, horizon week) -> sessions

    def add(self, pair: Pair, when: Candidate, kind: str) -> Placement:
        placement = Placement(pair, when, kind)
        self.placements.append(placement)
        self.busy[when.day].append(when)
        self.minutes[when.monday] += pair.minutes
        self.flexible[when.monday] += not when.firm
        self.days[pair.key].append(when.day)
        self.ordinals[pair.key].add(when.day.toordinal())
        self.counts[pair.key, self.horizon.week_of(when.day)] += 1
        return placement

    def count(self, pair: Pair, week: int) -> int:
        """Sessions of the pair in a horizon week."""
        return self.counts[pair.key, week]

    def place(self, pair: Pair, candidates, kind: str) -> Placement | Blocker:
        """Add the first candidate that breaks no hard rule, or tell the best reason none could go."""
        worst = Blocker(NO_TIME, f"{pair.mentor.id} and {pair.mentee.id} have no common time for a whole "
                               f"{pair.minutes}-minute session")
        for when in candidates:
            blocker = when if isinstance(when, Blocker) else first_blocker(self, pair, when)
            if blocker is None:
                return self.add(pair, when, kind)
            worst = max(worst, blocker)
        return worst


def present(diary: Diary, pair: Pair, when: Candidate) -> Blocker | None:
    """Hard: no session on an unavailable date of either person."""
    away = pair.away(when.day)
    return Blocker(AWAY, f"{away} and has no other common time that week") if away else None


def spaced(diary: Diary, pair: Pair, when: Candidate) -> Blocker | None:
    """Hard: two sessions of a pair start at least min_days_apart calendar days apart."""
    apart, taken, day = pair.apart, diary.ordinals[pair.key], when.day.toordinal()
    if any(day + offset in taken for offset in range(1 - apart, apart)):
        return Blocker(SPACING, f"{pair.mentee.id}'s sessions must be {apart} day(s) apart and no such "
                                "common time is left", when.monday)
    return None


def free(diary: Diary, pair: Pair, when: Candidate) -> Blocker | None:
    """Hard: nobody is in two sessions at once (a mentee has one mentor, so the mentor's
    diary holds every session of the mentee too)."""
    if any(other.begin < when.end and when.begin < other.end for other in diary.busy[when.day]):
        return Blocker(BUSY, f"no common time outside {pair.mentor.id}'s other sessions", when.monday)
    return None


def within_hours(diary: Diary, pair: Pair, when: Candidate) -> Blocker | None:
    """Hard: a mentor's session hours in a Monday-Sunday week stay within hours_per_week."""
    mentor = pair.mentor
    if diary.minutes[when.monday] + pair.minutes <= mentor.hours_per_week * 60:
        return None
    if pair.minutes > mentor.hours_per_week * 60:
        return Blocker(HOURS, f"{mentor.id}'s {mentor.hours_per_week:g} h/week are less than one "
                              f"{pair.minutes}-minute session")
    return Blocker(HOURS, f"{mentor.id}'s {mentor.hours_per_week:g} h/week are used up", when.monday)


def within_flexible(diary: Diary, pair: Pair, when: Candidate) -> Blocker | None:
    """Hard: a mentor's flexible sessions in a week stay within max_flexible_per_week."""
    cap = pair.mentor.max_flexible_per_week
    if when.firm or cap is None or diary.flexible[when.monday] < cap:
        return None
    if cap == 0:
        return Blocker(FLEXIBLE, f"{pair.mentor.id} takes no flexible sessions and no firm common time "
                                 "is free", when.monday)
    return Blocker(FLEXIBLE, f"{pair.mentor.id}'s {cap} flexible session(s) a week are used up", when.monday)


HARD_RULES = (present, spaced, free, within_hours, within_flexible)


def first_blocker(diary: Diary, pair: Pair, when: Candidate) -> Blocker | None:
    """The first hard rule the session would break, or None."""
    for rule in HARD_RULES:
        blocker = rule(diary, pair, when)
        if blocker is not None:
            return blocker
    return None
