"""The LP relaxation of the candidate pool (assign_model's model, one column per pair), kept
in HiGHS while column generation adds pairs: each round adds the priced-out pairs to the
model solved last and starts from its basis, where solving it afresh starts from nothing.
Its rows are every mentee's, mentor's and conflict's from the start, so that a new pair is
only a new column. The first solve is by interior point where some mentees may wait (with
crossover, so that a basis is there to start from), by dual simplex where every one must be
matched (as assign_model._lp_method chooses); the later ones by dual simplex from the last
basis. At 10,000 x 2,000 (seed 1, the LP after a 6 s pricing as at 30 s: 22,456 pairs in
1.8 s, then rounds adding 14,411, 9,929, 2,817 and 392) the rounds took 1.6, 3.8, 3.4 and
1.6 s, against 5.4, 14.6, 10.6 and 2.7 s by primal simplex from the basis and 3.6, 5.2, 6.8
and 7.7 s by interior point afresh; at 2,000 x 500 (seed 4, 10 s) the column generation
took 0.32 s in three rounds, the pricing of their new pairs included, where solved afresh it
took 1.83 s in six.
"""

import highspy
import numpy as np

from matcher.solver.assign_master_lp import quiet_highs
from matcher.solver.assign_model import LPSolution, LPTimeLimit, PairModel


class PairLP:
    """Rows: each mentee's (at most one pair, exactly one for a required mentee that has a
    pair in the model: one without any is left to the Lagrangian bound, as assign_model
    leaves it out), each mentor's capacity and budget, each targeted mentor's target (a
    shortfall column beside it), the count (at least `count_min`) and each conflict's."""

    def __init__(self, model: PairModel, conflicts: tuple[tuple[int, tuple[int, ...]], ...] = ()):
        n, m = len(model.required), len(model.capacity)
        self.n, self.m, self.model = n, m, model
        self.conflicts = conflicts
        self.highs = quiet_highs()
        self.highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
        inf, none = highspy.kHighsInf, (0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        self.highs.addRows(n, np.full(n, -inf), np.ones(n), *none)
        self.highs.addRows(m, np.full(m, -inf), model.capacity.astype(float), *none)
        self.highs.addRows(m, np.full(m, -inf), model.budget.astype(float), *none)
        target = np.zeros(m) if model.target is None or model.penalty <= 0 else model.target
        self.targeted = np.flatnonzero(target > 0)
        self.target_row = np.full(m, -1)
        self.target_row[self.targeted] = n + 2 * m + np.arange(len(self.targeted))
        self.highs.addRows(len(self.targeted), target[self.targeted], np.full(len(self.targeted), inf), *none)
        self.count_row = n + 2 * m + len(self.targeted)
        self.highs.addRows(1, np.array([float(model.count_min)]), np.array([inf]), *none)
        limits = np.array([len(members) - 1.0 for _, members in conflicts])
        self.highs.addRows(len(conflicts), np.full(len(conflicts), -inf), limits, *none)
        short = len(self.targeted)  # the shortfall columns: the first ones
        self.highs.addCols(short, np.full(short, model.penalty), np.zeros(short), np.full(short, inf), short,
                           np.arange(short, dtype=np.int32), self.target_row[self.targeted].astype(np.int32),
                           np.ones(short))
        self.pairs = 0
        self.present = np.zeros(n, bool)
        self.solved = False
        self.add(model.mentee, model.mentor, model.weight, model.load)

    def add(self, mentees: np.ndarray, mentors: np.ndarray, weight: np.ndarray, load: np.ndarray) -> None:
        """Add the pairs (mentees[p], mentors[p]) as columns of 0-1 variables."""
        if not len(mentees):
            return
        n, m = self.n, self.m
        rows = [mentees, n + mentors, n + m + mentors, self.count_row + np.zeros_like(mentees)]
        entries = [np.ones(len(mentees)), np.ones(len(mentees)), load, np.ones(len(mentees))]
        column = [np.arange(len(mentees))] * 4
        targeted = np.flatnonzero(self.target_row[mentors] >= 0)
        rows.append(self.target_row[mentors[targeted]])
        entries.append(load[targeted])
        column.append(targeted)
        for c, (mentor, members) in enumerate(self.conflicts):
            hit = np.flatnonzero((mentors == mentor) & np.isin(mentees, members))
            rows.append(np.full(len(hit), self.count_row + 1 + c))
            entries.append(np.ones(len(hit)))
            column.append(hit)
        column, rows, entries = np.concatenate(column), np.concatenate(rows), np.concatenate(entries)
        order = np.argsort(column, kind="stable")
        starts = np.searchsorted(column[order], np.arange(len(mentees))).astype(np.int32)
        self.highs.addCols(len(mentees), -weight, np.zeros(len(mentees)), np.ones(len(mentees)), len(rows),
                           starts, rows[order].astype(np.int32), entries[order])
        self.pairs += len(mentees)
        newly = np.unique(mentees[self.model.required[mentees] & ~self.present[mentees]])
        for i in newly.tolist():
            self.highs.changeRowBounds(i, 1.0, 1.0)
        self.present[mentees] = True

    def solve(self, seconds: float) -> LPSolution | None:
        """The LP's solution over the pairs added so far; None when it is infeasible;
        LPTimeLimit when it is not solved in `seconds`."""
        free = (~self.model.required).any()
        self.highs.setOptionValue("solver", "simplex" if self.solved or not free else "ipm")
        # HiGHS counts its time limit over all runs of an instance, not each
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + max(float(seconds), 0.01))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise LPTimeLimit(self.highs.modelStatusToString(status))
        self.solved = True
        solution = self.highs.getSolution()
        dual = np.asarray(solution.row_dual)
        n, m = self.n, self.m
        target_dual = np.zeros(m)
        target_dual[self.targeted] = dual[self.target_row[self.targeted]]
        x = np.clip(np.asarray(solution.col_value)[len(self.targeted):], 0.0, 1.0)
        return LPSolution(x, -self.highs.getInfo().objective_function_value, -dual[:n], -dual[n:n + m],
                          -dual[n + m:n + 2 * m], target_dual, float(dual[self.count_row]))
