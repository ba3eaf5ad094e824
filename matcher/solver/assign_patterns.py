"""Better assignments from the sets of mentees the mentors' knapsacks choose.

While the mentee-priced bound is improved (assign_knapsack), each mentor's best set at each
step's prices is a whole plan for that mentor: a column. One set-partitioning model over
these columns and the current assignment's (each mentor takes exactly one column, the empty
one included; each mentee is in one at most, a required one in exactly one; at least as
many matches as the current assignment; most value, or most matches first when each is worth
more than any pair's value) is far tighter than the model over pairs, its LP relaxation close
to the knapsack bound. Its LP is made whole by a dive, polished by the caller's local search,
and then the columns the LP takes whole are fixed and HiGHS solves the MILP over the rest
for the time left (assign_master_dive). Here: the sets, the model and the rounding of its
LP values (the columns by LP value, each mentor without one keeping what is left of its own
set), which the dive falls back on when its time runs out.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import LinearConstraint, milp

from matcher.solver.assign_matrix import first_of_runs, pair_load
from matcher.solver.assign_problem import AssignmentProblem

COLUMNS_PER_SECOND = 4_000  # solve the master only if it has at most this many columns per second
LP_SHARE = 0.7  # share of the master's time its LP relaxation may use
POLISH_SHARE = 0.5  # share of the time left after the dive that its assignment is polished for
WHOLE = 1 - 1e-6  # an LP value above this takes the column whole
COLUMNS_PER_MENTOR = 8  # columns a master is expected to have per mentor, to decide whether it fits the time
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

    def signatures(self, mentees: np.ndarray, starts: np.ndarray, mentors: np.ndarray) -> np.ndarray:
        """The hash of each non-empty set: mentees[starts[k]:starts[k + 1]] (to the end for
        the last) with its mentor mentors[k]."""
        return np.add.reduceat(self.mentee_key[mentees], starts) ^ self.mentor_key[mentors]

    def add(self, mentees: np.ndarray, mentors: np.ndarray) -> None:
        """Record each mentor's set among the pairs (mentees[p], mentors[p]), if new."""
        if not len(mentees):
            return
        order = np.lexsort((mentees, mentors))
        mentees, mentors = mentees[order], mentors[order]
        starts = np.flatnonzero(first_of_runs(mentors))
        ends = np.r_[starts[1:], len(mentees)]
        signatures = self.signatures(mentees, starts, mentors[starts])
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
        return SetColumns(mentor[fits], sizes[fits], set_values(problem, mentor[fits], column, mentees),
                          column, mentees)


def set_values(problem: AssignmentProblem, mentor: np.ndarray, column: np.ndarray, mentees: np.ndarray) -> np.ndarray:
    """The value of each set (its `mentor`, and its `mentees` with the set each is in,
    `column`), less the shortfall penalty of its mentor's hours."""
    mentors = mentor[column]
    value = np.bincount(column, problem.value[mentees, mentors], minlength=len(mentor))
    if problem.target_hours is None or problem.shortfall_penalty <= 0:
        return value
    hours = np.bincount(column, pair_load(problem.load, mentees, mentors), minlength=len(mentor))
    return value - problem.shortfall_penalty * np.maximum(np.asarray(problem.target_hours)[mentor] - hours, 0.0)


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

    def members(self) -> list[np.ndarray]:
        """Each column's mentees (none for the empty ones)."""
        return np.split(self.mentees, np.searchsorted(self.column, np.arange(1, len(self))))

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


def rounded_columns(x: np.ndarray, goal: np.ndarray, mentor: np.ndarray, members: list[np.ndarray],
                    mentor_of: np.ndarray, mentors: int) -> np.ndarray:
    """An assignment from the LP's values `x` of the columns (each `mentor`'s set of
    `members`, worth `goal`): the columns by decreasing LP value (then goal), each taken
    when its mentor has none yet and none of its mentees is taken; every other mentor keeps
    those of its mentees in `mentor_of` that are still free (a part of a set that fits fits too)."""
    order = np.lexsort((-goal, -x))
    order = order[x[order] > EPSILON]
    covered = np.zeros(len(mentor_of), bool)
    taken = np.zeros(mentors, bool)
    rounded = np.full(len(covered), -1)
    for c in order.tolist():
        j, chosen = mentor[c], members[c]
        if not taken[j] and not covered[chosen].any():
            taken[j], covered[chosen], rounded[chosen] = True, True, j
    keep = (mentor_of >= 0) & ~covered & ~taken[np.maximum(mentor_of, 0)]
    rounded[keep] = mentor_of[keep]
    return rounded
