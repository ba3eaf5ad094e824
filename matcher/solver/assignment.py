"""Who gets which mentor: a generalised assignment problem with a lexicographic goal.

First as many mentees as possible are matched (required ones always), then the total value
minus the shortfall penalty is maximised among the assignments that match that many. Small
problems: one exact HiGHS MILP per goal. Larger ones: one combined goal (a match worth
MATCH_WORTH more than any pair's value), solved from fitted Lagrangian prices, a priced core,
its LP relaxation when it fits (assign_relaxation), rounded starts, local search,
fix-and-solve and core MILPs, CP-SAT and kicks or neighbourhood search (beside them, forked,
a MILP over every pair that could still beat the best), and a master over the sets of
mentees the knapsack bound's mentors take (README, "Assignment"); no phase gives up a match
for value. Bounds hold for the full matrix; on large problems the bound on value is computed
in a forked process beside the search."""

import math
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from matcher.solver.assign_count import COUNT_LP_PAIRS, flow_bound, tightened_count_bound
from matcher.solver.assign_cpsat import crowded, improve_with_cpsat
from matcher.solver.assign_duals import fitted_prices
from matcher.solver.assign_fixing import beyond_agreement, completed_lp, fixed_and_solved
from matcher.solver.assign_kicks import kicked_searches
from matcher.solver.assign_knapsack import ValueBound, value_bound
from matcher.solver.assign_lns import neighbourhood_search
from matcher.solver.assign_matrix import (Lagrangian, best_pairs, pair_load, priced_top_pairs, regret_priority,
                                          with_pairs_of)
from matcher.solver.assign_patterns import MentorPatterns, master_assignments, master_fits
from matcher.solver.assign_model import Objective, solve_lp, solve_milp
from matcher.solver.assign_problem import AssignmentProblem, AssignmentResult, InfeasibleAssignment
from matcher.solver.assign_relaxation import lp_deadline, relaxation, start_plan
from matcher.solver.assign_state import SolveState
from matcher.solver.background import Forked, can_fork

EXACT_PAIRS = 2_000  # solve with one MILP per stage when there are at most this many pairs
BEST_PAIRS = 400_000  # pairs the smoothed dual and local search look at, besides the pool (see best_pairs)
CORE_CANDIDATES = 3  # mentors per mentee in the core: the best at the smoothed prices
SEARCH_SHARE = 0.95  # share of the time left after the LP that local search may use
FOCUS_PAIRS = 50  # the search first looks at each mentee's this many best pairs at the smoothed prices
FOCUS_SHARE = 0.7  # for this share of its time, where they are at most half of its candidates
CORE_SHARE = 0.5  # share of the time left after local search that the pool's MILP may use
COMPLETE_SHARE = 0.5  # share of the time left after it for the MILP over every promising pair, when not forked
CORE_PAIRS_PER_SECOND = 1_000  # solve the core as one MILP only if it has at most this many pairs per second
CPSAT_PAIRS = 100_000  # polish with CP-SAT (when crowded) up to this many candidate pairs
CPSAT_SHARE = 0.5  # share of the polish's time for CP-SAT, the rest for kicks and local searches
VALUE_BOUND_SHARE = 0.2  # share of the whole time limit kept for the bound on value at the end, unless forked
FORK_SHARE = 0.25  # it is forked when the search stops matching more, or after this share of its time
FORK_FACTOR = 1.0  # forked only when it would have this many times the bound's share at least
BOUND_MARGIN = 0.02  # a forked bound on value ends this share of the time limit before its end
BOUND_GRACE = 0.05  # and is waited for until this share of the time limit after its end
MASTER_SHARE = 0.1  # and for the master over the mentors' sets the bound meets (assign_patterns), when it fits
RELINK_SHARE = 0.5  # share of the time left that relinking one of the master's assignments with the start may use

