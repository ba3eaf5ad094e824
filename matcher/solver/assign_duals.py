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
from scipy.optimize import minimize

TEMPERATURES = (0.05, 0.015, 0.005, 0.0015)  # times the largest weight, one stage each
ITERATIONS = 30  # L-BFGS-B iterations per temperature


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


def smoothed_prices(pairs: PairList, deadline: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(capacity, budget, target) prices per mentor, near the LP duals, by the deadline."""
    m = len(pairs.capacity)
    dual = _SmoothedDual(pairs)
    prices = np.zeros(3 * m)
    scale = max(float(np.abs(pairs.weight).max(initial=0.0)), 1e-9)
    target_cap = pairs.penalty if pairs.target is not None else 0.0
    limits = [(0.0, None)] * (2 * m) + [(0.0, target_cap)] * m
    for temperature in TEMPERATURES:
        if time.perf_counter() >= deadline:
            break
        prices = minimize(dual, prices, args=(temperature * scale,), jac=True, method="L-BFGS-B",
                          bounds=limits, options={"maxiter": ITERATIONS}).x
    return prices[:m], prices[m:2 * m], prices[2 * m:]


class _SmoothedDual:
    """The smoothed Lagrangian bound and its gradient as functions of the prices."""

    def __init__(self, pairs: PairList):
        self.pairs = pairs
        n = len(pairs.required)
        counts = np.bincount(pairs.mentee, minlength=n)
        present = counts > 0
        self.starts = np.searchsorted(pairs.mentee, np.flatnonzero(present))
        self.sizes = counts[present]
        self.may_wait = ~pairs.required[present]
        self.target = np.zeros(len(pairs.capacity)) if pairs.target is None else pairs.target

    def __call__(self, prices: np.ndarray, temperature: float) -> tuple[float, np.ndarray]:
        pairs = self.pairs
        m = len(pairs.capacity)
        alpha, beta, gamma = prices[:m], prices[m:2 * m], prices[2 * m:]
        reduced = pairs.weight - alpha[pairs.mentor] - (beta - gamma)[pairs.mentor] * pairs.load
        best = np.maximum.reduceat(reduced, self.starts)
        best = np.where(self.may_wait, np.maximum(best, 0.0), best)
        spread = np.exp((reduced - np.repeat(best, self.sizes)) / temperature)
        total = np.add.reduceat(spread, self.starts) + np.where(self.may_wait, np.exp(-best / temperature), 0.0)
        value = (alpha @ pairs.capacity + beta @ pairs.budget - gamma @ self.target
                 + float(np.sum(best + temperature * np.log(total))))
        share = spread / np.repeat(total, self.sizes)
        taken = np.bincount(pairs.mentor, share, minlength=m)
        hours = np.bincount(pairs.mentor, share * pairs.load, minlength=m)
        return value, np.concatenate([pairs.capacity - taken, pairs.budget - hours, hours - self.target])
