"""The end of a large solve, after the local search: a MILP over the candidate pool, then
the polish (CP-SAT and kicks where mentors are crowded, else neighbourhood search), with a
MILP over every pair that could still beat the best assignment beside it in a forked
process where it can be (else after it), whose bound holds for the whole problem."""

import time
from functools import partial

import numpy as np

from matcher.solver.assign_cpsat import crowded, improve_with_cpsat
from matcher.solver.assign_kicks import kicked_searches
from matcher.solver.assign_lns import neighbourhood_search
from matcher.solver.assign_matrix import Lagrangian, with_pairs_of
from matcher.solver.assign_model import Objective, solve_milp
from matcher.solver.assign_state import SolveState
from matcher.solver.background import FORK_MARGIN, Forked

CORE_SHARE = 0.5  # share of the time left after local search that the pool's MILP may use
COMPLETE_SHARE = 0.5  # share of the time left after it for the MILP over every promising pair, when not forked
CORE_PAIRS_PER_SECOND = 1_000  # solve the core as one MILP only if it has at most this many pairs per second
CPSAT_PAIRS = 100_000  # polish with CP-SAT (when crowded) up to this many candidate pairs
CPSAT_SHARE = 0.5  # share of the polish's time for CP-SAT, the rest for kicks and local searches


