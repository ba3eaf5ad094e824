"""Who gets which mentor: a generalised assignment problem with a lexicographic goal.

First as many mentees as possible are matched (required ones always), then the total value
minus the shortfall penalty is maximised among the assignments that match that many. Small
problems: one exact HiGHS MILP per goal, with the larger ones' path forked beside them where
processes fork (kept when the MILPs prove nothing better in time). Larger ones: one combined
goal (a match worth MATCH_WORTH more than any pair's value), solved from fitted Lagrangian
prices, a priced core, its LP relaxation when it fits (assign_relaxation), rounded starts,
a dive over the mentors' near-best sets where every mentee must be matched (assign_dive),
local search (light mentees first where hours keep many waiting), fix-and-solve and core
MILPs, CP-SAT and kicks or neighbourhood search (beside them, forked, a MILP over every pair
that could still beat the best), and a master over the sets of mentees the knapsack bound's
mentors take (README, "Assignment"); no phase gives up a match for value. Bounds hold for
the full matrix; where processes fork, the flow bound on the count (and its Lagrangian
bound) is computed in a forked process beside the pricing, and on large problems the bound
on value (and the master after it, when it fits) in one beside the search."""

import math
import time
from collections.abc import Callable
from functools import partial

import numpy as np
from threadpoolctl import threadpool_limits

from matcher.solver.assign_count import flow_bound, lagrangian_count_bound, tightened_count_bound
from matcher.solver.assign_duals import fitted_prices
from matcher.solver.assign_bounding import FORK_SHARE, MASTER_SHARE, VALUE_BOUND_SHARE, ValueBounding
from matcher.solver.assign_diving import DIVE_SHARE, Diving
from matcher.solver.assign_finish import Finish
from matcher.solver.assign_fixing import beyond_agreement, completed_lp
from matcher.solver.assign_knapsack import load_programme
from matcher.solver.assign_matrix import pair_load, priced_top_pairs, regret_priority, with_pairs_of
from matcher.solver.assign_patterns import master_fits
from matcher.solver.assign_model import VALUE, Objective, solve_lp, solve_milp
from matcher.solver.assign_problem import AssignmentProblem, AssignmentResult, InfeasibleAssignment
from matcher.solver.assign_relaxation import lp_deadline, relaxation, start_plan
from matcher.solver.background import FORK_MARGIN, Forked, last

EXACT_PAIRS = 2_000  # solve with one MILP per stage when there are at most this many pairs
CORE_CANDIDATES = 3  # mentors per mentee in the core: the best at the smoothed prices
SEARCH_SHARE = 0.95  # share of the time left after the LP that local search may use
FOCUS_PAIRS = 50  # the search first looks at each mentee's this many best pairs at the smoothed prices
FOCUS_SHARE = 0.7  # for this share of its time, where they are at most half of its candidates
PLACING_SECONDS = 0.5  # time limit of the MILP placing one required mentee among its mentors' mentees
REQUIRED_SHARE = 0.5  # share of the time left for placing required mentees the search left out by local search
COUNT_BOUND_SHARE = 0.15  # the count's Lagrangian bound is fitted until this share of the time limit
SHAPE_GAP = 0.02  # the search places light mentees first where the start matches this share fewer than
# the bound on the count, or more (the scenario family's M and L start within 0.1% and 0.7% of it, where it did
# not help; budget-bound synthetic ones 5-7% below)
SHAPE_SHARE = 0.7  # for this share of its time


