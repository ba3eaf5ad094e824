"""Tests of the bounds on how many mentees can be matched: the flow, the count knapsacks and
the count's Lagrangian bound."""

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.assignment import synthetic
from matcher.solver.assign_count import (COUNT_LP_PAIRS, flow_bound, knapsack_count_bound, lagrangian_count_bound,
                                         mentor_room)
from matcher.solver.assign_matrix import PairTable, feasible_mask, pair_load
from matcher.solver.assign_model import PairModel, solve_lp, solve_milp
from matcher.solver.assign_problem import AssignmentProblem
from matcher.solver.assignment import solve_assignment
from matcher.solver.background import can_fork


def count_problem(allowed, load, capacity, budget, required=None) -> AssignmentProblem:
    allowed = np.asarray(allowed, bool)
    return AssignmentProblem(np.ones(allowed.shape), allowed, np.asarray(load, float), np.asarray(capacity, float),
                             np.asarray(budget, float), None if required is None else np.asarray(required, bool))


def feasible_of(problem: AssignmentProblem) -> np.ndarray:
    return feasible_mask(problem.allowed, problem.load, problem.capacity, problem.budget)


def count_model(problem: AssignmentProblem) -> PairModel:
    """Every feasible pair of `problem`, each match worth one."""
    mentees, mentors = np.nonzero(feasible_of(problem))
    required = np.zeros(problem.shape[0], bool) if problem.required is None else problem.required
    return PairModel(mentees, mentors, np.ones(len(mentees)), pair_load(problem.load, mentees, mentors),
                     problem.capacity, problem.budget, required)


def most_matched(problem: AssignmentProblem) -> tuple[int, float]:
    """(the exact maximum count by MILP, the count LP's value) over every feasible pair."""
    model = count_model(problem)
    milp = solve_milp(model, 30.0)
    assert milp.status == "optimal"
    return int(milp.x.sum()), solve_lp(model).objective


def contended() -> AssignmentProblem:
    """x (1 h) can go to A (3 h) or B (1 h); y and z (2 h each) only to A. A's room is two
    (x and y fit), so the flow matches x to B and y, z to A: 3; but A fits only one of y, z."""
    return count_problem([[1, 1], [1, 0], [1, 0]], [1.0, 2.0, 2.0], [3, 1], [3.0, 1.0])


