"""How a large solve begins (the pricing's share of the time limit, and an LP relaxation or
not) and the LP relaxation of the candidate pool, grown by column generation: the pairs
that price out at the LP's duals over the full matrix are added and the LP solved again,
and the Lagrangian bound of those duals holds for the whole problem."""

import time
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from matcher.solver.assign_matrix import lagrangian_bound, pair_load
from matcher.solver.assign_model import LPTimeLimit, Objective
from matcher.solver.assign_pair_lp import PairLP
from matcher.solver.assign_problem import InfeasibleAssignment
from matcher.solver.assign_state import SolveState

PRICE_SHARE = 0.05  # share of the time limit the smoothed dual may use before an LP (more while far from settled)
LP_SHARE = 0.3  # share of the time limit for the pricing and the LP relaxation together (the LP has
# LATE_LP_SHARE after the pricing at least); all of it the pricing's when the LP fits its size but not
# its time (the local search makes better use of the LP's)
PRICE_ALONE_SHARE = 0.5  # the pricing's share when the problem is too large for an LP before it
LP_PAIRS_PER_SECOND = 10_000  # LP only if the expected core has at most this many pairs per second of its share
LP_MAX_PAIRS = 8_000  # and at most this many pairs in all: beyond, pricing makes better use of the time
LATE_LP_SHARE = 0.15  # beyond them, an LP after the pricing when it is expected to take at most this share
LATE_LP_PAIRS_PER_SECOND = 6_000  # at this speed (10,000 x 2,000: 22,456 pairs in 3.7 s on the benchmarks'
# machine, 2.0 s on a faster one; where it ran out of its 3 s at 20 s, seeds 1-6, the search given them
# instead matched 41,685 in all against 41,656 and a mean of 0.9914 of the bound against 0.9890; at 30 s,
# seeds 1-2, the LP kept 11 matches more, 12,985 against 12,974)
LATE_LP_WORTH = 2.0  # and then a match is worth this many times the problem's match worth in the combined goal
# (10,000 x 2,000 at 20 s on the faster machine, seeds 1-4: 28,899-28,901 matched in all in three runs, against
# 28,879-28,885 with the late LP at the problem's worth and 28,884 without it; the mean ratio to the bound alike,
# about 0.992)
FIRST_LP_SHARE = 0.25  # the first LP may take this share of the time limit, past the LP's deadline, unless
# it comes after a full pricing (10,000 x 2,000 at 20 s, seeds 1-4, on a machine where HiGHS took 3-5 s over
# that LP instead of 2 s: 28,859 matched, mean ratio 0.9877, against 28,784 and 0.9849 with the extension)
PRICING_TOLERANCE = 1e-4  # re-solve the LP with new columns only if they loosen the bound more


class Plan(NamedTuple):
    """How a large solve begins: the pricing's share of the time limit, and an LP or not."""

    lp_fits: bool  # whether the LP relaxation of the core fits
    price_share: float  # the share of the time limit the pricing may use
    lp_after_pricing: bool  # whether it comes after a full pricing (too large for one before)

    @property
    def first_lp_share(self) -> float:
        """The share of the time limit the first LP may take past the LP's deadline."""
        return 0.0 if self.lp_after_pricing else FIRST_LP_SHARE

    @property
    def worth_scale(self) -> float:
        """How many times the problem's match worth a match is worth in the combined goal:
        LATE_LP_WORTH when the LP comes after the pricing."""
        return LATE_LP_WORTH if self.lp_fits and self.lp_after_pricing else 1.0


def start_plan(core_pairs: int, time_limit: float) -> Plan:
    """The plan for a core of `core_pairs` pairs: PRICE_SHARE before an LP; LP_SHARE when the
    LP fits its size but not its time; PRICE_ALONE_SHARE when the problem is too large for an
    LP before the pricing, with an LP after it when one fits LATE_LP_SHARE."""
    if core_pairs > LP_MAX_PAIRS:
        return Plan(core_pairs <= LATE_LP_PAIRS_PER_SECOND * LATE_LP_SHARE * time_limit, PRICE_ALONE_SHARE, True)
    lp_fits = core_pairs <= LP_PAIRS_PER_SECOND * (LP_SHARE - PRICE_SHARE) * time_limit
    return Plan(lp_fits, PRICE_SHARE if lp_fits else LP_SHARE, False)


def lp_deadline(started: float, time_limit: float) -> float:
    """When the LP relaxation is to be solved by, called as the pricing ends: LP_SHARE of the
    time limit from `started`, and LATE_LP_SHARE of it from now at least."""
    return max(started + LP_SHARE * time_limit, time.perf_counter() + LATE_LP_SHARE * time_limit)


def relaxation(state: SolveState, objective: Objective, deadline: float, first_share: float = FIRST_LP_SHARE):
    """LP of `state`'s pool, grown by column generation until `deadline` (assign_pair_lp):
    (LP, full-matrix bound, duals), or None when the first solve (given `first_share` of the
    time limit at least) runs out of time. A re-solve starts only while the last solve's time
    is left before `deadline`; when one runs out of time, the last solved LP stands (its new
    columns at 0)."""
    problem = state.problem
    model = state.model(*state.pool, objective)
    pair_lp = PairLP(replace(model, conflicts=()), problem.conflicts)
    solved, took = None, 0.0
    while True:
        try:
            started = time.perf_counter()
            seconds = deadline - started
            lp = pair_lp.solve(seconds if solved else max(seconds, first_share * state.time_limit))
            took = time.perf_counter() - started
        except LPTimeLimit:
            if solved is None:
                return None
            lp, bound, duals = solved
            padding = np.zeros(len(state.pool[0]) - len(lp.x))
            return replace(lp, x=np.concatenate([lp.x, padding])), bound, duals
        if lp is None:
            if state.in_pool.sum() == state.feasible.sum():
                raise InfeasibleAssignment("required mentees cannot all be matched "
                                           "(even fractionally)")
            _grown(state, pair_lp, objective, np.nonzero(state.feasible & ~state.in_pool))
            continue
        duals = (lp.capacity_dual, lp.budget_dual, lp.target_dual, lp.count_dual)
        bound, new = lagrangian_bound(
            objective(state.table.value), state.table, state.required, state.capacity,
            state.budget, problem.target_hours, problem.shortfall_penalty * objective.penalty_scale, duals, 0,
            lp.mentee_dual, state.in_pool)
        if solved is not None and solved[1] < bound:
            bound, duals = solved[1], solved[2]
        solved = (lp, bound, duals)
        closed = bound - lp.objective <= PRICING_TOLERANCE * max(1.0, abs(bound))
        if not len(new[0]) or closed or time.perf_counter() + took > deadline:
            return lp, bound, duals
        state.progress(f"adding {len(new[0])} pairs with positive reduced cost")
        _grown(state, pair_lp, objective, new)


def _grown(state: SolveState, pair_lp: PairLP, objective: Objective, pairs: tuple[np.ndarray, np.ndarray]) -> None:
    """Add `pairs` (mentees, mentors) to `state`'s pool and to its LP."""
    state.add_pairs(pairs)
    pair_lp.add(*pairs, objective(state.problem.value[pairs]), pair_load(state.problem.load, *pairs))
