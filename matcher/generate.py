"""Seeded generator of synthetic scenarios for the four mentor programmes.

`generate_scenario` returns a scenario dict in the contract of DESIGN.md. Each programme is
a preset (DOMAIN.md): who the mentors are and when they can meet, what the mentees need,
when they can meet and how often. A few mentees are hard cases on purpose: one needs a
level no mentor has, one can only meet when no mentor can. History (ratings, breakdowns,
current matches with booked sessions) comes from its own random stream, so the people are
the same with and without it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import numpy as np

PROGRAMMES = ("patient-peers", "youth-mentors", "recovery-mentors", "job-mentors")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
START = date(2027, 1, 4)  # a Monday
SLOT = 30
FIRST_SLOT, LAST_SLOT = 7 * 60 // SLOT, 22 * 60 // SLOT  # windows lie inside 07:00-22:00
SHORTEST_WINDOW = 60
NEED_LEVELS = (0.4, 0.4, 0.2)
HARD_CASE_SHARE = 0.025
TIGHT_DEMAND = 1.1  # at tightness 1, demand is this many times supply

# Leisure interests, most popular first; popularity falls off like Zipf's law.
INTERESTS = (
    "football", "music", "gaming", "films", "cooking", "walking", "fitness", "reading",
    "dogs", "handball", "swimming", "cycling", "drawing", "fishing", "photography",
    "dancing", "board games", "baking", "theatre", "gardening", "horses", "climbing",
    "chess", "knitting", "sailing",
)
NAMES = (
    "Ane", "Jonas", "Mikkel", "Freja", "Ida", "Emma", "Sofie", "Laura", "Mathilde", "Clara",
    "Alma", "Ella", "Karla", "Maja", "Josefine", "Anna", "Agnes", "Asta", "Lærke", "Signe",
    "Frida", "Liva", "Nora", "Olivia", "Isabella", "Cecilie", "Camilla", "Mette", "Hanne",
    "Lone", "Susanne", "Birgitte", "Kirsten", "Lene", "Pia", "Trine", "Marianne", "Helle",
    "Rikke", "Louise", "Line", "Sara", "Julie", "Dorthe", "Gitte", "Inge", "Karen", "Bodil",
    "Emil", "William", "Noah", "Oscar", "Lucas", "Victor", "Malthe", "Alfred", "Oliver",
    "Carl", "Valdemar", "Magnus", "Frederik", "August", "Elias", "Aksel", "Anton",
    "Christian", "Rasmus", "Mads", "Søren", "Jens", "Lars", "Niels", "Peter", "Henrik",
    "Thomas", "Morten", "Anders", "Jesper", "Martin", "Kasper", "Jakob", "Simon", "Tobias",
    "Mathias", "Nikolaj", "Villads", "Bjørn", "Poul", "Knud", "Bent", "Torben", "Ole", "Esben",
)


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


@dataclass
class _Mentors:
    role: np.ndarray  # index into preset.roles
    levels: np.ndarray  # (mentors, competences)
    capacity: np.ndarray
    hours: np.ndarray
    max_flexible: list
    windows: list
    unavailable: list
    interests: list
    names: list


@dataclass
class _Mentees:
    needs: np.ndarray  # (mentees, competences)
    kinds: np.ndarray | None  # (mentees, roles) allowed mentor kinds; None: any
    sessions: list
    demand: np.ndarray  # average session hours a week
    windows: list
    unavailable: list
    interests: list
    names: list
    waiting: np.ndarray  # days waited before the start
    excluded: list  # mentor indices
    hard: np.ndarray  # hard cases never get a history


def generate_scenario(mentees: int, mentors: int, seed: int, programme: str = "youth-mentors",
                      tightness: float = 1.0, history: bool = True) -> dict:
    """A synthetic scenario of one programme; the same arguments give the same dict.

    At `tightness` 1 mentees ask for about 1.1 times the mentors' capacity and weekly hours,
    so some cannot be matched; lower values leave more room.
    """
    if programme not in PRESETS:
        raise ValueError(f"unknown programme {programme!r}; choose one of {', '.join(PROGRAMMES)}")
    if mentees < 1 or mentors < 1 or tightness <= 0:
        raise ValueError("mentees and mentors must be at least 1 and tightness positive")
    preset = PRESETS[programme]
    people_rng, history_rng = (np.random.default_rng([seed, stream]) for stream in (0, 1))
    mentor_table = _draw_mentors(people_rng, preset, mentors)
    mentee_table = _draw_mentees(people_rng, preset, mentees, mentors)
    _fit_supply(people_rng, preset, mentor_table, mentee_table, tightness)
    feedback, matches = ([], [])
    if history:
        feedback, matches = _draw_history(history_rng, preset, mentor_table, mentee_table)
    mentor_ids = _ids("m", mentors)
    mentee_ids = _ids(preset.prefix, mentees)
    return {
        "programme": {
            "name": f"{preset.title}, synthetic (seed {seed})",
            "timezone": "Europe/Copenhagen",
            "start": START.isoformat(),
            "weeks": preset.weeks,
            "slot_minutes": SLOT,
            "daytime": {"start": "08:00", "end": "16:00"},
            "weights": dict(zip(("competence", "interests", "chemistry", "availability"), preset.weights)),
        },
        "mentors": [_mentor_record(preset, mentor_table, i, mentor_ids[i]) for i in range(mentors)],
        "mentees": [_mentee_record(preset, mentee_table, i, mentee_ids[i], mentor_ids)
                    for i in range(mentees)],
        "feedback": [{"mentor": mentor_ids[m], "mentee": mentee_ids[y], **entry} for y, m, entry in feedback],
        "matches": [{"mentor": mentor_ids[m], "mentee": mentee_ids[y], "sessions": [_stamp(t) for t in times]}
                    for y, m, times in matches],
    }


# --- people --------------------------------------------------------------------------------

def _draw_mentors(rng, preset: Preset, n: int) -> _Mentors:
    role = _choose(rng, [role.share for role in preset.roles], n)
    levels = _draw_competences(rng, preset, role, n)
    capacity = np.zeros(n)
    hours = np.zeros(n)
    windows = [None] * n
    for r, spec in enumerate(preset.roles):
        members = np.flatnonzero(role == r)
        capacity[members] = rng.integers(spec.capacity[0], spec.capacity[1] + 1, members.size)
        hours[members] = rng.uniform(*spec.hours, members.size)
        for i, person_windows in zip(members.tolist(), _draw_windows(rng, spec.windows, members.size)):
            windows[i] = person_windows
    max_flexible = [None] * n
    caps = rng.integers(1, 4, n)
    for i in range(n):
        spec = preset.roles[role[i]]
        if spec.max_flexible and any(w[3] for w in windows[i]):
            max_flexible[i] = int(np.clip(caps[i], *spec.max_flexible))
    return _Mentors(role=role, levels=levels, capacity=capacity, hours=hours, max_flexible=max_flexible,
                    windows=windows, unavailable=_draw_unavailable(rng, n, preset.weeks),
                    interests=_draw_interests(rng, n, preset.interests), names=_draw_names(rng, n))


def _draw_competences(rng, preset: Preset, role: np.ndarray, n: int) -> np.ndarray:
    """Mentor levels: the core competence and a few others, the common ones more often."""
    names = preset.competences
    levels = np.zeros((n, len(names)), dtype=np.int8)
    others = [c for c, name in enumerate(names) if name != preset.core]
    fewest, most = preset.breadth
    picks = np.asarray(others)[_top_k(rng, _popularity(len(others), 0.5), n, most)]
    count = rng.integers(fewest, most + 1, n)
    has = np.zeros_like(levels, dtype=bool)
    np.put_along_axis(has, picks, np.arange(most) < count[:, None], axis=1)
    if preset.core is not None:
        has[:, names.index(preset.core)] = True
    draws = rng.random(levels.shape)
    for r, spec in enumerate(preset.roles):
        members = role == r
        drawn = 1 + (draws[members] > spec.levels[0]) + (draws[members] > spec.levels[0] + spec.levels[1])
        levels[members] = np.where(has[members], drawn, 0)
    rare = names.index(preset.rare)
    levels[:, rare] = np.minimum(levels[:, rare], 2)
    return levels


def _draw_mentees(rng, preset: Preset, n: int, mentors: int) -> _Mentees:
    needs = _draw_needs(rng, preset, n)
    windows = _draw_windows(rng, preset.windows, n)
    hard = np.zeros(n, dtype=bool)
    order = rng.permutation(n)
    each = round(HARD_CASE_SHARE * n)
    for y in order[:each]:  # keeps its first need and adds a level no mentor has
        needs[y, np.flatnonzero(needs[y])[1:]] = 0
        needs[y, preset.competences.index(preset.rare)] = 3
    unreachable = order[each:2 * each]
    for y, person_windows in zip(unreachable, _draw_windows(rng, (preset.unreachable,), unreachable.size)):
        windows[y] = person_windows  # only when no mentor can meet
    hard[order[:2 * each]] = True

    rhythm = _choose(rng, [chance for _, _, chance in preset.sessions.rhythms], n)
    length = _choose(rng, [chance for _, chance in preset.sessions.minutes], n)
    sessions, demand = [], np.zeros(n)
    weeks = preset.weeks
    for y in range(n):
        per_week, apart, _ = preset.sessions.rhythms[rhythm[y]]
        minutes = preset.sessions.minutes[length[y]][0]
        total = per_week * weeks if per_week else preset.sessions.count
        how_often = {"per_week": per_week} if per_week else {"count": preset.sessions.count}
        sessions.append({**how_often, "minutes": minutes, "min_days_apart": apart})
        demand[y] = total * minutes / 60 / weeks

    kinds = None
    if preset.professional_level is not None:
        heavy = needs.max(axis=1) >= preset.professional_level
        kinds = np.array([role.kind == "professional" for role in preset.roles]) | ~heavy[:, None]

    excluded = [[] for _ in range(n)]
    for y, m in zip(np.flatnonzero(rng.random(n) < 0.02), rng.integers(0, mentors, n)):
        excluded[y] = [int(m)]
    return _Mentees(needs=needs, kinds=kinds, sessions=sessions, demand=demand, windows=windows,
                    unavailable=_draw_unavailable(rng, n, weeks),
                    interests=_draw_interests(rng, n, preset.interests), names=_draw_names(rng, n),
                    waiting=rng.integers(0, 61, n), excluded=excluded, hard=hard)


def _draw_needs(rng, preset: Preset, n: int) -> np.ndarray:
    """One or two needs per mentee, the core one most often; the rare one below level 3."""
    names = preset.competences
    needs = np.zeros((n, len(names)), dtype=np.int8)
    picks = _top_k(rng, _popularity(len(names)), n, 2)
    if preset.core is not None:
        core = names.index(preset.core)
        use_core = (rng.random(n) < 0.7) & (picks[:, 1] != core)
        picks[use_core, 0] = core
    level = 1 + _choose(rng, NEED_LEVELS, n * 2).reshape(n, 2).astype(np.int8)
    rows = np.arange(n)
    needs[rows, picks[:, 0]] = level[:, 0]
    second = rng.random(n) < 0.4
    needs[rows[second], picks[second, 1]] = level[second, 1]
    rare = names.index(preset.rare)
    needs[:, rare] = np.minimum(needs[:, rare], 2)
    return needs


def _draw_windows(rng, patterns: tuple[Pattern, ...], n: int) -> list[list[tuple]]:
    """Each person's weekly windows as sorted, non-overlapping (day, start, end, flexible)."""
    drawn = []
    for p in patterns:
        most = p.count[1]
        first, last = (_minutes(clock) // SLOT for clock in p.starts)
        drawn.append((
            (rng.random(n) < p.share).tolist(),
            rng.integers(p.count[0], most + 1, n).tolist(),
            np.asarray(p.days)[np.argsort(rng.random((n, len(p.days))), axis=1)[:, :most]].tolist(),
            (rng.integers(first, last + 1, (n, most)) * SLOT).tolist(),
            (rng.integers(round(p.hours[0] * 60 / SLOT), round(p.hours[1] * 60 / SLOT) + 1, (n, most))
             * SLOT).tolist(),
            (rng.random((n, most)) < p.flexible).tolist(),
        ))
    people = []
    for i in range(n):
        raw = [(days[i][j], starts[i][j], lengths[i][j], flexible[i][j])
               for has, count, days, starts, lengths, flexible in drawn if has[i] for j in range(count[i])]
        if not raw:  # everybody can meet at some time
            _, count, days, starts, lengths, flexible = drawn[0]
            raw = [(days[i][j], starts[i][j], lengths[i][j], flexible[i][j]) for j in range(max(count[i], 1))]
        people.append(_tidy(raw))
    return people


def _tidy(raw: list[tuple]) -> list[tuple]:
    """Sort windows and cut each one to start where the one before it ends."""
    windows = []
    for day, start, length, flexible in sorted(raw):
        end = min(start + length, LAST_SLOT * SLOT)
        if windows and windows[-1][0] == day:
            start = max(start, windows[-1][2])
        if end - start >= SHORTEST_WINDOW:
            windows.append((day, start, end, flexible))
    return windows


def _draw_unavailable(rng, n: int, weeks: int) -> list[list[tuple[int, int]]]:
    """Absences as inclusive (first, last) day offsets: a holiday week or a few days away."""
    ranges = _choose(rng, (0.7, 0.25, 0.05), n).tolist()
    holiday = (rng.random((n, 2)) < 0.5).tolist()
    week = rng.integers(1, weeks, (n, 2)).tolist()
    first = rng.integers(0, 7 * weeks - 4, (n, 2)).tolist()
    length = rng.integers(1, 5, (n, 2)).tolist()
    people = []
    for i in range(n):
        spans = [(7 * week[i][j], 7 * week[i][j] + 6) if holiday[i][j]
                 else (first[i][j], first[i][j] + length[i][j] - 1) for j in range(ranges[i])]
        people.append(sorted(spans))
    return people


def _draw_interests(rng, n: int, count: tuple[int, int]) -> list[list[str]]:
    picks = _top_k(rng, _popularity(len(INTERESTS), 1.1), n, count[1]).tolist()
    sizes = rng.integers(count[0], count[1] + 1, n).tolist()
    return [[INTERESTS[k] for k in sorted(picks[i][:sizes[i]])] for i in range(n)]


def _draw_names(rng, n: int) -> list[str]:
    return [NAMES[k] for k in rng.integers(0, len(NAMES), n).tolist()]


def _fit_supply(rng, preset: Preset, mentors: _Mentors, mentees: _Mentees, tightness: float) -> None:
    """Scale capacities and hour budgets so that demand is 1.1 × tightness × supply.

    A fixed count of sessions over the whole horizon is too little a week to bind an hour
    budget that still fits a session, so there only capacities are scaled.
    """
    wanted = TIGHT_DEMAND * tightness
    capacity_scale = len(mentees.demand) / wanted / mentors.capacity.sum()
    hours_scale = 1.0 if preset.sessions.count else mentees.demand.sum() / wanted / mentors.hours.sum()
    longest = max(minutes for minutes, _ in preset.sessions.minutes) / 60
    for r, spec in enumerate(preset.roles):
        members = mentors.role == r
        floor = max(longest, spec.hours[0] / 2, (spec.min_hours_per_month or 0) * 12 / 52)
        mentors.capacity[members] = np.clip(
            _round_to(rng, mentors.capacity[members] * capacity_scale, 1), 1, 2 * spec.capacity[1])
        mentors.hours[members] = np.clip(
            _round_to(rng, mentors.hours[members] * hours_scale, 0.5),
            np.ceil(floor * 2) / 2, min(40, 2 * spec.hours[1]))


# --- history -------------------------------------------------------------------------------

def _draw_history(rng, preset: Preset, mentors: _Mentors, mentees: _Mentees):
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

    booked = _book_sessions(rng, preset, mentors, mentees, pairs)
    matches = sorted((y, m, booked[(y, m)]) for y, m in pairs)
    feedback.sort(key=lambda entry: entry[:2])
    return feedback, matches


def _compatible(mentors: _Mentors, mentees: _Mentees, rows: np.ndarray) -> np.ndarray:
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

    def __init__(self, mentors: _Mentors):
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


def _book_sessions(rng, preset: Preset, mentors: _Mentors, mentees: _Mentees, pairs) -> dict:
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


# --- records -------------------------------------------------------------------------------

def _mentor_record(preset: Preset, table: _Mentors, i: int, mentor_id: str) -> dict:
    role = preset.roles[table.role[i]]
    record = {
        "id": mentor_id,
        "name": table.names[i],
        "kind": role.kind,
        "competences": _levels(preset, table.levels[i]),
        "interests": table.interests[i],
        "capacity": int(table.capacity[i]),
        "hours_per_week": _number(table.hours[i]),
    }
    if role.min_hours_per_month is not None:
        record["min_hours_per_month"] = role.min_hours_per_month
    record["availability"] = _windows(table.windows[i])
    if table.max_flexible[i] is not None:
        record["max_flexible_per_week"] = table.max_flexible[i]
    record["unavailable"] = _spans(table.unavailable[i])
    return record


def _mentee_record(preset: Preset, table: _Mentees, i: int, mentee_id: str, mentor_ids: list[str]) -> dict:
    record = {"id": mentee_id, "name": table.names[i], "needs": _levels(preset, table.needs[i])}
    if table.kinds is not None:
        record["kinds"] = sorted(role.kind for role, allowed in zip(preset.roles, table.kinds[i]) if allowed)
    record.update({
        "interests": table.interests[i],
        "sessions": table.sessions[i],
        "availability": _windows(table.windows[i]),
        "unavailable": _spans(table.unavailable[i]),
        "waiting_since": (START - timedelta(days=int(table.waiting[i]))).isoformat(),
        "excluded_mentors": [mentor_ids[m] for m in table.excluded[i]],
    })
    return record


def _levels(preset: Preset, row: np.ndarray) -> dict[str, int]:
    return {name: int(level) for name, level in zip(preset.competences, row.tolist()) if level}


def _windows(windows: list[tuple]) -> list[dict]:
    records = []
    for day, start, end, flexible in windows:
        record = {"day": DAYS[day], "start": _clock(start), "end": _clock(end)}
        if flexible:
            record["flexible"] = True
        records.append(record)
    return records


def _spans(spans: list[tuple[int, int]]) -> list[dict]:
    return [{"from": _day(first), "to": _day(last)} for first, last in spans]


def _day(offset: int) -> str:
    """Days from the start of the programme as "YYYY-MM-DD"."""
    return (START + timedelta(days=offset)).isoformat()


def _stamp(minutes: int) -> str:
    """Minutes from the start of the programme as local "YYYY-MM-DDTHH:MM"."""
    day, clock = divmod(minutes, 1440)
    return f"{_day(day)}T{_clock(clock)}"


def _ids(prefix: str, n: int) -> list[str]:
    width = max(3, len(str(n)))
    return [f"{prefix}-{i:0{width}d}" for i in range(1, n + 1)]


# --- small helpers -------------------------------------------------------------------------

def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@cache
def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _number(value: float) -> int | float:
    """A whole number as int, otherwise as float."""
    return int(value) if float(value).is_integer() else float(value)


def _choose(rng, chances, n: int) -> np.ndarray:
    """n indices drawn with the given chances."""
    return rng.choice(len(chances), size=n, p=np.asarray(chances) / np.sum(chances))


def _popularity(n: int, exponent: float = 1.0) -> np.ndarray:
    """Zipf-like weights: the first is the most popular."""
    return 1.0 / np.arange(1, n + 1) ** exponent


def _top_k(rng, weights: np.ndarray, n: int, k: int) -> np.ndarray:
    """(n × k) distinct indices per row, drawn by weight without replacement (Gumbel top-k)."""
    keys = np.log(weights) + rng.gumbel(size=(n, len(weights)))
    return np.argsort(-keys, axis=1)[:, :k]


def _round_to(rng, values: np.ndarray, step: float) -> np.ndarray:
    """Round to multiples of step, up or down at random so that sums stay unbiased."""
    scaled = values / step
    low = np.floor(scaled)
    return (low + (rng.random(values.shape) < scaled - low)) * step
