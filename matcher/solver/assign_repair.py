"""Repair of an assignment after calendar feedback, keeping its local search across rounds."""

import time

import numpy as np

from matcher.solver.assign_matrix import best_pairs, with_pairs_of
from matcher.solver.assign_problem import AssignmentProblem
from matcher.solver.assign_state import SolveState
from matcher.solver.assignment import BEST_PAIRS


class Repair:
    """Local search kept across rounds of calendar feedback: the pairs the calendar rejects
    are forbidden where they stand and the room they leave is filled again, under the same
    goal as large solves (a match first, then value), over the same pairs as their local
    search (every feasible pair up to BEST_PAIRS, else each mentee's and mentor's best)."""

    def __init__(self, problem: AssignmentProblem, mentor_of: np.ndarray):
        solver = SolveState(problem, 0.0, None)
        candidates = with_pairs_of(best_pairs(problem.value, solver.feasible, BEST_PAIRS), mentor_of)
        self.search = solver.local_search(mentor_of, candidates)
        self.waiting = np.flatnonzero(solver.matchable)

    def run(self, forbidden: list[tuple[int, int]], seconds: float) -> np.ndarray:
        """Forbid the (mentee, mentor) pairs, search for `seconds`; returns mentor_of."""
        self.search.forbid(forbidden)
        return self.search.run(time.perf_counter() + seconds, self.waiting)
