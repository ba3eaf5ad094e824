"""Tests of the bound on value: prices from subgradient steps and from column generation,
completed over every feasible pair."""

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.assignment import synthetic
from matcher.solver.assign_duals import Prices, fitted_prices
from matcher.solver.assign_matrix import PairTable
from matcher.solver.assign_model import Objective, PairModel, solve_lp, solve_milp
from matcher.solver.assign_patterns import MentorPatterns
from matcher.solver.assign_problem import AssignmentProblem
from matcher.solver.assign_value_bound import knapsack_bound
from matcher.solver.assignment import solve_assignment
from tests.test_assign_core import heavy_valued


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
