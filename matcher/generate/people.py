"""Mentors and mentees of one programme: roles, competences and needs, session plans, supply."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.generate.presets import Preset
from matcher.generate.sampling import choose, popularity, round_to, top_k
from matcher.generate.traits import draw_interests, draw_names, draw_unavailable, draw_windows

NEED_LEVELS = (0.4, 0.4, 0.2)
HARD_CASE_SHARE = 0.025
TIGHT_DEMAND = 1.1  # at tightness 1, demand is this many times supply


@dataclass
class Mentors:
    """The drawn mentors, one entry a mentor in each field."""

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
class Mentees:
    """The drawn mentees, one entry a mentee in each field."""

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


def draw_mentors(rng, preset: Preset, n: int) -> Mentors:
    """n mentors of the preset's roles, with competences, capacity, hours and windows."""
    role = choose(rng, [role.share for role in preset.roles], n)
    levels = _draw_competences(rng, preset, role, n)
    capacity = np.zeros(n)
    hours = np.zeros(n)
    windows = [None] * n
    for r, spec in enumerate(preset.roles):
        members = np.flatnonzero(role == r)
        capacity[members] = rng.integers(spec.capacity[0], spec.capacity[1] + 1, members.size)
        hours[members] = rng.uniform(*spec.hours, members.size)
        for i, person_windows in zip(members.tolist(), draw_windows(rng, spec.windows, members.size)):
            windows[i] = person_windows
    max_flexible = [None] * n
    caps = rng.integers(1, 4, n)
    for i in range(n):
        spec = preset.roles[role[i]]
        if spec.max_flexible and any(w[3] for w in windows[i]):
            max_flexible[i] = int(np.clip(caps[i], *spec.max_flexible))
    return Mentors(role=role, levels=levels, capacity=capacity, hours=hours, max_flexible=max_flexible,
                   windows=windows, unavailable=draw_unavailable(rng, n, preset.weeks),
                   interests=draw_interests(rng, n, preset.interests), names=draw_names(rng, n))


def _draw_competences(rng, preset: Preset, role: np.ndarray, n: int) -> np.ndarray:
    """Mentor levels: the core competence and a few others, the common ones more often."""
    names = preset.competences
    levels = np.zeros((n, len(names)), dtype=np.int8)
    others = [c for c, name in enumerate(names) if name != preset.core]
    fewest, most = preset.breadth
    picks = np.asarray(others)[top_k(rng, popularity(len(others), 0.5), n, most)]
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


def draw_mentees(rng, preset: Preset, n: int, mentors: int) -> Mentees:
    """n mentees with needs, windows and session plans; a few are hard cases on purpose."""
    needs = _draw_needs(rng, preset, n)
    windows = draw_windows(rng, preset.windows, n)
    hard = np.zeros(n, dtype=bool)
    order = rng.permutation(n)
    each = round(HARD_CASE_SHARE * n)
    for y in order[:each]:  # keeps its first need and adds a level no mentor has
        needs[y, np.flatnonzero(needs[y])[1:]] = 0
        needs[y, preset.competences.index(preset.rare)] = 3
    unreachable = order[each:2 * each]
    for y, person_windows in zip(unreachable, draw_windows(rng, (preset.unreachable,), unreachable.size)):
        windows[y] = person_windows  # only when no mentor can meet
    hard[order[:2 * each]] = True

    rhythm = choose(rng, [chance for _, _, chance in preset.sessions.rhythms], n)
    length = choose(rng, [chance for _, chance in preset.sessions.minutes], n)
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
    return Mentees(needs=needs, kinds=kinds, sessions=sessions, demand=demand, windows=windows,
                   unavailable=draw_unavailable(rng, n, weeks),
                   interests=draw_interests(rng, n, preset.interests), names=draw_names(rng, n),
                   waiting=rng.integers(0, 61, n), excluded=excluded, hard=hard)


def _draw_needs(rng, preset: Preset, n: int) -> np.ndarray:
    """One or two needs per mentee, the core one most often; the rare one below level 3."""
    names = preset.competences
    needs = np.zeros((n, len(names)), dtype=np.int8)
    picks = top_k(rng, popularity(len(names)), n, 2)
    if preset.core is not None:
        core = names.index(preset.core)
        use_core = (rng.random(n) < 0.7) & (picks[:, 1] != core)
        picks[use_core, 0] = core
    level = 1 + choose(rng, NEED_LEVELS, n * 2).reshape(n, 2).astype(np.int8)
    rows = np.arange(n)
    needs[rows, picks[:, 0]] = level[:, 0]
    second = rng.random(n) < 0.4
    needs[rows[second], picks[second, 1]] = level[second, 1]
    rare = names.index(preset.rare)
    needs[:, rare] = np.minimum(needs[:, rare], 2)
    return needs


def fit_supply(rng, preset: Preset, mentors: Mentors, mentees: Mentees, tightness: float) -> None:
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
            round_to(rng, mentors.capacity[members] * capacity_scale, 1), 1, 2 * spec.capacity[1])
        mentors.hours[members] = np.clip(
            round_to(rng, mentors.hours[members] * hours_scale, 0.5),
            np.ceil(floor * 2) / 2, min(40, 2 * spec.hours[1]))
