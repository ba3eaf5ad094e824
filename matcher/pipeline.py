"""From a scenario to a proposal: score, assign, explain, plan the sessions. Pure: no I/O."""
from __future__ import annotations

import operator
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from matcher.current_matches import current_match_problems
from matcher.errors import ScenarioError
from matcher.model import Feedback, Mentee, Scenario
from matcher.proposal import Change, Proposal, ProposedMatch, Unmatched
from matcher.scoring import Scores, score_pairs
from matcher.scoring.reasons import pair_reasons, unmatched_reason
from matcher.solver.assignment import AssignmentProblem, AssignmentResult
from matcher.solver.background import shared_work
from matcher.agreement import fill, free_time_rounds, move_rounds
from matcher.calendar_book import CalendarBook, without_rejected
from matcher.rounds import Rounds, held_only

WAIT_FULL_PRIORITY_DAYS = 90   # a mentee waiting this long weighs (1 + 90/30) = 4 times a new one
WAIT_DAYS_PER_STEP = 30
SHORTFALL_PENALTY = 0.2        # objective points per weekly hour a volunteer is below minimum
WEEKS_PER_MONTH = 52 / 12
MOVE_COST = 10.0               # worth more than any score gain: moves only to match more mentees
REASON_ROWS = 256              # mentees whose component rows or hard-rule masks are computed together
SHARED_CHUNKS = 4              # so many chunks of them or more are shared with a forked process
REASON_PATIENCE = 2.0          # seconds its share is waited for after this process's


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


def _explained(scores: Scores, pairs: list[tuple[int, int, str]]) -> list[ProposedMatch]:
    """Proposed matches (mentee row, mentor column, status) with score, components, reasons;
    the component rows of REASON_ROWS mentees are computed together (in_chunks)."""
    ordered = sorted(pairs)

    def explained(chunk: slice) -> list[ProposedMatch]:
        rows = sorted({i for i, _, _ in ordered[chunk]})
        position = {i: k for k, i in enumerate(rows)}
        components = scores.component_rows(np.array(rows, dtype=np.int64))
        matches = []
        for i, j, status in ordered[chunk]:
            mine = {c: matrix[position[i]] for c, matrix in components.items()}
            matches.append(ProposedMatch(
                mentor=scores.mentors[j].id, mentee=scores.mentees[i].id, status=status,
                score=float(scores.total[i, j]), components={c: float(row[j]) for c, row in mine.items()},
                reasons=pair_reasons(scores, i, j, mine)))
        return matches

    return sorted(in_chunks(len(ordered), explained), key=lambda m: (m.mentor, m.mentee))


def in_chunks(count: int, build: Callable[[slice], list]) -> list:
    """build(chunk) for each chunk of REASON_ROWS of `count` items, joined in order; from
    SHARED_CHUNKS chunks, shared with a forked process (background.shared_work)."""
    chunks = [slice(start, start + REASON_ROWS) for start in range(0, count, REASON_ROWS)]

    def built(indices: Iterator[int]) -> dict[int, list]:
        return {k: build(chunks[k]) for k in indices}

    done = shared_work(len(chunks), built, operator.or_, REASON_PATIENCE, least=SHARED_CHUNKS)
    return [item for k in range(len(chunks)) for item in done[k]]


def _problem(scenario: Scenario, scores: Scores, pool: np.ndarray, movable: np.ndarray,
             rejected: dict[tuple[int, int], str], conflicts: tuple = ()) -> AssignmentProblem:
    """The assignment of the mentees in `pool` (indices into scores.mentees). Mentees in
    `movable` are currently matched: they must stay matched, and stay put unless moving
    matches more. Pairs in `rejected` (mentee, mentor) cannot hold their sessions, nor can
    the mentees (rows of `pool`) of each of the `conflicts` all with its mentor."""
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
    allowed = without_rejected(scores.feasible[pool], pool, rejected)
    moving = np.flatnonzero(np.isin(pool, movable))
    allowed[moving, current[pool[moving]]] = True
    value[moving, current[pool[moving]]] += MOVE_COST
    return AssignmentProblem(
        value=value, allowed=allowed, load=hours[pool], capacity=np.maximum(capacity, 0),
        budget=np.maximum(budget, 0.0), required=np.isin(pool, movable),
        target_hours=np.maximum(minimum - kept_hours, 0.0), shortfall_penalty=SHORTFALL_PENALTY,
        conflicts=conflicts)


