"""The bound on value of a large solve whose count varies, and the master over the mentors'
sets after it (assign_value_bound, assign_patterns), mixed into the solver: forked beside the
search where it can be, else at the end; the master's assignments relinked with the
assignment it started from."""

import multiprocessing
import time
from collections.abc import Iterator
from functools import partial

import numpy as np

from matcher.solver.assign_count import COUNT_LP_PAIRS
from matcher.solver.assign_fixing import fixed_and_solved
from matcher.solver.assign_knapsack import ValueBound
from matcher.solver.assign_value_bound import value_bound
from matcher.solver.assign_model import VALUE
from matcher.solver.assign_master_dive import master_assignments
from matcher.solver.assign_patterns import MentorPatterns, master_fits
from matcher.solver.assign_state import SolveState
from matcher.solver.background import FORK_MARGIN, Forked

VALUE_BOUND_SHARE = 0.2  # share of the whole time limit kept for the bound on value at the end, unless forked
FORK_SHARE = 0.25  # it is forked when the search stops matching more, or after this share of its time
FORK_FACTOR = 0.75  # forked only when it would have this many times the bound's share at least
MASTER_SHARE = 0.1  # and kept at the end for the master over the mentors' sets (assign_patterns), when it fits
# that time (where the bound is forked, the master runs after it in the child and the search keeps this share)
RELINK_SHARE = 0.5  # share of the time left that relinking one of the master's assignments with the start may use
FORKED_MASTER_SHARE = 0.4  # share of a forked bound's time kept for the master after it, when it has one
RELINK_FORKED_SHARE = 0.05  # share of the time limit left after a forked master to relink its answer with the search's


