"""Mentor prices for an assignment from a smoothed Lagrangian dual, without an LP.

Relaxing every mentor constraint (capacity, budget, soft target) with non-negative prices
leaves each mentee to take its best priced pair or none, and the total is an upper bound
for every choice of prices. Replacing each mentee's maximum by a log-sum-exp at temperature
`tau` makes that bound smooth, so L-BFGS-B minimises it over the prices; lowering `tau` step
by step brings the prices close to the LP relaxation's duals. Everything is vectorised over
the list of pairs, so one evaluation costs a few passes over it.
"""

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, minimize

from matcher.solver.assign_matrix import PairTable, lagrangian_bound, pair_load, per_mentee_max
from matcher.solver.assign_model import Objective
from matcher.solver.assign_problem import AssignmentProblem

TEMPERATURES = (0.05, 0.015, 0.005, 0.0015)  # times the largest weight, one stage each
ITERATIONS = 30  # L-BFGS-B iterations per temperature
WARM_STAGES = 2  # temperatures used when starting from earlier prices
NEW_PER_MENTEE = 5  # pairs added per mentee and round when fitting prices to a growing set
FAR = 0.05  # a round that gains or adds more than this share may be followed by another up to `stop`
SETTLED = 1e-4  # stop fitting when no pair is added and the bound moves less than this share
EXPONENT_FLOOR = np.float32(-80.0)  # exponents below are raised to it: exp(-80) is still a normal single


@dataclass(frozen=True)
class PairList:
    """Pairs sorted by mentee with their weight and load, and the mentor limits."""

    mentee: np.ndarray  # (P,) int, sorted
    mentor: np.ndarray  # (P,) int
    weight: np.ndarray  # (P,)
    load: np.ndarray  # (P,)
    capacity: np.ndarray  # (m,)
    budget: np.ndarray  # (m,)
    required: np.ndarray  # (n,) bool
    target: np.ndarray | None = None  # (m,) soft minimum load, None for none
    penalty: float = 0.0  # per hour below target
    count_min: int = 0  # at least this many matches


@dataclass(frozen=True)
class Prices:
    """Multipliers of the mentor constraints and of the count constraint."""

    capacity: np.ndarray  # (m,)
    budget: np.ndarray  # (m,)
    target: np.ndarray  # (m,)
    count: float = 0.0

    def duals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """As the Lagrangian bounds take them."""
        return self.capacity, self.budget, self.target, self.count

    def reduced(self, weight: np.ndarray, mentor: np.ndarray, load: np.ndarray) -> np.ndarray:
        """Reduced weights at these prices of pairs with the given weights, mentors and loads."""
        return weight + self.count - self.capacity[mentor] - (self.budget - self.target)[mentor] * load


def smoothed_prices(pairs: PairList, deadline: float, start: Prices | None = None) -> Prices:
    """Prices near the LP duals, by the deadline; from `start`, when given, only the
    coldest temperatures are used."""
    m = len(pairs.capacity)
    dual = _SmoothedDual(pairs)
    if start is None:
        prices, temperatures = np.zeros(3 * m + 1), TEMPERATURES
    else:
        prices, temperatures = np.concatenate([*start.duals()[:3], [start.count]]), TEMPERATURES[-WARM_STAGES:]
    scale = max(float(np.abs(pairs.weight).max(initial=0.0)), 1e-9)
    target_cap = pairs.penalty if pairs.target is not None else 0.0
    count_cap = np.inf if pairs.count_min > 0 else 0.0
    limits = Bounds(np.zeros(3 * m + 1), np.r_[np.full(2 * m, np.inf), np.full(m, target_cap), [count_cap]])
    for temperature in temperatures:
        if time.perf_counter() >= deadline:
            break
        prices = minimize(dual, prices, args=(temperature * scale,), jac=True, method="L-BFGS-B", bounds=limits,
                          options={"maxiter": ITERATIONS}, callback=_stop_after(deadline)).x
    return Prices(prices[:m], prices[m:2 * m], prices[2 * m:3 * m], float(prices[-1]))


def _stop_after(deadline: float):
    """A minimize callback that ends the iterations once the deadline has passed."""
    def callback(intermediate_result):
        if time.perf_counter() >= deadline:
            raise StopIteration
    return callback


def best_reduced(pairs: PairList, prices: Prices) -> np.ndarray:
    """(n,) each mentee's best reduced weight over its pairs at `prices` (0 for a mentee
    that may wait, or has no pair): the mentee duals that go with the prices."""
    reduced = prices.reduced(pairs.weight, pairs.mentor, pairs.load)
    best = per_mentee_max(pairs.mentee, reduced, len(pairs.required))
    best = np.where(pairs.required, best, np.maximum(best, 0.0))
    return np.where(np.isfinite(best), best, 0.0)


def pair_list(problem: AssignmentProblem, known: np.ndarray, required: np.ndarray, objective: Objective,
              count_min: int = 0) -> PairList:
    """The `known` pairs (a mask) of `problem` under `objective`, with at least `count_min` matches."""
    mentees, mentors = np.nonzero(known)
    return PairList(mentees, mentors, objective(problem.value[mentees, mentors]),
                    pair_load(problem.load, mentees, mentors), np.asarray(problem.capacity, float),
                    np.asarray(problem.budget, float), required, problem.target_hours,
                    problem.shortfall_penalty * objective.penalty_scale, count_min)