def solve_assignment(problem: AssignmentProblem, time_limit: float = 10.0,
                     progress: Callable[[str], None] | None = None) -> AssignmentResult:
    """Match as many mentees as possible, then maximise value minus shortfall penalty.

    `bound` is a proven upper bound on the objective of every feasible assignment matching
    at least `matched` mentees; `matched_bound` bounds the number of mentees any feasible
    assignment matches. Raises InfeasibleAssignment if the required mentees cannot all be
    matched.

    The solve's work is spread over processes, not BLAS threads: with a forked child busy
    on the other core, OpenBLAS's threads made each step slower (2,000 x 500 at 2 s, seeds
    1-8: the bound tighter on every seed with one thread, a mean of 0.9933 of it against
    0.9925).

    The first solve of a process waits beforehand, outside its time limit, for the knapsack
    bound's compiled programme (assign_knapsack.load_programme: 0.2 s from numba's cache),
    which a forked process then finds loaded: at 2,000 x 500 and 2 s each one loading it
    took 0.2 s of the 1.1 s its bound has.
    """
    load_programme()
    with threadpool_limits(limits=1, user_api="blas"):
        return _Solver(problem, time_limit, progress).solve()


def exact_sized(feasible_pairs: int) -> bool:
    """Whether a problem of this many feasible pairs is solved by one MILP per goal (which
    keeps its conflicts), its answer the better of theirs and the larger problems' path's."""
    return feasible_pairs <= EXACT_PAIRS


def solved_by_milps(problem: AssignmentProblem) -> bool:
    """Whether solve_assignment solves `problem` by one MILP per goal (exact_sized)."""
    return exact_sized(int(problem.feasible().sum()))


