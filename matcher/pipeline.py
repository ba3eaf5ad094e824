"""From a scenario to a proposal: score, assign, explain. Pure: no I/O."""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

import numpy as np

from matcher.model import CurrentMatch, Feedback, Mentee, Scenario
from matcher.proposal import Change, Proposal, ProposedMatch, Session, Unmatched
from matcher.scoring import Scores, score_pairs
from matcher.scoring.reasons import common_windows, pair_reasons, unmatched_reason
from matcher.solver.assignment import AssignmentProblem, solve_assignment

WAIT_FULL_PRIORITY_DAYS = 90   # a mentee waiting this long weighs (1 + 90/30) = 4 times a new one
WAIT_DAYS_PER_STEP = 30
SHORTFALL_PENALTY = 0.2        # objective points per weekly hour a volunteer is below minimum
WEEKS_PER_MONTH = 52 / 12
MOVE_COST = 10.0               # worth more than any score gain: moves only to match more mentees


@dataclass(frozen=True)
class Options:
    """What the caller may choose for one solve."""

    weights: dict[str, float] | None = None
    time_limit: float = 10.0
    mentees: tuple[str, ...] | None = None   # only these waiting mentees (default: all)
    allow_moves: bool = False                # rematch: other current matches may move


def priority(mentee: Mentee, today) -> float:
    """The 10-day rule: the longer a mentee has waited, the more their match weighs."""
    if mentee.waiting_since is None:
        return 1.0
    days = min(max((today - mentee.waiting_since).days, 0), WAIT_FULL_PRIORITY_DAYS)
    return 1.0 + days / WAIT_DAYS_PER_STEP


def booked_sessions(scenario: Scenario, kept: tuple[CurrentMatch, ...]) -> list[Session]:
    """The booked sessions of kept matches, as they stand."""
    zone = ZoneInfo(scenario.programme.timezone)
    mentors = {m.id: m for m in scenario.mentors}
    mentees = {m.id: m for m in scenario.mentees}
    sessions = []
    for match in kept:
        mentee, mentor = mentees[match.mentee], mentors[match.mentor]
        firm = [w for w in common_windows(mentee, mentor) if not w.flexible]
        for start in match.sessions:
            minute = start.hour * 60 + start.minute
            end_minute = minute + mentee.sessions.minutes
            flexible = not any(w.day == start.weekday() and w.start <= minute and end_minute <= w.end
                               for w in firm)
            sessions.append(Session(match.mentor, match.mentee, start.replace(tzinfo=zone),
                                    (start + timedelta(minutes=mentee.sessions.minutes)).replace(tzinfo=zone),
                                    flexible))
    return sorted(sessions, key=lambda s: (s.start, s.mentor, s.mentee))


def _proposed(scores: Scores, i: int, j: int, status: str) -> ProposedMatch:
    components = {c: rows[0] for c, rows in scores.component_rows([i]).items()}
    return ProposedMatch(
        mentor=scores.mentors[j].id, mentee=scores.mentees[i].id, status=status,
        score=float(scores.total[i, j]),
        components={c: float(row[j]) for c, row in components.items()},
        reasons=pair_reasons(scores, i, j, components))


def _solve(scenario: Scenario, scores: Scores, pool: np.ndarray, movable: np.ndarray,
           options: Options, progress) -> tuple[np.ndarray, dict, np.ndarray, np.ndarray]:
    """Assign the mentees in `pool` (indices into scores.mentees). Mentees in `movable` are
    currently matched: they must stay matched, and stay put unless moving matches more.
    Returns each pool mentee's mentor (-1: none), solver stats, and what mentors have left."""
    programme = scenario.programme
    mentor_index = {m.id: j for j, m in enumerate(scenario.mentors)}
    mentee_index = {m.id: i for i, m in enumerate(scores.mentees)}
    hours = np.array([m.sessions.weekly_hours(programme.weeks) for m in scores.mentees])
    capacity = np.array([m.capacity for m in scenario.mentors], dtype=np.int64)
    kept_hours = np.zeros(len(scenario.mentors))
    current = np.full(len(scores.mentees), -1)
    for match in scenario.kept_matches():
        i, j = mentee_index[match.mentee], mentor_index[match.mentor]
        current[i] = j
        if i not in movable:
            capacity[j] -= 1
            kept_hours[j] += hours[i]
    budget = np.array([m.hours_per_week for m in scenario.mentors]) - kept_hours
    minimum = np.array([(m.min_hours_per_month or 0.0) / WEEKS_PER_MONTH for m in scenario.mentors])

    weight = np.array([priority(scores.mentees[i], programme.start) for i in pool])
    value = scores.total[pool].astype(np.float64) * weight[:, None]
    allowed = scores.feasible[pool]
    moving = np.flatnonzero(np.isin(pool, movable))
    allowed[moving, current[pool[moving]]] = True
    value[moving, current[pool[moving]]] += MOVE_COST
    problem = AssignmentProblem(
        value=value, allowed=allowed, load=hours[pool], capacity=np.maximum(capacity, 0),
        budget=np.maximum(budget, 0.0), required=np.isin(pool, movable),
        target_hours=np.maximum(minimum - kept_hours, 0.0), shortfall_penalty=SHORTFALL_PENALTY)
    result = solve_assignment(problem, time_limit=options.time_limit, progress=progress)

    assigned = result.mentor_of
    taken = assigned >= 0
    capacity_left = problem.capacity - np.bincount(assigned[taken], minlength=len(capacity))
    budget_left = problem.budget - np.bincount(assigned[taken], weights=hours[pool][taken],
                                               minlength=len(capacity))
    stats = {"objective": round(result.objective, 6), "bound": round(result.bound, 6),
             "gap": round(max(result.bound - result.objective, 0.0) / max(abs(result.bound), 1e-9), 6),
             "matched": int(result.matched), "matched_bound": int(result.matched_bound),
             "method": result.method, "optimal": bool(result.optimal)}
    return assigned, stats, capacity_left, budget_left


