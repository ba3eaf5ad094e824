"""Tests of the master's LP kept in HiGHS between rounds of column generation."""

import time

import numpy as np
import pytest

from bench.assignment import synthetic
from matcher.solver.assign_duals import Prices
from matcher.solver.assign_master_lp import MasterLP
from matcher.solver.assign_matrix import PairTable
from matcher.solver.assign_master_dive import MasterDive
from matcher.solver.assign_patterns import MentorPatterns, SetMaster
from matcher.solver.assign_problem import AssignmentProblem
from matcher.solver.assign_value_bound import COUNTS_AHEAD, knapsack_bound
from matcher.solver.assignment import solve_assignment
from tests.test_assign_patterns import two_mentor_sets


def lp_value(master: SetMaster, mentee: np.ndarray, count_price: float) -> float:
    """The LP's value by duality from its prices: the prices, less the count's, and each
    mentor's best set at them."""
    reduced = master.goal - master.of_mentee.T @ mentee + count_price * master.sizes
    best = np.full(master.of_mentor.shape[0], -np.inf)
    np.maximum.at(best, master.mentor, reduced)
    return float(mentee.sum() - count_price * master.count_min + best.sum())


def add_random_sets(problem: AssignmentProblem, patterns: MentorPatterns, count: int,
                    rng: np.random.Generator) -> None:
    """Add `count` random sets of one to three allowed mentees (some too large for their mentor)."""
    m = problem.shape[1]
    for _ in range(count):
        mentor = int(rng.integers(m))
        members = rng.choice(np.flatnonzero(problem.allowed[:, mentor]), int(rng.integers(1, 4)), replace=False)
        patterns.add(members, np.full(len(members), mentor))


def test_the_prices_say_when_the_sets_fall_short_of_the_count():
    problem, patterns = two_mentor_sets()  # the sets match 3 mentees at most: {0, 1} and {2}
    lp = MasterLP(problem, problem.allowed, np.zeros(3, bool), 0)
    lp.add(patterns)
    mentee, count, short = lp.duals(0, 5.0)
    assert not short and count == pytest.approx(0.0) and (mentee >= -1e-9).all()
    assert lp.duals(4, 5.0)[2]
    mentee, count, short = lp.duals(3, 5.0)  # only {0, 1} with {2} reach it
    master = SetMaster(problem, problem.allowed, np.zeros(3, bool), patterns, 3)
    assert not short and lp_value(master, mentee, count) == pytest.approx(3.0)


def test_sets_added_between_rounds_give_the_lp_over_all_of_them():
    problem = synthetic(120, 30, candidates=10, seed=1)
    n, m = problem.shape
    required = np.zeros(n, bool)
    required[:3] = True
    patterns = MentorPatterns(problem.shape)
    rng = np.random.default_rng(0)
    lp = MasterLP(problem, problem.allowed, required, 40)
    for batch in range(3):
        add_random_sets(problem, patterns, 200, rng)
        for i in range(3):  # a set of its own for each required mentee, with mentors of their own
            patterns.add(np.array([i]), np.array([np.flatnonzero(problem.allowed[i])[i]]))
        lp.add(patterns)
        count = 40 + 5 * batch
        mentee, count_price, short = lp.duals(count, 5.0)
        master = SetMaster(problem, problem.allowed, required, patterns, count)
        dive = MasterDive(problem, master, 0.0)
        x = dive.relaxation(time.perf_counter() + 5.0)
        assert x is not None and not short and not dive.short
        assert lp_value(master, mentee, count_price) == pytest.approx(float(master.goal @ x), abs=1e-6)


def test_the_time_limit_holds_for_each_solve_not_for_all_together():
    problem = synthetic(400, 100, candidates=20, seed=2)
    patterns = MentorPatterns(problem.shape)
    add_random_sets(problem, patterns, 3000, np.random.default_rng(1))
    lp = MasterLP(problem, problem.allowed, np.zeros(400, bool), 0)
    lp.add(patterns)
    seconds = 4 * max(_solve_seconds(lp, 150), 0.01)  # a re-solve took up to twice the first, 0.05-0.06 s
    for count in [150, 290] * 8:  # each from the other's basis: together well past `seconds` (0.5 s)
        assert lp.duals(count, seconds) is not None
    assert lp.highs.getRunTime() > seconds


def _solve_seconds(lp: MasterLP, count: int) -> float:
    started = time.perf_counter()
    assert lp.duals(count, 10.0) is not None
    return time.perf_counter() - started


def test_highs_prints_nothing_on_standard_output(fresh_python):
    code = "from matcher.solver.assign_master_lp import quiet_highs; quiet_highs(); print('done')"
    assert fresh_python(code) == "done\n"


def test_column_generation_aims_beyond_the_count_reached():
    n, m = 120, 30
    problem = synthetic(n, m, candidates=10, seed=0)
    found = solve_assignment(problem, time_limit=1.0)
    mentor_of = np.asarray(found.mentor_of).copy()
    mentor_of[np.flatnonzero(mentor_of >= 0)[:3]] = -1  # three fewer than an assignment that exists
    reached = int((mentor_of >= 0).sum())
    table = PairTable.of(problem.value, problem.allowed, problem.load)
    patterns = MentorPatterns(problem.shape)
    bound = knapsack_bound(problem, table, np.zeros(n, bool), problem.allowed.copy(), mentor_of,
                           Prices(np.zeros(m), np.zeros(m), np.zeros(m), 0.0), time.perf_counter() + 6.0, patterns)
    assert len(bound.bounds) == 2 + COUNTS_AHEAD  # the start's, the steps' and one for each count aimed at
    ahead = MasterDive(problem, SetMaster(problem, problem.allowed, np.zeros(n, bool), patterns, reached + 2), 0.0)
    assert ahead.relaxation(time.perf_counter() + 5.0) is not None and not ahead.short  # the sets reach it
