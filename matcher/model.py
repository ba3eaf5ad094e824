"""The scenario as plain, immutable data: programme rules, mentors, mentees, history.

Times of day are minutes from local midnight; days of the week are 0 (Monday) to 6 (Sunday).
Booked session times are naive datetimes in the programme's local time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
COMPONENTS = ("competence", "interests", "chemistry", "availability")


@dataclass(frozen=True)
class Window:
    """A weekly window of availability; `flexible` marks time given only "if needed"."""

    day: int
    start: int
    end: int
    flexible: bool = False

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of dates."""

    first: date
    last: date

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class SessionPlan:
    """How often a pair meets: `per_week` every week, or `count` over the whole horizon."""

    minutes: int
    per_week: int | None = None
    count: int | None = None
    min_days_apart: int = 0

    def total(self, weeks: int) -> int:
        """Sessions required over a horizon of `weeks` weeks."""
        return self.per_week * weeks if self.per_week is not None else self.count

    def weekly_hours(self, weeks: int) -> float:
        """Average session hours per week the pair takes from the mentor's budget."""
        return self.total(weeks) * self.minutes / 60.0 / weeks


@dataclass(frozen=True)
class Mentor:
    id: str
    kind: str
    capacity: int
    hours_per_week: float
    availability: tuple[Window, ...]
    name: str = ""
    competences: dict[str, int] = field(default_factory=dict)
    interests: tuple[str, ...] = ()
    min_hours_per_month: float | None = None
    max_flexible_per_week: int | None = None
    unavailable: tuple[DateRange, ...] = ()


@dataclass(frozen=True)
class Mentee:
    id: str
    sessions: SessionPlan
    availability: tuple[Window, ...]
    name: str = ""
    needs: dict[str, int] = field(default_factory=dict)
    wishes: dict[str, int] = field(default_factory=dict)
    kinds: tuple[str, ...] | None = None
    interests: tuple[str, ...] = ()
    unavailable: tuple[DateRange, ...] = ()
    waiting_since: date | None = None
    excluded_mentors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feedback:
    mentor: str
    mentee: str
    rating: int | None = None
    breakdown: bool = False


@dataclass(frozen=True)
class CurrentMatch:
    mentor: str
    mentee: str
    sessions: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class Programme:
    timezone: str
    start: date
    weeks: int
    name: str = ""
    slot_minutes: int = 30
    daytime: tuple[int, int] = (8 * 60, 16 * 60)
    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, 0.25))

    def date_of(self, week: int, weekday: int) -> date:
        """The date of a weekday in horizon week `week` (0-based)."""
        return self.start + timedelta(days=7 * week + (weekday - self.start.weekday()) % 7)

    def week_of(self, day: date) -> int:
        """The horizon week (0-based) a date falls in."""
        return (day - self.start).days // 7


@dataclass(frozen=True)
class Scenario:
    programme: Programme
    mentors: tuple[Mentor, ...]
    mentees: tuple[Mentee, ...]
    feedback: tuple[Feedback, ...] = ()
    matches: tuple[CurrentMatch, ...] = ()

    def broken_pairs(self) -> frozenset[tuple[str, str]]:
        """(mentor, mentee) pairs that broke down and are never proposed again."""
        return frozenset((f.mentor, f.mentee) for f in self.feedback if f.breakdown)

    def kept_matches(self) -> tuple[CurrentMatch, ...]:
        """Current matches that have not broken down: they stay as they are."""
        broken = self.broken_pairs()
        return tuple(m for m in self.matches if (m.mentor, m.mentee) not in broken)