class ValueBounding(SolveState):
    """The bound on value and the master, mixed into the solver: they read the pricing's
    table, pool and priced pairs and the forked bound it sets (`forked_bound`), and call the
    solver's local search."""

    def value_bound(self, mentor_of: np.ndarray, deadline: float, patterns: MentorPatterns | None = None) -> ValueBound:
        """Bounds on the value of every assignment matching at least as many mentees as
        `mentor_of`, computed until `deadline`, the mentors' sets it meets added to `patterns`
        (see assign_value_bound.value_bound); forked, its column generation follows the count
        the search has reached (`search_count`)."""
        return value_bound(self.problem, self.table, self.required, self.in_pool, self.priced, mentor_of, deadline,
                           self.fit.bound_seconds, patterns, self.count_reached)

    def forks_value_bound(self) -> bool:
        """Whether the bound on value is to be forked beside the search: where it can, on a
        large problem (the count's own bound is not tightened), when the time left after
        FORK_SHARE of the search is FORK_FACTOR times the bound's share of the time limit at
        least (the two run slower side by side: at 10,000 x 2,000 and 5 s, 1.0 s forked
        bounded worse than 1.2 s alone; at 20 s after the LP, 4.8 s forked bounded 10,508.3
        against 10,512.2 with 4 s alone, and the search kept those 4 s; where the LP took 4 s,
        seed 1, 4.1 s forked bounded 10,529.1 against 10,525.4 with 4 s alone, and the search
        had 4.7 s instead of 0.7 s: 7,042 matched and 10,417.7 against 6,984 and 10,330.3)."""
        left = self.started + self.time_limit - time.perf_counter()
        return (int(self.feasible.sum()) > COUNT_LP_PAIRS and self.forking
                and (1 - FORK_SHARE) * left >= FORK_FACTOR * VALUE_BOUND_SHARE * self.time_limit)

    def fork_value_bound(self, mentor_of: np.ndarray, worth: float) -> None:
        """Start the bound on value for assignments matching at least as many as `mentor_of`
        in a forked process, to end FORK_MARGIN of the time limit before its end; with the
        master over the mentors' sets after it (a match worth `worth` in its goal) when it
        fits FORKED_MASTER_SHARE of the child's time (`forked_master`), RELINK_FORKED_SHARE
        of the time limit before that. At 2,000 x 500 that is from about 5 s on (seed 1: 0.9993-
        0.9996 of the bound at 5 s in three runs, 0.9997-0.9998 at 7 s, where the search alone
        reached 0.9956 and 0.9937-0.9957)."""
        self.progress(f"bound on value forked with {self.matched(mentor_of)} matched")
        self.search_count = multiprocessing.get_context("fork").Value("q", self.matched(mentor_of), lock=False)
        end = self.started + (1 - FORK_MARGIN - RELINK_FORKED_SHARE) * self.time_limit
        master_seconds = FORKED_MASTER_SHARE * (end - time.perf_counter())
        self.forked_master = master_fits(self.problem.shape[1], master_seconds)
        if not self.forked_master:
            end += RELINK_FORKED_SHARE * self.time_limit
        self.forked_bound = Forked(self.bound_and_master, mentor_of, end, self.forked_master, master_seconds, worth)

    def bound_and_master(self, mentor_of: np.ndarray, end: float, master: bool, master_seconds: float,
                         worth: float = 0.0) -> Iterator[tuple[ValueBound, np.ndarray]]:
        """The bound on value for assignments matching at least as many as `mentor_of` until
        `master_seconds` before `end` (all of the time without `master`), with `mentor_of`;
        then, with `master`, with the best of `mentor_of` and the master's assignments over
        the mentors' sets it met, each time it improves, by `end`, a match worth `worth` in
        the master's goal beyond its value.

        Forked, the master takes the combined goal, as the search may match more than
        `mentor_of` by then (2,000 x 500 at 10 s, seeds 1-8, two runs: 10,696 matched in both
        against 10,690 on value alone, a mean of 0.9969 and 0.9959 of the bound against
        0.9957 and 0.9958); after the search, value alone (200 x 60 at 2 s, seeds 3-5: the
        combined goal lost value at the same count, 163.5 against 164.6 on seed 4)."""
        patterns = MentorPatterns(self.problem.shape) if master else None
        found = self.value_bound(mentor_of, end - (master_seconds if master else 0.0), patterns)
        yield found, mentor_of
        if master:
            for better in self.from_patterns(mentor_of, patterns, end, worth):
                yield found, better

    def forked_value_bound(self) -> tuple[ValueBound, np.ndarray] | None:
        """The forked bound on value and assignment (see bound_and_master: its last answer),
        waited for until FORK_GRACE of the time limit after its end, or until its end once
        an answer has come (a MILP of the master that overran that far was still running at
        the grace's end: 2,000 x 500 at 10 s, seed 4, 2 runs of 6); None when none was forked
        or none came in time."""
        if self.forked_bound is None:
            return None
        return self.forked_bound.result(self.fork_wait(), self.started + self.time_limit - time.perf_counter())

    def from_patterns(self, mentor_of: np.ndarray, patterns: MentorPatterns, end: float,
                      worth: float = 0.0) -> Iterator[np.ndarray]:
        """The best of `mentor_of` and the master's assignments over the mentors' sets in
        `patterns` (its LP rounded and searched from, its MILP; a match worth `worth` in its
        goal beyond its value), each also relinked with `mentor_of`, by `end`: each time it
        improves."""
        start = mentor_of
        for found in master_assignments(self.problem, self.feasible, self.required, patterns, start, end,
                                        self.search, worth, self.count_reached()):
            before = mentor_of
            mentor_of = self.adopted(mentor_of, found, f"master over {len(patterns)} mentor sets")
            relinked = self.relinked(start, found, time.perf_counter() + RELINK_SHARE * (end - time.perf_counter()))
            mentor_of = self.adopted(mentor_of, relinked, "master relinked with the start")
            if mentor_of is not before:
                yield mentor_of

    def relinked(self, first: np.ndarray, second: np.ndarray, deadline: float) -> np.ndarray | None:
        """The pairs on which `first` and `second` agree, and the rest of their pairs
        re-solved by `deadline` as one MILP (on value) matching at least as many as either."""
        agreed = np.where(first == second, first, -1)
        mentees, mentors = np.tile(np.arange(len(first)), 2), np.r_[first, second]
        taken = mentors >= 0  # a pair both take is the agreed one's twice; fixed, it is not re-solved
        return fixed_and_solved(agreed, (mentees[taken], mentors[taken]),
                                partial(self.solve_fixed, VALUE), deadline - time.perf_counter(),
                                max(self.matched(first), self.matched(second)))
