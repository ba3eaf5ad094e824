"""Tests of the dive over the master's LP (assign_master_dive)."""

import time

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.solver.assign_master_dive import MasterDive
from matcher.solver.assign_patterns import MentorPatterns, SetMaster
from matcher.solver.assign_problem import AssignmentProblem
from tests.test_assign_patterns import breaks_no_rule, every_set, random_problem, rounded


def three_mentor_cycle():
    """Three mentees, three mentors, each mentor's only set two of the mentees, each two
    sets sharing a mentee: the LP takes each set by half, and only one set fits whole."""
    value = np.array([[1.1, 0.0, 1.0], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    allowed = value > 0
    problem = AssignmentProblem(value, allowed, np.ones(3), np.full(3, 2), np.full(3, 2.0))
    patterns = MentorPatterns(problem.shape)
    patterns.add(np.array([0, 1, 1, 2, 0, 2]), np.array([0, 0, 1, 1, 2, 2]))
    return problem, SetMaster(problem, allowed, np.zeros(3, bool), patterns, 0)


def test_the_dive_keeps_what_is_left_of_the_sets_its_fixing_closes():
    problem, master = three_mentor_cycle()
    dive = MasterDive(problem, master, 0.0)
    x = dive.relaxation(time.perf_counter() + 5)
    assert np.allclose(x[:3], 0.5)  # the three sets by half
    dived = dive.dived(x, np.full(3, -1), time.perf_counter() + 5)
    assert breaks_no_rule(problem, dived)
    assert (dived >= 0).sum() == 3 and problem.objective(dived) == 3.1  # {0, 1} with mentor 0, then 2 left
    assert (rounded(master, x, np.full(3, -1)) >= 0).sum() == 2  # rounding the same LP keeps only the first set


def test_the_dive_stops_at_its_deadline_with_an_assignment_that_breaks_no_rule():
    problem, master = three_mentor_cycle()
    dive = MasterDive(problem, master, 0.0)
    x = dive.relaxation(time.perf_counter() + 5)
    dived = dive.dived(x, np.array([-1, 1, 1]), time.perf_counter())  # no time for a round: rounded
    assert breaks_no_rule(problem, dived) and (dived >= 0).sum() == 2


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(1, 3), st.integers(0, 6), st.floats(0.0, 3.0))
def test_a_dive_over_any_sets_at_any_count_breaks_no_rule(seed, n, m, count_min, worth):
    problem = random_problem(seed, n, m)
    every = every_set(problem)
    keep = np.random.default_rng(seed).random(len(every)) < 0.5
    patterns = MentorPatterns(problem.shape)
    for j, chosen in zip(np.asarray(every.mentor)[keep], [every.members[k] for k in np.flatnonzero(keep)]):
        patterns.add(chosen, np.full(len(chosen), j))
    master = SetMaster(problem, problem.allowed, np.zeros(n, bool), patterns, min(count_min, n), worth)
    dive = MasterDive(problem, master, worth)
    x = dive.relaxation(time.perf_counter() + 5)
    assert x is not None  # the count's slack keeps it feasible
    dived = dive.dived(x, np.full(n, -1), time.perf_counter() + 5)
    assert breaks_no_rule(problem, dived)
