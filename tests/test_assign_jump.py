"""Tests of the feasibility jump: HiGHS's first assignment over every pair, matches first."""

import dataclasses
import time

import numpy as np
import pytest

from bench.assignment import synthetic
from matcher.solver.assign_model import Objective, jump_milp
from matcher.solver.assignment import _Solver, solve_assignment
from tests.test_assignment import assert_feasible


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_jump_matches_within_the_limits_and_matches_every_required_mentee(seed):
    rng = np.random.default_rng(seed)
    problem = synthetic(80, 20, 8, seed)
    problem = dataclasses.replace(problem, required=rng.random(80) < 0.2)
    solver = _Solver(problem, 5.0, None)
    pool = np.nonzero(solver.feasible)
    found = jump_milp(solver.model(*pool, Objective(1.0, 0.0, 0.0)), 5.0)
    assert found.status == "feasible"
    mentor_of = solver.assignment(pool, found.x)
    assert_feasible(problem, mentor_of)
    assert (mentor_of >= 0).sum() > problem.required.sum()


def test_where_nothing_fits_the_jump_matches_nobody():
    problem = synthetic(10, 3, 2, 0)
    solver = _Solver(dataclasses.replace(problem, budget=np.full(3, 0.5)), 1.0, None)
    pool = np.nonzero(problem.allowed)  # every load is 1 hour at least: none fits
    found = jump_milp(solver.model(*pool, Objective(1.0, 0.0, 0.0)), 1.0)
    assert found.x is not None and not found.x.any()


def test_the_jump_is_forked_only_where_it_is_expected_to_take_at_most_its_share_of_the_time():
    solver = _Solver(synthetic(2000, 500, 50, 0), 2.0, None)
    assert not solver.jump_fits()  # 98,665 pairs: about 2 s at the measured speed
    solver.time_limit = 10.0
    assert solver.jump_fits()


def test_the_jump_is_taken_only_where_it_matches_more_than_the_searched_assignment():
    problem = synthetic(60, 15, 8, 0)
    solver = _Solver(problem, 5.0, None)
    solver.price_core(solver.combined(), time.perf_counter() + 0.5)  # the search's candidates
    searched = solver.greedy()
    fewer = searched.copy()
    fewer[np.flatnonzero(fewer >= 0)[0]] = -1
    solver.jump_found = fewer
    assert solver.beyond_jump(searched) is None
    solver.jump_found = searched.copy()
    assert solver.beyond_jump(searched) is None  # as many: the search's own stays
    assert solver.beyond_jump(fewer) is solver.jump_found
    found = solver.from_jump(fewer, time.perf_counter() + 1.0)
    assert_feasible(problem, found)
    assert (found >= 0).sum() >= (searched >= 0).sum()


def test_where_budgets_bind_a_large_solve_matches_at_least_as_many_as_the_jump():
    """2,000 x 500 seed 1: the jump matches 1,655 where the other phases reached 1,645 in 2 s;
    the solve adopts it and never gives a match up."""
    problem = synthetic(2000, 500, 50, 1)
    jumped = _Solver(problem, 10.0, None).jumped()
    result = solve_assignment(problem, time_limit=10.0)
    assert_feasible(problem, result.mentor_of)
    assert result.matched >= (jumped >= 0).sum()

