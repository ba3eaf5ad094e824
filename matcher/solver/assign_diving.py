"""The dive of a large solve where every mentee must be matched (assign_dive), mixed into
the solver: its problem in the dive's terms, the prices on the mentees and the dives' best
assignment, with the prices' Lagrangian bound."""

import time
from functools import partial

import numpy as np

from matcher.solver.assign_dive import DiveProblem, dive_applies, dives, mentee_prices
from matcher.solver.assign_fixing import fixed_and_solved
from matcher.solver.assign_matrix import load_rows
from matcher.solver.assign_model import VALUE, LPTimeLimit, solve_lp
from matcher.solver.assign_state import SolveState

DIVE_SHARE = 0.6  # share of the time left after the starts for the dive, where every mentee must be matched
DIVE_PRICE_SHARE = 0.4  # share of the dive's time for its prices on the mentees, at most


class Diving(SolveState):
    """The dive, mixed into the solver: it reads the problem, the feasible pairs and the clock."""

    def dive_problem(self) -> DiveProblem | None:
        """The matchable mentees' problem in the dive's terms (costs by mentor, whole-unit
        loads), or None where the dive does not apply (see dive_applies)."""
        problem, rows = self.problem, np.flatnonzero(self.matchable)
        load = np.broadcast_to(load_rows(problem.load, rows), (len(rows), problem.shape[1]))
        if not dive_applies(load[self.feasible[rows]], self.budget, bool(self.required[rows].all()),
                            problem.target_hours is None or problem.shortfall_penalty == 0, self.time_limit):
            return None
        cost = np.where(self.feasible[rows], -problem.value[rows], np.inf).T
        return DiveProblem(np.ascontiguousarray(cost), np.ascontiguousarray(load.T, dtype=np.int64),
                           self.budget.astype(np.int64), np.minimum(self.capacity, len(rows)).astype(np.int64))

    def dived(self, problem: DiveProblem, deadline: float) -> tuple[np.ndarray | None, float]:
        """The best of the dives' assignments (assign_dive) over `problem` (dive_problem) by
        `deadline` (None when they find none), and the Lagrangian bound of their prices on the
        mentees, as a bound on minus the value of every feasible assignment (every mentee is
        matched in each). The prices are fitted for DIVE_PRICE_SHARE of the time: the LP
        relaxation's duals improved by subgradient steps."""
        rows = np.flatnonzero(self.matchable)
        try:
            lp = solve_lp(self.model(*np.nonzero(self.feasible), VALUE),
                          max(deadline - time.perf_counter(), 0.0))
        except LPTimeLimit:
            lp = None
        if lp is None:
            return None, -np.inf
        priced = time.perf_counter() + DIVE_PRICE_SHARE * (deadline - time.perf_counter())
        prices, cost_bound = mentee_prices(problem, -lp.mentee_dual[rows], -lp.objective, priced)
        self.progress(f"prices on the mentees: bound {-cost_bound:.6g}")

        def finish(placed: np.ndarray, mentors: np.ndarray, seconds: float) -> np.ndarray | None:
            fixed = np.full(self.problem.shape[0], -1)
            fixed[rows] = placed
            mentees, chosen = np.nonzero(self.feasible[np.ix_(rows, mentors)])
            return fixed_and_solved(fixed, (rows[mentees], mentors[chosen]),
                                    partial(self.solve_fixed, VALUE), seconds, len(rows))

        best = None
        for found in dives(problem, prices, finish, deadline):
            self.progress(f"dive: {self.summary(found)}")
            best = self.better(best, found)
        return best, cost_bound
