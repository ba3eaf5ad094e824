"""The bound on the value of every assignment matching at least a given count: prices on the
mentors fitted first (assign_duals), then prices on the mentees improved by subgradient steps
on the mentors' knapsacks (assign_knapsack) and by column generation over the sets the steps
meet (the master of assign_patterns); each bound is taken over every feasible pair.
"""

import time
from collections.abc import Callable

import numpy as np

from matcher.solver.assign_duals import Prices, best_reduced, fitted_prices, pair_list
from matcher.solver.assign_knapsack import (MAX_WORK, LoadGrid, MenteePrices, MentorKnapsacks, ValueBound,
                                            subgradient_prices)
from matcher.solver.assign_matrix import PairTable, with_pairs_of
from matcher.solver.assign_model import VALUE
from matcher.solver.assign_master_lp import MasterLP
from matcher.solver.assign_patterns import COLUMNS_PER_SECOND, MentorPatterns
from matcher.solver.assign_problem import AssignmentProblem

KNAPSACK_SHARE = 0.25  # share of the time for a bound on value kept for the prices on mentees
VALUE_SETTLED = 5e-4  # the prices on mentors are settled when a round gains less than this share
FIT_ROUNDS = 5  # rounds of fitting worth starting from the pool alone
KNAPSACK_ROUNDS = 8  # bounds over the matrix the time must hold for prices on the mentees to be tried
COLUMN_SHARE = 0.5  # share of the mentee prices' time kept for column generation, when the sets are collected
COLUMN_ROUNDS = 5  # it begins only when this many rounds (LP time by COLUMNS_PER_SECOND) fit its time
COUNTS_AHEAD = 3  # its prices at this many counts from the one reached are kept (each completed over every pair)


def value_bound(problem: AssignmentProblem, table: PairTable, required: np.ndarray, pool: np.ndarray,
                priced: np.ndarray, mentor_of: np.ndarray, deadline: float, bound_seconds: float,
                patterns: MentorPatterns | None = None, count_reached: Callable[[], int] | None = None) -> ValueBound:
    """A bound on the value of every feasible assignment matching at least as many mentees
    as `mentor_of` (`table`: the feasible pairs): the smaller of two Lagrangian bounds.
    Prices on the mentors are fitted until they settle or KNAPSACK_SHARE of the time is
    left, to the `pool` pairs and those of `mentor_of` (and the `priced` ones too when fewer
    than FIT_ROUNDS bounds over the matrix, each taking about `bound_seconds`, fit the time:
    each round adds only a few pairs per mentee); from them, when KNAPSACK_ROUNDS such bounds
    fit the time, prices on the mentees are improved over all those pairs until `deadline`,
    the mentors' sets they meet added to `patterns` (when given), and then, with `patterns`,
    by column generation at the count `count_reached()` (see column_prices)."""
    seconds = deadline - time.perf_counter()
    known = with_pairs_of(pool | priced if FIT_ROUNDS * bound_seconds > seconds else pool.copy(), mentor_of)
    knapsack = seconds >= KNAPSACK_ROUNDS * bound_seconds
    count = int(np.count_nonzero(mentor_of >= 0))
    fit = fitted_prices(problem, table, required, VALUE, known,
                        deadline - KNAPSACK_SHARE * seconds if knapsack else deadline,
                        count, bound_seconds, settled_share=VALUE_SETTLED)
    fitted = ValueBound(count, ((fit.bound, fit.prices.count),))
    bound = knapsack_bound(problem, table, required, known | priced, mentor_of, fit.prices, deadline,
                           patterns, count_reached) if knapsack else None
    return fitted if bound is None else ValueBound(count, fitted.bounds + bound.bounds)


def knapsack_bound(problem: AssignmentProblem, table: PairTable, required: np.ndarray, known: np.ndarray,
                   mentor_of: np.ndarray, start: Prices, deadline: float,
                   patterns: MentorPatterns | None = None,
                   count_reached: Callable[[], int] | None = None) -> ValueBound | None:
    """Bounds on the value of every feasible assignment matching at least as many mentees
    as `mentor_of`: the mentee-priced Lagrangian, its prices improved until `deadline` from
    the mentee prices that go with the mentor prices `start`, over the `known` pairs and
    those of `mentor_of`; the feasible pairs outside them that could change it are added
    before it is taken; the mentors' sets of every step are added to `patterns` (when given),
    and then COLUMN_SHARE of the time goes to column generation at the count
    `count_reached()` (by default that of `mentor_of`), or to more steps where it does not
    fit. None when the knapsacks would be too large."""
    known = with_pairs_of(known.copy(), mentor_of)
    pairs = pair_list(problem, known, required, VALUE, int(np.count_nonzero(mentor_of >= 0)))
    grid = LoadGrid.fitting(pairs.load, pairs.budget)
    knapsacks = MentorKnapsacks(pairs, grid, mentor_of[pairs.mentee] == pairs.mentor)
    if knapsacks.work() > MAX_WORK:
        return None
    floor = problem.objective(mentor_of)
    target = start.target if pairs.target is not None else None
    prices = MenteePrices(best_reduced(pairs, start), start.count, target)
    started = time.perf_counter()
    bounds = ((_complete(problem, table, required, knapsacks, prices), prices.count),)
    reserve = time.perf_counter() - started
    if time.perf_counter() + reserve < deadline:
        columns_from = deadline - reserve - (COLUMN_SHARE * (deadline - reserve - time.perf_counter())
                                             if patterns is not None else 0.0)
        prices = subgradient_prices(knapsacks, prices, floor, columns_from, patterns)
        bounds += ((_complete(problem, table, required, knapsacks, prices), prices.count),)
        if patterns is not None:
            grown = column_prices(problem, table, required, knapsacks, patterns, prices,
                                  count_reached or (lambda: pairs.count_min), deadline - reserve * COUNTS_AHEAD)
            if not grown:  # the steps go on instead
                grown = [subgradient_prices(knapsacks, prices, floor, deadline - reserve, patterns)]
            bounds += tuple((_complete(problem, table, required, knapsacks, found), found.count) for found in grown)
    return ValueBound(pairs.count_min, bounds)


