"""Tests of the master over the mentors' sets (restricted-master heuristic)."""

import itertools
import time

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from matcher.solver.assign_duals import Prices
from matcher.solver.assign_value_bound import knapsack_bound
from matcher.solver.assign_matrix import PairTable
from matcher.solver.assign_master_dive import master_assignments
from matcher.solver.assign_patterns import MentorPatterns, SetMaster, rounded_columns
from matcher.solver.assign_problem import AssignmentProblem, match_worth


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


def master_milp(problem, required, patterns, start, worth=0.0):
    """The master MILP's assignment (the last of the master's assignments)."""
    return list(master_assignments(problem, problem.allowed, required, patterns, start, time.perf_counter() + 5,
                                   worth=worth))[-1]


def random_start(seed: int, n: int, m: int):
    """A random problem, all its feasible assignments (assignment, matched, objective) and one of
    them drawn by `seed`."""
    problem = random_problem(seed, n, m)
    feasible = list(feasible_assignments(problem))
    return problem, feasible, feasible[np.random.default_rng(seed).integers(len(feasible))]


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
    problem, feasible, (start, count, _) = random_start(seed, n, m)
    best = max(objective for _, matched, objective in feasible if matched >= count)
    found = master_milp(problem, np.zeros(n, bool), every_set(problem), start)
    assert breaks_no_rule(problem, found)
    assert (found >= 0).sum() >= count
    assert abs(problem.objective(found) - best) < 1e-6


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.integers(1, 3))
@example(1101, 5, 3)  # the LP takes mentor 1's set {4} whole; the best gives mentor 1 mentee 3 and lets 4 wait
def test_the_master_at_the_match_worth_finds_the_assignment_matching_most_then_worth_most(seed, n, m):
    problem, feasible, (start, _, _) = random_start(seed, n, m)
    most, best = max((matched, objective) for _, matched, objective in feasible)
    found = master_milp(problem, np.zeros(n, bool), every_set(problem), start, match_worth(problem))
    assert breaks_no_rule(problem, found)
    assert (found >= 0).sum() == most
    assert abs(problem.objective(found) - best) < 1e-6


@pytest.mark.parametrize("worth, expected", [(0.0, [0, -1, -1]), (4.0, [-1, 0, 0])])
def test_at_the_match_worth_the_master_matches_more_at_less_value(worth, expected):
    value = np.array([[3.0], [1.0], [1.0]])  # mentee 0 alone is worth more than 1 and 2 together
    problem = AssignmentProblem(value, np.ones((3, 1), bool), np.array([2.0, 1.0, 1.0]), np.array([2]),
                                np.array([2.0]))
    patterns = MentorPatterns(problem.shape)
    patterns.add(np.array([1, 2]), np.array([0, 0]))
    assert master_milp(problem, np.zeros(3, bool), patterns, np.array([0, -1, -1]), worth).tolist() == expected


@pytest.mark.parametrize("count_min, expected", [(0, [0, -1, -1]), (2, [-1, 0, 0]), (3, [-1, 0, 0])])
def test_the_master_matches_a_count_reached_elsewhere_or_as_near_as_its_sets_come(count_min, expected):
    value = np.array([[3.0], [1.0], [1.0]])  # as above: no set reaches 3 matches, {1, 2} comes nearest
    problem = AssignmentProblem(value, np.ones((3, 1), bool), np.array([2.0, 1.0, 1.0]), np.array([2]),
                                np.array([2.0]))
    patterns = MentorPatterns(problem.shape)
    patterns.add(np.array([1, 2]), np.array([0, 0]))
    found = list(master_assignments(problem, problem.allowed, np.zeros(3, bool), patterns, np.array([0, -1, -1]),
                                    time.perf_counter() + 5, count_min=count_min))[-1]
    assert found.tolist() == expected


def test_a_set_beyond_the_hour_budget_is_never_taken():
    value = np.array([[1.0], [1.0], [0.1]])
    for budget, expected in ((4.0, [0, 0, -1]), (3.0, [-1, -1, 0])):
        problem = AssignmentProblem(value, np.ones((3, 1), bool), np.array([2.0, 2.0, 1.0]), np.array([2]),
                                    np.array([budget]))
        patterns = MentorPatterns(problem.shape)
        patterns.add(np.array([0, 1]), np.array([0, 0]))
        found = master_milp(problem, np.zeros(3, bool), patterns, np.array([-1, -1, 0]))
        assert found.tolist() == expected


