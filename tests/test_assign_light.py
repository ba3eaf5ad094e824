"""Tests of the light-first search: where hours keep many mentees waiting, a local search
that values a match less the more hours it takes makes room for more matches."""

import dataclasses

import numpy as np
import pytest

from bench.assignment import synthetic
from matcher.solver.assign_state import LIGHT_SHARE, LIGHT_VALUE_SHARE
from matcher.solver.assignment import _Solver, solve_assignment
from tests.test_assignment import assert_feasible


def test_light_first_weights_favour_fewer_hours_then_more_value_and_every_match_gains():
    problem = synthetic(40, 10, 5, 0)
    solver = _Solver(problem, 1.0, None)
    weight = solver.light_first()
    pairs = np.nonzero(solver.feasible)
    load = problem.load[pairs[0]]
    value = problem.value[pairs]
    heavier = load[:, None] > load[None, :]
    as_valuable = value[:, None] <= value[None, :]
    assert not (heavier & as_valuable & (weight[pairs][:, None] >= weight[pairs][None, :])).any()
    assert weight[pairs].min() >= 1.0 - LIGHT_SHARE - 1e-9
    assert weight[pairs].max() <= 1.0 + LIGHT_VALUE_SHARE + 1e-9


@pytest.mark.parametrize("seed", [0, 1])
def test_where_hours_bind_the_light_first_search_matches_more_than_the_combined_one(seed):
    """400 x 100, both searches to their local optimum from the same greedy start: 322 and
    311 matched by the combined goal, 333 and 324 light mentees first."""
    problem = synthetic(400, 100, 50, seed)
    solver = _Solver(problem, 10.0, None)
    waiting = np.flatnonzero(solver.matchable)
    start = solver.filled(np.full(400, -1))
    combined = solver.local_search(start).run(np.inf, waiting)
    light = solver.light_first_search(start, solver.feasible.copy(), waiting, np.inf)
    assert_feasible(problem, light)
    assert solver.matched(light) >= solver.matched(combined) + 5


def test_the_light_first_search_never_lets_a_required_mentee_wait():
    problem = synthetic(400, 100, 50, 0)
    problem = dataclasses.replace(problem, required=np.random.default_rng(1).random(400) < 0.3)
    solver = _Solver(problem, 10.0, None)
    start = solver.filled(np.full(400, -1))
    light = solver.light_first_search(start, solver.feasible.copy(), np.flatnonzero(solver.matchable), np.inf)
    assert_feasible(problem, light)


@pytest.mark.parametrize("hours_bind", [True, False])
def test_a_large_solve_places_light_mentees_first_only_where_its_start_matches_far_fewer_than_can_be(hours_bind):
    problem = synthetic(1000, 250, 50, 0)
    if not hours_bind:
        problem = dataclasses.replace(problem, budget=np.full(250, 100.0), capacity=np.full(250, 10))
    lines = []
    result = solve_assignment(problem, time_limit=2.0, progress=lines.append)
    assert_feasible(problem, result.mentor_of)
    assert any("light mentees first" in line for line in lines) == hours_bind