def column_prices(problem: AssignmentProblem, table: PairTable, required: np.ndarray, knapsacks: MentorKnapsacks,
                  patterns: MentorPatterns, start: MenteePrices, count_reached: Callable[[], int],
                  deadline: float) -> list[MenteePrices]:
    """Prices of the mentees and of the count from column generation, until `deadline`: the
    LP over the sets in `patterns` (each mentor one, at least a target count of matches)
    gives prices, at which each mentor's best set (its knapsack over the pairs of
    `knapsacks`) joins the sets. The target is the count `count_reached()` (read again each
    round, so that it follows a count that grows elsewhere); when no mentor has a better set
    at a target, the target goes up by one, until the sets cannot reach it. Each round's
    prices bound every assignment (a line in the count, as the count's row is priced),
    unless the sets fall short of the target; returned are those whose line is lowest at
    each of the first COUNTS_AHEAD targets from the last count reached (none when
    COLUMN_ROUNDS rounds would not fit the time or no LP was solved in time); a round
    begins only when the last one's time is left. The subgradient steps converge slowly
    where the count binds (400 x 100, at least 333 matches: 931.3 after 3,000 steps, the
    count priced at 0.07; the columns' LP 926.5, the count priced at 3.3), as the count's
    price and the mentees' trade off along a ridge. Targets above the count reached give
    the master sets that match more (400 x 100, seed 0: the master over sets converged at
    334 matched 334 at 920.8 in 2 s, where the search had matched 333 at 918.0)."""
    if time.perf_counter() + COLUMN_ROUNDS * len(patterns) / COLUMNS_PER_SECOND > deadline:
        return []
    feasible = np.zeros(problem.shape, bool)
    feasible[table.mentee, table.mentor] = True
    target = reached = knapsacks.pairs.count_min
    master = MasterLP(problem, feasible, required, target)
    lowest: dict[int, tuple[float, MenteePrices]] = {}
    round_seconds = 0.0
    while time.perf_counter() + round_seconds < deadline:
        began = time.perf_counter()
        reached = max(reached, count_reached())
        target = max(target, reached)
        master.add(patterns)
        duals = master.duals(target, deadline - time.perf_counter())
        if duals is None:
            break
        mentee = np.where(required, duals[0], np.maximum(duals[0], 0.0))
        prices = MenteePrices(mentee, max(duals[1], 0.0), start.target)
        before = len(patterns)
        bound, _ = knapsacks.evaluate(prices, patterns)
        line = bound - prices.count * (target - knapsacks.pairs.count_min)
        if not duals[2] and line < lowest.get(target, (np.inf,))[0]:
            lowest[target] = (line, prices)
        if len(patterns) == before:
            if duals[2]:
                break  # no set brings the target nearer: the sets cannot reach it
            target += 1
        round_seconds = time.perf_counter() - began
    return [lowest[count][1] for count in sorted(count for count in lowest if count >= reached)[:COUNTS_AHEAD]]


def _complete(problem: AssignmentProblem, table: PairTable, required: np.ndarray, knapsacks: MentorKnapsacks,
              prices: MenteePrices) -> float:
    """The bound at `prices` over every feasible pair: from the working pairs of
    `knapsacks`, the feasible pairs that could change it are added until none is left."""
    working = knapsacks.working(prices)
    chosen = np.zeros(problem.shape, bool)
    chosen[working.pairs.mentee, working.pairs.mentor] = True
    while True:
        missing = _missing_pairs(table, chosen, working, prices)
        if not len(missing[0]):
            return working.evaluate(prices)[0]
        chosen[missing] = True
        working = MentorKnapsacks(pair_list(problem, chosen, required, VALUE,
                                            knapsacks.pairs.count_min), knapsacks.grid)


def _missing_pairs(table: PairTable, known: np.ndarray, knapsacks: MentorKnapsacks,
                   prices: MenteePrices) -> tuple[np.ndarray, np.ndarray]:
    """Feasible pairs (of `table`) outside `known` whose reduced weight at `prices` beats the
    threshold of their mentor and load class, as (mentee, mentor)."""
    mentee, mentor, load = table.mentee, table.mentor, table.load
    floor = knapsacks.thresholds(prices)
    classes = knapsacks.classes
    gamma = 0.0 if prices.target is None else prices.target[mentor]
    reduced = table.value + prices.count - prices.mentee[mentee] + gamma * load
    if len(classes):
        units = knapsacks.grid.units(load)
        position = np.minimum(np.searchsorted(classes, units), len(classes) - 1)
        threshold = np.where(classes[position] == units, floor[mentor, position], 0.0)
    else:
        threshold = 0.0
    picked = np.flatnonzero(reduced > threshold)
    picked = picked[~known[mentee[picked], mentor[picked]]]
    return mentee[picked], mentor[picked]
