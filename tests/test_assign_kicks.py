"""Tests of the kick, undoing it, and the iterated local search (assign_kicks)."""

import time
from functools import partial

import numpy as np
from hypothesis import given, settings

from bench.gap import as_assignment
from bench.gap_generate import generate
from matcher.solver.assign_kicks import kicked_searches
from matcher.solver.assignment import _Solver, solve_assignment
from tests.test_assign_search import assert_within_limits, greedy_states


@settings(max_examples=60, deadline=None)
@given(greedy_states())
def test_a_kick_moves_matched_mentees_to_other_mentors_with_room_and_assign_undoes_it(state):
    s, weight, allowed, load, capacity, budget = state
    before = s.mentor_of.copy()
    s.kick(np.random.default_rng(0), 2)
    moved = np.flatnonzero(s.mentor_of != before)
    assert len(moved) <= 2 and (before[moved] >= 0).all() and (s.mentor_of[moved] >= 0).all()
    assert_within_limits(s, allowed, load, capacity, budget)
    s.assign(before)
    assert s.mentor_of.tolist() == before.tolist()
    assert_within_limits(s, allowed, load, capacity, budget)


def test_kicks_and_searches_find_better_than_the_local_optimum_and_never_worse():
    improved = feasible = 0
    for seed in range(6):
        cost, resource, capacity = generate("d", 8, 80, seed)  # 80 jobs on 8 tight agents
        problem, _ = as_assignment(cost, resource, capacity)
        solver = _Solver(problem, 10.0, None)
        search = solver.local_search(solver.greedy())
        start = search.run(time.perf_counter() + 5, np.arange(80))
        score = partial(solver.combined_value, objective=solver.combined())
        if not np.isfinite(score(start)):
            continue  # a job is left out: no local optimum to kick from
        feasible += 1
        best, rounds = kicked_searches(search, np.arange(80), score, solver.better, time.perf_counter() + 1.0)
        assert rounds > 0 and score(best) >= score(start)
        used = np.bincount(best, weights=resource[best, np.arange(80)], minlength=8)
        assert (best >= 0).all() and (used <= capacity + 1e-9).all()
        improved += score(best) > score(start) + 1e-9
    assert feasible >= 4 and improved >= 2  # the local search alone stops short where kicks go on


def test_a_crowded_problem_is_polished_by_cpsat_then_by_kicks_and_local_searches():
    cost, resource, capacity = generate("d", 20, 300, 1)  # 15 jobs per agent; integer arrays
    problem, _ = as_assignment(cost, resource, capacity)
    lines = []
    result = solve_assignment(problem, time_limit=3.0, progress=lines.append)
    kicks = [line for line in lines if line.endswith("kicks, each followed by a local search")]
    assert len(kicks) == 1 and int(kicks[0].split()[0]) > 0
    used = np.bincount(result.mentor_of, weights=resource[result.mentor_of, np.arange(300)], minlength=20)
    assert (result.mentor_of >= 0).all() and (used <= capacity + 1e-9).all()
    assert result.objective <= result.bound
