"""Who gets which mentor: a generalised assignment problem with a lexicographic goal.

First as many mentees as possible are matched (required ones always), then the total value
minus the shortfall penalty is maximised among the assignments that match that many.

Small problems are solved exactly with HiGHS's MILP solver, one stage per goal. Larger ones
solve one objective in which every match is worth MATCH_WORTH more than the largest value of
any pair (so no mentee is left waiting to raise another pair's value): the LP relaxation over a
pruned set of candidate pairs (top mentors by value, extended by column generation), rounded
and improved by local search (insert, eject, replace, relocate) and then by large-neighbourhood
search: free all mentees of a few related mentors and re-solve that sub-problem exactly.
Bounds always hold for the full matrix: they are Lagrangian bounds computed from LP duals
over every feasible pair.
"""

import math
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from scipy import sparse

from matcher.solver.assign_matrix import (count_bound, feasible_mask, lagrangian_bound, pair_load,
                                          top_pairs)
from matcher.solver.assign_model import LPTimeLimit, PairModel, solve_lp, solve_milp
from matcher.solver.assign_problem import AssignmentProblem, AssignmentResult, InfeasibleAssignment
from matcher.solver.assign_search import LocalSearch

EXACT_PAIRS = 2_000  # solve with one MILP per stage when there are at most this many pairs
CANDIDATE_PAIRS = 40_000  # size of the initial LP's pool: top mentors per mentee by value
CANDIDATES = (3, 8)  # fewest and most mentors per mentee in that pool
MENTOR_CANDIDATES = (4, 16)  # and the fewest and most best mentees per mentor added to it
MATCH_WORTH = 1.0  # a match is worth this many times (1 + the largest pair value)
SEARCH_SHARE = 0.5  # share of the time left after the LP that local search may use
LP_SHARE = 0.5  # share of the whole time limit the LP relaxation (with pricing) may use
NEIGHBOURHOOD_PAIRS = 1_500  # initial size of a search neighbourhood, in candidate pairs
NEIGHBOURHOOD_SECONDS = 0.5  # time limit of one neighbourhood MILP
RELATIVE_TOLERANCE = 1e-6
PRICING_TOLERANCE = 1e-4  # re-solve the LP with new columns only if they loosen the bound more


def solve_assignment(problem: AssignmentProblem, time_limit: float = 10.0,
                     progress: Callable[[str], None] | None = None) -> AssignmentResult:
    """Match as many mentees as possible, then maximise value minus shortfall penalty.

    `bound` is a proven upper bound on the objective of every feasible assignment matching
    at least `matched` mentees; `matched_bound` bounds the number of mentees any feasible
    assignment matches. Raises InfeasibleAssignment if the required mentees cannot all be
    matched.
    """
    return _Solver(problem, time_limit, progress).solve()


class Repair:
    """Local search kept across rounds of calendar feedback: the pairs the calendar rejects
    are forbidden where they stand and the room they leave is filled again, under the same
    goal as large solves (a match first, then value)."""

    def __init__(self, problem: AssignmentProblem, mentor_of: np.ndarray):
        solver = _Solver(problem, 0.0, None)
        self.search = solver.local_search(mentor_of)
        self.waiting = np.flatnonzero(solver.matchable)

    def run(self, forbidden: list[tuple[int, int]], seconds: float) -> np.ndarray:
        """Forbid the (mentee, mentor) pairs, search for `seconds`; returns mentor_of."""
        self.search.forbid(forbidden)
        return self.search.run(time.perf_counter() + seconds, self.waiting)


class _Objective:
    """Per-pair objective `offset + scale * value`; the shortfall penalty counts `penalty_scale`
    times. Counting matches first uses a tiny scale; the combined goal a large offset."""

    def __init__(self, offset: float, scale: float, penalty_scale: float):
        self.offset, self.scale, self.penalty_scale = offset, scale, penalty_scale

    def __call__(self, value_block: np.ndarray) -> np.ndarray:
        return self.offset + self.scale * value_block


