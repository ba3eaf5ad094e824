"""Better assignments from the sets of mentees the mentors' knapsacks choose.

While the mentee-priced bound is improved (assign_knapsack), each mentor's best set at each
step's prices is a whole plan for that mentor: a column. One set-partitioning model over
these columns and the current assignment's (each mentor takes exactly one column, the empty
one included; each mentee is in one at most, a required one in exactly one; at least as
many matches as the current assignment; most value, or most matches first when each is worth
more than any pair's value) is far tighter than the model over pairs, its LP relaxation close
to the knapsack bound. Its LP is solved by interior point and rounded (the columns by LP
value, each mentor without one keeping what is left of its own set), the
rounding polished by the caller's local search; then the columns the LP takes whole are
fixed and HiGHS solves the MILP over the rest for the time left.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import LinearConstraint, linprog, milp

from matcher.solver.assign_matrix import first_of_runs, pair_load
from matcher.solver.assign_problem import AssignmentProblem

COLUMNS_PER_SECOND = 4_000  # solve the master only if it has at most this many columns per second
LP_SHARE = 0.5  # share of the master's time its LP relaxation may use
POLISH_SHARE = 0.5  # share of the time left after the LP that the rounded LP is polished for
WHOLE = 1 - 1e-6  # an LP value above this takes the column whole
COLUMNS_PER_MENTOR = 6  # columns a master is expected to have per mentor, to decide whether it fits the time
EPSILON = 1e-9


def master_fits(mentors: int, seconds: float) -> bool:
    """Whether a master over the sets of this many mentors is expected to fit `seconds`."""
    return COLUMNS_PER_SECOND * seconds >= COLUMNS_PER_MENTOR * mentors


class MentorPatterns:
    """The distinct (mentor, set of mentees) seen so far, found again by a 64-bit hash."""

    def __init__(self, shape: tuple[int, int], seed: int = 0):
        n, m = shape
        rng = np.random.default_rng(seed)
        self.mentee_key = rng.integers(1, 2 ** 63, size=n, dtype=np.uint64)
        self.mentor_key = rng.integers(1, 2 ** 63, size=m, dtype=np.uint64)
        self.seen: set[int] = set()
        self.mentor: list[int] = []
        self.members: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self.mentor)

    def add(self, mentees: np.ndarray, mentors: np.ndarray) -> None:
        """Record each mentor's set among the pairs (mentees[p], mentors[p]), if new."""
        if not len(mentees):
            return
        order = np.lexsort((mentees, mentors))
        mentees, mentors = mentees[order], mentors[order]
        starts = np.flatnonzero(first_of_runs(mentors))
        ends = np.r_[starts[1:], len(mentees)]
        signatures = np.add.reduceat(self.mentee_key[mentees], starts) ^ self.mentor_key[mentors[starts]]
        for start, end, signature in zip(starts.tolist(), ends.tolist(), signatures.tolist()):
            if signature not in self.seen:
                self.seen.add(signature)
                self.mentor.append(int(mentors[start]))
                self.members.append(mentees[start:end])


@dataclass(frozen=True)
class SetColumns:
    """The sets of a MentorPatterns (from one on) that fit their mentor: each set's mentor,
    size and value (less the shortfall penalty of its mentor's hours), and each member's
    set (an index among these) and mentee, set by set."""

    mentor: np.ndarray
    sizes: np.ndarray
    value: np.ndarray
    column: np.ndarray
    mentees: np.ndarray

    @staticmethod
    def of(problem: AssignmentProblem, feasible: np.ndarray, patterns: MentorPatterns, first: int = 0) -> "SetColumns":
        """The sets of `patterns` from the `first` on within their mentor's capacity and
        budget, of `feasible` pairs only."""
        members = patterns.members[first:]
        mentor = np.asarray(patterns.mentor[first:], dtype=np.int64)
        sizes = np.array([len(chosen) for chosen in members], dtype=np.int64)
        column = np.repeat(np.arange(len(sizes)), sizes)
        mentees = np.concatenate(members) if len(sizes) else np.zeros(0, np.int64)
        mentors = mentor[column]
        hours = np.bincount(column, pair_load(problem.load, mentees, mentors), minlength=len(sizes))
        fits = ((sizes <= np.asarray(problem.capacity)[mentor])
                & (hours <= np.asarray(problem.budget, float)[mentor] + EPSILON)
                & (np.bincount(column, feasible[mentees, mentors], minlength=len(sizes)) == sizes))
        inside = fits[column]
        column, mentees = (np.cumsum(fits) - 1)[column[inside]], mentees[inside]
        value = np.bincount(column, problem.value[mentees, mentors[inside]], minlength=int(fits.sum()))
        if problem.target_hours is not None and problem.shortfall_penalty > 0:
            value = value - problem.shortfall_penalty * np.maximum(
                np.asarray(problem.target_hours)[mentor[fits]] - hours[fits], 0.0)
        return SetColumns(mentor[fits], sizes[fits], value, column, mentees)


def empty_values(problem: AssignmentProblem) -> np.ndarray:
    """(m,) the value of each mentor's empty set: its whole shortfall penalised."""
    if problem.target_hours is None or problem.shortfall_penalty <= 0:
        return np.zeros(problem.shape[1])
    return -problem.shortfall_penalty * np.maximum(np.asarray(problem.target_hours, float), 0.0)


