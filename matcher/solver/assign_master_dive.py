"""A dive over the LP relaxation of the master over the mentors' sets (assign_patterns).

The LP is solved once by interior point (with crossover, so that a basis is there to start
from). Then, round by round, the columns the LP takes above FIX (else the largest
FRACTION_SHARE of its fractions) are fixed, the columns they clash with (the same mentor, or
a mentee they cover) are closed, and what is left of each closed set of another mentor (its
mentees not covered) joins as a new column: a mentor keeps the part of a set it could have,
so the count stays within reach. The LP is solved again by dual simplex from the last basis,
until it takes every column whole. The count's row has a slack, dear beyond any set, so the
dive never ends infeasible where fixing costs a match; the local search after it matches
again. At 2,000 x 500 (seed 1, 2,500 sets from 0.4 s of the knapsack bound's steps, the LP
0.45 s) the dive took 0.09 s and 0.2 s of local search after it reached 1,951.6 with 1,353
matched, where rounding the same LP gave 1,918-1,920 and the search alone 1,941.8, and the
MILP over the sets found no solution in 0.8 s; fixing fewer at a time (above 0.9, else a
twentieth) reached 1,951.9-1,952.7 in 0.5 s, fixing more (above 0.8, else a fifth)
1,947.8-1,949.2 with 1,351 matched.
"""

import time
from collections.abc import Callable, Iterator

import highspy
import numpy as np
from scipy import sparse

from matcher.solver.assign_master_lp import quiet_highs, set_entries
from matcher.solver.assign_patterns import (COLUMNS_PER_SECOND, EPSILON, LP_SHARE, POLISH_SHARE, WHOLE, MentorPatterns,
                                             SetMaster, rounded_columns, set_values)
from matcher.solver.assign_problem import AssignmentProblem

FIX = 0.6  # columns the LP takes above this are fixed together (none of them clash) ...
FRACTION_SHARE = 0.2  # ... else this share of the fractional ones, the largest first (one at least)
DIVE_SHARE = 0.5  # share of the time left after the LP that the dive may use
EXACT_COLUMNS = 200  # a master of at most this many columns is solved as a MILP with none fixed (exact)


