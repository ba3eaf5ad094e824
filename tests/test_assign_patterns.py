"""Tests of the master over the mentors' sets (restricted-master heuristic)."""

import itertools
import time

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.solver.assign_duals import Prices
from matcher.solver.assign_knapsack import knapsack_bound
from matcher.solver.assign_patterns import MentorPatterns, improve_with_patterns
from matcher.solver.assign_problem import AssignmentProblem


def random_problem(seed: int, n: int, m: int) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    return AssignmentProblem(rng.uniform(0, 2, (n, m)), rng.random((n, m)) < 0.7, rng.choice([1.0, 1.5, 2.0], n),
                             rng.integers(1, 3, m).astype(float), rng.choice([1.5, 2.0, 3.0], m),
                             target_hours=rng.uniform(0, 2, m), shortfall_penalty=0.3)


def feasible_assignments(problem: AssignmentProblem):
    """Every feasible assignment of a tiny problem, with its matches and objective."""
    n, m = problem.shape
    for mentor_of in itertools.product(range(-1, m), repeat=n):
        mentor_of = np.array(mentor_of)
        matched = np.flatnonzero(mentor_of >= 0)
        capacity, budget = problem.room_left(mentor_of)
        if problem.allowed[matched, mentor_of[matched]].all() and (capacity >= 0).all() and (budget >= -1e-9).all():
            yield mentor_of, len(matched), problem.objective(mentor_of)


def every_set(problem: AssignmentProblem) -> MentorPatterns:
    """Every non-empty set of allowed mentees of every mentor, feasible or not."""
    n, m = problem.shape
    patterns = MentorPatterns(problem.shape)
    for j in range(m):
        own = np.flatnonzero(problem.allowed[:, j])
        for size in range(1, len(own) + 1):
            for subset in itertools.combinations(own, size):
                patterns.add(np.array(subset), np.full(size, j))
    return patterns


def breaks_no_rule(problem: AssignmentProblem, mentor_of: np.ndarray) -> bool:
    matched = np.flatnonzero(mentor_of >= 0)
    capacity, budget = problem.room_left(mentor_of)
    return bool(problem.allowed[matched, mentor_of[matched]].all() and (capacity >= 0).all()
                and (budget >= -1e-9).all())


def test_each_mentor_set_is_recorded_once_whatever_the_order():
    patterns = MentorPatterns((5, 3))
    patterns.add(np.array([0, 1, 2]), np.array([0, 0, 1]))
    patterns.add(np.array([1, 0, 2]), np.array([0, 0, 1]))
    assert len(patterns) == 2
    patterns.add(np.array([0, 1]), np.array([2, 2]))
    assert len(patterns) == 3
    assert sorted(patterns.members[0].tolist()) == [0, 1] and patterns.mentor[1] == 1


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.integers(1, 3))
def test_the_master_over_every_set_finds_the_best_assignment_matching_as_many(seed, n, m):
    problem = random_problem(seed, n, m)
    feasible = list(feasible_assignments(problem))
    start, count, _ = feasible[np.random.default_rng(seed).integers(len(feasible))]
    best = max(objective for _, matched, objective in feasible if matched >= count)
    found = improve_with_patterns(problem, problem.allowed, np.zeros(n, bool), every_set(problem), start,
                                  time.perf_counter() + 5)
    assert breaks_no_rule(problem, found)
    assert (found >= 0).sum() >= count
    assert abs(problem.objective(found) - best) < 1e-6


def test_a_set_beyond_the_hour_budget_is_never_taken():
    value = np.array([[1.0], [1.0], [0.1]])
    for budget, expected in ((4.0, [0, 0, -1]), (3.0, [-1, -1, 0])):
        problem = AssignmentProblem(value, np.ones((3, 1), bool), np.array([2.0, 2.0, 1.0]), np.array([2]),
                                    np.array([budget]))
        patterns = MentorPatterns(problem.shape)
        patterns.add(np.array([0, 1]), np.array([0, 0]))
        found = improve_with_patterns(problem, problem.allowed, np.zeros(3, bool), patterns, np.array([-1, -1, 0]),
                                      time.perf_counter() + 5)
        assert found.tolist() == expected


def test_a_required_mentee_is_matched_even_when_worth_least():
    value = np.array([[1.0], [0.1]])
    for required, expected in (([False, False], [0, -1]), ([False, True], [-1, 0])):
        problem = AssignmentProblem(value, np.ones((2, 1), bool), np.ones(2), np.array([1]), np.array([5.0]),
                                    required=np.array(required))
        patterns = MentorPatterns(problem.shape)
        patterns.add(np.array([0]), np.array([0]))
        found = improve_with_patterns(problem, problem.allowed, problem.required, patterns, np.array([-1, 0]),
                                      time.perf_counter() + 5)
        assert found.tolist() == expected


def test_the_knapsack_bound_records_the_sets_its_steps_choose():
    problem = random_problem(3, 12, 4)
    n, m = problem.shape
    patterns = MentorPatterns(problem.shape)
    start = Prices(np.zeros(m), np.zeros(m), np.zeros(m), 0.5)
    knapsack_bound(problem, problem.allowed, np.zeros(n, bool), problem.allowed.copy(), np.full(n, -1), start,
                   time.perf_counter() + 0.2, patterns)
    assert len(patterns) > m
    for mentor, members in zip(patterns.mentor, patterns.members):
        assert problem.allowed[members, mentor].all() and len(members) <= problem.capacity[mentor]