class SetMaster:
    """The set-partitioning model over the feasible columns and one empty column per mentor,
    each column's goal its value plus `worth` per mentee it matches."""

    def __init__(self, problem: AssignmentProblem, feasible: np.ndarray, required: np.ndarray,
                 patterns: MentorPatterns, count_min: int, worth: float = 0.0):
        n, m = problem.shape
        sets = SetColumns.of(problem, feasible, patterns)
        self.mentor = np.r_[sets.mentor, np.arange(m)]  # the feasible columns, then the empty ones
        self.sizes = np.r_[sets.sizes, np.zeros(m, np.int64)]
        self.column, self.mentees = sets.column, sets.mentees
        columns = len(self.mentor)
        self.goal = np.r_[sets.value, empty_values(problem)] + worth * self.sizes
        self.of_mentor = sparse.csr_matrix((np.ones(columns), (self.mentor, np.arange(columns))), shape=(m, columns))
        self.of_mentee = sparse.csr_matrix((np.ones(len(self.mentees)), (self.mentees, self.column)),
                                           shape=(n, columns))
        self.required, self.count_min = required, count_min

    def __len__(self) -> int:
        return len(self.mentor)

    def relaxation(self, seconds: float) -> np.ndarray | None:
        """The LP relaxation's values (None when not solved in time): each mentee in one
        column at most, each required one in one at least, at least `count_min` matches."""
        count = sparse.csr_matrix(self.sizes[None, :].astype(float))
        upper = sparse.vstack([self.of_mentee, -self.of_mentee[self.required], -count]).tocsr()
        limits = np.r_[np.ones(self.of_mentee.shape[0]), -np.ones(int(self.required.sum())), -self.count_min]
        result = linprog(-self.goal, A_ub=upper, b_ub=limits, A_eq=self.of_mentor,
                         b_eq=np.ones(self.of_mentor.shape[0]), bounds=(0, 1), method="highs-ipm",
                         options={"time_limit": max(seconds, 0.01)})
        return result.x if result.status == 0 else None

    def rounded(self, x: np.ndarray, mentor_of: np.ndarray) -> np.ndarray:
        """An assignment from the LP's values `x`: the columns by decreasing LP value (then
        goal), each taken when its mentor has none yet and none of its mentees is taken;
        every other mentor keeps those of its mentees in `mentor_of` that are still free
        (a part of a set that fits fits too)."""
        order = np.lexsort((-self.goal, -x))
        order = order[x[order] > EPSILON]
        starts = np.searchsorted(self.column, np.arange(len(self) + 1))
        covered = np.zeros(self.of_mentee.shape[0], bool)
        taken = np.zeros(self.of_mentor.shape[0], bool)
        rounded = np.full(len(covered), -1)
        for c in order.tolist():
            mentor, members = self.mentor[c], self.mentees[starts[c]:starts[c + 1]]
            if not taken[mentor] and not covered[members].any():
                taken[mentor], covered[members], rounded[members] = True, True, mentor
        keep = (mentor_of >= 0) & ~covered & ~taken[np.maximum(mentor_of, 0)]
        rounded[keep] = mentor_of[keep]
        return rounded

    def solve(self, whole: np.ndarray, seconds: float) -> np.ndarray | None:
        """mentor_of of the MILP's best solution in `seconds`, the `whole` columns fixed."""
        covered = np.zeros(self.of_mentee.shape[0], bool)
        covered[self.mentees[np.isin(self.column, whole)]] = True
        taken = np.zeros(self.of_mentor.shape[0], bool)
        taken[self.mentor[whole]] = True
        clash = taken[self.mentor] | (np.bincount(self.column, covered[self.mentees], minlength=len(self)) > 0)
        lower, upper = np.zeros(len(self)), (~clash).astype(float)
        lower[whole] = upper[whole] = 1.0
        constraints = [LinearConstraint(self.of_mentor, 1, 1), LinearConstraint(self.of_mentee, self.required, 1),
                       LinearConstraint(self.sizes[None, :], self.count_min, np.inf)]
        result = milp(-self.goal, integrality=np.ones(len(self)), bounds=(lower, upper), constraints=constraints,
                      options={"time_limit": max(seconds, 0.01), "disp": False})
        if result.x is None:
            return None
        chosen = np.isin(self.column, np.flatnonzero(result.x > 0.5))
        mentor_of = np.full(len(covered), -1)
        mentor_of[self.mentees[chosen]] = self.mentor[self.column[chosen]]
        return mentor_of


def master_assignments(problem: AssignmentProblem, feasible: np.ndarray, required: np.ndarray,
                       patterns: MentorPatterns, mentor_of: np.ndarray, deadline: float,
                       polish: Callable[[np.ndarray, float], np.ndarray] | None = None,
                       worth: float = 0.0, count_min: int = 0) -> Iterator[np.ndarray]:
    """Assignments from the master over `patterns` and `mentor_of`'s own sets, by `deadline`:
    its LP rounded (and given to `polish` with a deadline POLISH_SHARE of the time left),
    then the MILP's best with the columns the LP takes whole fixed, matching at least
    `count_min` (where the sets reach it) and as many as `mentor_of`, its goal value plus
    `worth` per match. Nothing when the master is too large for the time."""
    matched = np.flatnonzero(mentor_of >= 0)
    patterns.add(matched, mentor_of[matched])
    master = SetMaster(problem, feasible, required, patterns, max(len(matched), count_min), worth)
    seconds = deadline - time.perf_counter()
    if len(master) > COLUMNS_PER_SECOND * seconds:
        return
    x = master.relaxation(LP_SHARE * seconds)
    if x is None and master.count_min > len(matched):
        master.count_min = len(matched)
        x = master.relaxation(LP_SHARE * (deadline - time.perf_counter()))
    if x is None:
        return
    rounded = master.rounded(x, mentor_of)
    if polish is not None:
        rounded = polish(rounded, time.perf_counter() + POLISH_SHARE * (deadline - time.perf_counter()))
    yield rounded
    found = master.solve(np.flatnonzero(x > WHOLE), deadline - time.perf_counter())
    if found is not None:
        yield found
