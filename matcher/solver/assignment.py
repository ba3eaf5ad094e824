"""Who gets which mentor: a generalised assignment problem with a lexicographic goal.

First as many mentees as possible are matched (required ones always), then the total value
minus the shortfall penalty is maximised among the assignments that match that many.

Small problems are solved exactly with HiGHS's MILP solver. Larger ones use the LP
relaxation over a pruned set of candidate pairs (top mentors by value, extended by column
generation), fix its integral part, solve the fractional remainder as a small MILP, and
improve the result by large-neighbourhood search: free all mentees of a few related
mentors and re-solve that sub-problem exactly. Bounds always hold for the full matrix:
they are Lagrangian bounds computed from the LP duals over every feasible pair.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from matcher.solver.assign_matrix import feasible_mask, lagrangian_bound, pair_load, top_pairs
from matcher.solver.assign_model import PairModel, solve_lp, solve_milp

EXACT_PAIRS = 2_000  # solve with one MILP per stage when there are at most this many pairs
CANDIDATES = 5  # mentors per mentee in the initial LP
NEIGHBOURHOOD_PAIRS = 1_500  # initial size of a search neighbourhood, in candidate pairs
NEIGHBOURHOOD_SECONDS = 0.5  # time limit of one neighbourhood MILP
RELATIVE_TOLERANCE = 1e-6
PRICING_TOLERANCE = 1e-4  # re-solve the LP with new columns only if they loosen the bound more
INTEGRAL = 1 - 1e-6


@dataclass(frozen=True)
class AssignmentProblem:
    """Values, feasibility and limits of one assignment; validated on construction."""

    value: np.ndarray
    allowed: np.ndarray
    load: np.ndarray
    capacity: np.ndarray
    budget: np.ndarray
    required: np.ndarray | None = None
    target_hours: np.ndarray | None = None
    shortfall_penalty: float = 0.0

    def __post_init__(self):
        _validate(self)

    @property
    def shape(self) -> tuple[int, int]:
        """(mentees, mentors)."""
        return self.value.shape

    def objective(self, mentor_of: np.ndarray) -> float:
        """Value of the matched pairs minus the shortfall penalty of an assignment."""
        matched = np.flatnonzero(mentor_of >= 0)
        total = float(self.value[matched, mentor_of[matched]].sum())
        if self.target_hours is not None and self.shortfall_penalty > 0:
            hours = np.bincount(mentor_of[matched], pair_load(self.load, matched, mentor_of[matched]),
                                minlength=self.shape[1])
            total -= self.shortfall_penalty * float(np.maximum(self.target_hours - hours, 0).sum())
        return total


@dataclass(frozen=True)
class AssignmentResult:
    """An assignment with its objective and proven bounds (see solve_assignment)."""

    mentor_of: np.ndarray
    objective: float
    bound: float
    matched: int
    matched_bound: int
    seconds: float
    method: str
    optimal: bool


class InfeasibleAssignment(ValueError):
    """The required mentees cannot all be matched."""


def solve_assignment(problem: AssignmentProblem, time_limit: float = 10.0,
                     progress: Callable[[str], None] | None = None) -> AssignmentResult:
    """Match as many mentees as possible, then maximise value minus shortfall penalty.

    `bound` is a proven upper bound on the objective of every feasible assignment matching
    at least `matched` mentees; `matched_bound` bounds the number of mentees any feasible
    assignment matches. Raises InfeasibleAssignment if the required mentees cannot all be
    matched.
    """
    return _Solver(problem, time_limit, progress).solve()


def _validate(problem: AssignmentProblem) -> None:
    """Raise ValueError naming the first array with a wrong shape, type or value."""
    value = np.asarray(problem.value)
    if value.ndim != 2:
        raise ValueError(f"value: expected a 2-D (mentees, mentors) array, got shape {value.shape}")
    n, m = value.shape
    expected = {"value": [(n, m)], "allowed": [(n, m)], "load": [(n,), (n, m)],
                "capacity": [(m,)], "budget": [(m,)], "required": [(n,)],
                "target_hours": [(m,)]}
    for name, shapes in expected.items():
        array = getattr(problem, name)
        if array is None and name in ("required", "target_hours"):
            continue
        if not isinstance(array, np.ndarray):
            raise ValueError(f"{name}: expected a numpy array, got {type(array).__name__}")
        if array.shape not in shapes:
            raise ValueError(f"{name}: expected shape {' or '.join(map(str, shapes))}, "
                             f"got {array.shape}")
        if name in ("allowed", "required"):
            if array.dtype != bool:
                raise ValueError(f"{name}: expected a bool array, got dtype {array.dtype}")
            continue
        if array.dtype.kind not in "iuf":
            raise ValueError(f"{name}: expected a numeric array, got dtype {array.dtype}")
        if not np.isfinite(array).all():
            raise ValueError(f"{name}: contains NaN or infinite entries")
        if (array < 0).any():
            raise ValueError(f"{name}: contains negative entries")
        if name == "capacity" and (array != np.round(array)).any():
            raise ValueError("capacity: contains non-integer entries")
    penalty = problem.shortfall_penalty
    if not (np.isfinite(penalty) and penalty >= 0):
        raise ValueError(f"shortfall_penalty: expected a finite number >= 0, got {penalty}")


class _Solver:
    """State of one solve: the problem, the pool of candidate pairs and the clock.

    Objectives are either the value (`tie=None`) or, for maximising the number of matches
    first, `1 + tie * value` per pair with `tie` small enough that no difference in value
    outweighs one more match.
    """

    def __init__(self, problem: AssignmentProblem, time_limit: float, progress):
        self.started = time.perf_counter()
        self.deadline = self.started + time_limit
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
            self.pool = top_pairs(problem.value, self.feasible, CANDIDATES)
        self.in_pool = np.zeros((n, m), bool)
        self.in_pool[self.pool] = True
        self.lp_seconds = 0.0  # duration of the latest LP solve

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.perf_counter()

    def solve(self) -> AssignmentResult:
        """Run the lexicographic stages and, for large problems, the improvement search."""
        stuck = np.flatnonzero(self.required & ~self.matchable)
        if len(stuck):
            raise InfeasibleAssignment(
                f"required mentees cannot all be matched: {len(stuck)} have no feasible mentor "
                f"(first: {stuck[:5].tolist()})")
        matched_bound = int(self.matchable.sum())
        start, count_proven = None, True
        if self.required.sum() < matched_bound:
            tie = 0.5 / (1.0 + float(self.best_value.sum()))
            start, count_bound, count_proven = self.stage(tie, count_min=0)
            if start is None:
                raise InfeasibleAssignment("required mentees cannot all be matched: "
                                           "no assignment found")
            matched_bound = min(matched_bound, math.floor(count_bound + 1e-9))
            self.progress(f"{self.matched(start)} mentees matched, at most {matched_bound} can be")
        count_min = 0 if start is None else self.matched(start)
        mentor_of, bound, proven = self.stage(None, count_min)
        mentor_of = self.better(mentor_of, start)
        if mentor_of is None:
            raise InfeasibleAssignment("required mentees cannot all be matched: no assignment found")
        if not self.exact:
            # Keep time to re-solve the value LP should the search match more mentees.
            reserve = self.lp_seconds if count_min < matched_bound else 0.0
            mentor_of = self.improve(mentor_of, bound, matched_bound, reserve)
            if self.matched(mentor_of) > count_min:
                _, bound = self.relaxation(None, self.matched(mentor_of))
        objective = self.problem.objective(mentor_of)
        bound = max(bound, objective)
        matched = self.matched(mentor_of)
        optimal = (self.closed(objective, bound) and matched == matched_bound
                   and count_proven)
        return AssignmentResult(mentor_of, objective, bound, matched, matched_bound,
                                time.perf_counter() - self.started,
                                "milp-exact" if self.exact else "lp-repair", optimal)

    @staticmethod
    def matched(mentor_of: np.ndarray) -> int:
        """Number of matched mentees."""
        return int((mentor_of >= 0).sum())

    @staticmethod
    def closed(objective: float, bound: float) -> bool:
        """Whether the objective reaches the bound within the relative tolerance."""
        return bound - objective <= RELATIVE_TOLERANCE * max(1.0, abs(bound))

    def better(self, first, second):
        """The lexicographically better assignment (more matches, then objective)."""
        if first is None or second is None:
            return second if first is None else first
        key = lambda mentor_of: (self.matched(mentor_of), self.problem.objective(mentor_of))
        return second if key(second) > key(first) else first

    def weight(self, tie: float | None) -> Callable:
        """Objective coefficients of a block of pairs or rows."""
        value = self.problem.value
        if tie is None:
            return lambda block: value[block]
        return lambda block: 1.0 + tie * value[block]

    def model(self, mentees, mentors, tie, count_min=0, used=None, shortfall=None) -> PairModel:
        """Model of the given pairs; `used` is the assignment already fixed outside it.

        The shortfall term is part of the value objective, and of the tie-broken count
        objective only when `shortfall` is set (search neighbourhoods)."""
        problem = self.problem
        capacity, budget = self.capacity, self.budget
        target = problem.target_hours
        if used is not None:
            fixed = np.flatnonzero(used >= 0)
            hours = np.bincount(used[fixed], pair_load(problem.load, fixed, used[fixed]),
                                minlength=len(capacity))
            capacity = capacity - np.bincount(used[fixed], minlength=len(capacity))
            budget = budget - hours
            target = None if target is None else np.maximum(target - hours, 0.0)
        penalty = problem.shortfall_penalty * (1.0 if tie is None else tie * bool(shortfall))
        return PairModel(
            mentee=mentees, mentor=mentors, weight=self.weight(tie)((mentees, mentors)),
            load=pair_load(problem.load, mentees, mentors),
            capacity=capacity, budget=budget, required=self.required,
            target=target if penalty > 0 else None, penalty=penalty, count_min=count_min)

    def stage(self, tie, count_min):
        """Solve one objective: exact MILP, or LP + repair. (mentor_of, bound, proven)."""
        if self.exact:
            result = solve_milp(self.model(*self.pool, tie, count_min), self.remaining())
            if result.status == "infeasible":
                raise InfeasibleAssignment("required mentees cannot all be matched")
            return (self.assignment(self.pool, result.x), result.bound,
                    result.status == "optimal")
        lp, bound = self.relaxation(tie, count_min)
        self.progress(f"LP relaxation {lp.objective:.6g}, bound {bound:.6g} "
                      f"({len(self.pool[0])} candidate pairs)")
        return self.repair(lp, tie, count_min), bound, False

    def assignment(self, pairs, x) -> np.ndarray | None:
        """mentor_of from selected pairs (None if x is None)."""
        if x is None:
            return None
        mentor_of = np.full(self.problem.shape[0], -1)
        mentor_of[pairs[0][x]] = pairs[1][x]
        return mentor_of

    def relaxation(self, tie, count_min):
        """LP over the pool, grown by column generation: (LP solution, full-matrix bound)."""
        problem = self.problem
        while True:
            lp_started = time.perf_counter()
            lp = solve_lp(self.model(*self.pool, tie, count_min))
            self.lp_seconds = time.perf_counter() - lp_started
            if lp is None:
                if self.in_pool.sum() == self.feasible.sum():
                    raise InfeasibleAssignment("required mentees cannot all be matched "
                                               "(even fractionally)")
                self.add_pairs(np.nonzero(self.feasible & ~self.in_pool))
                continue
            duals = (lp.capacity_dual, lp.budget_dual, lp.target_dual, lp.count_dual)
            bound, new = lagrangian_bound(
                self.weight(tie), self.feasible, problem.load, self.required,
                self.capacity, self.budget, problem.target_hours if tie is None else None,
                problem.shortfall_penalty, duals, count_min, lp.mentee_dual, self.in_pool)
            closed = (math.floor(bound + 1e-9) == math.floor(lp.objective + 1e-9)
                      if tie is not None
                      else bound - lp.objective <= PRICING_TOLERANCE * max(1.0, abs(bound)))
            if not len(new[0]) or closed or self.remaining() < time.perf_counter() - self.started:
                return lp, bound
            self.progress(f"adding {len(new[0])} pairs with positive reduced cost")
            self.add_pairs(new)

    def add_pairs(self, pairs) -> None:
        """Add (mentee, mentor) pairs to the candidate pool."""
        self.pool = (np.concatenate([self.pool[0], pairs[0]]),
                     np.concatenate([self.pool[1], pairs[1]]))
        self.in_pool[pairs] = True

    def repair(self, lp, tie, count_min) -> np.ndarray | None:
        """Fix the LP's integral pairs and solve the rest as a MILP; None if that fails.

        Mentors that an unfixed required mentee could use are released from fixing."""
        mentees, mentors = self.pool
        fixed = self.assignment(self.pool, lp.x >= INTEGRAL)
        while True:
            free = fixed[mentees] < 0
            residual = self.model(mentees[free], mentors[free], tie, used=fixed)
            fits = ((residual.capacity[residual.mentor] >= 1)
                    & (residual.load <= residual.budget[residual.mentor] + 1e-9))
            sub_pairs = (mentees[free][fits], mentors[free][fits])
            unserved = self.required & (fixed < 0)
            unserved[sub_pairs[0]] = False
            if not unserved.any():
                break
            released = np.zeros(len(self.capacity), bool)
            released[mentors[unserved[mentees]]] = True
            fixed[(fixed >= 0) & released[fixed]] = -1
        self.progress(f"{self.matched(fixed)} pairs integral in the LP; "
                      f"solving the remaining {len(sub_pairs[0])} pairs as a MILP")
        result = solve_milp(
            self.model(*sub_pairs, tie, max(0, count_min - self.matched(fixed)), used=fixed),
            max(0.25 * self.remaining(), 0.1))
        if result.x is not None:
            fixed[sub_pairs[0][result.x]] = sub_pairs[1][result.x]
            return fixed
        if not (self.required & (fixed < 0)).any():
            return fixed  # the integral part alone is feasible
        self.progress("repair failed; solving all candidate pairs as one MILP")
        result = solve_milp(self.model(*self.pool, tie, count_min), max(self.remaining(), 0.1))
        return self.assignment(self.pool, result.x)

    def improve(self, mentor_of, bound, matched_bound, reserve) -> np.ndarray:
        """Large-neighbourhood search: re-solve the mentees of a few related mentors exactly,
        more matches first, then more value; stops `reserve` seconds before the deadline."""
        problem = self.problem
        mentees, mentors = self.pool
        n, m = problem.shape
        pool = sparse.csc_matrix((np.ones(len(mentees)), (mentees, mentors)), shape=(n, m))
        degree = np.asarray(pool.sum(axis=0)).ravel()
        target = np.zeros(m) if problem.target_hours is None else problem.target_hours
        rng = np.random.default_rng(0)
        best = (self.matched(mentor_of), problem.objective(mentor_of))
        size = NEIGHBOURHOOD_PAIRS
        rounds = 0
        while self.remaining() > reserve + 0.05:
            if best[0] >= matched_bound and self.closed(best[1], bound):
                break
            rounds += 1
            seed = rng.choice(np.flatnonzero(degree))
            shared = np.asarray(pool[pool[:, seed].indices].sum(axis=0)).ravel()
            order = np.argsort(-(shared + rng.random(m)))
            chosen = order[:max(2, np.searchsorted(np.cumsum(degree[order]), size))]
            in_chosen = np.zeros(m, bool)
            in_chosen[chosen] = True
            assigned = mentor_of[mentees]
            freed = np.where(assigned >= 0, in_chosen[np.maximum(assigned, 0)],
                             in_chosen[mentors])
            freed_mentee = np.zeros(n, bool)
            freed_mentee[mentees[freed]] = True
            keep = freed_mentee[mentees] & in_chosen[mentors]
            rest = mentor_of.copy()
            rest[freed_mentee] = -1
            sub_pairs = (mentees[keep], mentors[keep])
            if best[0] >= matched_bound:
                sub = self.model(*sub_pairs, None, best[0] - self.matched(rest), used=rest)
            else:
                spread = (self.best_value[freed_mentee].sum()
                          + problem.shortfall_penalty * target[chosen].sum())
                sub = self.model(*sub_pairs, 0.5 / (1.0 + spread), used=rest, shortfall=True)
            result = solve_milp(sub, min(self.remaining() - reserve, NEIGHBOURHOOD_SECONDS))
            size = size * 1.1 if result.status == "optimal" else max(200, size / 1.5)
            if result.x is None:
                continue
            candidate = rest
            candidate[sub_pairs[0][result.x]] = sub_pairs[1][result.x]
            key = (self.matched(candidate), problem.objective(candidate))
            if key[0] > best[0] or (key[0] == best[0] and key[1] > best[1] + 1e-9):
                mentor_of, best = candidate, key
                self.progress(f"search round {rounds}: {key[0]} matched, objective "
                              f"{key[1]:.6g}, bound {bound:.6g}")
        return mentor_of