def solve_assignment(problem: AssignmentProblem, time_limit: float = 10.0,
                     progress: Callable[[str], None] | None = None) -> AssignmentResult:
    """Match as many mentees as possible, then maximise value minus shortfall penalty.

    `bound` is a proven upper bound on the objective of every feasible assignment matching
    at least `matched` mentees; `matched_bound` bounds the number of mentees any feasible
    assignment matches. Raises InfeasibleAssignment if the required mentees cannot all be
    matched.
    """
    return _Solver(problem, time_limit, progress).solve()


class _Solver(SolveState):
    """One solve: exact stages for small problems, the phases of the combined goal for large ones."""

    def __init__(self, problem: AssignmentProblem, time_limit: float, progress):
        super().__init__(problem, time_limit, progress)
        self.exact = int(self.feasible.sum()) <= EXACT_PAIRS
        self.forked_bound: Forked | None = None

    def solve(self) -> AssignmentResult:
        """Exact lexicographic stages for small problems, the combined goal for large ones."""
        stuck = np.flatnonzero(self.required & ~self.matchable)
        if len(stuck):
            raise InfeasibleAssignment(
                f"required mentees cannot all be matched: {len(stuck)} have no feasible mentor "
                f"(first: {stuck[:5].tolist()})")
        return self.solve_exact() if self.exact else self.solve_large()

    def solve_exact(self) -> AssignmentResult:
        """Most matches first (MILP), then most value among assignments matching that many."""
        matched_bound = flow_bound(self.feasible, self.problem.load, self.capacity, self.budget)
        start, count_proven = None, True
        if self.required.sum() < matched_bound:
            tie = 0.5 / (1.0 + float(self.best_value.sum()))
            start, count_bound, count_proven = self.exact_stage(Objective(1.0, tie, 0.0), 0,
                                                                self.remaining() / 2)
            matched_bound = min(matched_bound, math.floor(count_bound + 1e-9))
        count_min = 0 if start is None else self.matched(start)
        mentor_of, bound, proven = self.exact_stage(Objective(0.0, 1.0, 1.0), count_min, self.remaining())
        mentor_of = self.better(self.better(mentor_of, start), self.greedy())
        if (self.required & (mentor_of < 0)).any():
            raise InfeasibleAssignment("required mentees cannot all be matched: no assignment found")
        self.progress(f"{self.matched(mentor_of)} mentees matched, at most {matched_bound} can be")
        return self.result(mentor_of, bound, matched_bound, proven and count_proven, "milp-exact")

    def greedy(self) -> np.ndarray:
        """Each mentee, best first, to the best mentor with room: a fallback and a floor."""
        search = self.local_search(np.full(self.problem.shape[0], -1))
        for u in reversed(search.waiting_order(np.flatnonzero(self.matchable))):
            search.insert(int(u))
        return search.mentor_of.copy()

    def exact_stage(self, objective: Objective, count_min: int, seconds: float):
        """One MILP over every feasible pair: (mentor_of, bound, proven optimal). When the
        MILP has no finite bound in time, the LP relaxation gives it."""
        model = self.model(*self.pool, objective, count_min)
        result = solve_milp(model, seconds)
        if result.status == "infeasible":
            raise InfeasibleAssignment("required mentees cannot all be matched")
        bound = result.bound
        if not np.isfinite(bound):
            bound = solve_lp(model).objective
        return self.assignment(self.pool, result.x), bound, result.status == "optimal"

    def solve_large(self) -> AssignmentResult:
        """Core by smoothed prices, LP of the combined goal, rounding (greedy, and the LP's
        whole pairs completed by a MILP), local search, core MILP, then CP-SAT when mentors
        are crowded or neighbourhood search otherwise."""
        plan = start_plan(CORE_CANDIDATES * int(self.matchable.sum()), self.time_limit)
        self.worth_scale = plan.worth_scale
        combined = self.combined()
        worth = combined.offset
        count_varies = self.required.sum() < self.matchable.sum()
        master = count_varies and master_fits(self.problem.shape[1], MASTER_SHARE * self.time_limit)
        master_share = MASTER_SHARE if master else 0.0
        self.deadline -= (VALUE_BOUND_SHARE + master_share) * self.time_limit if count_varies else 0.0
        price_bound = self.price_core(combined, self.started + plan.price_share * self.time_limit)
        lp_by = lp_deadline(self.started, self.time_limit)
        mentees, mentors = self.pool
        reduced = self.fit.prices.reduced(combined(self.problem.value[self.pool]), mentors,
                                          pair_load(self.problem.load, mentees, mentors))
        starts = [self.rounded(regret_priority(mentees, reduced, self.problem.shape[0]))]
        solved = relaxation(self, combined, lp_by) if plan.lp_fits else None
        if solved is None:
            duals, combined_bound = self.fit.prices.duals(), price_bound
            self.progress(f"no LP relaxation in time; bound {combined_bound:.6g}")
        else:
            lp, combined_bound, duals = solved
            combined_bound = min(combined_bound, price_bound)
            self.progress(f"LP relaxation {lp.objective:.6g}, bound {combined_bound:.6g} "
                          f"({len(self.pool[0])} candidate pairs)")
            lp_starts = [self.rounded(lp.x), completed_lp(self.pool, lp.x, self.problem.shape[0],
                                                          partial(self.solve_fixed, combined), self.remaining())]
            starts += [start for start in lp_starts if start is not None]
        matched_bound = flow_bound(self.feasible, self.problem.load, self.capacity, self.budget)
        mentor_of = self.best_start(starts, combined)
        self.progress(f"rounded and filled: {self.summary(mentor_of)}")
        fork = count_varies and not master and self.forks_value_bound()
        self.deadline += VALUE_BOUND_SHARE * self.time_limit if fork else 0.0
        searched = time.perf_counter() + SEARCH_SHARE * self.remaining()
        mentor_of = self.search(mentor_of, searched, self.fork_value_bound if fork else None,
                                time.perf_counter() + FORK_SHARE * (searched - time.perf_counter()))
        self.progress(f"local search: {self.summary(mentor_of)}")
        if solved is not None:
            mentor_of = self.agreed_core(mentor_of, solved[0].x, combined)
        if (self.required & (mentor_of < 0)).any():
            mentor_of = self.fill_required(mentor_of, combined)
        mentor_of = self.core_milp(mentor_of, combined)
        mentor_of, combined_bound = self.polish_and_complete(mentor_of, combined, self.lagrangian(combined, duals),
                                                             combined_bound)
        if self.matched(mentor_of) < matched_bound:
            matched_bound = tightened_count_bound(self.problem, self.feasible, self.required, matched_bound,
                                                  self.started + self.time_limit)
        bound_on_value = np.inf
        if count_varies:
            patterns = MentorPatterns(self.problem.shape) if master else None
            found = self.forked_value_bound()
            if found is None:
                found = self.value_bound(mentor_of, self.started + (1 - master_share) * self.time_limit, patterns)
            mentor_of = self.from_patterns(mentor_of, patterns) if master else mentor_of
            bound_on_value = found.at(self.matched(mentor_of))
            self.progress(f"bound on value {bound_on_value:.6g} with {self.matched(mentor_of)} matched")
        bound = min(combined_bound - worth * self.matched(mentor_of), bound_on_value)
        return self.result(mentor_of, bound, matched_bound, False, "lp-search")

    def price_core(self, objective: Objective, deadline: float) -> float:
        """Price the mentors with the smoothed dual until `deadline` and make each mentee's
        best pairs at those prices the candidate pool; returns the Lagrangian bound of the prices."""
        problem = self.problem
        self.priced = best_pairs(problem.value, self.feasible, BEST_PAIRS)
        self.fit = fitted_prices(problem, self.feasible, self.required, objective, self.priced, deadline,
                                 stop=self.deadline)
        prices = self.fit.prices
        self.pool = priced_top_pairs(objective.of_rows(problem.value), self.feasible, problem.load,
                                     prices.capacity, prices.budget - prices.target, CORE_CANDIDATES)
        self.in_pool = np.zeros(problem.shape, bool)
        self.in_pool[self.pool] = True
        self.progress(f"smoothed dual bound {self.fit.bound:.6g}; core of {len(self.pool[0])} pairs")
        return self.fit.bound

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
        return Lagrangian(objective.of_rows(problem.value), self.feasible, problem.load, self.required,
                          self.capacity, self.budget, problem.target_hours,
                          problem.shortfall_penalty * objective.penalty_scale, duals)

    def promising(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian) -> np.ndarray:
        """Mask of the pool, mentor_of's pairs and every other pair that could still beat
        `mentor_of` at the Lagrangian's multipliers."""
        core = self.pool_with(mentor_of)
        core[lagrangian.promising_pairs(self.combined_value(mentor_of, objective))] = True
        return core

    def polish_and_complete(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian,
                            bound: float):
        """The polish (CP-SAT and kicks where mentors are crowded, else neighbourhood search)
        until the deadline unless `bound` is reached, and the MILP over every promising pair
        (complete_milp): forked beside the polish where it can be, else after it for
        COMPLETE_SHARE of the time left when its pairs fit that. Returns the best assignment
        and the bound, tightened by the MILP's. (Run alone after the core's MILP, that MILP
        left the polish no time: GAP library d10400 at 10 s, 24,990 against 24,978-24,983.)"""
        complete = self.fork_complete_milp(mentor_of, objective, lagrangian, bound)
        last = 0.0 if complete is not None else self.complete_seconds(mentor_of, objective, lagrangian)
        if not self.closed(self.combined_value(mentor_of, objective), bound):
            polish = len(self.pool[0]) <= CPSAT_PAIRS and crowded(mentor_of)
            mentor_of = (self.polish(mentor_of, objective, self.deadline - last) if polish
                         else self.improve(mentor_of, objective, bound, self.deadline - last))
        if complete is not None:
            found = complete.result(self.started + (1 + BOUND_GRACE) * self.time_limit - time.perf_counter())
            if found is not None:
                mentor_of = self.adopted(mentor_of, found[0], "complete MILP, forked")
                bound = min(bound, found[1])
        elif last:
            mentor_of, bound = self.complete_milp(mentor_of, objective, lagrangian, bound)
        return mentor_of, bound

    def fork_complete_milp(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian,
                           bound: float) -> Forked | None:
        """The MILP over every promising pair (complete_milp) in a forked process until
        BOUND_MARGIN of the time limit before the deadline: where it can fork, nothing else is
        forked and those pairs fit the time left."""
        if not can_fork() or self.forked_bound is not None or not self.promising_fit(mentor_of, objective,
                                                                                     lagrangian, 1.0):
            return None
        self.progress("complete MILP forked")
        return Forked(self.complete_milp, mentor_of, objective, lagrangian, bound,
                      self.deadline - BOUND_MARGIN * self.time_limit)

    def complete_seconds(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian) -> float:
        """The seconds kept for the MILP over every promising pair at the end, in the process:
        COMPLETE_SHARE of the time left when those pairs fit it, else none."""
        return COMPLETE_SHARE * self.remaining() if self.promising_fit(mentor_of, objective, lagrangian,
                                                                       COMPLETE_SHARE) else 0.0

    def promising_fit(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian,
                      share: float) -> bool:
        """Whether the MILP over every promising pair fits `share` of the time left (those
        pairs are looked for only when the pool's fit)."""
        return (self.fits_milp(self.pool_with(mentor_of), share)
                and self.fits_milp(self.promising(mentor_of, objective, lagrangian), share))

    def fits_milp(self, pairs: np.ndarray, share: float) -> bool:
        """Whether a MILP over the `pairs` mask fits `share` of the time left."""
        return int(pairs.sum()) <= CORE_PAIRS_PER_SECOND * share * self.remaining()

    def complete_milp(self, mentor_of: np.ndarray, objective: Objective, lagrangian: Lagrangian, bound: float,
                      deadline: float | None = None):
        """The better assignment of `mentor_of` and the MILP, until `deadline` (the solve's by
        default), over every pair that could still beat it at the Lagrangian's multipliers
        (fewer, the better it is), whose bound then holds for the whole problem; and `bound`,
        tightened by it."""
        incumbent = self.combined_value(mentor_of, objective)
        pairs = np.nonzero(self.promising(mentor_of, objective, lagrangian))
        seconds = (self.deadline if deadline is None else deadline) - time.perf_counter()
        result = solve_milp(self.model(*pairs, objective), seconds)
        if np.isfinite(result.bound):
            bound = min(bound, max(result.bound, incumbent))
        mentor_of = self.adopted(mentor_of, self.assignment(pairs, result.x), f"complete MILP ({result.status})")
        self.progress(f"bound {bound:.6g} after the complete MILP")
        return mentor_of, bound

    def search(self, mentor_of: np.ndarray, deadline: float, settled: Callable[[np.ndarray], None] | None = None,
               settle_by: float = np.inf) -> np.ndarray:
        """Local search from `mentor_of` until `deadline`, over the pool, the pairs of
        `mentor_of` and the priced pairs (all feasible pairs up to BEST_PAIRS); first, for
        FOCUS_SHARE of the time, over the pool and each mentee's FOCUS_PAIRS best pairs at the
        smoothed prices when those are at most half as many (rounds over fewer pairs go
        faster). `settled` is called as in LocalSearch.run."""
        candidates = self.candidates(mentor_of)
        waiting = np.flatnonzero(self.matchable)
        if 2 * FOCUS_PAIRS * len(waiting) <= candidates.sum():
            problem, prices = self.problem, self.fit.prices
            focus = self.in_pool.copy()
            focus[priced_top_pairs(self.combined().of_rows(problem.value), self.feasible, problem.load,
                                   prices.capacity, prices.budget - prices.target, FOCUS_PAIRS)] = True
            focused = time.perf_counter() + FOCUS_SHARE * (deadline - time.perf_counter())
            mentor_of = self.local_search(mentor_of, with_pairs_of(focus, mentor_of)).run(focused, waiting, settled,
                                                                                           settle_by)
            settled, candidates = None, self.candidates(mentor_of)
        return self.local_search(mentor_of, candidates).run(deadline, waiting, settled, settle_by)

    def best_start(self, starts: list[np.ndarray], objective: Objective) -> np.ndarray:
        """The start, filled, that `objective` (the search's own goal) rates best, not the one
        matching most: at 10,000 x 2,000 (seed 2, a match at the problem's worth) the LP's
        start matched 17 fewer than the prices' (5,918 against 5,935) but rated higher, and the
        search from it ended with 5,942 matches and 8,950 against 5,938 and 8,936."""
        return max((self.filled(start) for start in starts), key=partial(self.combined_value, objective=objective))

    def candidates(self, mentor_of: np.ndarray) -> np.ndarray:
        """Mask of the pairs the local search looks at: the pool, the priced pairs and
        `mentor_of`'s."""
        return with_pairs_of(self.priced | self.in_pool, mentor_of)

    def value_bound(self, mentor_of: np.ndarray, deadline: float, patterns: MentorPatterns | None = None) -> ValueBound:
        """Bounds on the value of every assignment matching at least as many mentees as
        `mentor_of`, computed until `deadline`, the mentors' sets it meets added to `patterns`
        (see assign_knapsack.value_bound)."""
        return value_bound(self.problem, self.feasible, self.required, self.in_pool, self.priced, mentor_of,
                           deadline, self.fit.bound_seconds, patterns)

    def forks_value_bound(self) -> bool:
        """Whether the bound on value is to be forked beside the search: where it can, on a
        large problem (the count's own bound is not tightened), when the time left after
        FORK_SHARE of the search is FORK_FACTOR times the bound's share of the time limit at
        least (the two run slower side by side: at 10,000 x 2,000 and 5 s, 1.0 s forked
        bounded worse than 1.2 s alone; at 20 s after the LP, 4.8 s forked bounded 10,508.3
        against 10,512.2 with 4 s alone, and the search kept those 4 s)."""
        left = self.started + self.time_limit - time.perf_counter()
        return (int(self.feasible.sum()) > COUNT_LP_PAIRS and can_fork()
                and (1 - FORK_SHARE) * left >= FORK_FACTOR * VALUE_BOUND_SHARE * self.time_limit)

    def fork_value_bound(self, mentor_of: np.ndarray) -> None:
        """Start the bound on value for assignments matching at least as many as `mentor_of`
        in a forked process, to end BOUND_MARGIN of the time limit before its end."""
        self.progress(f"bound on value forked with {self.matched(mentor_of)} matched")
        self.forked_bound = Forked(self.value_bound, mentor_of,
                                   self.started + (1 - BOUND_MARGIN) * self.time_limit)

    def forked_value_bound(self) -> ValueBound | None:
        """The forked bound on value, waited for until BOUND_GRACE of the time limit after
        its end; None when none was forked or it did not come in time."""
        if self.forked_bound is None:
            return None
        wait = self.started + (1 + BOUND_GRACE) * self.time_limit - time.perf_counter()
        return self.forked_bound.result(wait)

    def from_patterns(self, mentor_of: np.ndarray, patterns: MentorPatterns) -> np.ndarray:
        """The best of `mentor_of` and the master's assignments over the mentors' sets in
        `patterns` (its LP rounded and searched from, its MILP), each also relinked with
        `mentor_of`, by the end of the time limit."""
        start, end = mentor_of, self.started + self.time_limit
        for found in master_assignments(self.problem, self.feasible, self.required, patterns, start, end,
                                        self.search):
            mentor_of = self.adopted(mentor_of, found, f"master over {len(patterns)} mentor sets")
            relinked = self.relinked(start, found, time.perf_counter() + RELINK_SHARE * (end - time.perf_counter()))
            mentor_of = self.adopted(mentor_of, relinked, "master relinked with the start")
        return mentor_of

    def relinked(self, first: np.ndarray, second: np.ndarray, deadline: float) -> np.ndarray | None:
        """The pairs on which `first` and `second` agree, and the rest of their pairs
        re-solved by `deadline` as one MILP (on value) matching at least as many as either."""
        agreed = np.where(first == second, first, -1)
        mentees, mentors = np.tile(np.arange(len(first)), 2), np.r_[first, second]
        taken = mentors >= 0  # a pair both take is the agreed one's twice; fixed, it is not re-solved
        return fixed_and_solved(agreed, (mentees[taken], mentors[taken]),
                                partial(self.solve_fixed, Objective(0.0, 1.0, 1.0)), deadline - time.perf_counter(),
                                max(self.matched(first), self.matched(second)))

    def agreed_core(self, mentor_of: np.ndarray, x: np.ndarray, objective: Objective) -> np.ndarray:
        """The better of `mentor_of` and the MILP beyond the pairs it and the LP agree on."""
        found = beyond_agreement(np.nonzero(self.pool_with(mentor_of)), self.pool, x, mentor_of,
                                 partial(self.solve_fixed, objective), self.remaining())
        return self.adopted(mentor_of, found, "MILP beyond the pairs the LP and the search agree on")

    def solve_fixed(self, objective: Objective, pairs, rest: np.ndarray, seconds: float, count_min: int):
        """MILP over `pairs`, `rest` fixed around them, taking at least `count_min` of them."""
        return solve_milp(self.model(*pairs, objective, count_min, used=rest), seconds)

    def fill_required(self, mentor_of, objective: Objective) -> np.ndarray:
        """Match required mentees the search left out: one MILP over all candidate pairs."""
        self.progress("required mentees left out; solving all candidate pairs as one MILP")
        result = solve_milp(self.model(*self.pool, objective), max(self.remaining(), 0.1))
        if result.x is None:
            raise InfeasibleAssignment("required mentees cannot all be matched: no assignment found")
        return self.assignment(self.pool, result.x)

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
