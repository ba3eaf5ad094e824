"""The entry point: draw the people and their history, then write them as scenario records."""
from __future__ import annotations

from datetime import timedelta
from functools import cache

import numpy as np

from matcher.generate.history import draw_history
from matcher.generate.people import Mentees, Mentors, draw_mentees, draw_mentors, fit_supply
from matcher.generate.presets import DAYS, PRESETS, PROGRAMMES, SLOT, START, Preset


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
    mentor_table = draw_mentors(people_rng, preset, mentors)
    mentee_table = draw_mentees(people_rng, preset, mentees, mentors)
    fit_supply(people_rng, preset, mentor_table, mentee_table, tightness)
    feedback, matches = ([], [])
    if history:
        feedback, matches = draw_history(history_rng, mentor_table, mentee_table)
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


def _mentor_record(preset: Preset, table: Mentors, i: int, mentor_id: str) -> dict:
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


def _mentee_record(preset: Preset, table: Mentees, i: int, mentee_id: str, mentor_ids: list[str]) -> dict:
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


@cache
def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _number(value: float) -> int | float:
    """A whole number as int, otherwise as float."""
    return int(value) if float(value).is_integer() else float(value)