def test_a_required_mentee_is_matched_even_when_worth_least():
    value = np.array([[1.0], [0.1]])
    for required, expected in (([False, False], [0, -1]), ([False, True], [-1, 0])):
        problem = AssignmentProblem(value, np.ones((2, 1), bool), np.ones(2), np.array([1]), np.array([5.0]),
                                    required=np.array(required))
        patterns = MentorPatterns(problem.shape)
        patterns.add(np.array([0]), np.array([0]))
        found = master_milp(problem, problem.required, patterns, np.array([-1, 0]))
        assert found.tolist() == expected


def test_the_knapsack_bound_records_the_sets_its_steps_choose():
    problem = random_problem(3, 12, 4)
    n, m = problem.shape
    patterns = MentorPatterns(problem.shape)
    start = Prices(np.zeros(m), np.zeros(m), np.zeros(m), 0.5)
    table = PairTable.of(problem.value, problem.allowed, problem.load)
    knapsack_bound(problem, table, np.zeros(n, bool), problem.allowed.copy(), np.full(n, -1), start,
                   time.perf_counter() + 0.2, patterns)
    assert len(patterns) > m
    for mentor, members in zip(patterns.mentor, patterns.members):
        assert problem.allowed[members, mentor].all() and len(members) <= problem.capacity[mentor]


def two_mentor_sets() -> tuple[AssignmentProblem, MentorPatterns]:
    """Mentor 0 may take {0, 1}; mentor 1 {1, 2} or {2}."""
    problem = AssignmentProblem(np.ones((3, 2)), np.ones((3, 2), bool), np.ones(3), np.array([2, 2]),
                                np.array([2.0, 2.0]))
    patterns = MentorPatterns(problem.shape)
    patterns.add(np.array([0, 1, 1, 2]), np.array([0, 0, 1, 1]))
    patterns.add(np.array([2]), np.array([1]))
    return problem, patterns


def two_mentor_master() -> SetMaster:
    """The master over two_mentor_sets."""
    problem, patterns = two_mentor_sets()
    return SetMaster(problem, problem.allowed, np.zeros(3, bool), patterns, 0)


def rounded(master: SetMaster, x: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The master's LP values `x` rounded (rounded_columns), each mentor keeping what is free of its set in `start`."""
    return rounded_columns(x, master.goal, master.mentor, master.members(), start, master.of_mentor.shape[0])


def test_the_rounding_takes_the_columns_of_highest_lp_value_first():
    master = two_mentor_master()
    sets = {(int(j), tuple(sorted(master.mentees[master.column == c].tolist()))): c
            for c, j in enumerate(master.mentor)}
    x = np.zeros(len(master))
    for column, value in (((0, (0, 1)), 0.6), ((1, (1, 2)), 0.4), ((1, (2,)), 0.6)):
        x[sets[column]] = value
    assert rounded(master, x, np.full(3, -1)).tolist() == [0, 0, 1]
    x[sets[(0, (0, 1))]], x[sets[(1, (1, 2))]] = 0.4, 0.7
    assert rounded(master, x, np.full(3, -1)).tolist() == [-1, 1, 1]


def test_a_mentor_left_without_a_column_keeps_what_is_free_of_its_own_set():
    master = two_mentor_master()
    x = np.zeros(len(master))
    x[np.flatnonzero(master.mentor == 0)[0]] = 1.0  # mentor 0 takes {0, 1}; mentor 1's columns all at 0
    start = np.array([-1, 1, 1])  # mentor 1 held 1 and 2: 1 is taken by mentor 0 now
    assert rounded(master, x, start).tolist() == [0, 0, 1]
    assert rounded(master, x, np.array([-1, 1, -1])).tolist() == [0, 0, -1]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.integers(1, 3))
def test_the_dived_master_breaks_no_rule_and_the_polish_gets_it(seed, n, m):
    problem, _, (start, _, _) = random_start(seed, n, m)
    polished = []
    def polish(rounded, deadline):
        assert breaks_no_rule(problem, rounded) and deadline > time.perf_counter()
        polished.append(rounded)
        return rounded
    found = list(master_assignments(problem, problem.allowed, np.zeros(n, bool), every_set(problem), start,
                                    time.perf_counter() + 5, polish))
    assert len(polished) == 1 and found[0] is polished[0]