class MasterDive:
    """The master's LP in HiGHS, its columns growing as the dive fixes and splits them: the
    count's slack first, then the master's columns, then the parts added."""

    def __init__(self, problem: AssignmentProblem, master: SetMaster, worth: float):
        n, m = problem.shape
        self.problem, self.worth, self.n = problem, worth, n
        self.mentor = master.mentor.copy()
        self.members = master.members()
        self.sets = MentorPatterns(problem.shape)  # the sets met, to add a part only once
        filled = np.flatnonzero(master.sizes > 0)
        self.sets.seen.update(self.sets.signatures(master.mentees, np.searchsorted(master.column, filled),
                                                   master.mentor[filled]).tolist())
        self.fixed, self.closed = np.zeros(len(master), bool), np.zeros(len(master), bool)
        self.taken, self.covered = np.zeros(m, bool), np.zeros(n, bool)  # by the fixed columns
        self.short = False
        rows = sparse.vstack([master.of_mentee, sparse.csr_matrix(master.sizes[None, :].astype(float)),
                              master.of_mentor])
        matrix = sparse.hstack([sparse.csc_matrix(([1.0], ([n], [0])), shape=(rows.shape[0], 1)), rows]).tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
        lp.col_cost_ = np.r_[1.0 + 2.0 * float(np.abs(master.goal).max(initial=0.0)), -master.goal]  # the slack dear
        lp.col_lower_ = np.zeros(matrix.shape[1])
        lp.col_upper_ = np.r_[highspy.kHighsInf, np.ones(len(master))]
        lp.row_lower_ = np.r_[np.where(master.required, 1.0, -highspy.kHighsInf), master.count_min, np.ones(m)]
        lp.row_upper_ = np.r_[np.ones(n), highspy.kHighsInf, np.ones(m)]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
        self.highs = quiet_highs()
        self.highs.passModel(lp)

    def relaxation(self, deadline: float) -> np.ndarray | None:
        """The LP's values of the master's columns, by interior point; None when it is not
        solved by `deadline`. `short` tells whether its sets fall short of the count."""
        self.highs.setOptionValue("solver", "ipm")
        x = self._run(deadline)
        self.short = x is not None and self.highs.getSolution().col_value[0] > EPSILON
        return x

    def _run(self, deadline: float) -> np.ndarray | None:
        """The LP solved again by `deadline`: its columns' values but the slack's, or None."""
        # HiGHS counts its time limit over all runs of an instance, not each
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + max(deadline - time.perf_counter(), 0.01))
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return np.asarray(self.highs.getSolution().col_value)[1:]

    def dived(self, x: np.ndarray, start: np.ndarray, deadline: float) -> np.ndarray:
        """An assignment from the LP's values `x` (those of `relaxation`) by the dive until
        `deadline`; where the LP is not whole by then (or not solved), its last values are
        rounded, every mentor keeping what is free of its set in `start`."""
        self.highs.setOptionValue("solver", "simplex")
        while time.perf_counter() < deadline:
            fraction = (x > EPSILON) & (x < 1 - EPSILON) & ~self.fixed
            if not fraction.any():
                break
            self._fix(x, fraction)
            solved = self._run(deadline)
            if solved is None:
                break
            x = solved
        return rounded_columns(x, np.zeros(len(x)), self.mentor, self.members, start, len(self.taken))

    def _fix(self, x: np.ndarray, fraction: np.ndarray) -> None:
        """Fix the columns above FIX (else the largest FRACTION_SHARE of the `fraction`
        ones) that clash with none fixed, close the columns they clash with, and add what is
        left of each closed set of a mentor without a fixed column as a new column."""
        chosen = np.flatnonzero(~self.fixed & ~self.closed & (x > FIX))
        if not len(chosen):
            fractions = np.flatnonzero(fraction)
            chosen = fractions[np.argsort(-x[fractions], kind="stable")[:max(1, int(FRACTION_SHARE * len(fractions)))]]
        for c in chosen[np.argsort(-x[chosen], kind="stable")].tolist():
            j, members = self.mentor[c], self.members[c]
            if not self.taken[j] and not self.covered[members].any():
                self.fixed[c], self.taken[j], self.covered[members] = True, True, True
        sizes = np.array([len(members) for members in self.members])
        hit = np.bincount(np.repeat(np.arange(len(sizes)), sizes), self.covered[np.concatenate(self.members)],
                          minlength=len(sizes)) > 0
        closing = ~self.fixed & ~self.closed & (self.taken[self.mentor] | hit)
        self.closed |= closing
        self.highs.changeColsBounds(len(self.fixed), np.arange(1, len(self.fixed) + 1, dtype=np.int32),
                                    self.fixed.astype(float), (~self.closed).astype(float))
        split = np.flatnonzero(closing & ~self.taken[self.mentor]).tolist()
        self._add([(int(self.mentor[c]), self.members[c][~self.covered[self.members[c]]]) for c in split])

    def _fresh(self, parts: list[tuple[int, np.ndarray]]) -> list[tuple[int, np.ndarray]]:
        """The sets among `parts` (mentor, mentees) that are not empty and not met before, met now."""
        parts = [(j, members) for j, members in parts if len(members)]
        if not parts:
            return []
        sizes = np.array([len(members) for _, members in parts])
        signatures = self.sets.signatures(np.concatenate([members for _, members in parts]),
                                          np.r_[0, np.cumsum(sizes)[:-1]], np.array([j for j, _ in parts]))
        fresh = []
        for part, signature in zip(parts, signatures.tolist()):
            if signature not in self.sets.seen:
                self.sets.seen.add(signature)
                fresh.append(part)
        return fresh

    def _add(self, parts: list[tuple[int, np.ndarray]]) -> None:
        """Add the sets `parts` (mentor, mentees) that are not empty and not met before as columns."""
        fresh = self._fresh(parts)
        if not fresh:
            return
        mentors = np.array([j for j, _ in fresh])
        sizes = np.array([len(members) for _, members in fresh])
        column = np.repeat(np.arange(len(fresh)), sizes)
        mentees = np.concatenate([members for _, members in fresh])
        goal = set_values(self.problem, mentors, column, mentees) + self.worth * sizes
        starts, rows, entries = set_entries(self.n, mentors, sizes, column, mentees)
        self.highs.addCols(len(fresh), -goal, np.zeros(len(fresh)), np.ones(len(fresh)), len(rows), starts, rows,
                           entries)
        self.mentor = np.r_[self.mentor, mentors]
        self.members += [members for _, members in fresh]
        self.fixed = np.r_[self.fixed, np.zeros(len(fresh), bool)]
        self.closed = np.r_[self.closed, np.zeros(len(fresh), bool)]


def master_assignments(problem: AssignmentProblem, feasible: np.ndarray, required: np.ndarray,
                       patterns: MentorPatterns, mentor_of: np.ndarray, deadline: float,
                       polish: Callable[[np.ndarray, float], np.ndarray] | None = None,
                       worth: float = 0.0, count_min: int = 0) -> Iterator[np.ndarray]:
    """Assignments from the master over `patterns` and `mentor_of`'s own sets, by `deadline`,
    matching at least `count_min` (where the sets reach it) and as many as `mentor_of`, its
    goal value plus `worth` per match: its LP dived (for DIVE_SHARE of the time the LP
    leaves) and given to `polish` with a deadline POLISH_SHARE of the time left, then the
    MILP's best with the columns the LP takes whole fixed (none where the master has at most
    EXACT_COLUMNS columns and its sets reach the count: a column whole in the LP may be in no
    best assignment, e.g. a mentor's one mentee whose place the best gives another). Nothing
    when the master is too
    large for the time."""
    matched = np.flatnonzero(mentor_of >= 0)
    patterns.add(matched, mentor_of[matched])
    master = SetMaster(problem, feasible, required, patterns, max(len(matched), count_min), worth)
    seconds = deadline - time.perf_counter()
    if len(master) > COLUMNS_PER_SECOND * seconds:
        return
    dive = MasterDive(problem, master, worth)
    x = dive.relaxation(time.perf_counter() + LP_SHARE * seconds)
    if x is None:
        return
    if dive.short:
        master.count_min = len(matched)
    dived = dive.dived(x, mentor_of, time.perf_counter() + DIVE_SHARE * (deadline - time.perf_counter()))
    if polish is not None:
        dived = polish(dived, time.perf_counter() + POLISH_SHARE * (deadline - time.perf_counter()))
    yield dived
    exact = len(master) <= EXACT_COLUMNS and not dive.short  # short: the whole columns come nearest the count
    whole = np.zeros(0, np.int64) if exact else np.flatnonzero(x > WHOLE)
    found = master.solve(whole, deadline - time.perf_counter())
    if found is not None:
        yield found