class Finish(SolveState):
    """The finishing phases of a large solve, mixed into the solver: they read the pool, the
    priced pairs (`priced`, set by the pricing) and the clock."""

    def core_milp(self, mentor_of: np.ndarray, objective: Objective) -> np.ndarray:
        """The better assignment (more matches, then value) of `mentor_of` and the MILP over
        the pool and mentor_of's pairs, solved for CORE_SHARE of the time left when its pairs
        are few enough for that time. No floor on the count: it slowed HiGHS (126 matches
        for 127)."""
        core = self.pool_with(mentor_of)
        if not self.fits_milp(core, CORE_SHARE):
            return mentor_of
        pairs = np.nonzero(core)
        result = solve_milp(self.model(*pairs, objective), CORE_SHARE * self.remaining())
        return self.adopted(mentor_of, self.assignment(pairs, result.x), f"core MILP ({result.status})")

    def lagrangian(self, objective: Objective, duals) -> Lagrangian:
        """The Lagrangian of `objective` over every feasible pair at the multipliers `duals`."""
        problem = self.problem
        return Lagrangian(objective(self.table.value), self.table, self.required,
                          self.capacity, self.budget, problem.target_hours,
                          problem.shortfall_penalty * objective.penalty_scale, duals)

    def promising(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian) -> np.ndarray:
        """Mask of the pool, mentor_of's pairs and every other pair that could still beat
        `mentor_of` at the Lagrangian's multipliers."""
        core = self.pool_with(mentor_of)
        core[lagrangian.promising_pairs(self.combined_value(mentor_of, objective))] = True
        return core

    def polish_and_complete(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian,
                            bound: float, fork: bool):
        """The polish (CP-SAT and kicks where mentors are crowded, else neighbourhood search)
        until the deadline unless `bound` is reached, and the MILP over every promising pair
        (complete_milp): forked beside the polish when `fork` (nothing else is forked) and it
        can be, else after it for COMPLETE_SHARE of the time left when its pairs fit that.
        Returns the best assignment and the bound, tightened by the MILP's. (Run alone after
        the core's MILP, that MILP left the polish no time: GAP library d10400 at 10 s,
        24,990 against 24,976-24,983.)"""
        complete = self.fork_complete_milp(mentor_of, objective, lagrangian, bound) if fork else None
        last = 0.0 if complete is not None else self.complete_seconds(mentor_of, objective, lagrangian)
        if not self.closed(self.combined_value(mentor_of, objective), bound):
            polish = len(self.pool[0]) <= CPSAT_PAIRS and crowded(mentor_of)
            mentor_of = (self.polish(mentor_of, objective, self.deadline - last) if polish
                         else self.improve(mentor_of, objective, bound, self.deadline - last))
        if complete is not None:
            found = complete.result(self.fork_wait())
            if found is not None:
                mentor_of = self.adopted(mentor_of, found[0], "complete MILP, forked")
                bound = min(bound, found[1])
        elif last:
            mentor_of, bound = self.complete_milp(mentor_of, objective, self.promising(mentor_of, objective, lagrangian),
                                                  bound)
        return mentor_of, bound

    def fork_complete_milp(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian,
                           bound: float) -> Forked | None:
        """The MILP over every promising pair (complete_milp) in a forked process until
        FORK_MARGIN of the time limit before the deadline, where it can fork and those pairs fit
        the time left; else None."""
        pairs = self.promising_within(mentor_of, objective, lagrangian, 1.0) if self.forking else None
        if pairs is None:
            return None
        self.progress("complete MILP forked")
        return Forked(self.complete_milp, mentor_of, objective, pairs, bound,
                      self.deadline - FORK_MARGIN * self.time_limit)

    def complete_seconds(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian) -> float:
        """The seconds kept for the MILP over every promising pair at the end, in the process:
        COMPLETE_SHARE of the time left when those pairs fit it, else none."""
        fits = self.promising_within(mentor_of, objective, lagrangian, COMPLETE_SHARE) is not None
        return COMPLETE_SHARE * self.remaining() if fits else 0.0

    def promising_within(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian,
                         share: float) -> np.ndarray | None:
        """The mask of every promising pair when a MILP over them fits `share` of the time
        left, else None (they are looked for only when the pool's pairs fit)."""
        if not self.fits_milp(self.pool_with(mentor_of), share):
            return None
        pairs = self.promising(mentor_of, objective, lagrangian)
        return pairs if self.fits_milp(pairs, share) else None

    def fits_milp(self, pairs: np.ndarray, share: float) -> bool:
        """Whether a MILP over the `pairs` mask fits `share` of the time left."""
        return int(pairs.sum()) <= CORE_PAIRS_PER_SECOND * share * self.remaining()

    def complete_milp(self, mentor_of: np.ndarray, objective: Objective, promising: np.ndarray, bound: float,
                      deadline: float | None = None):
        """The better assignment of `mentor_of` and the MILP, until `deadline` (the solve's by
        default), over the `promising` pairs (a mask: every pair that could still beat
        mentor_of, fewer the better it is), whose bound then holds for the whole problem; and
        `bound`, tightened by it."""
        incumbent = self.combined_value(mentor_of, objective)
        pairs = np.nonzero(promising)
        seconds = (self.deadline if deadline is None else deadline) - time.perf_counter()
        result = solve_milp(self.model(*pairs, objective), seconds)
        if np.isfinite(result.bound):
            bound = min(bound, max(result.bound, incumbent))
        mentor_of = self.adopted(mentor_of, self.assignment(pairs, result.x), f"complete MILP ({result.status})")
        self.progress(f"bound {bound:.6g} after the complete MILP")
        return mentor_of, bound

    def candidates(self, mentor_of: np.ndarray) -> np.ndarray:
        """Mask of the pairs the local search looks at: the pool, the priced pairs and
        `mentor_of`'s."""
        return with_pairs_of(self.priced | self.in_pool, mentor_of)

    def solve_fixed(self, objective: Objective, pairs, rest: np.ndarray, seconds: float, count_min: int):
        """MILP over `pairs`, `rest` fixed around them, taking at least `count_min` of them."""
        return solve_milp(self.model(*pairs, objective, count_min, used=rest), seconds)

    def polish(self, mentor_of: np.ndarray, objective: Objective, deadline: float) -> np.ndarray:
        """CP-SAT over the candidate pairs and the current ones, started from `mentor_of`,
        for CPSAT_SHARE of the time left before `deadline`; then kicks and local searches
        (assign_kicks) from its best, after a local search, for the rest."""
        pairs = np.nonzero(self.pool_with(mentor_of))
        found = improve_with_cpsat(self.model(*pairs, objective, self.matched(mentor_of)),
                                   mentor_of[pairs[0]] == pairs[1],
                                   time.perf_counter() + CPSAT_SHARE * (deadline - time.perf_counter()))
        mentor_of = self.adopted(mentor_of, self.assignment(pairs, found), "CP-SAT")
        found, rounds = kicked_searches(self.local_search(mentor_of, self.candidates(mentor_of)),
                                        np.flatnonzero(self.matchable),
                                        partial(self.combined_value, objective=objective), self.better, deadline)
        self.progress(f"{rounds} kicks, each followed by a local search")
        return self.adopted(mentor_of, found, "kicks and local searches")

    def improve(self, mentor_of, objective: Objective, bound: float, deadline: float) -> np.ndarray:
        """Large-neighbourhood search under `objective` (the combined goal) until `deadline`
        or the bound."""
        score = lambda assignment: self.combined_value(assignment, objective)
        return neighbourhood_search(mentor_of, self.pool, self.feasible, partial(self.solve_fixed, objective), score,
                                    deadline, lambda best: self.closed(best, bound), self.progress)
