"""A bound on an assignment from prices on the mentees: one knapsack per mentor.

Relaxing every mentee's "at most one mentor" row with a price `u_i` (and the count and the
soft targets with prices of their own) leaves each mentor to pick, on its own, the set of
mentees of highest reduced weight `w - u_i` that fits its capacity and hour budget: a
knapsack with two limits. The sum of the prices and of the mentors' best sets is an upper
bound for every feasible assignment, and at least as tight as the LP relaxation once the
prices are good. Loads are counted on a grid of whole units (rounded down, so the bound
stays valid), and within one load the best mentees go first, so each knapsack is a dynamic
programme over (mentees taken, units used), compiled with numba (best_sets). The prices are
improved by projected subgradient steps; the bound on value built from them is
assign_value_bound's.
"""

import time
from dataclasses import dataclass, replace

import numba
import numpy as np

from matcher.solver.assign_duals import PairList
from matcher.solver.assign_matrix import first_of_runs
from matcher.solver.assign_patterns import MentorPatterns

GRID_UNITS = (1.0, 0.5, 0.25, 1 / 12, 1 / 60)  # load grids tried, coarsest first (hours: 1, 1/2, 1/4, 5 and 1 minute)
MAX_UNITS = 256  # at most this many grid units per budget; coarser loads are rounded down
MAX_WORK = 30_000_000  # skip the bound when one programme would update more cells than this
FIRST_STEP = 0.5  # the first steps go this share of the way to the aim (Polyak)
AIM = 0.3  # aim at this share of the way from the best bound down to the known objective
DEFLECTION = 0.5  # share of the previous direction added to a subgradient
PRICE_LIMIT = 10.0  # prices stay within this many times the largest weight
SHRINK_AFTER = 8  # halve the step when the bound has not improved for this many steps
REFRESH = 10  # steps between two choices of the working pairs
SPARE = 2  # the working pairs: this many times the most a mentor can take, per mentor and load


@dataclass(frozen=True)
class ValueBound:
    """Bounds on the value of every feasible assignment matching at least `count` mentees,
    each with the price of one match it was taken at: one that matches more is bounded by
    each, less that price for every match beyond `count` (the count's row is relaxed with
    that price, so its term falls by the price per match)."""

    count: int
    bounds: tuple[tuple[float, float], ...]  # (bound, price of one match)

    def at(self, matched: int) -> float:
        """The bound for assignments matching at least `matched` mentees, `matched` >= `count`."""
        if matched < self.count:
            raise ValueError(f"a bound for at least {self.count} matches does not hold for {matched}")
        return min((bound - price * (matched - self.count) for bound, price in self.bounds), default=np.inf)


@dataclass(frozen=True)
class MenteePrices:
    """Prices of the mentee rows, of the count and of the mentors' soft targets."""

    mentee: np.ndarray  # (n,), >= 0 unless the mentee is required
    count: float = 0.0
    target: np.ndarray | None = None  # (m,) in [0, penalty]


class LoadGrid:
    """Loads counted in whole units of `unit` hours, rounded down."""

    def __init__(self, unit: float):
        self.unit = unit

    @staticmethod
    def fitting(load: np.ndarray, budget: np.ndarray) -> "LoadGrid":
        """The coarsest grid of GRID_UNITS that holds every load exactly with at most
        MAX_UNITS per largest budget, else a grid of MAX_UNITS per largest budget."""
        largest = float(budget.max(initial=0.0))
        for unit in GRID_UNITS:
            if largest / unit <= MAX_UNITS and np.allclose(load / unit, np.round(load / unit), atol=1e-6):
                return LoadGrid(unit)
        return LoadGrid(max(largest, 1e-9) / MAX_UNITS)

    def units(self, hours: np.ndarray) -> np.ndarray:
        """Whole units in `hours`, rounded down (so a bound over them stays valid)."""
        return np.floor(np.asarray(hours) / self.unit + 1e-9).astype(np.int64)


