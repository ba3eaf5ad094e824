"""Tests of the bound from prices on the mentees: one knapsack per mentor."""

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.assignment import synthetic
from matcher.solver.assign_duals import PairList, Prices, fitted_prices
from matcher.solver.assign_knapsack import (LoadGrid, MenteePrices, MentorKnapsacks, ValueBound,
                                            descending_within, knapsack_bound, subgradient_prices)
from matcher.solver.assign_matrix import PairTable
from matcher.solver.assign_model import Objective, PairModel, solve_lp, solve_milp
from matcher.solver.assign_patterns import MentorPatterns
from matcher.solver.assign_problem import AssignmentProblem
from matcher.solver.assignment import solve_assignment
from tests.test_assign_core import heavy_valued


def small_pairs(seed: int, n: int = 8, m: int = 3, loads=(1.0, 1.5, 2.0)) -> PairList:
    rng = np.random.default_rng(seed)
    allowed = rng.random((n, m)) < 0.7
    mentees, mentors = np.nonzero(allowed)
    return PairList(mentees, mentors, rng.uniform(0, 3, len(mentees)), rng.choice(loads, n)[mentees],
                    rng.integers(1, 4, m).astype(float), rng.choice([2.0, 3.0, 4.5], m), rng.random(n) < 0.25,
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


def count_constrained(seed: int):
    value, allowed, load, capacity, budget, required = heavy_valued(seed, 120, 25)
    problem = AssignmentProblem(value, allowed, load, capacity, budget, required)
    mentees, mentors = np.nonzero(allowed)
    model = lambda weight, count_min=0: PairModel(mentees, mentors, weight, load[mentees], capacity, budget,
                                                  required, count_min=count_min)
    count_min = int(solve_lp(model(np.ones(len(mentees)))).objective) - 3
    return problem, count_min, model(value[mentees, mentors], count_min)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_knapsack_bound_holds_the_optimum_and_is_tighter_than_the_lp(seed):
    problem, count_min, model = count_constrained(seed)
    optimum = solve_milp(model, 60)
    lp = solve_lp(model).objective
    mentor_of = np.full(problem.shape[0], -1)
    mentor_of[model.mentee[optimum.x]] = model.mentor[optimum.x]
    known = np.zeros(problem.shape, bool)
    known[np.arange(problem.shape[0]), np.argmax(np.where(problem.allowed, problem.value, -1), axis=1)] = True
    known[np.flatnonzero(mentor_of >= 0), mentor_of[mentor_of >= 0]] = True
    table = PairTable.of(problem.value, problem.allowed, problem.load)
    fit = fitted_prices(problem, table, problem.required, Objective(0.0, 1.0, 1.0), known.copy(),
                        time.perf_counter() + 30, count_min)
    bound = knapsack_bound(problem, table, problem.required, known, mentor_of, fit.prices,
                           time.perf_counter() + 3).at(int((mentor_of >= 0).sum()))
    assert optimum.status == "optimal"
    assert optimum.objective - 1e-6 <= bound < lp - 1e-3
    assert bound <= fit.bound + 1e-6


def test_subgradient_steps_lower_the_bound_from_poor_prices():
    pairs = small_pairs(5, n=30, m=6)
    knapsacks = MentorKnapsacks(pairs, LoadGrid.fitting(pairs.load, pairs.budget))
    start = MenteePrices(np.full(30, 3.0), 0.0, np.zeros(6))
    first, _ = knapsacks.evaluate(start)
    prices = subgradient_prices(knapsacks, start, 0.0, time.perf_counter() + 0.5)
    assert knapsacks.evaluate(prices)[0] < first - 1.0
    assert (prices.mentee[~pairs.required] >= 0).all() and prices.count >= 0
    assert ((prices.target >= 0) & (prices.target <= pairs.penalty)).all()


def test_programmes_too_large_give_no_bound():
    n, m = 400, 2
    rng = np.random.default_rng(0)
    problem = AssignmentProblem(rng.uniform(0, 1, (n, m)), np.ones((n, m), bool), np.arange(1, n + 1) / 60,
                                np.full(m, 400.0), np.full(m, 1000.0))
    zero = Prices(np.zeros(m), np.zeros(m), np.zeros(m))
    table = PairTable.of(problem.value, problem.allowed, problem.load)
    assert knapsack_bound(problem, table, np.zeros(n, bool), problem.allowed.copy(), np.full(n, -1), zero,
                          time.perf_counter() + 1) is None


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(1, 3), st.booleans())
def test_the_knapsack_bound_covers_every_assignment_matching_as_many_in_a_random_pool(seed, n, m, columns):
    rng = np.random.default_rng(seed)
    problem = AssignmentProblem(rng.uniform(0, 2, (n, m)), rng.random((n, m)) < 0.7, rng.choice([1.0, 1.5, 2.0], n),
                                rng.integers(1, 3, m).astype(float), rng.choice([1.5, 2.0, 3.0], m),
                                target_hours=rng.uniform(0, 2, m), shortfall_penalty=0.3)
    feasible = []
    for mentor_of in itertools.product(range(-1, m), repeat=n):
        mentor_of = np.array(mentor_of)
        matched = np.flatnonzero(mentor_of >= 0)
        capacity, budget = problem.room_left(mentor_of)
        if problem.allowed[matched, mentor_of[matched]].all() and (capacity >= 0).all() and (budget >= -1e-9).all():
            feasible.append((mentor_of, len(matched), problem.objective(mentor_of)))
    known_assignment, count, _ = feasible[rng.integers(len(feasible))]
    best = max(objective for _, matched, objective in feasible if matched >= count)
    start = Prices(np.zeros(m), np.zeros(m), np.zeros(m), 0.5)
    known = problem.allowed & (rng.random((n, m)) < 0.3)
    table = PairTable.of(problem.value, problem.allowed, problem.load)
    reached = min(count + int(rng.integers(0, 2)), n)  # the count a search elsewhere has reached
    bound = knapsack_bound(problem, table, np.zeros(n, bool), known, known_assignment, start,
                           time.perf_counter() + 0.05, MentorPatterns(problem.shape) if columns else None,
                           lambda: reached)
    for more in range(count, n + 1):  # assignments matching more are bounded by the bound less its count prices
        best = max((objective for _, matched, objective in feasible if matched >= more), default=-np.inf)
        assert bound.at(more) >= best - 1e-6


def test_where_the_count_binds_column_generation_bounds_tighter_than_the_steps_alone():
    n, m = 60, 15
    problem = synthetic(n, m, candidates=10, seed=0)
    found = solve_assignment(problem, time_limit=1.0)
    mentor_of, matched = np.asarray(found.mentor_of), found.matched
    table = PairTable.of(problem.value, problem.allowed, problem.load)
    start = Prices(np.zeros(m), np.zeros(m), np.zeros(m), 0.0)
    bounds = [knapsack_bound(problem, table, np.zeros(n, bool), problem.allowed.copy(), mentor_of, start,
                             time.perf_counter() + 1.0, patterns).at(matched)
              for patterns in (None, MentorPatterns(problem.shape))]
    steps_alone, with_columns = bounds
    assert found.objective - 1e-6 <= with_columns < steps_alone - 0.05


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
