"""Tests of the bound from prices on the mentees: one knapsack per mentor."""

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.solver.assign_duals import PairList
from matcher.solver.assign_knapsack import (LoadGrid, MenteePrices, MentorKnapsacks, ValueBound, best_sets,
                                            descending_within, load_programme, subgradient_prices)
from matcher.solver.assign_model import PairModel, solve_lp


def small_pairs(seed: int, n: int = 8, m: int = 3, loads=(1.0, 1.5, 2.0), capacities=(1, 4),
                budgets=(2.0, 3.0, 4.5)) -> PairList:
    rng = np.random.default_rng(seed)
    allowed = rng.random((n, m)) < 0.7
    mentees, mentors = np.nonzero(allowed)
    return PairList(mentees, mentors, rng.uniform(0, 3, len(mentees)), rng.choice(loads, n)[mentees],
                    rng.integers(*capacities, m).astype(float), rng.choice(budgets, m), rng.random(n) < 0.25,
                    rng.uniform(0, 3, m), 0.4, count_min=2)


def random_prices(seed: int, pairs: PairList) -> MenteePrices:
    rng = np.random.default_rng(seed + 100)
    n, m = len(pairs.required), len(pairs.capacity)
    mentee = rng.uniform(-0.5, 2.0, n)
    mentee = np.where(pairs.required, mentee, np.maximum(mentee, 0.0))
    return MenteePrices(mentee, float(rng.uniform(0, 1)), rng.uniform(0, pairs.penalty, m))


def brute_force_bound(pairs: PairList, prices: MenteePrices) -> float:
    """The mentee-priced Lagrangian with every mentor's best set found by enumeration."""
    reduced = pairs.weight + prices.count - prices.mentee[pairs.mentee] + prices.target[pairs.mentor] * pairs.load
    total = prices.mentee.sum() - prices.count * pairs.count_min - prices.target @ pairs.target
    for j in range(len(pairs.capacity)):
        own = np.flatnonzero(pairs.mentor == j)
        best = 0.0
        for size in range(1, int(pairs.capacity[j]) + 1):
            for subset in itertools.combinations(own, size):
                subset = list(subset)
                if pairs.load[subset].sum() <= pairs.budget[j] + 1e-9:
                    best = max(best, reduced[subset].sum())
        total += best
    return float(total)


@pytest.mark.parametrize("seed", range(6))
def test_each_mentor_takes_its_best_set_within_capacity_and_budget(seed):
    pairs = small_pairs(seed)
    prices = random_prices(seed, pairs)
    knapsacks = MentorKnapsacks(pairs, LoadGrid.fitting(pairs.load, pairs.budget))
    bound, chosen = knapsacks.evaluate(prices)
    assert bound == pytest.approx(brute_force_bound(pairs, prices))
    m = len(pairs.capacity)
    assert (np.bincount(pairs.mentor[chosen], minlength=m) <= pairs.capacity).all()
    assert (np.bincount(pairs.mentor[chosen], pairs.load[chosen], minlength=m) <= pairs.budget + 1e-9).all()
    reduced = knapsacks.reduced(prices)
    assert (reduced[chosen] > 0).all()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10 ** 6), st.integers(1, 9), st.integers(1, 4),
       st.sampled_from([(1.0, 1.5, 2.0), (0.5, 1.0, 3.0), (0.25, 0.75, 1.0, 2.5)]))
def test_the_mentors_best_sets_are_those_of_enumeration_for_any_limits(seed, n, m, loads):
    pairs = small_pairs(seed, n, m, loads, capacities=(0, 5), budgets=(0.0, 1.0, 2.5, 4.0, 6.0))
    prices = random_prices(seed, pairs)
    knapsacks = MentorKnapsacks(pairs, LoadGrid.fitting(pairs.load, pairs.budget))
    load_programme()
    bound, chosen = knapsacks.evaluate(prices)
    assert len(best_sets.signatures) == 1  # the types load_programme compiles: nothing compiles within a solve
    assert bound == pytest.approx(brute_force_bound(pairs, prices))
    constant = prices.mentee.sum() - prices.count * pairs.count_min - prices.target @ pairs.target
    assert constant + knapsacks.reduced(prices)[chosen].sum() == pytest.approx(bound)  # the sets taken reach it
    m = len(pairs.capacity)
    assert (np.bincount(pairs.mentor[chosen], minlength=m) <= pairs.capacity).all()
    assert (np.bincount(pairs.mentor[chosen], pairs.load[chosen], minlength=m) <= pairs.budget + 1e-9).all()


def test_a_budget_that_fits_one_and_a_half_mentees_bounds_one():
    pairs = PairList(np.arange(3), np.zeros(3, int), np.ones(3), np.full(3, 2.0), np.array([3.0]),
                     np.array([3.0]), np.zeros(3, bool))
    lp = solve_lp(PairModel(pairs.mentee, pairs.mentor, pairs.weight, pairs.load, pairs.capacity, pairs.budget,
                            pairs.required)).objective
    knapsacks = MentorKnapsacks(pairs, LoadGrid.fitting(pairs.load, pairs.budget))
    bound, chosen = knapsacks.evaluate(MenteePrices(np.zeros(3)))
    assert lp == pytest.approx(1.5)
    assert bound == pytest.approx(1.0) and chosen.sum() == 1