class MentorKnapsacks:
    """The mentee-priced Lagrangian over the pairs of a PairList, for all mentors at once."""

    def __init__(self, pairs: PairList, grid: LoadGrid, anchor: np.ndarray | None = None):
        self.pairs, self.grid = pairs, grid
        self.anchor = np.zeros(len(pairs.mentee), bool) if anchor is None else anchor  # always among the working pairs
        self.m = len(pairs.capacity)
        self.classes, self.pair_class = np.unique(grid.units(pairs.load), return_inverse=True)
        self.group = pairs.mentor * len(self.classes) + self.pair_class  # (mentor, load class)
        self.by_group = np.argsort(self.group, kind="stable")
        self.budget = grid.units(pairs.budget)
        smallest = max(int(self.classes[0]), 1) if len(self.classes) else 1
        self.most = int(min(pairs.capacity.max(initial=0), self.budget.max(initial=0) // smallest))
        self.capacity = np.minimum(pairs.capacity, self.most).astype(np.int64)
        self.hours = int(self.budget.max(initial=0))
        self.taken = np.array([max(1, min(self.most, self.hours // size if size else self.most))
                               for size in self.classes], np.int64)  # the most of each class a mentor takes
        self.target = np.zeros(self.m) if pairs.target is None else pairs.target

    def work(self) -> int:
        """Cells one evaluation updates."""
        return self.m * (self.most + 1) * (self.hours + 1) * int(self.taken.sum())

    def reduced(self, prices: MenteePrices) -> np.ndarray:
        """Reduced weight of every pair at `prices`."""
        pairs = self.pairs
        gamma = np.zeros(self.m) if prices.target is None else prices.target
        return pairs.weight + prices.count - prices.mentee[pairs.mentee] + gamma[pairs.mentor] * pairs.load

    def ranked(self, reduced: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pairs of positive reduced weight, best first within each mentor and load
        class, and their rank there."""
        positive = self.by_group[reduced[self.by_group] > 0]
        order = positive[descending_within(self.group[positive], reduced[positive])]
        group = self.group[order]
        first = first_of_runs(group)
        rank = np.arange(len(order)) - np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
        return order, rank

    def evaluate(self, prices: MenteePrices, patterns: MentorPatterns | None = None) -> tuple[float, np.ndarray]:
        """(bound, the pairs the mentors take, as a mask over the pair list) at `prices`; the
        sets the mentors take are added to `patterns`, when given."""
        pairs = self.pairs
        reduced = self.reduced(prices)
        order, rank = self.ranked(reduced)
        kept = rank < self.most
        gains = np.full((self.m, len(self.classes), self.most + 1), -np.inf)
        gains[:, :, 0] = 0.0
        gains[pairs.mentor[order[kept]], self.pair_class[order[kept]], rank[kept] + 1] = reduced[order[kept]]
        best, counts = best_sets(np.cumsum(gains, axis=2), self.classes, self.taken, self.capacity, self.budget)
        gamma = np.zeros(self.m) if prices.target is None else prices.target
        constant = float(prices.mentee.sum() - prices.count * pairs.count_min - gamma @ self.target)
        chosen = np.zeros(len(reduced), bool)
        chosen[order[rank < counts[pairs.mentor[order], self.pair_class[order]]]] = True
        if patterns is not None:
            patterns.add(pairs.mentee[chosen], pairs.mentor[chosen])
        return constant + float(best.sum()), chosen

    def working(self, prices: MenteePrices) -> "MentorKnapsacks":
        """The knapsacks of each mentor's best SPARE times `most` pairs per load class at
        `prices`, and of the anchor pairs (a known assignment, so that the count minimum can
        be met): where the steps go between two refreshes."""
        order, rank = self.ranked(self.reduced(prices))
        keep = np.union1d(order[rank < SPARE * self.most], np.flatnonzero(self.anchor))
        pairs = self.pairs
        return MentorKnapsacks(replace(pairs, mentee=pairs.mentee[keep], mentor=pairs.mentor[keep],
                                       weight=pairs.weight[keep], load=pairs.load[keep]), self.grid, self.anchor[keep])

    def thresholds(self, prices: MenteePrices) -> np.ndarray:
        """(m, classes) the reduced weight a pair outside the list must exceed to change the
        bound at `prices`: the k-th best of its mentor and load class, k being the most
        mentees of that load the mentor can take (infinite when none, 0 when fewer pairs)."""
        reduced = self.reduced(prices)
        order, rank = self.ranked(reduced)
        sizes = np.maximum(self.classes, 1)
        room = np.minimum(self.capacity[:, None], np.where(self.classes > 0, self.budget[:, None] // sizes, self.most))
        mentors, classes = self.pairs.mentor[order], self.pair_class[order]
        last = rank == room[mentors, classes] - 1
        floor = np.where(room > 0, 0.0, np.inf)
        floor[mentors[last], classes[last]] = reduced[order[last]]
        return floor

    def subgradient(self, prices: MenteePrices, chosen: np.ndarray) -> MenteePrices:
        """The projected subgradient of the bound at `prices` given the chosen pairs."""
        pairs = self.pairs
        n = len(pairs.required)
        mentee = 1.0 - np.bincount(pairs.mentee[chosen], minlength=n)
        mentee = np.where((prices.mentee <= 0) & (mentee > 0) & ~pairs.required, 0.0, mentee)
        count = float(chosen.sum() - pairs.count_min)
        count = 0.0 if prices.count <= 0 and count > 0 else count
        target = None
        if prices.target is not None:
            target = np.bincount(pairs.mentor[chosen], pairs.load[chosen], minlength=self.m) - self.target
            target = np.where(((prices.target <= 0) & (target > 0)) | ((prices.target >= pairs.penalty) & (target < 0)),
                              0.0, target)
        return MenteePrices(mentee, count, target)

    def step(self, prices: MenteePrices, direction: MenteePrices, length: float) -> MenteePrices:
        """`prices` moved against `direction` by `length`, projected on their limits (and
        within PRICE_LIMIT times the largest weight, where the bound stays exact in floating
        point)."""
        limit = PRICE_LIMIT * (1.0 + float(np.abs(self.pairs.weight).max(initial=0.0)))
        mentee = np.clip(prices.mentee - length * direction.mentee, -limit, limit)
        mentee = np.where(self.pairs.required, mentee, np.maximum(mentee, 0.0))
        target = None
        if prices.target is not None:
            target = np.clip(prices.target - length * direction.target, 0.0, self.pairs.penalty)
        return MenteePrices(mentee, min(max(0.0, prices.count - length * direction.count), limit), target)


@numba.njit(cache=True)
def best_sets(gains, classes, taken, capacity, budget):
    """Each mentor's best total, and how many mentees of each load class it takes, from the
    best `gains[mentor, class, k]` of k mentees of each class (-inf where it has fewer):
    a dynamic programme over (mentees taken, units used) within the mentor's `capacity` and
    `budget` (in units), class by class (`classes`: units of a mentee; at most `taken` of
    each). Compiled, mentor by mentor: 0.4 ms at 2,000 x 500 and 1.8 ms at 10,000 x 2,000,
    where numpy over every mentor at once took 5.1 ms and 59 ms."""
    m, n_classes = gains.shape[0], gains.shape[1]
    best = np.zeros(m)
    counts = np.zeros((m, n_classes), np.int64)
    for j in range(m):
        most, hours = max(capacity[j], 0), max(budget[j], 0)
        table = np.zeros((most + 1, hours + 1))  # [k, h]: the best of at most k mentees in at most h units
        choice = np.zeros((n_classes, most + 1, hours + 1), np.int16)
        for c in range(n_classes):
            updated = table.copy()
            for k in range(1, min(taken[c], most) + 1):
                used = k * classes[c]
                if used > hours:
                    break
                for before in range(most + 1 - k):
                    for units in range(hours + 1 - used):
                        candidate = table[before, units] + gains[j, c, k]
                        if candidate > updated[before + k, units + used]:
                            updated[before + k, units + used] = candidate
                            choice[c, before + k, units + used] = k
            table = updated
        best[j] = table[most, hours]
        for c in range(n_classes - 1, -1, -1):
            k = choice[c, most, hours]
            counts[j, c] = k
            most -= k
            hours -= k * classes[c]
    return best, counts


def load_programme() -> None:
    """Compile best_sets, or load it from numba's cache (about 1.2 s the first time after an
    install or a change of this file, 0.2 s after, nothing once this process has it), so
    that a timed solve, and the processes it forks, find it ready."""
    ones = np.ones(1, np.int64)
    best_sets(np.zeros((1, 1, 2)), ones, ones, ones, ones)


def descending_within(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The order of `np.lexsort((-values, groups))`, by group and within a group from the
    largest value, from one stable sort of one key: near linear time when the groups come in
    order already. Values closer than the key's rounding (about 1e-16 of the largest group
    number times the largest value) may come in either order, which moves a bound built on
    the order by no more than that."""
    span = 2.0 * float(np.abs(values).max(initial=0.0)) + 1.0
    return np.argsort(groups * span - values, kind="stable")


def deflected(direction: MenteePrices, previous: MenteePrices) -> MenteePrices:
    """A subgradient with DEFLECTION times the previous direction added (fewer zigzags)."""
    target = None if direction.target is None else direction.target + DEFLECTION * previous.target
    return MenteePrices(direction.mentee + DEFLECTION * previous.mentee,
                        direction.count + DEFLECTION * previous.count, target)


def norm_squared(direction: MenteePrices) -> float:
    """Squared length of a subgradient."""
    total = float(direction.mentee @ direction.mentee) + direction.count ** 2
    return total + (0.0 if direction.target is None else float(direction.target @ direction.target))


def subgradient_prices(knapsacks: MentorKnapsacks, start: MenteePrices, floor: float, deadline: float,
                       patterns: MentorPatterns | None = None) -> MenteePrices:
    """The prices of the best bound of deflected projected subgradient steps from `start`
    until `deadline`, with Polyak steps aimed between the best bound and `floor` (the
    objective of a known assignment), taken over the working pairs, chosen again every
    REFRESH steps; the mentors' sets of every step are added to `patterns`, when given."""
    prices, best, best_prices = start, np.inf, start
    scale, since, steps, previous = FIRST_STEP, 0, 0, None
    while True:
        if steps % REFRESH == 0:
            working = knapsacks.working(prices)
        steps += 1
        bound, chosen = working.evaluate(prices, patterns)
        if bound < best:
            best, best_prices, since = bound, prices, 0
        else:
            since += 1
            if since >= SHRINK_AFTER:
                scale, since = scale / 2, 0
        direction = working.subgradient(prices, chosen)
        if norm_squared(direction) == 0 or time.perf_counter() >= deadline:
            return best_prices
        if previous is not None:
            direction = deflected(direction, previous)
        previous = direction
        length = norm_squared(direction)
        aim = best - AIM * (best - floor)
        prices = working.step(prices, direction, scale * max(bound - aim, 1e-9) / length)