@dataclass(frozen=True)
class Fit:
    """Fitted prices, their Lagrangian bound (valid for every feasible assignment) and the
    seconds one such bound over the full matrix took."""

    prices: Prices
    bound: float
    bound_seconds: float


def fitted_prices(problem: AssignmentProblem, table: PairTable, required: np.ndarray, objective: Objective,
                  known: np.ndarray, deadline: float, count_min: int = 0, bound_seconds: float = 0.0,
                  stop: float | None = None, settled_share: float | None = None) -> Fit:
    """Smoothed prices fitted to the `known` pairs (a mask, grown in place) under `objective`
    with at least `count_min` matches; then every feasible pair (of `table`) that beats its
    mentee's best known pair at those prices is added (a few per mentee) and the prices are
    fitted again, until none is left or the deadline. A fit once started may run on to
    `stop` (the deadline by default), less the time of one bound (`bound_seconds` at first,
    then as measured), and so may the next round after one that lowered the bound or grew
    the pairs by more than FAR. Returns the prices of the best bound."""
    prices, best = None, Fit(None, np.inf, bound_seconds)
    while True:
        pairs = pair_list(problem, known, required, objective, count_min)
        prices = smoothed_prices(pairs, (deadline if stop is None else stop) - bound_seconds, prices)
        started = time.perf_counter()
        bound, new = lagrangian_bound(objective(table.value), table, required,
                                      pairs.capacity, pairs.budget, problem.target_hours, pairs.penalty,
                                      prices.duals(), count_min, best_reduced(pairs, prices), known, NEW_PER_MENTEE)
        bound_seconds = time.perf_counter() - started
        if settled_share is None:
            settled = not len(new[0]) and best.bound - bound <= SETTLED * max(1.0, abs(bound))
        else:
            settled = best.bound - bound <= settled_share * max(1.0, abs(bound))
        far = len(new[0]) > FAR * len(pairs.mentee) or (
            np.isfinite(best.bound) and best.bound - bound > FAR * max(1.0, abs(bound)))
        if bound < best.bound:
            best = Fit(prices, bound, bound_seconds)
        if settled or time.perf_counter() + bound_seconds >= (stop if far and stop is not None else deadline):
            return best
        known[new] = True


class _SmoothedDual:
    """The smoothed Lagrangian bound and its gradient as functions of the prices.

    The passes over the pairs run in single precision, which halves the memory they move
    (twice as fast at 2,000 x 500); exponents are kept above EXPONENT_FLOOR, where single
    precision is still normal (denormal numbers are ten times slower). The mentees' terms
    are added in double precision; the bound itself is always computed in double precision
    elsewhere (assign_matrix.lagrangian_bound), so these only steer the prices.
    """

    def __init__(self, pairs: PairList):
        self.pairs = pairs
        n, m, size = len(pairs.required), len(pairs.capacity), len(pairs.mentor)
        counts = np.bincount(pairs.mentee, minlength=n)
        present = counts > 0
        self.starts = np.searchsorted(pairs.mentee, np.flatnonzero(present))
        self.sizes = counts[present]
        self.may_wait = ~pairs.required[present]
        self.target = np.zeros(m) if pairs.target is None else pairs.target
        self.mentor = pairs.mentor.astype(np.intp)
        self.weight, self.load = pairs.weight.astype(np.float32), pairs.load.astype(np.float32)
        by_mentor = np.argsort(self.mentor, kind="stable")
        ends = np.cumsum(np.bincount(self.mentor, minlength=m))
        self.per_mentor = sparse.csr_matrix(  # rows: each mentor's pairs counted, then their hours
            (np.concatenate([np.ones(size, np.float32), self.load[by_mentor]]), np.tile(by_mentor, 2),
             np.concatenate([[0], ends, size + ends])), shape=(2 * m, size))

    def __call__(self, prices: np.ndarray, temperature: float) -> tuple[float, np.ndarray]:
        pairs = self.pairs
        m = len(pairs.capacity)
        alpha, beta, gamma, delta = prices[:m], prices[m:2 * m], prices[2 * m:3 * m], prices[-1]
        reduced = (beta - gamma).astype(np.float32).take(self.mentor)
        reduced *= self.load
        reduced += alpha.astype(np.float32).take(self.mentor)
        np.subtract(self.weight, reduced, out=reduced)
        reduced += np.float32(delta)
        best = np.maximum.reduceat(reduced, self.starts)
        best = np.where(self.may_wait, np.maximum(best, 0.0), best)
        reduced -= best.repeat(self.sizes)
        reduced *= np.float32(1.0 / temperature)
        spread = np.exp(np.maximum(reduced, EXPONENT_FLOOR, out=reduced), out=reduced)
        best = best.astype(np.float64)
        waiting = np.exp(-np.where(self.may_wait, best, np.inf) / temperature)  # a required mentee cannot wait
        total = np.add.reduceat(spread, self.starts).astype(np.float64) + waiting
        value = (alpha @ pairs.capacity + beta @ pairs.budget - gamma @ self.target - delta * pairs.count_min
                 + float(np.sum(best + temperature * np.log(total))))
        share = spread
        share *= (1.0 / total).astype(np.float32).repeat(self.sizes)
        taken_and_hours = (self.per_mentor @ share).astype(np.float64)
        taken, hours = taken_and_hours[:m], taken_and_hours[m:]
        return value, np.concatenate([pairs.capacity - taken, pairs.budget - hours, hours - self.target,
                                      [float(share.sum()) - pairs.count_min]])
