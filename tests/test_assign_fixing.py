"""Fix and re-solve: the pairs kept, the count kept, the size limit, and the agreed core."""

import numpy as np
import pytest

from matcher.solver.assign_fixing import beyond_agreement, completed_lp, fixed_and_solved, whole_pairs
from matcher.solver.assign_model import PairModel, solve_milp
from matcher.solver.assign_problem import AssignmentProblem
from tests.test_assign_core import random_pairs


def resolver(problem: AssignmentProblem):
    """MILP over `pairs` with the assignment `rest` fixed around them, as the solver's."""
    def resolve(pairs, rest, seconds, count_min):
        capacity, budget = problem.room_left(rest)
        return solve_milp(PairModel(pairs[0], pairs[1], problem.value[pairs], problem.load[pairs[0]], capacity,
                                    budget, np.zeros(problem.shape[0], bool), count_min=count_min), seconds)
    return resolve


def heavy_or_two() -> AssignmentProblem:
    """One mentor with two hours: a two-hour mentee worth 5, or two one-hour mentees worth 1 each."""
    return AssignmentProblem(np.array([[5.0], [1.0], [1.0]]), np.ones((3, 1), bool), np.array([2.0, 1.0, 1.0]),
                             np.array([2.0]), np.array([2.0]))


ALL_PAIRS = (np.arange(3), np.zeros(3, int))


def test_whole_pairs_are_those_the_lp_takes_whole():
    pool = (np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]))
    x = np.array([1.0, 0.0, 0.5, 1.0])
    assert whole_pairs(pool, x, 4).tolist() == [0, -1, 0, -1]


@pytest.mark.parametrize("count_min, expected", [(2, [-1, 0, 0]), (0, [0, -1, -1])])
def test_fixed_and_solved_matches_at_least_count_min(count_min, expected):
    found = fixed_and_solved(np.full(3, -1), ALL_PAIRS, resolver(heavy_or_two()), 5.0, count_min)
    assert found.tolist() == expected


def test_fixed_and_solved_keeps_the_kept_pairs():
    found = fixed_and_solved(np.array([-1, 0, -1]), ALL_PAIRS, resolver(heavy_or_two()), 5.0)
    assert found.tolist() == [-1, 0, 0]


@pytest.mark.parametrize("most_pairs, solved", [(2, True), (1, False)])
def test_fixed_and_solved_gives_up_on_too_many_free_pairs(most_pairs, solved):
    found = fixed_and_solved(np.array([-1, 0, -1]), ALL_PAIRS, resolver(heavy_or_two()), 5.0, most_pairs=most_pairs)
    assert (found is not None) == solved


def test_completed_lp_keeps_the_whole_pairs_and_completes_the_rest():
    x = np.array([0.0, 1.0, 0.4])
    found = completed_lp(ALL_PAIRS, x, 3, resolver(heavy_or_two()), 10.0)
    assert found.tolist() == [-1, 0, 0]


@pytest.mark.parametrize("seed", range(4))
def test_beyond_agreement_keeps_the_agreed_pairs_and_never_matches_fewer(seed):
    value, allowed, load, capacity, budget, _ = random_pairs(seed, 40, 6)
    problem = AssignmentProblem(value, allowed, load, capacity, budget)
    pairs = np.nonzero(allowed)
    resolve = resolver(problem)
    x = resolve(pairs, np.full(40, -1), 10.0, 0).x.astype(float)  # the optimum as a whole "LP" solution
    x[::3] = 0.5  # with some pairs not whole
    start = fixed_and_solved(np.full(40, -1), pairs, resolve, 10.0)
    start[np.flatnonzero(start >= 0)[::2]] = -1  # a worse assignment to improve
    found = beyond_agreement(pairs, pairs, x, start, resolve, 20.0)
    agreed = (whole_pairs(pairs, x, 40) == start) & (start >= 0)
    assert agreed.any() and (found[agreed] == start[agreed]).all()
    assert (found >= 0).sum() >= (start >= 0).sum()
    assert problem.objective(found) >= problem.objective(start) - 1e-9
    capacity_left, budget_left = problem.room_left(found)
    assert (capacity_left >= 0).all() and (budget_left >= -1e-9).all()
