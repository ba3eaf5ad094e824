"""The state of one assignment solve and what its phases share: the clock, the pool of
candidate pairs, models over pairs, and how two assignments compare (every required mentee
matched, then more matches, then value)."""

import time

import numpy as np

from matcher.solver.assign_matrix import (PairTable, best_pairs, fill_greedily, pair_load,
                                          round_by_priority, with_pairs_of)
from matcher.solver.assign_model import Objective, PairModel
from matcher.solver.assign_problem import AssignmentProblem, AssignmentResult, match_worth
from matcher.solver.assign_search import LocalSearch
from matcher.solver.background import FORK_GRACE, can_fork

RELATIVE_TOLERANCE = 1e-6
LIGHT_SHARE = 0.3  # in light-first weights a match loses this share of its worth at the most hours
LIGHT_VALUE_SHARE = 0.05  # and gains this share at the largest value
BEST_PAIRS = 400_000  # pairs the smoothed duals and local search look at, besides the pool (see best_pairs)


class SolveState:
    """State of one solve: the problem, the pool of candidate pairs and the clock."""

    def __init__(self, problem: AssignmentProblem, time_limit: float, progress):
        self.started = time.perf_counter()
        self.time_limit = time_limit
        self.deadline = self.started + time_limit
        self.problem = problem
        self.progress = progress or (lambda line: None)
        n, m = problem.shape
        self.capacity = np.asarray(problem.capacity, float)
        self.budget = np.asarray(problem.budget, float)
        self.required = problem.required if problem.required is not None else np.zeros(n, bool)
        self.feasible = problem.feasible()
        self.matchable = self.feasible.any(axis=1)
        self.best_value = np.max(problem.value, axis=1, initial=0.0, where=self.feasible)
        self.pool = np.nonzero(self.feasible)
        self.table = PairTable.of(problem.value, self.feasible, problem.load, self.pool)
        self.priced = best_pairs(problem.value, self.feasible, BEST_PAIRS)  # each mentee's and mentor's best
        self.in_pool = self.feasible.copy()
        self.worth_scale = 1.0
        self.forking = can_fork()  # whether work may be forked off to a child process
        self.search_count = None  # the most mentees matched so far, shared with a forked bound (a Value)
        self.matched_bound = n  # a proven bound on the count: local searches stop matching more at it

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.perf_counter()

    def fork_wait(self) -> float:
        """Seconds forked work is still waited for: until FORK_GRACE of the time limit after
        the end of the time limit."""
        return self.started + (1 + FORK_GRACE) * self.time_limit - time.perf_counter()

    def result(self, mentor_of, bound, matched_bound, proven, method) -> AssignmentResult:
        mentor_of = self.problem.without_broken_conflicts(mentor_of)
        objective = self.problem.objective(mentor_of)
        bound = max(bound, objective)
        matched = self.matched(mentor_of)
        optimal = proven and self.closed(objective, bound) and matched == matched_bound
        return AssignmentResult(mentor_of, objective, bound, matched, matched_bound,
                                time.perf_counter() - self.started, method, optimal)

    def rounded(self, priority: np.ndarray) -> np.ndarray:
        """The first pairs of the pool by `priority` (one per mentee) that fit."""
        return round_by_priority(self.pool, priority, self.problem.load, self.capacity, self.budget,
                                 self.problem.shape[0])

    def filled(self, mentor_of: np.ndarray) -> np.ndarray:
        """`mentor_of` with every waiting mentee, best first, given its best mentor with room."""
        return fill_greedily(mentor_of, self.problem.value, self.feasible, self.problem.load, self.capacity,
                             self.budget)

    def combined(self) -> Objective:
        """Every match worth more than the value of any pair (`worth_scale` times the problem's
        match worth), then value."""
        return Objective(self.worth_scale * match_worth(self.problem, self.feasible), 1.0, 1.0)

    def light_first(self) -> np.ndarray:
        """Pair weights that make room for more matches where hours bind: a match worth 1
        less LIGHT_SHARE of its hours over the most any pair takes, plus LIGHT_VALUE_SHARE of
        its value over the largest. Replacing a heavy mentee by a lighter one gains, and the
        hours freed take another."""
        load = self.problem.load if self.problem.load.ndim == 2 else self.problem.load[:, None]
        most = max(float(np.broadcast_to(load, self.problem.shape).max(initial=0.0, where=self.feasible)), 1e-9)
        weight = np.multiply(self.problem.value, LIGHT_VALUE_SHARE / max(float(self.best_value.max(initial=0.0)), 1e-9))
        weight -= load * (LIGHT_SHARE / most)
        weight += 1.0
        return weight

    def local_search(self, mentor_of: np.ndarray, candidates: np.ndarray | None = None,
                     weight: np.ndarray | None = None) -> LocalSearch:
        """A local search from `mentor_of` under the combined goal (or the pairs' `weight`),
        over the `candidates` mask of pairs (every feasible pair by default); each pair of a
        required mentee is worth twice the largest pair more, so that one takes the place of
        a mentee who may wait."""
        weight = self.combined()(self.problem.value) if weight is None else weight
        if self.required.any():
            weight = weight + np.where(self.required, 2.0 * weight.max(initial=0.0, where=self.feasible), 0.0)[:, None]
        search = LocalSearch(weight, self.feasible if candidates is None else candidates,
                             self.problem.load, self.capacity, self.budget, mentor_of, self.required)
        search.on_count = self.publish_count
        search.most = self.matched_bound
        return search

    @staticmethod
    def matched(mentor_of: np.ndarray) -> int:
        """Number of matched mentees."""
        return int((mentor_of >= 0).sum())

    def summary(self, mentor_of: np.ndarray) -> str:
        """How many an assignment matches and its objective, for progress lines."""
        return f"{self.matched(mentor_of)} matched, objective {self.problem.objective(mentor_of):.6g}"

    @staticmethod
    def closed(objective: float, bound: float) -> bool:
        """Whether the objective reaches the bound within the relative tolerance."""
        return bound - objective <= RELATIVE_TOLERANCE * max(1.0, abs(bound))

    def better(self, first, second):
        """The lexicographically better assignment (no conflict broken, every required mentee
        matched, more matches, then objective)."""
        if first is None or second is None:
            return second if first is None else first
        key = lambda mentor_of: (not self.problem.broken_conflicts(mentor_of), not (self.required & (mentor_of < 0)).any(),
                                 self.matched(mentor_of), self.problem.objective(mentor_of))
        return second if key(second) > key(first) else first

    def model(self, mentees, mentors, objective: Objective, count_min=0, used=None) -> PairModel:
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
            target=target if penalty > 0 else None, penalty=penalty, count_min=count_min,
            conflicts=self.conflict_rows(mentees, mentors, used))

    def conflict_rows(self, mentees: np.ndarray, mentors: np.ndarray, used: np.ndarray | None
                      ) -> tuple[tuple[np.ndarray, int], ...]:
        """The problem's conflicts as rows of a model of the pairs (mentees[p], mentors[p]),
        `used` fixed around them: the positions of a conflict's pairs and how many of them
        may be taken, for each conflict the model could break (not one `used` breaks already)."""
        rows = []
        for mentor, members in self.problem.conflicts:
            positions = np.flatnonzero((mentors == mentor) & np.isin(mentees, members))
            limit = len(members) - 1 - (0 if used is None else int((used[list(members)] == mentor).sum()))
            if 0 <= limit < len(positions):
                rows.append((positions, limit))
        return tuple(rows)

    def assignment(self, pairs, x) -> np.ndarray | None:
        """mentor_of from selected pairs (None if x is None)."""
        if x is None:
            return None
        mentor_of = np.full(self.problem.shape[0], -1)
        mentor_of[pairs[0][x]] = pairs[1][x]
        return mentor_of

    def adopted(self, mentor_of: np.ndarray, found: np.ndarray | None, source: str) -> np.ndarray:
        """`found` (reported as coming from `source`) when it is better than `mentor_of`."""
        if found is None or self.better(mentor_of, found) is mentor_of:
            return mentor_of
        self.progress(f"{source}: {self.summary(found)}")
        self.publish_count(self.matched(found))
        return found

    def publish_count(self, matched: int) -> None:
        """Let a forked bound know that `matched` mentees are matched (see assign_bounding)."""
        if self.search_count is not None and matched > self.search_count.value:
            self.search_count.value = matched

    def count_reached(self) -> int:
        """The most mentees matched so far as shared with a forked bound (0 when none is)."""
        return 0 if self.search_count is None else int(self.search_count.value)

    def pool_with(self, mentor_of: np.ndarray) -> np.ndarray:
        """Mask of the candidate pool and the pairs of `mentor_of`."""
        return with_pairs_of(self.in_pool.copy(), mentor_of)

    def add_pairs(self, pairs) -> None:
        """Add (mentee, mentor) pairs to the candidate pool."""
        self.pool = (np.concatenate([self.pool[0], pairs[0]]),
                     np.concatenate([self.pool[1], pairs[1]]))
        self.in_pool[pairs] = True

    def combined_value(self, mentor_of: np.ndarray, objective: Objective) -> float:
        """The combined goal of an assignment; -inf when a required mentee waits."""
        waits = (self.required & (mentor_of < 0)).any()
        return -np.inf if waits else self.problem.objective(mentor_of) + objective.offset * self.matched(mentor_of)
