"""The four programme presets of DOMAIN.md and the weekly slot grid they are drawn on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PROGRAMMES = ("patient-peers", "youth-mentors", "recovery-mentors", "job-mentors")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
START = date(2027, 1, 4)  # a Monday
SLOT = 30
FIRST_SLOT, LAST_SLOT = 7 * 60 // SLOT, 22 * 60 // SLOT  # windows lie inside 07:00-22:00


@dataclass(frozen=True)
class Pattern:
    """A kind of weekly window: on `count` of `days`, starting in `starts`, lasting `hours`."""

    days: tuple[int, ...]
    count: tuple[int, int]
    starts: tuple[str, str]
    hours: tuple[float, float]
    flexible: float  # chance that a window is given only "if needed"
    share: float = 1.0  # chance that a person has windows of this kind


@dataclass(frozen=True)
class Role:
    """A kind of mentor: how skilled, how much they carry, and when they can meet."""

    kind: str
    share: float
    levels: tuple[float, float, float]  # chances of competence levels 1, 2, 3
    capacity: tuple[int, int]
    hours: tuple[float, float]
    windows: tuple[Pattern, ...]
    max_flexible: tuple[int, int] | None = None  # flexible sessions a week, when capped
    min_hours_per_month: int | None = None


@dataclass(frozen=True)
class SessionPlan:
    """How often mentees meet: (per_week, min_days_apart, chance) rhythms, or a fixed count."""

    minutes: tuple[tuple[int, float], ...]
    rhythms: tuple[tuple[int, int, float], ...]  # per_week 0 means `count` sessions in all
    count: int = 0


@dataclass(frozen=True)
class Preset:
    """One programme of DOMAIN.md."""

    title: str
    prefix: str
    weeks: int
    weights: tuple[float, float, float, float]
    competences: tuple[str, ...]  # most common first
    core: str | None  # every mentor has it and most mentees need it
    rare: str  # no mentor has it at level 3
    breadth: tuple[int, int]  # how many competences besides the core a mentor has
    roles: tuple[Role, ...]
    sessions: SessionPlan
    windows: tuple[Pattern, ...]  # the mentees'
    unreachable: Pattern  # mentee windows that no mentor window can share
    interests: tuple[int, int]
    professional_level: int | None = None  # needs at this level allow professionals only


PRESETS = {
    "patient-peers": Preset(
        title="Patient peer mentors (MS)", prefix="p", weeks=12,
        weights=(0.3, 0.15, 0.3, 0.25),
        competences=("ms", "relapsing", "family", "work-life", "newly-diagnosed", "fatigue",
                     "medication", "progressive", "pregnancy"),
        core="ms", rare="pregnancy", breadth=(2, 4),
        roles=(Role("volunteer", 1.0, (0.3, 0.45, 0.25), capacity=(2, 4), hours=(1, 3),
                    max_flexible=(1, 2), windows=(
                        Pattern(WEEKDAYS, (2, 4), ("17:00", "19:00"), (2, 3), 0.3, 0.9),
                        Pattern(WEEKDAYS, (1, 3), ("10:00", "13:00"), (2, 3), 0.1, 0.45),
                        Pattern(WEEKEND, (1, 2), ("12:00", "15:00"), (2, 4), 0.7, 0.3))),),
        sessions=SessionPlan(minutes=((45, 1.0),), rhythms=((0, 7, 1.0),), count=3),
        windows=(Pattern(WEEKDAYS, (2, 4), ("09:00", "13:00"), (2, 4), 0.1, 0.6),
                 Pattern(WEEKDAYS, (1, 3), ("17:00", "19:30"), (1.5, 2.5), 0.4, 0.8),
                 Pattern(WEEKEND, (1, 2), ("10:00", "14:00"), (2, 4), 0.5, 0.3)),
        unreachable=Pattern(WEEKDAYS, (2, 3), ("07:00", "07:30"), (1.5, 2), 0.0),
        interests=(1, 3),
    ),
    "youth-mentors": Preset(
        title="Youth mentors (ADHD)", prefix="y", weeks=12,
        weights=(0.35, 0.2, 0.3, 0.15),
        competences=("adhd", "family", "school", "anxiety", "substance", "autism", "social",
                     "crime"),
        core="adhd", rare="crime", breadth=(2, 4),
        roles=(Role("professional", 0.45, (0.1, 0.4, 0.5), capacity=(3, 6), hours=(6, 12),
                    max_flexible=(2, 3), windows=(
                        Pattern(WEEKDAYS, (3, 5), ("12:00", "14:00"), (3, 5), 0.0),
                        Pattern(WEEKDAYS, (1, 2), ("17:00", "18:00"), (2, 3), 1.0, 0.6))),
               Role("volunteer", 0.55, (0.45, 0.45, 0.1), capacity=(1, 3), hours=(4, 6),
                    max_flexible=(1, 2), min_hours_per_month=10, windows=(
                        Pattern(WEEKDAYS, (2, 3), ("16:00", "18:00"), (2, 3), 0.5, 0.95),
                        Pattern(WEEKEND, (1, 2), ("10:00", "13:00"), (2, 4), 0.6, 0.5)))),
        sessions=SessionPlan(minutes=((60, 0.4), (90, 0.4), (120, 0.2)),
                             rhythms=((1, 3, 0.65), (2, 2, 0.35))),
        windows=(Pattern(WEEKDAYS, (2, 4), ("15:00", "16:30"), (2, 3), 0.1, 0.9),
                 Pattern(WEEKDAYS, (1, 3), ("18:00", "19:00"), (2, 3), 0.8, 0.6),
                 Pattern(WEEKEND, (1, 2), ("10:00", "14:00"), (2, 4), 0.5, 0.5)),
        unreachable=Pattern(WEEKDAYS, (2, 4), ("21:00", "21:00"), (1, 1), 0.0),
        interests=(2, 4), professional_level=3,
    ),
    "recovery-mentors": Preset(
        title="Recovery mentors (psychiatry)", prefix="r", weeks=12,
        weights=(0.3, 0.1, 0.35, 0.25),
        competences=("depression", "anxiety", "psychosis", "substance", "bipolar", "self-harm",
                     "ptsd", "eating"),
        core=None, rare="eating", breadth=(4, 6),
        roles=(Role("professional", 1.0, (0.2, 0.45, 0.35), capacity=(5, 8), hours=(20, 30),
                    max_flexible=(2, 3), windows=(
                        Pattern(WEEKDAYS, (1, 2), ("07:00", "07:00"), (1, 1.5), 0.6, 0.4),
                        Pattern(WEEKDAYS, (2, 4), ("08:00", "09:00"), (6, 7), 0.0, 0.85),
                        Pattern(WEEKDAYS, (1, 3), ("15:00", "16:00"), (3, 4), 0.6, 0.6),
                        Pattern(WEEKEND, (1, 1), ("10:00", "12:00"), (3, 5), 0.8, 0.3))),),
        sessions=SessionPlan(minutes=((60, 0.3), (90, 0.4), (120, 0.3)),
                             rhythms=((1, 3, 0.2), (2, 2, 0.5), (3, 1, 0.3))),
        windows=(Pattern(WEEKDAYS, (1, 3), ("07:00", "07:30"), (1.5, 2), 0.5, 0.5),
                 Pattern(WEEKDAYS, (1, 3), ("10:00", "13:00"), (2, 3), 0.1, 0.5),
                 Pattern(WEEKDAYS, (2, 4), ("17:00", "19:00"), (2, 3), 0.6, 0.7),
                 Pattern(WEEKEND, (1, 2), ("10:00", "16:00"), (2, 4), 0.6, 0.4)),
        unreachable=Pattern(WEEKDAYS, (2, 3), ("20:00", "20:30"), (1.5, 1.5), 0.0),
        interests=(1, 3),
    ),
    "job-mentors": Preset(
        title="Job mentors (employment)", prefix="j", weeks=26,
        weights=(0.4, 0.1, 0.2, 0.3),
        competences=("jobsearch", "workplace", "language", "cv", "interview", "digital",
                     "childcare", "health"),
        core="jobsearch", rare="health", breadth=(3, 5),
        roles=(Role("professional", 0.7, (0.1, 0.4, 0.5), capacity=(4, 8), hours=(4, 10),
                    windows=(
                        Pattern(WEEKDAYS, (2, 5), ("08:00", "09:00"), (2, 4), 0.0, 0.9),
                        Pattern(WEEKDAYS, (1, 4), ("12:00", "13:00"), (2, 3), 0.2, 0.7))),
               Role("volunteer", 0.3, (0.4, 0.45, 0.15), capacity=(1, 3), hours=(1.5, 4),
                    max_flexible=(1, 1), windows=(
                        Pattern(WEEKDAYS, (1, 3), ("08:00", "10:00"), (2, 3), 0.3, 0.8),
                        Pattern(WEEKDAYS, (1, 2), ("13:00", "14:00"), (1.5, 2), 0.5, 0.5)))),
        sessions=SessionPlan(minutes=((60, 0.5), (90, 0.3), (120, 0.2)),
                             rhythms=((1, 3, 0.6), (2, 2, 0.4))),
        windows=(Pattern(WEEKDAYS, (2, 5), ("08:00", "11:00"), (2, 5), 0.1, 0.85),
                 Pattern(WEEKDAYS, (1, 2), ("15:00", "16:00"), (1.5, 3), 0.5, 0.3)),
        unreachable=Pattern(WEEKDAYS, (2, 4), ("16:30", "17:30"), (2, 3), 0.0),
        interests=(1, 3), professional_level=3,
    ),
}