def _figures(first: AssignmentResult, problem: AssignmentProblem, assigned: np.ndarray) -> dict:
    """The proposal's figures for `assigned`, with the bounds of the `first` round: its
    problem is the only one no calendar has narrowed (a later round leaves out the pairs
    that could not hold their sessions beside the others chosen then, which another choice
    might have let them), so only its bounds hold for every proposal. What the first round
    reached before the calendars is kept beside them; `optimal` says the proposal is the
    first round's proven optimum, no calendar having cost it anything."""
    objective, matched = round(problem.objective(assigned), 6), int((assigned >= 0).sum())
    bound = round(max(first.bound, objective), 6) + 0.0  # + 0.0: never -0.0
    lost = matched < first.matched or objective < first.objective - 1e-9 * max(1.0, abs(first.objective))
    return {"objective": objective, "bound": bound, "matched": matched,
            "matched_bound": int(first.matched_bound), "method": first.method, "optimal": first.optimal and not lost,
            "gap": round((bound - objective) / max(abs(bound), 1e-9), 6) + 0.0,
            "objective_before_calendar": round(first.objective, 6) + 0.0, "matched_before_calendar": int(first.matched)}


def propose(scenario: Scenario, options: Options = Options(),
            progress: Callable[[str], None] | None = None, moving_from: dict[str, str] | None = None
            ) -> Proposal:
    """Match the waiting mentees; keep every current match that has not broken down.
    `moving_from` (rematch with moves) names current matches that may move. Raises
    ScenarioError when a current match could only be kept by breaking a hard rule."""
    began = time.perf_counter()
    unkept = current_match_problems(scenario)
    if unkept:
        raise ScenarioError(unkept)
    scores = score_pairs(scenario, weights=options.weights)
    index = {m.id: i for i, m in enumerate(scenario.mentees)}
    kept = {m.mentee: m.mentor for m in scenario.kept_matches() if m.mentee not in (moving_from or {})}
    wanted = set(options.mentees) if options.mentees is not None else None
    waiting = [i for i, m in enumerate(scenario.mentees)
               if m.id not in kept and (wanted is None or m.id in wanted or m.id in (moving_from or {}))]
    pool = np.array(waiting, dtype=np.int64)
    movable = np.array([index[m] for m in (moving_from or {})], dtype=np.int64)
    home = _homes(scenario, pool, moving_from)
    book = CalendarBook(scenario)
    rounds = Rounds(scenario, book, kept, pool, home, partial(_problem, scenario, scores, pool, movable))
    problem, assigned = rounds.run(options.time_limit, began, progress)
    first, rejected, spent = rounds.first, rounds.rejected, rounds.spent
    held_only(scenario, book, kept, pool, assigned, home, problem, rejected)
    deadline = time.perf_counter() + max(options.time_limit - spent, 0.0)
    free_time_rounds(book, scenario, problem, assigned, pool, rejected, deadline, progress)
    move_rounds(book, scenario, problem, assigned, pool, rejected, deadline, home >= 0, progress)
    fill(book, scenario, problem, assigned, pool, rejected, deadline)
    pairs = held_only(scenario, book, kept, pool, assigned, home, problem, rejected)
    sessions, unplaced, placed = book.result()

    unmatched = _unmatched(scenario, scores, problem, pool, assigned, {**rounds.failed, **rejected})
    in_pool = set(pool.tolist())
    unmatched += [Unmatched(m.id, "not part of this request") for i, m in enumerate(scenario.mentees)
                  if m.id not in kept and i not in in_pool]
    stats = _figures(first, problem, assigned)
    stats.update(mentees=len(pool), mentors=len(scenario.mentors), **placed,
                 calendar_rounds=rounds.count, rejected_pairs=len(rejected),
                 calendar_conflicts=rounds.conflicts.met, screened_conflicts=len(rounds.conflicts.found) - rounds.conflicts.met,
                 seconds=round(time.perf_counter() - began, 3))
    return Proposal(matches=_explained(scores, pairs), unmatched=sorted(unmatched, key=lambda u: u.mentee),
                    sessions=sessions, unplaced=unplaced, stats=stats)