def propose(scenario: Scenario, options: Options = Options(),
            progress: Callable[[str], None] | None = None, moving_from: dict[str, str] | None = None
            ) -> Proposal:
    """Match the waiting mentees; keep every current match that has not broken down.
    `moving_from` (rematch with moves) names current matches that may move."""
    began = time.perf_counter()
    scores = score_pairs(scenario, weights=options.weights)
    index = {m.id: i for i, m in enumerate(scenario.mentees)}
    mentor_index = {m.id: j for j, m in enumerate(scenario.mentors)}
    kept = {m.mentee: m.mentor for m in scenario.kept_matches() if m.mentee not in (moving_from or {})}
    wanted = set(options.mentees) if options.mentees is not None else None
    waiting = [i for i, m in enumerate(scenario.mentees)
               if m.id not in kept and (wanted is None or m.id in wanted or m.id in (moving_from or {}))]
    pool = np.array(waiting, dtype=np.int64)
    movable = np.array([index[m] for m in (moving_from or {})], dtype=np.int64)
    assigned, stats, capacity_left, budget_left = _solve(scenario, scores, pool, movable, options, progress)

    matches = [_proposed(scores, index[mentee], mentor_index[mentor], "kept") for mentee, mentor in kept.items()]
    unmatched = []
    hours = [m.sessions.weekly_hours(scenario.programme.weeks) for m in scenario.mentees]
    for row, i in enumerate(pool):
        j = int(assigned[row])
        if j >= 0:
            status = "kept" if (moving_from or {}).get(scenario.mentees[i].id) == scenario.mentors[j].id else "new"
            matches.append(_proposed(scores, i, j, status))
        else:
            unmatched.append(Unmatched(scenario.mentees[i].id,
                                       unmatched_reason(scores, i, capacity_left, budget_left, hours[i])))
    for mentee in scenario.mentees:
        if mentee.id not in kept and index[mentee.id] not in set(pool.tolist()):
            unmatched.append(Unmatched(mentee.id, "not part of this request"))
    kept_pairs = tuple(m for m in scenario.kept_matches()
                       if (m.mentee, m.mentor) in {(x.mentee, x.mentor) for x in matches if x.status == "kept"})
    stats.update(mentees=len(pool), mentors=len(scenario.mentors),
                 seconds=round(time.perf_counter() - began, 3))
    return Proposal(matches=sorted(matches, key=lambda m: (m.mentor, m.mentee)),
                    unmatched=sorted(unmatched, key=lambda u: u.mentee),
                    sessions=booked_sessions(scenario, kept_pairs), stats=stats)


class UnknownPair(ValueError):
    """A breakdown named a pair that is not a current match."""


def rematch(scenario: Scenario, breakdowns: list[tuple[str, str]], options: Options = Options(),
            progress: Callable[[str], None] | None = None) -> Proposal:
    """Mark the (mentor, mentee) pairs broken down and rematch the mentees of every broken-down
    current match; every other current match stays, unless options.allow_moves lets one move
    so that more mentees are matched."""
    current = {(m.mentor, m.mentee) for m in scenario.matches}
    for index, pair in enumerate(breakdowns):
        if pair not in current:
            raise UnknownPair(f"breakdown[{index}]: {pair[0]}:{pair[1]} is not a current match")
    broken = replace(scenario, feedback=scenario.feedback + tuple(
        Feedback(mentor=mentor, mentee=mentee, breakdown=True) for mentor, mentee in breakdowns))
    still = {(m.mentor, m.mentee) for m in broken.kept_matches()}
    rematched = tuple(m.mentee for m in scenario.matches if (m.mentor, m.mentee) not in still)
    moving_from = ({m.mentee: m.mentor for m in broken.kept_matches()} if options.allow_moves else None)
    proposal = propose(broken, replace(options, mentees=rematched), progress, moving_from)
    before = {m.mentee: m.mentor for m in scenario.matches}
    after = {m.mentee: m.mentor for m in proposal.matches}
    proposal.changes = [Change(mentee, before.get(mentee), after.get(mentee))
                        for mentee in sorted(set(before) | set(after))
                        if before.get(mentee) != after.get(mentee)]
    return proposal
