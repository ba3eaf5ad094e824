"""The LP relaxation of the master over the mentors' sets (assign_patterns), kept in HiGHS
while column generation adds sets: each round adds the new sets to the model solved last
and starts from its basis, where solving it afresh starts from nothing. At 2,000 x 500
(seed 0, at least 1,613 matches, 9,000-10,000 sets) a warm round took 0.15-0.6 s against
5-7 s for a fresh dual simplex, and the rounds converged to the same LP value (4,568.95);
at 400 x 100 (at least 333 matches) they converged in 0.8 s against 12.7 s. The first
solve is by interior point (with crossover, so that a basis is there to start from):
0.9 s against 6.5 s by dual simplex at 2,000 x 500.
"""

import os
import sys

import highspy
import numpy as np

from matcher.solver.assign_patterns import EPSILON, MentorPatterns, SetColumns, empty_values
from matcher.solver.assign_problem import AssignmentProblem


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing: HiGHS writes its banner to standard output as
    the first instance of a process is made, before any option can be set, so standard
    output is pointed elsewhere meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as nowhere:
            os.dup2(nowhere.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    return highs


def set_entries(n: int, mentor: np.ndarray, sizes: np.ndarray, column: np.ndarray,
                mentees: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns of sets in HiGHS's column-wise form (starts, rows, entries) over the
    master's rows: the `n` mentees', then the count's, then the mentors'. Each set (its
    `mentor`, its `sizes` members `mentees`, set by set, each in its `column`) has a 1 in
    each member's row, its size in the count's row and a 1 in its mentor's row."""
    sizes = sizes.astype(np.int32)
    starts = np.r_[0, np.cumsum(sizes + 2)[:-1]].astype(np.int32)
    rows = np.empty(len(mentees) + 2 * len(sizes), np.int32)
    entries = np.ones(len(rows))
    rows[np.arange(len(mentees)) + 2 * column] = mentees
    after = starts + sizes
    rows[after], entries[after] = n, sizes
    rows[after + 1] = n + 1 + mentor
    return starts, rows, entries


class MasterLP:
    """The master's LP relaxation, grown set by set: rows for each mentee (in one set at
    most; a required one in one exactly), for the count (at least `count_min` matches) and
    for each mentor (exactly one set, its empty one included). A slack on the count, dear
    beyond any set, keeps it feasible while the sets fall short of the count; the prices
    then bound nothing worth having, but lead to sets that match more."""

    def __init__(self, problem: AssignmentProblem, feasible: np.ndarray, required: np.ndarray, count_min: int):
        n, m = problem.shape
        self.problem, self.feasible, self.n = problem, feasible, n
        self.highs = quiet_highs()
        no_entries = (0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        # a free mentee's row has no lower limit: one of 0 would be redundant, but could take prices of its own
        self.highs.addRows(n, np.where(required, 1.0, -highspy.kHighsInf), np.ones(n), *no_entries)
        self.highs.addRows(1, np.array([float(count_min)]), np.array([highspy.kHighsInf]), *no_entries)
        self.highs.addRows(m, np.ones(m), np.ones(m), *no_entries)
        empty = empty_values(problem)
        self.dear = self._dear(empty)
        self.highs.addCol(self.dear, 0.0, highspy.kHighsInf, 1, np.array([n], np.int32), np.ones(1))  # the slack
        self._add(-empty, np.arange(m, dtype=np.int32), n + 1 + np.arange(m, dtype=np.int32), np.ones(m))
        self.added = 0  # sets of the patterns added so far
        self.solved = False

    @staticmethod
    def _dear(values: np.ndarray) -> float:
        """A price on the count's slack beyond any set of these values (the LP minimises)."""
        return 1.0 + 2.0 * float(np.abs(values).max(initial=0.0))

    def _add(self, cost: np.ndarray, starts: np.ndarray, rows: np.ndarray, entries: np.ndarray) -> None:
        """Add columns of 0-1 variables, in HiGHS's column-wise form."""
        columns = len(cost)
        self.highs.addCols(columns, cost, np.zeros(columns), np.ones(columns), len(rows), starts, rows, entries)

    def add(self, patterns: MentorPatterns) -> None:
        """Add the sets of `patterns` not added yet that fit their mentor."""
        sets = SetColumns.of(self.problem, self.feasible, patterns, self.added)
        self.added = len(patterns)
        if not len(sets.mentor):
            return
        self._add(-sets.value, *set_entries(self.n, sets.mentor, sets.sizes, sets.column, sets.mentees))
        dear = self._dear(sets.value)
        if dear > self.dear:
            self.dear = dear
            self.highs.changeColCost(0, dear)

    def duals(self, count_min: int, seconds: float) -> tuple[np.ndarray, float, bool] | None:
        """The prices of the mentee rows and of the count row at the LP's optimum with at
        least `count_min` matches, and whether the sets fall short of it (the slack used);
        None when it is not solved in `seconds`."""
        self.highs.changeRowBounds(self.n, float(count_min), highspy.kHighsInf)
        self.highs.setOptionValue("solver", "simplex" if self.solved else "ipm")
        # HiGHS counts its time limit over all runs of an instance, not each
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + max(float(seconds), 0.01))
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        self.solved = True
        solution = self.highs.getSolution()
        duals = np.asarray(solution.row_dual)
        return -duals[:self.n], float(duals[self.n]), bool(solution.col_value[0] > EPSILON)