def _homes(scenario: Scenario, pool: np.ndarray, moving_from: dict[str, str] | None) -> np.ndarray:
    """(len(pool),) the current mentor (column) of each mentee of `pool` that may move, -1
    for the others."""
    mentor_index = {m.id: j for j, m in enumerate(scenario.mentors)}
    moving = moving_from or {}
    return np.array([mentor_index.get(moving.get(scenario.mentees[i].id), -1) for i in pool], dtype=np.int64)


def _unmatched(scenario: Scenario, scores: Scores, problem: AssignmentProblem, pool: np.ndarray,
               assigned: np.ndarray, rejected: dict[tuple[int, int], str]) -> list[Unmatched]:
    """Every waiting mentee left without a mentor, with the reason: the pairs the calendar
    could not hold first, then the hard rule that binds or the mentors that are full."""
    capacity_left, budget_left = problem.room_left(assigned)
    held_back = defaultdict(list)
    for (i, j), why in rejected.items():
        held_back[i].append((j, why))
    waiting = np.flatnonzero(assigned < 0)

    def reasons(chunk: slice) -> list[Unmatched]:
        hard = scores.hard_rows(pool[waiting[chunk]])
        unmatched = []
        for k, row in enumerate(waiting[chunk]):
            i = int(pool[row])
            reason = unmatched_reason(scores, i, {rule: mask[k] for rule, mask in hard.items()}, capacity_left,
                                      budget_left, problem.load[row], {j for j, _ in held_back[i]})
            if held_back[i]:
                names = ", ".join(scenario.mentors[j].id for j, _ in held_back[i])
                reason = f"sessions cannot be held with {names} ({held_back[i][0][1]}); {reason}"
            unmatched.append(Unmatched(scenario.mentees[i].id, reason))
        return unmatched

    return in_chunks(len(waiting), reasons)


def movable_matches(scenario: Scenario) -> dict[str, str]:
    """The current matches (mentee -> mentor) a rematch with moves may move: those of the
    mentors whose current matches together fit their capacity and weekly hours, as the
    assignment must be able to keep every one of them where it is. A mentor over its limits
    keeps its mentees."""
    weeks = scenario.programme.weeks
    hours = {m.id: m.sessions.weekly_hours(weeks) for m in scenario.mentees}
    held = defaultdict(list)
    for match in scenario.kept_matches():
        held[match.mentor].append(match.mentee)
    return {mentee: mentor.id for mentor in scenario.mentors
            if len(held[mentor.id]) <= mentor.capacity
            and sum(hours[mentee] for mentee in held[mentor.id]) <= mentor.hours_per_week
            for mentee in held[mentor.id]}


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
    moving_from = movable_matches(broken) if options.allow_moves else None
    proposal = propose(broken, replace(options, mentees=rematched), progress, moving_from)
    before = {m.mentee: m.mentor for m in scenario.matches}
    after = {m.mentee: m.mentor for m in proposal.matches}
    proposal.changes = [Change(mentee, before.get(mentee), after.get(mentee))
                        for mentee in sorted(set(before) | set(after))
                        if before.get(mentee) != after.get(mentee)]
    return proposal