class _Solver:
    """State of one solve: the problem, the pool of candidate pairs and the clock."""

    def __init__(self, problem: AssignmentProblem, time_limit: float, progress):
        self.started = time.perf_counter()
        self.deadline = self.started + time_limit
        self.lp_deadline = self.started + LP_SHARE * time_limit
        self.problem = problem
        self.progress = progress or (lambda line: None)
        n, m = problem.shape
        self.capacity = np.asarray(problem.capacity, float)
        self.budget = np.asarray(problem.budget, float)
        self.required = problem.required if problem.required is not None else np.zeros(n, bool)
        self.feasible = feasible_mask(problem.allowed, problem.load, self.capacity, self.budget)
        self.matchable = self.feasible.any(axis=1)
        self.best_value = np.max(problem.value, axis=1, initial=0.0, where=self.feasible)
        self.exact = int(self.feasible.sum()) <= EXACT_PAIRS
        if self.exact:
            self.pool = np.nonzero(self.feasible)
        else:
            per_mentee = int(np.clip(CANDIDATE_PAIRS // max(n, 1), *CANDIDATES))
            per_mentor = int(np.clip(CANDIDATE_PAIRS // max(m, 1), *MENTOR_CANDIDATES))
            mentees, mentors = top_pairs(problem.value, self.feasible, per_mentee)
            best_mentors, best_mentees = top_pairs(problem.value.T, self.feasible.T, per_mentor)
            self.in_pool = np.zeros((n, m), bool)
            self.in_pool[mentees, mentors] = True
            self.in_pool[best_mentees, best_mentors] = True
            self.pool = np.nonzero(self.in_pool)
        if self.exact:
            self.in_pool = np.zeros((n, m), bool)
            self.in_pool[self.pool] = True

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.perf_counter()

    def solve(self) -> AssignmentResult:
        """Exact lexicographic stages for small problems, the combined goal for large ones."""
        stuck = np.flatnonzero(self.required & ~self.matchable)
        if len(stuck):
            raise InfeasibleAssignment(
                f"required mentees cannot all be matched: {len(stuck)} have no feasible mentor "
                f"(first: {stuck[:5].tolist()})")
        return self.solve_exact() if self.exact else self.solve_large()

    def result(self, mentor_of, bound, matched_bound, proven, method) -> AssignmentResult:
        objective = self.problem.objective(mentor_of)
        bound = max(bound, objective)
        matched = self.matched(mentor_of)
        optimal = proven and self.closed(objective, bound) and matched == matched_bound
        return AssignmentResult(mentor_of, objective, bound, matched, matched_bound,
                                time.perf_counter() - self.started, method, optimal)

    def solve_exact(self) -> AssignmentResult:
        """Most matches first (MILP), then most value among assignments matching that many."""
        matched_bound = int(self.matchable.sum())
        start, count_proven = None, True
        if self.required.sum() < matched_bound:
            tie = 0.5 / (1.0 + float(self.best_value.sum()))
            start, count_bound, count_proven = self.exact_stage(_Objective(1.0, tie, 0.0), 0,
                                                                self.remaining() / 2)
            matched_bound = min(matched_bound, math.floor(count_bound + 1e-9))
        count_min = 0 if start is None else self.matched(start)
        mentor_of, bound, proven = self.exact_stage(_Objective(0.0, 1.0, 1.0), count_min, self.remaining())
        mentor_of = self.better(self.better(mentor_of, start), self.greedy())
        if (self.required & (mentor_of < 0)).any():
            raise InfeasibleAssignment("required mentees cannot all be matched: no assignment found")
        self.progress(f"{self.matched(mentor_of)} mentees matched, at most {matched_bound} can be")
        return self.result(mentor_of, bound, matched_bound, proven and count_proven, "milp-exact")

    def greedy(self) -> np.ndarray:
        """Each mentee, best first, to the best mentor with room: a fallback and a floor."""
        search = self.local_search(np.full(self.problem.shape[0], -1))
        for u in reversed(search.waiting_order(np.flatnonzero(self.matchable))):
            search.insert(int(u))
        return search.mentor_of.copy()

    def exact_stage(self, objective: _Objective, count_min: int, seconds: float):
        """One MILP over every feasible pair: (mentor_of, bound, proven optimal). When the
        MILP has no finite bound in time, the LP relaxation gives it."""
        model = self.model(*self.pool, objective, count_min)
        result = solve_milp(model, seconds)
        if result.status == "infeasible":
            raise InfeasibleAssignment("required mentees cannot all be matched")
        bound = result.bound
        if not np.isfinite(bound):
            bound = solve_lp(model).objective
        return self.assignment(self.pool, result.x), bound, result.status == "optimal"

    def solve_large(self) -> AssignmentResult:
        """LP of the combined goal, rounding, local search, neighbourhood search."""
        combined = self.combined()
        worth = combined.offset
        try:
            lp, combined_bound, duals = self.relaxation(combined)
            self.progress(f"LP relaxation {lp.objective:.6g}, bound {combined_bound:.6g} "
                          f"({len(self.pool[0])} candidate pairs)")
            priority = lp.x
        except LPTimeLimit:
            m = self.problem.shape[1]
            duals = (np.zeros(m), np.zeros(m), np.zeros(m), 0.0)
            combined_bound, _ = lagrangian_bound(
                lambda rows: combined(self.problem.value[rows]), self.feasible, self.problem.load,
                self.required, self.capacity, self.budget, None, 0.0, duals, 0)
            self.progress(f"LP relaxation out of time; greedy start, bound {combined_bound:.6g}")
            priority = self.problem.value[self.pool]
        mentor_of = self.round(priority)
        self.progress(f"rounded: {self.matched(mentor_of)} matched")
        mentor_of = self.search(mentor_of, time.perf_counter() + SEARCH_SHARE * self.remaining())
        self.progress(f"local search: {self.matched(mentor_of)} matched")
        if (self.required & (mentor_of < 0)).any():
            mentor_of = self.fill_required(mentor_of, combined)
        mentor_of = self.improve(mentor_of, combined, combined_bound)
        matched_bound = min(int(self.matchable.sum()), count_bound(
            self.feasible, self.problem.load, self.required, self.capacity, self.budget, duals, worth))
        matched = self.matched(mentor_of)
        return self.result(mentor_of, combined_bound - worth * matched, matched_bound, False, "lp-search")

    def combined(self) -> _Objective:
        """Every match worth more than the value of any pair, then value."""
        return _Objective(MATCH_WORTH * (1.0 + float(self.best_value.max(initial=0.0))), 1.0, 1.0)

    def local_search(self, mentor_of: np.ndarray) -> LocalSearch:
        """A local search from `mentor_of` under the combined goal."""
        return LocalSearch(self.combined()(self.problem.value), self.feasible, self.problem.load,
                           self.capacity, self.budget, mentor_of, self.required)

    def search(self, mentor_of: np.ndarray, deadline: float) -> np.ndarray:
        """Local search from `mentor_of` until `deadline`."""
        return self.local_search(mentor_of).run(deadline, np.flatnonzero(self.matchable))

    @staticmethod
    def matched(mentor_of: np.ndarray) -> int:
        """Number of matched mentees."""
        return int((mentor_of >= 0).sum())

    @staticmethod
    def closed(objective: float, bound: float) -> bool:
        """Whether the objective reaches the bound within the relative tolerance."""
        return bound - objective <= RELATIVE_TOLERANCE * max(1.0, abs(bound))

    def better(self, first, second):
        """The lexicographically better assignment (every required mentee matched, more
        matches, then objective)."""
        if first is None or second is None:
            return second if first is None else first
        key = lambda mentor_of: (not (self.required & (mentor_of < 0)).any(), self.matched(mentor_of),
                                 self.problem.objective(mentor_of))
        return second if key(second) > key(first) else first

    def model(self, mentees, mentors, objective: _Objective, count_min=0, used=None) -> PairModel:
        """Model of the given pairs; `used` is the assignment already fixed outside it."""
        problem = self.problem
        capacity, budget = self.capacity, self.budget
        target = problem.target_hours
        if used is not None:
            capacity, budget = problem.room_left(used)
            target = None if target is None else np.maximum(target - problem.hours_given(used), 0.0)
        penalty = problem.shortfall_penalty * objective.penalty_scale
        return PairModel(
            mentee=mentees, mentor=mentors, weight=objective(problem.value[mentees, mentors]),
            load=pair_load(problem.load, mentees, mentors),
            capacity=capacity, budget=budget, required=self.required,
            target=target if penalty > 0 else None, penalty=penalty, count_min=count_min)

    def assignment(self, pairs, x) -> np.ndarray | None:
        """mentor_of from selected pairs (None if x is None)."""
        if x is None:
            return None
        mentor_of = np.full(self.problem.shape[0], -1)
        mentor_of[pairs[0][x]] = pairs[1][x]
        return mentor_of

    def relaxation(self, objective: _Objective):
        """LP over the pool, grown by column generation: (LP, full-matrix bound, duals). When
        a re-solve runs out of time, the last solved LP stands (its new columns at 0)."""
        problem = self.problem
        solved = None
        while True:
            try:
                lp = solve_lp(self.model(*self.pool, objective), self.lp_deadline - time.perf_counter())
            except LPTimeLimit:
                if solved is None:
                    raise
                lp, bound, duals = solved
                padding = np.zeros(len(self.pool[0]) - len(lp.x))
                return replace(lp, x=np.concatenate([lp.x, padding])), bound, duals
            if lp is None:
                if self.in_pool.sum() == self.feasible.sum():
                    raise InfeasibleAssignment("required mentees cannot all be matched "
                                               "(even fractionally)")
                self.add_pairs(np.nonzero(self.feasible & ~self.in_pool))
                continue
            duals = (lp.capacity_dual, lp.budget_dual, lp.target_dual, lp.count_dual)
            bound, new = lagrangian_bound(
                lambda rows: objective(problem.value[rows]), self.feasible, problem.load,
                self.required, self.capacity, self.budget, problem.target_hours,
                problem.shortfall_penalty * objective.penalty_scale, duals, 0, lp.mentee_dual,
                self.in_pool)
            if solved is not None and solved[1] < bound:
                bound, duals = solved[1], solved[2]
            solved = (lp, bound, duals)
            closed = bound - lp.objective <= PRICING_TOLERANCE * max(1.0, abs(bound))
            if not len(new[0]) or closed or time.perf_counter() > self.lp_deadline:
                return lp, bound, duals
            self.progress(f"adding {len(new[0])} pairs with positive reduced cost")
            self.add_pairs(new)

    def add_pairs(self, pairs) -> None:
        """Add (mentee, mentor) pairs to the candidate pool."""
        self.pool = (np.concatenate([self.pool[0], pairs[0]]),
                     np.concatenate([self.pool[1], pairs[1]]))
        self.in_pool[pairs] = True

    def round(self, priority: np.ndarray) -> np.ndarray:
        """Pool pairs in decreasing priority (LP value), each taken when the mentee is free
        and it fits."""
        mentees, mentors = self.pool
        load = pair_load(self.problem.load, mentees, mentors)
        capacity, budget = self.capacity.copy(), self.budget.copy()
        mentor_of = np.full(self.problem.shape[0], -1)
        for p in np.argsort(-priority, kind="stable"):
            if priority[p] <= 1e-9:
                break
            i, j = mentees[p], mentors[p]
            if mentor_of[i] < 0 and capacity[j] >= 1 and budget[j] >= load[p] - 1e-9:
                mentor_of[i] = j
                capacity[j] -= 1
                budget[j] -= load[p]
        return mentor_of

    def fill_required(self, mentor_of, objective: _Objective) -> np.ndarray:
        """Match required mentees the search left out: one MILP over all candidate pairs."""
        self.progress("required mentees left out; solving all candidate pairs as one MILP")
        result = solve_milp(self.model(*self.pool, objective), max(self.remaining(), 0.1))
        if result.x is None:
            raise InfeasibleAssignment("required mentees cannot all be matched: no assignment found")
        return self.assignment(self.pool, result.x)

    def improve(self, mentor_of, objective: _Objective, bound: float) -> np.ndarray:
        """Large-neighbourhood search: re-solve the mentees of a few related mentors exactly
        under `objective` until the deadline or the bound is reached."""
        problem = self.problem
        mentees, mentors = self.pool
        n, m = problem.shape
        pool = sparse.csc_matrix((np.ones(len(mentees)), (mentees, mentors)), shape=(n, m))
        degree = np.asarray(pool.sum(axis=0)).ravel()
        rng = np.random.default_rng(0)
        score = lambda assignment: float(objective(problem.value[np.flatnonzero(assignment >= 0),
                                                                 assignment[assignment >= 0]]).sum()
                                         - problem.shortfall_penalty * self.shortfall(assignment))
        best = score(mentor_of)
        size = NEIGHBOURHOOD_PAIRS
        rounds = 0
        while self.remaining() > 0.05 and not self.closed(best, bound):
            rounds += 1
            seed = rng.choice(np.flatnonzero(degree))
            shared = np.asarray(pool[pool[:, seed].indices].sum(axis=0)).ravel()
            order = np.argsort(-(shared + rng.random(m)))
            chosen = order[:max(2, np.searchsorted(np.cumsum(degree[order]), size))]
            in_chosen = np.zeros(m, bool)
            in_chosen[chosen] = True
            assigned = mentor_of[mentees]
            freed = np.where(assigned >= 0, in_chosen[np.maximum(assigned, 0)], in_chosen[mentors])
            freed_mentee = np.zeros(n, bool)
            freed_mentee[mentees[freed]] = True
            keep = freed_mentee[mentees] & in_chosen[mentors]
            rest = mentor_of.copy()
            rest[freed_mentee] = -1
            sub_pairs = (mentees[keep], mentors[keep])
            result = solve_milp(self.model(*sub_pairs, objective, used=rest),
                                min(self.remaining(), NEIGHBOURHOOD_SECONDS))
            size = size * 1.1 if result.status == "optimal" else max(200, size / 1.5)
            if result.x is None:
                continue
            candidate = rest
            candidate[sub_pairs[0][result.x]] = sub_pairs[1][result.x]
            value = score(candidate)
            if value > best + 1e-9 and not (self.required & (candidate < 0)).any():
                mentor_of, best = candidate, value
                self.progress(f"search round {rounds}: {self.matched(candidate)} matched, "
                              f"objective {value:.6g}, bound {bound:.6g}")
        return mentor_of

    def shortfall(self, mentor_of: np.ndarray) -> float:
        """Total hours below target over all mentors."""
        target = self.problem.target_hours
        if target is None:
            return 0.0
        return float(np.maximum(target - self.problem.hours_given(mentor_of), 0.0).sum())