class _Solver(Finish, Diving, ValueBounding):
    """One solve: exact stages for small problems, the phases of the combined goal for large ones."""

    def __init__(self, problem: AssignmentProblem, time_limit: float, progress):
        super().__init__(problem, time_limit, progress)
        self.exact = exact_sized(int(self.feasible.sum()))
        self.forked_bound: Forked | None = None

    def solve(self) -> AssignmentResult:
        """Exact lexicographic stages for small problems, the combined goal for large ones."""
        stuck = np.flatnonzero(self.required & ~self.matchable)
        if len(stuck):
            raise InfeasibleAssignment(
                f"required mentees cannot all be matched: {len(stuck)} have no feasible mentor "
                f"(first: {stuck[:5].tolist()})")
        if not self.exact:
            return self.solve_large()
        return self.exact_beside_large() if self.forking else self.solve_exact()

    def exact_beside_large(self) -> AssignmentResult:
        """The exact stages here, the large problems' path forked beside them (forking
        nothing more); when the stages prove their answer optimal, it is the answer at once,
        else the better of the two answers with the bounds of both."""
        end = self.deadline
        self.deadline, self.forking = end - FORK_MARGIN * self.time_limit, False
        large = Forked(self.solve_large)
        self.deadline = end
        try:
            exact = self.solve_exact()
        except Exception:
            large.stop()
            raise
        if exact.optimal:
            large.stop()
            return exact
        try:
            found = large.result(self.fork_wait())
        except InfeasibleAssignment:
            found = None
        return exact if found is None else self.best_of(exact, found)

    def best_of(self, first: AssignmentResult, second: AssignmentResult) -> AssignmentResult:
        """The better of two answers (see `better`), with the tighter bounds: each holds for
        every assignment matching as many as its own answer, so for the better one's too."""
        best = first if self.better(first.mentor_of, second.mentor_of) is first.mentor_of else second
        proven = first.optimal or second.optimal
        return self.result(best.mentor_of, min(first.bound, second.bound),
                           min(first.matched_bound, second.matched_bound), proven, best.method)

    def solve_exact(self) -> AssignmentResult:
        """Most matches first (MILP), then most value among assignments matching that many."""
        matched_bound = self.flow_bound()
        start, count_proven = None, True
        if self.required.sum() < matched_bound:
            tie = 0.5 / (1.0 + float(self.best_value.sum()))
            start, count_bound, count_proven = self.exact_stage(Objective(1.0, tie, 0.0), 0,
                                                                self.remaining() / 2)
            matched_bound = min(matched_bound, math.floor(count_bound + 1e-9))
        count_min = 0 if start is None else self.matched(start)
        mentor_of, bound, proven = self.exact_stage(VALUE, count_min, self.remaining())
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
        count_varies = self.required.sum() < self.matchable.sum()
        count_by = self.started + COUNT_BOUND_SHARE * self.time_limit if count_varies else None
        count = Forked(self.count_bound, count_by) if self.forking else None  # beside the pricing, on the other core
        self.worth_scale = plan.worth_scale
        combined = self.combined()
        worth = combined.offset
        master = count_varies and master_fits(self.problem.shape[1], MASTER_SHARE * self.time_limit)
        master_share = MASTER_SHARE if master else 0.0
        self.deadline -= (VALUE_BOUND_SHARE + master_share) * self.time_limit if count_varies else 0.0
        price_bound = self.price_core(combined, self.started + plan.price_share * self.time_limit)
        lp_by = lp_deadline(self.started, self.time_limit)
        mentees, mentors = self.pool
        reduced = self.fit.prices.reduced(combined(self.problem.value[self.pool]), mentors,
                                          pair_load(self.problem.load, mentees, mentors))
        starts = [self.rounded(regret_priority(mentees, reduced, self.problem.shape[0]))]
        solved = relaxation(self, combined, lp_by, plan.first_lp_share) if plan.lp_fits else None
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
        mentor_of = self.best_start(starts, combined)
        self.progress(f"rounded and filled: {self.summary(mentor_of)}")
        dive_problem = None if count_varies else self.dive_problem()
        if dive_problem is not None:
            dived, cost_bound = self.dived(dive_problem, time.perf_counter() + DIVE_SHARE * self.remaining())
            mentor_of = self.adopted(mentor_of, dived, "dive over the mentors' near-best sets")
            combined_bound = min(combined_bound, worth * int(self.matchable.sum()) - cost_bound)
        matched_bound = self.matched_bound = self.forked_count_bound(count)
        shaped = count_varies and self.matched(mentor_of) < (1.0 - SHAPE_GAP) * matched_bound
        fork = count_varies and self.forks_value_bound()
        self.deadline += (VALUE_BOUND_SHARE + master_share) * self.time_limit if fork else 0.0
        settled = partial(self.fork_value_bound, worth=worth) if fork else None
        searched = time.perf_counter() + SEARCH_SHARE * self.remaining()
        mentor_of = self.search(mentor_of, searched, settled,
                                time.perf_counter() + FORK_SHARE * (searched - time.perf_counter()), shaped)
        self.progress(f"local search: {self.summary(mentor_of)}")
        if solved is not None:
            mentor_of = self.agreed_core(mentor_of, solved[0].x, combined)
        if (self.required & (mentor_of < 0)).any():
            mentor_of = self.fill_required(mentor_of, combined)
        mentor_of = self.core_milp(mentor_of, combined)
        mentor_of, combined_bound = self.polish_and_complete(mentor_of, combined, self.lagrangian(combined, duals),
                                                             combined_bound, fork=self.forked_bound is None)
        if self.matched(mentor_of) < matched_bound:
            matched_bound = tightened_count_bound(self.problem, self.feasible, self.required, matched_bound,
                                                  self.started + self.time_limit)
        bound_on_value = np.inf
        if count_varies:
            forked = self.forked_value_bound()
            if forked is None:
                found, mentor_of = last(self.bound_and_master(mentor_of, self.started + self.time_limit,
                                                              master, master_share * self.time_limit))
            else:
                found, mastered = forked
                mentor_of = self.adopted(mentor_of, mastered, "master over the mentors' sets, forked")
                if self.forked_master and mentor_of is not mastered:
                    relinked = self.relinked(mentor_of, mastered, self.started + self.time_limit)
                    mentor_of = self.adopted(mentor_of, relinked, "the forked master's assignment relinked")
            if self.matched(mentor_of) >= found.count:  # it holds from its count on: placing required
                # mentees the search left out (fill_required) can cost matches after it began
                bound_on_value = found.at(self.matched(mentor_of))
                self.progress(f"bound on value {bound_on_value:.6g} with {self.matched(mentor_of)} matched")
        bound = min(combined_bound - worth * self.matched(mentor_of), bound_on_value)
        return self.result(mentor_of, bound, matched_bound, False, "lp-search")

    def flow_bound(self) -> int:
        """The most mentees a flow can match (assign_count.flow_bound)."""
        return flow_bound(self.feasible, self.problem.load, self.capacity, self.budget)

    def count_bound(self, deadline: float | None) -> int:
        """The flow bound on the count, tightened by the count's Lagrangian bound fitted
        until `deadline` (assign_count.lagrangian_count_bound); the flow alone without one."""
        if deadline is None:
            return self.flow_bound()
        lagrangian = lagrangian_count_bound(self.problem, self.table, self.priced, self.required, deadline)
        return min(self.flow_bound(), math.floor(lagrangian + 1e-9))

    def forked_count_bound(self, count: Forked | None) -> int:
        """The bound on the count from the forked `count` (count_bound; at 10,000 x 2,000 the
        flow takes 0.8 s, which the pricing then has), or the flow bound computed here when
        none was forked or it did not come."""
        found = None if count is None else count.result(self.fork_wait())
        return self.flow_bound() if found is None else found

    def price_core(self, objective: Objective, deadline: float) -> float:
        """Price the mentors with the smoothed dual until `deadline` and make each mentee's
        best pairs at those prices the candidate pool; returns the Lagrangian bound of the prices."""
        problem = self.problem
        self.fit = fitted_prices(problem, self.table, self.required, objective, self.priced, deadline,
                                 stop=self.deadline)
        prices = self.fit.prices
        self.pool = priced_top_pairs(objective.of_rows(problem.value), self.feasible, problem.load,
                                     prices.capacity, prices.budget - prices.target, CORE_CANDIDATES)
        self.in_pool = np.zeros(problem.shape, bool)
        self.in_pool[self.pool] = True
        self.progress(f"smoothed dual bound {self.fit.bound:.6g}; core of {len(self.pool[0])} pairs")
        return self.fit.bound

    def search(self, mentor_of: np.ndarray, deadline: float, settled: Callable[[np.ndarray], None] | None = None,
               settle_by: float = np.inf, shaped: bool = False) -> np.ndarray:
        """Local search from `mentor_of` until `deadline`, over the pool, the pairs of
        `mentor_of` and the priced pairs (all feasible pairs up to assign_state.BEST_PAIRS);
        when `shaped`, first for SHAPE_SHARE of the time under the light-first weights (see
        light_first); then, for FOCUS_SHARE of the time, over the pool and each mentee's
        FOCUS_PAIRS best pairs at the smoothed prices when those are at most half as many
        (rounds over fewer pairs go faster). `settled` is called as in LocalSearch.run."""
        candidates = self.candidates(mentor_of)
        waiting = np.flatnonzero(self.matchable)
        if shaped:
            mentor_of = self.light_first_search(mentor_of, candidates, waiting,
                                                time.perf_counter() + SHAPE_SHARE * (deadline - time.perf_counter()))
            candidates = self.candidates(mentor_of)
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

    def light_first_search(self, mentor_of: np.ndarray, candidates: np.ndarray, waiting: np.ndarray,
                           deadline: float) -> np.ndarray:
        """The better of local searches under the light-first weights (assign_state.light_first)
        until `deadline` from `mentor_of` and, with the time it leaves, from no match: from
        the start it settles sooner, from no match higher."""
        weight = self.light_first()
        mentor_of = self.local_search(mentor_of, candidates, weight).run(deadline, waiting)
        self.progress(f"local search, light mentees first: {self.summary(mentor_of)}")
        if time.perf_counter() < deadline:
            afresh = self.local_search(np.full(len(mentor_of), -1), candidates, weight).run(deadline, waiting)
            self.progress(f"again from no match: {self.summary(afresh)}")
            mentor_of = self.better(afresh, mentor_of)
        return mentor_of

    def best_start(self, starts: list[np.ndarray], objective: Objective) -> np.ndarray:
        """The start, filled, that `objective` (the search's own goal) rates best, not the one
        matching most: at 10,000 x 2,000 (seed 2, a match at the problem's worth) the LP's
        start matched 17 fewer than the prices' (5,918 against 5,935) but rated higher, and the
        search from it ended with 5,942 matches and 8,950 against 5,938 and 8,936."""
        return max((self.filled(start) for start in starts), key=partial(self.combined_value, objective=objective))

    def agreed_core(self, mentor_of: np.ndarray, x: np.ndarray, objective: Objective) -> np.ndarray:
        """The better of `mentor_of` and the MILP beyond the pairs it and the LP agree on."""
        found = beyond_agreement(np.nonzero(self.pool_with(mentor_of)), self.pool, x, mentor_of,
                                 partial(self.solve_fixed, objective), self.remaining())
        return self.adopted(mentor_of, found, "MILP beyond the pairs the LP and the search agree on")

    def fill_required(self, mentor_of, objective: Objective) -> np.ndarray:
        """Match required mentees the search left out: each takes the mentor where letting
        others wait costs least (LocalSearch.make_room); one that no mentor can make room for
        is placed by a MILP over its mentors and their mentees (placed_around). A local search
        then matches again those let wait, for REQUIRED_SHARE of the time left; should a
        required mentee still wait, one MILP over all candidate pairs. 2,000 x 500 (seed 0,
        three fifths required, 5 s): the search left out 92; making room placed 91, and the
        MILP alone matched only the required 1,209."""
        candidates = self.candidates(mentor_of)
        candidates[self.required] = self.feasible[self.required]
        search = self.local_search(mentor_of, candidates, objective(self.problem.value))
        search.make_room(np.flatnonzero(self.required & (mentor_of < 0)))
        mentor_of = search.mentor_of.copy()
        for mentee in np.flatnonzero(self.required & (mentor_of < 0)).tolist():
            mentor_of = self.placed_around(mentee, mentor_of, candidates, objective)
        search.assign(mentor_of)
        filled = search.run(time.perf_counter() + REQUIRED_SHARE * self.remaining(), np.flatnonzero(self.matchable))
        if not (self.required & (filled < 0)).any():
            self.progress(f"required mentees placed: {self.summary(filled)}")
            return filled
        self.progress("required mentees left out; solving all candidate pairs as one MILP")
        result = solve_milp(self.model(*self.pool, objective), max(self.remaining(), 0.1))
        if result.x is None:
            raise InfeasibleAssignment("required mentees cannot all be matched: no assignment found")
        return self.assignment(self.pool, result.x)

    def placed_around(self, mentee: int, mentor_of: np.ndarray, candidates: np.ndarray,
                      objective: Objective) -> np.ndarray:
        """`mentor_of` with `mentee` placed by a MILP over the `candidates` pairs (a mask) of
        it and its mentors' mentees, the rest fixed (those it frees may move on to any mentor
        with room, or wait); unchanged when that finds nothing in PLACING_SECONDS."""
        mentors = np.flatnonzero(self.feasible[mentee])
        at_them = np.zeros(self.problem.shape[1], bool)
        at_them[mentors] = True
        freed = (mentor_of >= 0) & at_them[np.maximum(mentor_of, 0)]
        freed[mentee] = True
        freed = np.flatnonzero(freed)
        rows, cols = np.nonzero(candidates[freed])
        pairs = (freed[rows], cols)
        rest = mentor_of.copy()
        rest[freed] = -1
        result = self.solve_fixed(objective, pairs, rest, min(PLACING_SECONDS, max(self.remaining(), 0.1)), 0)
        if result.x is None:
            return mentor_of
        rest[pairs[0][result.x]] = pairs[1][result.x]
        return rest