@st.composite
def count_problems(draw):
    n, m = draw(st.integers(1, 7)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    load = rng.choice([0.5, 1.0, 1.5, 2.0, 3.0], n) if draw(st.booleans()) else rng.choice([1.0, 2.0], (n, m))
    return count_problem(rng.random((n, m)) < 0.6, load, rng.integers(0, 4, m), rng.choice([1.0, 2.5, 4.0], m))


def test_a_mentors_room_is_its_capacity_when_the_budget_fits_more():
    room = mentor_room(np.ones((4, 1), bool), np.full(4, 1.0), np.array([2.0]), np.array([10.0]))
    assert room.tolist() == [2]


def test_a_mentors_room_is_what_fits_its_budget_lightest_first():
    feasible = np.array([[1, 1], [1, 1], [1, 0], [0, 1]], bool)
    load = np.array([2.0, 1.0, 1.5, 3.0])
    room = mentor_room(feasible, load, np.array([4.0, 4.0]), np.array([3.0, 2.9]))
    assert room.tolist() == [2, 1]  # 1 + 1.5 fits 3, not with 2 more; 1 fits 2.9, not with 2 more
    dense = mentor_room(feasible, np.repeat(load[:, None], 2, axis=1), np.array([4.0, 4.0]), np.array([3.0, 2.9]))
    assert dense.tolist() == [2, 1]
    whole = mentor_room(feasible, np.array([2, 1, 2, 3]), np.array([4, 4]), np.array([3, 2]))  # integer arrays
    assert whole.tolist() == [2, 1]


def test_the_flow_is_the_exact_count_when_budgets_do_not_bind():
    rng = np.random.default_rng(3)
    problem = count_problem(rng.random((30, 6)) < 0.3, np.ones(30), rng.integers(1, 5, 6), np.full(6, 100.0))
    assert flow_bound(feasible_of(problem), problem.load, problem.capacity, problem.budget) == most_matched(problem)[0]


def test_the_flow_counts_only_what_fits_each_budget():
    problem = count_problem(np.ones((3, 1)), [2.0, 2.0, 2.0], [3], [3.0])
    assert flow_bound(feasible_of(problem), problem.load, problem.capacity, problem.budget) == 1
    roomy = count_problem(np.ones((3, 1)), [2.0, 2.0, 2.0], [3], [6.0])
    assert flow_bound(feasible_of(roomy), roomy.load, roomy.capacity, roomy.budget) == 3


def test_the_count_knapsacks_close_the_gap_the_flow_leaves():
    problem = contended()
    feasible = feasible_of(problem)
    assert flow_bound(feasible, problem.load, problem.capacity, problem.budget) == 3
    assert most_matched(problem) == (2, pytest.approx(2.5))
    bound = knapsack_count_bound(problem, feasible, np.zeros(3, bool), time.perf_counter() + 10)
    assert 2 <= bound < 3


def test_the_count_knapsacks_are_skipped_beyond_the_pairs_limit():
    n = COUNT_LP_PAIRS // 10 + 1
    problem = count_problem(np.ones((n, 10)), np.ones(n), np.full(10, 3), np.full(10, 5.0))
    assert knapsack_count_bound(problem, feasible_of(problem), np.zeros(n, bool), time.perf_counter() + 10) is None


@settings(max_examples=40, deadline=None)
@given(count_problems())
def test_both_count_bounds_hold_and_the_knapsacks_are_within_the_lp(problem):
    exact, lp = most_matched(problem)
    feasible = feasible_of(problem)
    assert flow_bound(feasible, problem.load, problem.capacity, problem.budget) >= exact
    bound = knapsack_count_bound(problem, feasible, np.zeros(problem.shape[0], bool), time.perf_counter() + 10)
    assert exact - 1e-6 <= bound <= lp + 1e-6


def lagrangian_of(problem: AssignmentProblem, required: np.ndarray | None = None, seconds: float = 2.0) -> float:
    """The count's Lagrangian bound over every feasible pair of `problem`."""
    feasible = feasible_of(problem)
    table = PairTable.of(problem.value, feasible, problem.load, np.nonzero(feasible))
    required = np.zeros(problem.shape[0], bool) if required is None else required
    return lagrangian_count_bound(problem, table, feasible, required, time.perf_counter() + seconds)


@settings(max_examples=40, deadline=None)
@given(count_problems())
def test_the_counts_lagrangian_bound_holds(problem):
    exact, lp = most_matched(problem)
    assert lagrangian_of(problem) >= lp - 1e-6 >= exact - 1e-6


def test_where_hours_bind_the_counts_lagrangian_bound_is_far_tighter_than_the_flow():
    problem = synthetic(400, 100, 50, 0)
    lp = solve_lp(count_model(problem)).objective
    flow = flow_bound(feasible_of(problem), problem.load, problem.capacity, problem.budget)
    assert lp - 1e-6 <= lagrangian_of(problem) <= lp + 3 < flow - 40


@pytest.mark.skipif(not can_fork(), reason="the count's Lagrangian bound is computed in a forked process")
def test_where_hours_bind_a_large_solve_reports_the_counts_lagrangian_bound():
    problem = synthetic(2000, 500, 50, 0)  # the count's LP: 1,638.7; the flow: 1,946
    result = solve_assignment(problem, time_limit=5.0)
    assert 1638 <= result.matched_bound <= 1641


def test_required_mentees_keep_the_count_bounds_valid():
    problem = count_problem([[1, 1], [1, 0], [1, 0]], [1.0, 2.0, 2.0], [3, 1], [3.0, 1.0], required=[0, 1, 0])
    exact, _ = most_matched(problem)
    bound = knapsack_count_bound(problem, feasible_of(problem), problem.required, time.perf_counter() + 10)
    assert exact == 2 and 2 <= bound < 3
    assert lagrangian_of(problem, problem.required) >= exact - 1e-6


def test_large_solves_report_the_tightened_count_bound():
    """Many copies of the contended instance: the search matches two of each three, and the
    bound proves no assignment matches more (the flow alone allows three)."""
    copies = 700
    allowed = np.kron(np.eye(copies, dtype=bool), contended().allowed)
    problem = count_problem(allowed, np.tile([1.0, 2.0, 2.0], copies), np.tile([3, 1], copies),
                            np.tile([3.0, 1.0], copies))
    assert flow_bound(feasible_of(problem), problem.load, problem.capacity, problem.budget) == 3 * copies
    result = solve_assignment(problem, time_limit=3.0)
    assert result.matched == result.matched_bound == 2 * copies
