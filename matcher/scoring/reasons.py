"""Short sentences a coordinator understands: why a pair fits, and why a mentee waits."""
from __future__ import annotations

import numpy as np

from matcher.model import DAY_NAMES, Mentee, Mentor, Window
from matcher.scoring.combine import HARD_RULES, Scores

NAMES_SHOWN = 3


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _part_of_day(minutes: int) -> str:
    return "morning" if minutes < 12 * 60 else "afternoon" if minutes < 17 * 60 else "evening"


def common_windows(mentee: Mentee, mentor: Mentor) -> list[Window]:
    """Weekly overlaps of the two people's windows; flexible where either window is."""
    overlaps = []
    for a in mentee.availability:
        for b in mentor.availability:
            start, end = max(a.start, b.start), min(a.end, b.end)
            if a.day == b.day and end > start:
                overlaps.append(Window(a.day, start, end, a.flexible or b.flexible))
    return sorted(overlaps, key=lambda w: (w.flexible, -w.minutes, w.day, w.start))


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".")


def _time_reason(mentee: Mentee, mentor: Mentor) -> str:
    overlaps = common_windows(mentee, mentor)
    fitting = [w for w in overlaps if w.minutes >= mentee.sessions.minutes]
    if not fitting:
        return "no common time for a whole session"
    best = fitting[0]
    when = f"{DAY_NAMES[best.day].capitalize()} {_part_of_day(best.start)}"
    firm = sum(w.minutes for w in overlaps if not w.flexible)
    flexible = sum(w.minutes for w in overlaps if w.flexible)
    if firm == 0:
        return f"common time only in flexible slots ({_hours(flexible)} h/week, {when})"
    extra = f" (+{_hours(flexible)} h flexible)" if flexible else ""
    return f"{_hours(firm)} h/week of common time{extra}, {when}"


def _competence_reason(mentee: Mentee, mentor: Mentor) -> str | None:
    covered = [f"{need} {mentor.competences.get(need, 0)} ≥ {level}" for need, level in sorted(mentee.needs.items())]
    wished = [f"{w} {mentor.competences[w]}" for w in sorted(mentee.wishes) if w in mentor.competences]
    parts = ([f"covers {', '.join(covered)}"] if covered else []) + ([f"also knows {', '.join(wished)}"] if wished else [])
    return "; ".join(parts) or None


def _interest_reason(scores: Scores, i: int, j: int) -> str | None:
    table = scores.interests
    shared = np.flatnonzero(table.mentee[i] * table.mentor[j])
    if not len(shared):
        return None
    ordered = shared[np.argsort(-table.rarity[shared], kind="stable")]
    rare = table.rarity[ordered[0]] >= table.rare_from
    names = [table.vocabulary[k] for k in ordered]
    return f"shares {', '.join(names)}" + (f" ({names[0]} is rare)" if rare else "")


def _chemistry_reason(scores: Scores, i: int, j: int) -> str:
    table = scores.feedback
    own = np.flatnonzero((table.pair_rows == i) & (table.pair_cols == j))
    if len(own):
        k = own[0]
        return f"rated {1 + 4 * table.pair_mean[k]:.1f}/5 together before ({int(table.pair_count[k])} rating(s))"
    count = int(table.mentor_count[j])
    if count == 0:
        return "no ratings yet for the mentor"
    return f"mentor rated {1 + 4 * table.mentor_mean[j]:.1f}/5 by {count} mentee(s)"


def pair_reasons(scores: Scores, i: int, j: int, components: dict[str, np.ndarray]) -> tuple[str, ...]:
    """Reasons for pair (i, j), given mentee i's component rows: first the components where
    this mentor stands out most from the mentee's other feasible mentors."""
    mentee, mentor = scores.mentees[i], scores.mentors[j]
    by_component = {
        "competence": _competence_reason(mentee, mentor),
        "interests": _interest_reason(scores, i, j),
        "chemistry": _chemistry_reason(scores, i, j),
        "availability": _time_reason(mentee, mentor),
    }
    feasible = scores.feasible[i]
    lift = {}
    for c in by_component:
        row = components[c]
        typical = float(row[feasible].mean()) if feasible.any() else 0.0
        lift[c] = scores.weights[c] * (float(row[j]) - typical)
    ordered = sorted(by_component, key=lambda c: -lift[c])
    return tuple(by_component[c] for c in ordered if by_component[c])


def _describe(mentee: Mentee, rules: tuple[str, ...]) -> str:
    """A noun phrase for the mentors that pass `rules`, e.g. "professional mentor with adhd ≥ 3"."""
    kind = " or ".join(mentee.kinds) + " " if "kind" in rules and mentee.kinds and len(mentee.kinds) < 2 else ""
    needs = " and ".join(f"{n} ≥ {lvl}" for n, lvl in sorted(mentee.needs.items()))
    return f"{kind}mentor" + (f" with {needs}" if "needs" in rules and needs else "")


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:NAMES_SHOWN])
    return shown + (f" and {len(ids) - NAMES_SHOWN} more" if len(ids) > NAMES_SHOWN else "")


def unmatched_reason(scores: Scores, i: int, hard: dict[str, np.ndarray], capacity_left: np.ndarray,
                     budget_left: np.ndarray, load: float, held_back: set[int] = frozenset()) -> str:
    """The binding reason a mentee stays unmatched: the first hard rule that leaves no mentor,
    or, when suitable mentors exist, that they are full. `hard`: each rule's mask over the
    mentors for this mentee (a row of Scores.hard_rows). Mentors in `held_back` (whose
    calendar could not hold the pair) are left out of the suitable ones."""
    mentee = scores.mentees[i]
    passing = np.ones(len(scores.mentors), dtype=bool)
    applied: tuple[str, ...] = ()
    for rule in HARD_RULES:
        remaining = passing & hard[rule]
        if not remaining.any():
            who = _describe(mentee, applied)
            ids = [scores.mentors[j].id for j in np.flatnonzero(passing)]
            return {
                "kind": f"no {_describe(mentee, ('kind',))} in the programme",
                "needs": f"no {_describe(mentee, applied + ('needs',))}",
                "excluded": f"every {who} is excluded by the mentee ({_names(ids)})",
                "breakdown": f"every {who} broke down with this mentee before ({_names(ids)})",
                "common time": f"no {who} has common time for a {mentee.sessions.minutes}-minute session",
                "spacing": (f"no {who} has common time on weekdays that hold {mentee.sessions.per_week} "
                            f"sessions a week, {mentee.sessions.min_days_apart} day(s) apart"),
            }[rule]
        passing, applied = remaining, applied + (rule,)
    suitable = [j for j in np.flatnonzero(passing) if j not in held_back]
    if not suitable:
        return "no other suitable mentor"
    full = [f"{scores.mentors[j].id} ({'capacity' if capacity_left[j] < 1 else 'hours'})"
            for j in suitable if capacity_left[j] < 1 or budget_left[j] < load - 1e-9]
    if len(full) == len(suitable):
        return f"all {len(suitable)} suitable mentor(s) are full: {_names(full)}"
    return "suitable mentors are taken by mentees who waited longer or fit better"
