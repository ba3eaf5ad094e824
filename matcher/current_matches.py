"""Current matches that could only be kept by breaking a hard rule (DESIGN.md): a pair
the mentee's own rules forbid, or a booked session outside the rules of the calendar. A
current match is kept as it is, booked sessions included, so such a scenario is refused
with the match or the session named, rather than proposed with the rule broken."""
from __future__ import annotations

from collections.abc import Iterator

from matcher.errors import Problem
from matcher.model import CurrentMatch, Mentee, Mentor, Scenario
from matcher.solver.calendar_rules import Candidate, Diary, booked, free, spaced, within_flexible, within_hours
from matcher.solver.calendar_slots import Horizon, Pair, fit


def current_match_problems(scenario: Scenario) -> list[Problem]:
    """Every hard rule a current match that has not broken down would break by being kept."""
    mentors = {m.id: m for m in scenario.mentors}
    mentees = {m.id: m for m in scenario.mentees}
    kept = set(scenario.kept_matches())
    horizon = Horizon(scenario.programme)
    diaries: dict[str, Diary] = {}
    problems = []
    for index, match in enumerate(scenario.matches):
        if match not in kept:
            continue
        mentor, mentee = mentors[match.mentor], mentees[match.mentee]
        problems += [Problem(f"matches[{index}].mentor", reason) for reason in forbidden(mentor, mentee)]
        diary = diaries.setdefault(mentor.id, Diary(horizon))
        problems += [Problem(f"matches[{index}].sessions[{k}]",
                             f"{mentor.id}/{mentee.id} at {match.sessions[k]:%Y-%m-%dT%H:%M}: {reason}")
                     for k, reason in booked_problems(diary, match, mentor, mentee)]
    return problems


def forbidden(mentor: Mentor, mentee: Mentee) -> Iterator[str]:
    """Hard: the mentee does not exclude the mentor, allows its kind, and has every need
    covered."""
    if mentor.id in mentee.excluded_mentors:
        yield f"{mentee.id} excludes {mentor.id}"
    if mentee.kinds is not None and mentor.kind not in mentee.kinds:
        yield f"{mentee.id} does not allow kind {mentor.kind} (allows {', '.join(mentee.kinds)})"
    for need, level in mentee.needs.items():
        has = mentor.competences.get(need, 0)
        if has < level:
            yield f"{mentor.id} does not cover {mentee.id}'s need {need} {level} (has {has})"


def booked_problems(diary: Diary, match: CurrentMatch, mentor: Mentor, mentee: Mentee) -> Iterator[tuple[int, str]]:
    """(index, reason) of each booked session of the match that breaks a rule of the
    calendar, given the mentor's booked sessions before it in `diary`; a session that
    breaks none is added to the diary."""
    programme = diary.horizon.programme
    pair = Pair(mentor=mentor, mentee=mentee, slots=(), booked=(), required=0, kept=True)
    for index, start in enumerate(match.sessions):
        minute = start.hour * 60 + start.minute
        when = booked(diary.horizon, pair, start)
        if not 0 <= programme.week_of(when.day) < programme.weeks:
            yield index, f"outside the programme's {programme.weeks} weeks from {programme.start}"
        elif minute % programme.slot_minutes:
            yield index, f"not aligned to the programme's {programme.slot_minutes}-minute slots"
        elif fit(mentor, mentee, when.day.weekday(), minute, minute + pair.minutes) is None:
            yield index, f"a {pair.minutes}-minute session is not inside a window of both"
        elif (reason := _calendar_reason(diary, pair, when)) is not None:
            yield index, reason
        else:
            diary.add(pair, when, "booked")


def _calendar_reason(diary: Diary, pair: Pair, when: Candidate) -> str | None:
    """Why the booked session cannot stand beside the mentor's booked sessions before it."""
    mentor = pair.mentor
    away = pair.away(when.day)
    if away is not None:
        return away
    if spaced(diary, pair, when) is not None:
        return f"less than {pair.apart} day(s) from another booked session of the pair"
    if free(diary, pair, when) is not None:
        return f"overlaps another booked session of {mentor.id}"
    if within_hours(diary, pair, when) is not None:
        return f"takes {mentor.id} over its {mentor.hours_per_week:g} hours_per_week in the week of {when.monday}"
    if within_flexible(diary, pair, when) is not None:
        return (f"takes {mentor.id} over its {mentor.max_flexible_per_week} flexible session(s) a week "
                f"in the week of {when.monday}")
    return None
