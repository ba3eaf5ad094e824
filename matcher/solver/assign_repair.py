"""Repair of an assignment after calendar feedback, keeping its local search across rounds."""

import time

import numpy as np

from matcher.solver.assign_problem import AssignmentProblem
from matcher.solver.assignment import _Solver


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