def test_loads_off_every_grid_are_rounded_down_so_the_bound_still_holds():
    loads = np.array([0.71, 1.33, 0.93, 1.07])  # hours on no grid of whole minutes
    grid = LoadGrid.fitting(loads, np.array([2.0]))
    assert grid.unit == pytest.approx(2.0 / 256)
    pairs = PairList(np.arange(4), np.zeros(4, int), np.array([1.0, 1.6, 1.2, 1.5]), loads, np.array([3.0]),
                     np.array([2.0]), np.zeros(4, bool))
    bound, _ = MentorKnapsacks(pairs, grid).evaluate(MenteePrices(np.zeros(4)))
    assert bound == pytest.approx(2.7)  # 1.6 + 1.2 (2.26 hours) does not fit; 1.2 + 1.5 (2.0 hours) does
    assert LoadGrid.fitting(np.array([1.0, 1.5]), np.array([10.0])).unit == 0.5


@pytest.mark.parametrize("seed", range(4))
def test_a_pair_outside_the_list_below_its_threshold_leaves_the_bound_as_it_is(seed):
    full = small_pairs(seed, n=10, m=3)
    prices = random_prices(seed, full)
    grid = LoadGrid.fitting(full.load, full.budget)
    reduced = MentorKnapsacks(full, grid).reduced(prices)
    rng = np.random.default_rng(seed)
    listed = rng.random(len(full.mentee)) < 0.6
    part = lambda keep: PairList(full.mentee[keep], full.mentor[keep], full.weight[keep], full.load[keep],
                                 full.capacity, full.budget, full.required, full.target, full.penalty, full.count_min)
    knapsacks = MentorKnapsacks(part(listed), grid)
    bound, _ = knapsacks.evaluate(prices)
    thresholds = knapsacks.thresholds(prices)
    changed = 0
    for p in np.flatnonzero(~listed):
        with_pair = listed.copy()
        with_pair[p] = True
        position = np.searchsorted(knapsacks.classes, grid.units(full.load[p]))
        known_class = position < len(knapsacks.classes) and knapsacks.classes[position] == grid.units(full.load[p])
        threshold = thresholds[full.mentor[p], position] if known_class else 0.0
        new_bound, _ = MentorKnapsacks(part(with_pair), grid).evaluate(prices)
        if reduced[p] <= threshold:
            assert new_bound == pytest.approx(bound)
        changed += new_bound > bound + 1e-9
    assert changed > 0  # some pairs above their threshold do change it: the test has teeth


def test_subgradient_steps_lower_the_bound_from_poor_prices():
    pairs = small_pairs(5, n=30, m=6)
    knapsacks = MentorKnapsacks(pairs, LoadGrid.fitting(pairs.load, pairs.budget))
    start = MenteePrices(np.full(30, 3.0), 0.0, np.zeros(6))
    first, _ = knapsacks.evaluate(start)
    prices = subgradient_prices(knapsacks, start, 0.0, time.perf_counter() + 0.5)
    assert knapsacks.evaluate(prices)[0] < first - 1.0
    assert (prices.mentee[~pairs.required] >= 0).all() and prices.count >= 0
    assert ((prices.target >= 0) & (prices.target <= pairs.penalty)).all()


def test_a_value_bound_holds_for_more_matches_less_its_price_and_not_for_fewer():
    bound = ValueBound(10, ((100.0, 2.0), (101.0, 0.5)))
    assert bound.at(10) == 100.0
    assert bound.at(12) == pytest.approx(min(100.0 - 4.0, 101.0 - 1.0))
    with pytest.raises(ValueError, match="at least 10"):
        bound.at(9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(-40, 40)), min_size=1, max_size=60))
def test_descending_within_orders_each_group_from_its_largest_value_as_a_lexsort_does(rows):
    groups = np.array([group for group, _ in rows])
    values = np.array([value for _, value in rows]) / 8.0  # exact in binary: no near ties
    assert np.array_equal(descending_within(groups, values), np.lexsort((-values, groups)))


def test_descending_within_keeps_the_groups_apart_when_values_are_large_and_near():
    groups = np.array([0, 0, 1, 1, 2000, 2000])
    values = np.array([-1e6, 1e6, 1e6, 1e6 - 1e-3, 0.5, 0.25])
    order = descending_within(groups, values)
    assert groups[order].tolist() == groups.tolist()
    assert order.tolist() == [1, 0, 2, 3, 4, 5]


def test_a_solve_has_the_programme_loaded_before_it_forks(fresh_python):
    code = ("import numpy as np\n"
            "from matcher.solver.assign_knapsack import best_sets\n"
            "from matcher.solver.assign_problem import AssignmentProblem\n"
            "from matcher.solver.assignment import solve_assignment\n"
            "assert not best_sets.signatures\n"
            "solve_assignment(AssignmentProblem(np.ones((2, 1)), np.ones((2, 1), bool), np.ones(2), np.array([2]),"
            " np.array([4.0])), 1.0)\n"
            "print(len(best_sets.signatures))")
    assert fresh_python(code) == "1\n"
