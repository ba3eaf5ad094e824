"""Tests of the smoothed mentor prices, the priced core and the neighbourhood search."""

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp, softmax

from matcher.solver import assign_bounding
from matcher.solver.assign_cpsat import crowded, improve_with_cpsat
from matcher.solver.assign_duals import PairList, _SmoothedDual, fitted_prices, smoothed_prices
from matcher.solver.assign_lns import neighbourhood_search
from matcher.solver.assign_matrix import (Lagrangian, PairTable, fill_greedily, lagrangian_bound,
                                          priced_top_pairs, regret_priority, stable_order, top_pairs)
from matcher.solver.assign_model import Objective, PairModel, solve_lp, solve_milp
from matcher.solver.assign_pair_lp import PairLP
from matcher.solver.assign_problem import AssignmentProblem, match_worth
from matcher.solver import assign_finish, assign_relaxation, assignment
from matcher.solver.assign_relaxation import Plan, relaxation, start_plan
from matcher.solver.assignment import _Solver, solve_assignment
from matcher.solver.assign_patterns import SetMaster
from matcher.solver.background import FORK_GRACE, can_fork


def random_pairs(seed: int, n: int, m: int, required_share: float = 0.0):
    """Dense random arrays of a GAP-like instance with binding budgets."""
    rng = np.random.default_rng(seed)
    value = rng.uniform(0, 4, (n, m))
    allowed = rng.random((n, m)) < 0.6
    load = rng.choice([1.0, 2.0, 3.0], n)
    capacity = rng.integers(2, 6, m).astype(float)
    budget = np.round(capacity * 1.3)
    required = rng.random(n) < required_share
    return value, allowed, load, capacity, budget, required


def pair_list(value, allowed, load, capacity, budget, required, target=None, penalty=0.0) -> PairList:
    mentees, mentors = np.nonzero(allowed)
    return PairList(mentees, mentors, value[mentees, mentors], load[mentees], capacity, budget, required,
                    target, penalty)


def by_pair(value, allowed, load):
    """(each allowed pair's value, the table of the allowed pairs), as the Lagrangian takes them."""
    table = PairTable.of(value, allowed, load)
    return table.value, table


def full_lp(value, allowed, load, capacity, budget, required, target=None, penalty=0.0):
    mentees, mentors = np.nonzero(allowed)
    return solve_lp(PairModel(mentees, mentors, value[mentees, mentors], load[mentees], capacity, budget,
                              required, target, penalty))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_smoothed_prices_give_a_valid_bound_close_to_the_lp(seed):
    arrays = random_pairs(seed, 120, 25)
    value, allowed, load, capacity, budget, required = arrays
    prices = smoothed_prices(pair_list(*arrays), time.perf_counter() + 30)
    assert (prices.capacity >= 0).all() and (prices.budget >= 0).all()
    assert (prices.target == 0).all() and prices.count == 0  # no targets, no count: their prices stay at zero
    bound, _ = lagrangian_bound(*by_pair(value, allowed, load), required, capacity, budget, None, 0.0,
                                prices.duals(), 0)
    lp = full_lp(*arrays).objective
    assert lp - 1e-6 <= bound <= lp * 1.01


@pytest.mark.parametrize("required_share", [1.0, 0.3])
def test_the_lp_duals_certify_its_optimum_with_dual_simplex_or_interior_point(required_share):
    """Dual simplex when every mentee must be matched, interior point (with crossover) when
    some may wait: either way the duals price every pair to the LP's own objective."""
    value, allowed, load, capacity, budget, required = random_pairs(5, 24, 12, required_share)
    lp = full_lp(value, allowed, load, capacity, budget, required)
    duals = (lp.capacity_dual, lp.budget_dual, lp.target_dual, lp.count_dual)
    bound, _ = lagrangian_bound(*by_pair(value, allowed, load), required, capacity, budget, None, 0.0,
                                duals, 0)
    assert (lp.budget_dual > 1e-6).sum() >= 5  # budgets bind: the duals carry the bound
    assert bound == pytest.approx(lp.objective, abs=1e-6)


def heavy_valued(seed: int, n: int = 120, m: int = 25):
    """An instance where value grows with the square of the load, so the value-optimal LP
    matches about half as many mentees as can be matched: a count minimum binds."""
    value, allowed, load, capacity, budget, required = random_pairs(seed, n, m)
    return value * load[:, None] ** 2, allowed, load, capacity, budget, required


@pytest.mark.parametrize("seed", [0, 1])
def test_a_count_price_bounds_value_among_assignments_matching_at_least_that_many(seed):
    value, allowed, load, capacity, budget, required = heavy_valued(seed)
    mentees, mentors = np.nonzero(allowed)
    model = lambda weight, count_min=0: PairModel(mentees, mentors, weight, load[mentees], capacity, budget,
                                                  required, count_min=count_min)
    count_min = int(solve_lp(model(np.ones(len(mentees)))).objective) - 1
    restricted = solve_lp(model(value[mentees, mentors], count_min)).objective
    pairs = PairList(mentees, mentors, value[mentees, mentors], load[mentees], capacity, budget, required,
                     count_min=count_min)
    prices = smoothed_prices(pairs, time.perf_counter() + 30)
    bound, _ = lagrangian_bound(*by_pair(value, allowed, load), required, capacity, budget, None, 0.0,
                                prices.duals(), count_min)
    assert prices.count > 0
    assert restricted - 1e-6 <= bound <= restricted * 1.01
    assert bound < 0.8 * full_lp(value, allowed, load, capacity, budget, required).objective


def smoothed_dual_in_double(pairs: PairList, prices: np.ndarray, temperature: float):
    """The smoothed dual and its gradient written out plainly, in double precision."""
    m = len(pairs.capacity)
    alpha, beta, gamma, delta = prices[:m], prices[m:2 * m], prices[2 * m:3 * m], prices[-1]
    reduced = pairs.weight + delta - alpha[pairs.mentor] - (beta - gamma)[pairs.mentor] * pairs.load
    value = alpha @ pairs.capacity + beta @ pairs.budget - gamma @ pairs.target - delta * pairs.count_min
    taken, hours, count = np.zeros(m), np.zeros(m), 0.0
    for i in np.unique(pairs.mentee):
        mine = pairs.mentee == i
        terms = np.r_[reduced[mine], [0.0] if not pairs.required[i] else []] / temperature
        value += temperature * logsumexp(terms)
        share = softmax(terms)[:mine.sum()]
        np.add.at(taken, pairs.mentor[mine], share)
        np.add.at(hours, pairs.mentor[mine], share * pairs.load[mine])
        count += share.sum()
    return value, np.r_[pairs.capacity - taken, pairs.budget - hours, hours - pairs.target, count - pairs.count_min]


@pytest.mark.parametrize("temperature", [1.0, 0.05, 0.002])
def test_the_smoothed_dual_in_single_precision_matches_it_in_double(temperature):
    """At 0.002 most exponents fall below the floor single precision is kept above."""
    value, allowed, load, capacity, budget, required = random_pairs(8, 90, 15, required_share=0.4)
    mentees, mentors = np.nonzero(allowed)
    pairs = PairList(mentees, mentors, value[mentees, mentors], load[mentees], capacity, budget, required,
                     np.full(15, 2.0), 0.3, count_min=40)
    prices = np.random.default_rng(8).uniform(0, 0.4, 3 * 15 + 1)
    expected_value, expected_gradient = smoothed_dual_in_double(pairs, prices, temperature)
    found_value, found_gradient = _SmoothedDual(pairs)(prices, temperature)
    assert found_value == pytest.approx(expected_value, rel=1e-6)
    assert np.abs(found_gradient - expected_gradient).max() <= 1e-4 * np.abs(expected_gradient).max()


def test_fitted_prices_grow_a_small_pair_set_until_the_bound_holds_the_lp():
    value, allowed, load, capacity, budget, required = random_pairs(7, 150, 30)
    problem = AssignmentProblem(value, allowed, load, capacity, budget, required)
    known = np.zeros_like(allowed)
    first = np.argmax(np.where(allowed, value, -1), axis=1)
    known[np.arange(150), first] = True
    fit = fitted_prices(problem, PairTable.of(value, allowed, load), required, Objective(0.0, 1.0, 1.0), known,
                        time.perf_counter() + 60)
    prices, bound = fit.prices, fit.bound
    lp = full_lp(value, allowed, load, capacity, budget, required).objective
    assert known.sum() > 150 and not (known & ~allowed).any()
    assert lp - 1e-6 <= bound <= lp * 1.01
    recomputed, _ = lagrangian_bound(*by_pair(value, allowed, load), required, capacity, budget, None, 0.0,
                                     prices.duals(), 0)
    assert recomputed == pytest.approx(bound)


@pytest.mark.parametrize("seed", [2, 3])
def test_a_large_solve_bounds_value_among_assignments_matching_as_many(seed):
    value, allowed, load, capacity, budget, required = heavy_valued(seed, 200, 30)
    problem = AssignmentProblem(value, allowed, load, capacity, budget, required)
    result = solve_assignment(problem, time_limit=3.0)
    assert result.method == "lp-search"
    mentees, mentors = np.nonzero(allowed)
    best = solve_milp(PairModel(mentees, mentors, value[mentees, mentors], load[mentees], capacity, budget,
                                required, count_min=result.matched), 60)
    assert best.status == "optimal"
    assert best.objective - 1e-6 <= result.bound <= best.objective * 1.02


@pytest.mark.parametrize("after_pricing", [False, True])
def test_the_first_lp_gets_its_share_of_the_time_when_pricing_ran_late_unless_it_follows_a_full_pricing(
        monkeypatch, after_pricing):
    value, allowed, load, capacity, budget, required = random_pairs(4, 1500, 80)
    solver = _Solver(AssignmentProblem(value, allowed, load, capacity, budget, required), 8.0, None)
    combined = solver.combined()
    solver.price_core(combined, time.perf_counter() + 1)
    given, solve = [], PairLP.solve
    monkeypatch.setattr(PairLP, "solve", lambda lp, seconds: given.append(seconds) or solve(lp, np.inf))
    share = Plan(True, assign_relaxation.PRICE_ALONE_SHARE, after_pricing).first_lp_share
    lp, bound, _ = relaxation(solver, combined, time.perf_counter() - 1.0, share)  # pricing overran the LP's deadline
    assert lp.objective <= bound + 1e-6 and lp.x.max() > 0.5
    if after_pricing:
        assert given[0] <= 0  # past the deadline: the LP gets no time
    else:
        assert given[0] == pytest.approx(assign_relaxation.FIRST_LP_SHARE * 8.0)


@pytest.mark.parametrize("time_limit, late_lp", [(30.0, True), (20.0, False), (5.0, False)])
def test_a_core_too_large_for_an_lp_before_the_pricing_gets_one_after_it_when_it_fits(time_limit, late_lp):
    core = 22_456  # 10,000 x 2,000: an LP of about 3.7 s
    assert core > assign_relaxation.LP_MAX_PAIRS
    assert start_plan(core, time_limit) == (late_lp, assign_relaxation.PRICE_ALONE_SHARE, True)


@pytest.mark.parametrize("time_limit, lp_fits, share", [(2.0, True, 0.05), (0.5, False, 0.3)])
def test_a_core_of_a_few_thousand_pairs_gets_its_lp_after_a_short_pricing_when_it_fits(time_limit, lp_fits, share):
    assert start_plan(4_360, time_limit) == (lp_fits, share, False)  # 2,000 x 500: an LP of about 0.15 s


@pytest.mark.parametrize("after_pricing, scale", [(True, assign_relaxation.LATE_LP_WORTH), (False, 1.0)])
def test_a_match_counts_more_in_the_goal_when_the_lp_comes_after_a_full_pricing(monkeypatch, after_pricing, scale):
    value, allowed, load, capacity, budget, required = random_pairs(5, 300, 40)
    problem = AssignmentProblem(value, allowed, load, capacity, budget, required)
    monkeypatch.setattr(assignment, "start_plan", lambda core, limit: Plan(True, 0.05, after_pricing))
    offsets, price_core = [], _Solver.price_core
    monkeypatch.setattr(_Solver, "price_core", lambda self, objective, deadline: offsets.append(objective.offset)
                        or price_core(self, objective, deadline))
    result = solve_assignment(problem, time_limit=1.0)
    assert offsets == [pytest.approx(scale * match_worth(problem))]
    assert result.objective <= result.bound + 1e-6


@pytest.mark.parametrize("seconds_left, solves", [(0.05, 1), (30.0, 2)])
def test_the_lp_is_solved_again_only_while_the_last_solve_s_time_is_left(monkeypatch, seconds_left, solves):
    value, allowed, load, capacity, budget, required = random_pairs(4, 1500, 80)
    solver = _Solver(AssignmentProblem(value, allowed, load, capacity, budget, required), 60.0, None)
    combined = solver.combined()
    solver.price_core(combined, time.perf_counter() + 1)
    first = np.unique(solver.pool[0], return_index=True)[1]  # one pair per mentee: the LP prices out more
    solver.pool = (solver.pool[0][first], solver.pool[1][first])
    solver.in_pool[:] = False
    solver.in_pool[solver.pool] = True
    calls, solve = [], PairLP.solve

    def slow_lp(lp, seconds):
        calls.append(seconds)
        time.sleep(0.1)  # the solve takes longer than the time left before the deadline
        return solve(lp, seconds)

    monkeypatch.setattr(PairLP, "solve", slow_lp)
    lp, bound, _ = relaxation(solver, combined, time.perf_counter() + seconds_left)
    assert min(len(calls), 2) == solves
    assert lp.objective <= bound + 1e-6


@pytest.mark.parametrize("heavy_value, two_first", [(4.0, True), (1.0, False)])
def test_the_search_starts_from_the_start_its_goal_rates_best_not_the_one_matching_most(heavy_value, two_first):
    # One mentor, three places and three hours: two mentees of 1.5 hours, or three of an hour
    # worth 0.1 each. A match is worth 1 + the largest value in the search's goal: at 4.0 the
    # two rate 2 x 5 + 8 = 18 against 3 x 5 + 0.3 = 15.3; at 1.0, 2 x 2 + 2 = 6 against 6.3.
    value = np.array([[heavy_value], [heavy_value], [0.1], [0.1], [0.1]])
    problem = AssignmentProblem(value, np.ones((5, 1), bool), np.array([1.5, 1.5, 1.0, 1.0, 1.0]), np.array([3.0]),
                                np.array([3.0]))
    solver = _Solver(problem, 10.0, None)
    two, three = np.array([0, 0, -1, -1, -1]), np.array([-1, -1, 0, 0, 0])
    assert solver.better(two, three) is three
    assert (solver.best_start([three, two], solver.combined()) == (two if two_first else three)).all()


def test_the_core_milps_never_trade_a_match_for_value():
    # One mentor, three hours, four places: three one-hour mentees worth 1 each, or four
    # mentees of 45 minutes worth 0.2 each. The combined goal (a match worth 2) prefers the
    # three (9 against 8.8); matching as many as possible comes first.
    value = np.array([[1.0]] * 3 + [[0.2]] * 4)
    problem = AssignmentProblem(value, np.ones((7, 1), bool), np.array([1.0] * 3 + [0.75] * 4), np.array([4.0]),
                                np.array([3.0]))
    solver = _Solver(problem, 10.0, None)
    combined = solver.combined()
    solver.price_core(combined, time.perf_counter() + 1)
    four_light = np.array([-1, -1, -1, 0, 0, 0, 0])
    assert solver.combined_value(four_light, combined) < 9.0
    assert solver.core_milp(four_light, combined).tolist() == four_light.tolist()
    lagrangian = solver.lagrangian(combined, solver.fit.prices.duals())
    mentor_of, bound = solver.complete_milp(four_light, combined, solver.promising(four_light, combined, lagrangian),
                                            np.inf)
    assert mentor_of.tolist() == four_light.tolist()
    assert bound >= solver.combined_value(four_light, combined) - 1e-9


def crowded_solver(seconds: float) -> tuple[_Solver, Objective, np.ndarray]:
    """A priced solver of a small instance where every mentee must be matched, and a start."""
    value, allowed, load, capacity, budget, required = random_pairs(3, 60, 8, required_share=1.0)
    problem = AssignmentProblem(value, np.ones_like(allowed), load, capacity * 10, budget * 4, required)
    solver = _Solver(problem, seconds, None)
    combined = solver.combined()
    solver.price_core(combined, time.perf_counter() + 1)
    start = solver.greedy()
    assert (start >= 0).all()
    return solver, combined, start


def test_the_complete_milp_forked_gives_what_it_gives_in_the_process():
    solver, combined, start = crowded_solver(20.0)
    lagrangian = solver.lagrangian(combined, solver.fit.prices.duals())
    forked = solver.fork_complete_milp(start, combined, lagrangian, np.inf)
    assert forked is not None
    found, bound = forked.result(30.0)
    here, here_bound = solver.complete_milp(start, combined, solver.promising(start, combined, lagrangian), np.inf)
    assert bound == pytest.approx(here_bound)
    assert solver.combined_value(found, combined) == pytest.approx(solver.combined_value(here, combined))
    assert solver.combined_value(found, combined) >= solver.combined_value(start, combined)


@pytest.mark.parametrize("fork", [True, False])
def test_the_complete_milp_is_forked_beside_the_polish_only_when_nothing_else_is(fork):
    solver, combined, start = crowded_solver(3.0)
    lines = []
    solver.progress = lines.append
    lagrangian = solver.lagrangian(combined, solver.fit.prices.duals())
    mentor_of, bound = solver.polish_and_complete(start, combined, lagrangian, np.inf, fork=fork)
    assert ("complete MILP forked" in lines) == fork
    assert any(line.startswith("bound") and "after the complete MILP" in line for line in lines) != fork
    assert solver.combined_value(start, combined) <= solver.combined_value(mentor_of, combined) <= bound + 1e-6
    assert np.isfinite(bound)


@pytest.mark.parametrize("pairs_per_second, kept", [(assign_finish.CORE_PAIRS_PER_SECOND, True), (1, False)])
def test_in_the_process_the_complete_milp_keeps_its_share_of_the_time_when_it_fits(monkeypatch, pairs_per_second,
                                                                                      kept):
    # Where it cannot be forked, the MILP over every promising pair runs last, for
    # COMPLETE_SHARE of the time left, and the polish before it keeps the rest; a MILP too
    # large for that time is not run and the polish keeps all of it.
    solver, combined, start = crowded_solver(4.0)
    monkeypatch.setattr(assign_finish, "CORE_PAIRS_PER_SECOND", pairs_per_second)
    lagrangian = solver.lagrangian(combined, solver.fit.prices.duals())
    left = solver.remaining()
    seconds = solver.complete_seconds(start, combined, lagrangian)
    assert seconds == (pytest.approx(assign_finish.COMPLETE_SHARE * left, abs=0.05) if kept else 0.0)


def test_the_bound_on_value_stays_tight_for_an_assignment_matching_fewer_than_it_could():
    value, allowed, load, capacity, budget, required = random_pairs(8, 200, 30)
    problem = AssignmentProblem(value, allowed, load, capacity, budget, required)
    solver = _Solver(problem, 30.0, None)
    combined = solver.combined()
    combined_bound = solver.price_core(combined, time.perf_counter() + 10)
    mentor_of = solver.greedy()
    mentor_of[np.flatnonzero(mentor_of >= 0)[::3]] = -1
    matched = int((mentor_of >= 0).sum())
    bound = solver.value_bound(mentor_of, time.perf_counter() + 10).at(matched)
    mentees, mentors = np.nonzero(allowed)
    best = solve_milp(PairModel(mentees, mentors, value[mentees, mentors], load[mentees], capacity, budget,
                                required, count_min=matched), 60)
    assert best.objective - 1e-6 <= bound <= best.objective * 1.02
    assert bound < combined_bound - combined.offset * matched - 10.0


def forked_bound_from_greedy() -> tuple[AssignmentProblem, _Solver, np.ndarray]:
    """A solver of 200 x 30 with 4 s, its bound on value forked from its greedy assignment."""
    value, allowed, load, capacity, budget, required = random_pairs(8, 200, 30)
    problem = AssignmentProblem(value, allowed, load, capacity, budget, required)
    solver = _Solver(problem, 4.0, None)
    solver.price_core(solver.combined(), time.perf_counter() + 1)
    start = solver.greedy()
    solver.fork_value_bound(start, worth=solver.combined().offset)
    return problem, solver, start


@pytest.mark.skipif(not can_fork(), reason="processes do not fork here")
@pytest.mark.parametrize("master", [True, False])
def test_the_forked_bound_on_value_brings_back_the_masters_assignment_within_that_bound(master, monkeypatch):
    # Where the master fits the child's time, the child computes the bound on value, then the
    # master over the mentors' sets the bound met, and sends back both: an assignment better
    # than its start, feasible, within the bound; without it, the bound and the start unchanged.
    if not master:
        monkeypatch.setattr(assign_bounding, "FORKED_MASTER_SHARE", 0.0)
    problem, solver, start = forked_bound_from_greedy()
    assert solver.forked_master == master
    found, mastered = solver.forked_value_bound()
    matched = int((mastered >= 0).sum())
    assert matched >= int((start >= 0).sum())
    capacity_left, budget_left = problem.room_left(mastered)
    assert (capacity_left >= 0).all() and (budget_left >= -1e-9).all()
    assert problem.allowed[np.flatnonzero(mastered >= 0), mastered[mastered >= 0]].all()
    assert problem.objective(mastered) <= found.at(matched) + 1e-6
    if master:
        assert problem.objective(mastered) > problem.objective(start) + 1.0
    else:
        assert mastered.tolist() == start.tolist()


@pytest.mark.skipif(not can_fork(), reason="processes do not fork here")
def test_a_forked_master_late_with_its_milp_still_gives_the_bound_and_its_assignment_before_it(monkeypatch):
    monkeypatch.setattr(SetMaster, "solve", lambda master, whole, seconds: time.sleep(60))  # overruns any wait
    problem, solver, start = forked_bound_from_greedy()
    assert solver.forked_master
    started = time.perf_counter()
    found, mastered = solver.forked_value_bound()
    assert time.perf_counter() - started < 4.0 * (1 + FORK_GRACE) + 0.5
    matched = int((mastered >= 0).sum())
    assert matched >= int((start >= 0).sum())
    assert problem.objective(start) + 1.0 < problem.objective(mastered) <= found.at(matched) + 1e-6


def test_the_lagrangian_over_the_pair_table_is_each_mentees_best_adjusted_pair():
    """Against the whole matrix written out: a required mentee without pairs makes the bound
    -inf, one that may wait adds nothing; priced-out pairs are the best positive ones per
    mentee outside the known ones."""
    value, allowed, load, capacity, budget, required = random_pairs(9, 50, 12, required_share=0.5)
    allowed[3] = False
    required[3], required[4] = False, True
    rng = np.random.default_rng(9)
    duals = (rng.uniform(0, 0.5, 12), rng.uniform(0, 0.3, 12), np.zeros(12), 0.2)
    adjusted = np.where(allowed, value - duals[0] - duals[1] * load[:, None] + 0.2, -np.inf)
    best = np.where(required, adjusted.max(axis=1), np.maximum(adjusted.max(axis=1), 0.0))
    mentee_dual = rng.uniform(0, 3, 50)
    known = rng.random((50, 12)) < 0.3
    bound, (mentees, mentors) = lagrangian_bound(*by_pair(value, allowed, load), required, capacity, budget, None,
                                                 0.0, duals, 0, mentee_dual, known, 2)
    assert bound == pytest.approx(duals[0] @ capacity + duals[1] @ budget + best.sum())
    reduced = np.where(known, -np.inf, adjusted - mentee_dual[:, None])
    expected = {(i, j) for i in range(50) for j in np.argsort(-reduced[i])[:2] if reduced[i, j] > 1e-9}
    assert set(zip(mentees.tolist(), mentors.tolist())) == expected and len(expected) > 10
    allowed[4] = False
    bound, _ = lagrangian_bound(*by_pair(value, allowed, load), required, capacity, budget, None, 0.0, duals, 0)
    assert bound == -np.inf


def test_zero_prices_bound_every_mentee_taking_its_best_pair():
    value, allowed, load, capacity, budget, required = random_pairs(3, 60, 10)
    zero = np.zeros(10)
    bound, _ = lagrangian_bound(*by_pair(value, allowed, load), required, capacity, budget, None, 0.0,
                                (zero, zero, zero, 0.0), 0)
    assert bound == pytest.approx(np.where(allowed, value, 0.0).max(axis=1).sum())
    prices = smoothed_prices(pair_list(value, allowed, load, capacity, budget, required), time.perf_counter() + 30)
    tighter, _ = lagrangian_bound(*by_pair(value, allowed, load), required, capacity, budget, None, 0.0,
                                  prices.duals(), 0)
    assert tighter < bound - 1.0  # budgets bind, so the prices must tighten the bound


def test_target_prices_stay_within_the_penalty():
    value, allowed, load, capacity, budget, required = random_pairs(4, 80, 12)
    target = np.full(12, 4.0)
    prices = smoothed_prices(pair_list(value, allowed, load, capacity, budget, required, target, 0.5),
                             time.perf_counter() + 30)
    assert (prices.target >= 0).all() and (prices.target <= 0.5 + 1e-12).all()


def test_a_past_deadline_leaves_the_prices_at_zero():
    prices = smoothed_prices(pair_list(*random_pairs(5, 40, 8)), time.perf_counter() - 1)
    assert all(np.all(price == 0) for price in prices.duals())


@pytest.mark.parametrize("share", [0.05, 0.3, 0.9])
def test_top_pairs_are_each_rows_best_masked_entries(share):
    rng = np.random.default_rng(int(share * 100))
    score = rng.normal(size=(60, 40)) * 10
    mask = rng.random((60, 40)) < share
    mentees, mentors = top_pairs(score, mask, 4)
    expected = set()
    for i in range(60):
        columns = np.flatnonzero(mask[i])
        expected |= {(i, int(j)) for j in columns[np.argsort(-score[i, columns])][:4]}
    assert set(zip(mentees.tolist(), mentors.tolist())) == expected


def test_priced_top_pairs_are_each_mentees_best_reduced_pairs():
    value, allowed, load, capacity, budget, required = random_pairs(6, 50, 9)
    rng = np.random.default_rng(6)
    capacity_price, load_price = rng.uniform(0, 1, 9), rng.uniform(0, 1, 9)
    mentees, mentors = priced_top_pairs(lambda rows: value[rows], allowed, load, capacity_price, load_price, 2)
    reduced = np.where(allowed, value - capacity_price - load_price * load[:, None], -np.inf)
    for i in range(50):
        picked = sorted(mentors[mentees == i])
        expected = sorted(np.argsort(-reduced[i])[:min(2, int(allowed[i].sum()))])
        assert picked == expected


def test_neighbourhood_search_reaches_the_optimum_of_a_small_instance():
    value, allowed, load, capacity, budget, _ = random_pairs(7, 30, 6)
    required = np.zeros(30, bool)
    mentees, mentors = np.nonzero(allowed)
    model = PairModel(mentees, mentors, value[mentees, mentors], load[mentees], capacity, budget, required)
    optimum = solve_milp(model, 30)
    assert optimum.status == "optimal"

    def score(mentor_of):
        matched = np.flatnonzero(mentor_of >= 0)
        return float(value[matched, mentor_of[matched]].sum())

    def resolve(pairs, rest, seconds, count_min):
        taken = rest[rest >= 0]
        used_hours = np.bincount(taken, load[rest >= 0], minlength=6)
        return solve_milp(PairModel(pairs[0], pairs[1], value[pairs], load[pairs[0]],
                                    capacity - np.bincount(taken, minlength=6), budget - used_hours, required,
                                    count_min=count_min), seconds)

    start = np.full(30, -1)
    found = neighbourhood_search(start, (mentees, mentors), allowed, resolve, score, time.perf_counter() + 20,
                                 lambda best: best >= optimum.objective - 1e-6, lambda line: None)
    assert score(found) == pytest.approx(optimum.objective)
    matched = np.flatnonzero(found >= 0)
    assert allowed[matched, found[matched]].all()
    assert (np.bincount(found[matched], minlength=6) <= capacity).all()
    assert (np.bincount(found[matched], load[matched], minlength=6) <= budget + 1e-9).all()


def test_neighbourhood_search_never_keeps_a_worse_or_forbidden_assignment():
    value, allowed, load, capacity, budget, _ = random_pairs(8, 20, 4)
    required = np.zeros(20, bool)
    mentees, mentors = np.nonzero(allowed)
    forbidden_mentee = int(mentees[0])

    def score(mentor_of):
        if mentor_of[forbidden_mentee] >= 0:
            return -np.inf
        matched = np.flatnonzero(mentor_of >= 0)
        return float(value[matched, mentor_of[matched]].sum())

    def resolve(pairs, rest, seconds, count_min):
        taken = rest[rest >= 0]
        return solve_milp(PairModel(pairs[0], pairs[1], value[pairs], load[pairs[0]],
                                    capacity - np.bincount(taken, minlength=4),
                                    budget - np.bincount(taken, load[rest >= 0], minlength=4), required,
                                    count_min=count_min), seconds)

    start = np.full(20, -1)
    found = neighbourhood_search(start, (mentees, mentors), allowed, resolve, score, time.perf_counter() + 1.0,
                                 lambda best: False, lambda line: None)
    assert found[forbidden_mentee] == -1
    assert score(found) >= score(start)


def heavy_or_two(count_min: int) -> PairModel:
    """One mentor with two hours: a two-hour mentee worth 5, or two one-hour mentees worth 1
    each; at least `count_min` matches."""
    return PairModel(np.arange(3), np.zeros(3, int), np.array([5.0, 1.0, 1.0]), np.array([2.0, 1.0, 1.0]),
                     np.array([2]), np.array([2.0]), np.zeros(3, bool), count_min=count_min)


@pytest.mark.parametrize("keep_count, expected", [(True, [-1, 0, 0]), (False, [0, -1, -1])])
def test_neighbourhood_search_keeps_as_many_matches_as_it_was_given(keep_count, expected):
    start = np.array([-1, 0, 0])

    def score(mentor_of):
        return float(heavy_or_two(0).weight[mentor_of >= 0].sum())

    def resolve(pairs, rest, seconds, count_min):
        return solve_milp(heavy_or_two(count_min if keep_count else 0), seconds)

    found = neighbourhood_search(start, (np.arange(3), np.zeros(3, int)), np.ones((3, 1), bool), resolve, score,
                                 time.perf_counter() + 1.0, lambda best: best >= 5, lambda line: None)
    assert found.tolist() == expected


@pytest.mark.parametrize("count_min, expected", [(2, [False, True, True]), (0, [True, False, False])])
def test_cpsat_matches_at_least_count_min(count_min, expected):
    found = improve_with_cpsat(heavy_or_two(count_min), np.array([False, True, True]), time.perf_counter() + 5)
    assert found.tolist() == expected


def test_cpsat_improves_its_start_and_keeps_every_limit():
    value, allowed, load, capacity, budget, _ = random_pairs(9, 40, 5)
    load = load / 2 + 0.25  # fractional hours: 0.75, 1.25, 1.75
    required = np.zeros(40, bool)
    required[:3] = True
    mentees, mentors = np.nonzero(allowed)
    model = PairModel(mentees, mentors, value[mentees, mentors], load[mentees], capacity, budget, required)
    start = np.zeros(len(mentees), bool)
    for i in range(3):  # only the required mentees, each with its first allowed mentor
        start[np.flatnonzero(mentees == i)[0]] = True
    found = improve_with_cpsat(model, start, time.perf_counter() + 10)
    assert found is not None
    taken_mentees, taken_mentors = mentees[found], mentors[found]
    assert len(np.unique(taken_mentees)) == len(taken_mentees)
    assert set(range(3)) <= set(taken_mentees.tolist())
    assert (np.bincount(taken_mentors, minlength=5) <= capacity).all()
    assert (np.bincount(taken_mentors, load[taken_mentees], minlength=5) <= budget + 1e-9).all()
    assert value[taken_mentees, taken_mentors].sum() > value[mentees[start], mentors[start]].sum()
    optimum = solve_milp(model, 30)
    assert value[taken_mentees, taken_mentors].sum() == pytest.approx(optimum.objective, rel=1e-3)


def test_cpsat_never_exceeds_a_budget_that_only_exact_hours_would_fill():
    # Three mentees of 1/3 hour each fit a 1-hour budget exactly; in whole minutes they take
    # 20 each, so all three still fit, and a fourth never does.
    model = PairModel(np.arange(4), np.zeros(4, int), np.ones(4), np.full(4, 1 / 3), np.array([4]),
                      np.array([1.0]), np.zeros(4, bool))
    found = improve_with_cpsat(model, np.zeros(4, bool), time.perf_counter() + 5)
    assert found.sum() == 3


@pytest.mark.parametrize("mentor_of, expected", [
    (np.repeat(np.arange(3), 8), True),
    (np.repeat(np.arange(3), 7), False),
    (np.concatenate([np.repeat(np.arange(3), 9), np.full(5, -1)]), True),
    (np.full(4, -1), False),
])
def test_crowded_means_eight_or_more_mentees_per_busy_mentor(mentor_of, expected):
    assert crowded(mentor_of) is expected


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_every_assignment_above_the_floor_uses_only_promising_pairs(seed):
    value, allowed, load, capacity, budget, required = random_pairs(seed, 6, 3)
    capacity = np.minimum(capacity, 2)
    prices = smoothed_prices(pair_list(value, allowed, load, capacity, budget, required), time.perf_counter() + 30)
    lagrangian = Lagrangian(*by_pair(value, allowed, load), required, capacity, budget, None, 0.0,
                            prices.duals())
    assignments = []
    for choice in itertools.product(range(-1, 3), repeat=6):
        mentor_of = np.array(choice)
        matched = np.flatnonzero(mentor_of >= 0)
        if (not allowed[matched, mentor_of[matched]].all()
                or (np.bincount(mentor_of[matched], minlength=3) > capacity).any()
                or (np.bincount(mentor_of[matched], load[matched], minlength=3) > budget + 1e-9).any()):
            continue
        assignments.append((float(value[matched, mentor_of[matched]].sum()), mentor_of))
    best = max(total for total, _ in assignments)
    assert lagrangian.bound() >= best - 1e-9
    floor = np.percentile([total for total, _ in assignments], 95)
    promising = set(zip(*map(np.ndarray.tolist, lagrangian.promising_pairs(floor))))
    assert len(promising) < allowed.sum()  # the floor rules some pairs out
    for total, mentor_of in assignments:
        if total > floor:
            assert {(i, int(mentor_of[i])) for i in np.flatnonzero(mentor_of >= 0)} <= promising


def test_fill_greedily_adds_waiting_mentees_best_first_within_every_limit():
    value = np.array([[3.0, 1.0], [2.0, 2.5], [1.0, 0.5], [4.0, 0.1]])
    feasible = np.array([[True, True], [True, True], [True, False], [False, True]])
    load = np.array([2.0, 1.0, 1.0, 2.0])
    capacity, budget = np.array([2, 2]), np.array([3.0, 2.0])
    start = np.array([-1, -1, 0, -1])  # mentee 2 already with mentor 0 (1 h of its 3)
    filled = fill_greedily(start, value, feasible, load, capacity, budget)
    # Best feasible value first: 0 (3.0) takes mentor 0 (2 h, now full by count), 1 (2.5) takes
    # mentor 1 (1 h), and 3 (0.1, mentor 1 only) does not fit mentor 1's last hour.
    assert filled.tolist() == [0, 1, 0, -1]
    assert start.tolist() == [-1, -1, 0, -1]  # the start is not changed in place


def test_regret_priority_puts_best_pairs_first_the_most_to_lose_ahead():
    mentees = np.array([0, 0, 1, 1, 2, 3])
    reduced = np.array([5.0, 4.5, 3.0, -1.0, 2.0, -0.5])
    priority = regret_priority(mentees, reduced, 5)
    order = list(np.argsort(-priority))
    # best pairs first: mentee 1 loses 3 without its best, mentee 2 loses 2, mentee 0 only 0.5,
    # mentee 3's best is worth less than waiting; then the other pairs by reduced weight
    assert order == [2, 4, 0, 5, 1, 3]
    assert (priority > 0).all()


def test_relinking_keeps_the_agreed_pairs_and_matches_as_many_as_the_start():
    value = np.array([[1.0, 0.2], [0.9, 0.1], [0.1, 0.8]])
    problem = AssignmentProblem(value, np.ones((3, 2), bool), np.ones(3), np.array([1, 1]), np.array([5.0, 5.0]))
    solver = _Solver(problem, 5.0, None)
    start, rival = np.array([1, 0, -1]), np.array([0, -1, 1])  # two matched each, no pair in common
    relinked = solver.relinked(start, rival, time.perf_counter() + 5)
    assert relinked.tolist() == [0, -1, 1]  # the best two-match assignment over their pairs
    fewer = np.array([0, -1, -1])  # agrees with the start on nothing; matches one
    relinked = solver.relinked(np.array([0, 1, -1]), fewer, time.perf_counter() + 5)
    assert (relinked >= 0).sum() == 2 and relinked[0] == 0  # the agreed pair stays, and two are matched


def test_relinking_never_drops_below_the_larger_count_for_value():
    value = np.array([[1.0, 0.0], [0.0, 0.05], [0.0, 3.0]])
    allowed = np.array([[True, False], [False, True], [False, True]])
    problem = AssignmentProblem(value, allowed, np.ones(3), np.array([1, 1]), np.array([5.0, 5.0]))
    solver = _Solver(problem, 5.0, None)
    relinked = solver.relinked(np.array([0, 1, -1]), np.array([-1, -1, 1]), time.perf_counter() + 5)
    assert relinked.tolist() == [0, -1, 1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 70_000), max_size=300))
def test_stable_order_sorts_whole_numbers_as_a_stable_argsort_does(keys):
    keys = np.array(keys, dtype=np.int64)
    assert np.array_equal(stable_order(keys), np.argsort(keys, kind="stable"))
    small = keys % 300  # fits 16 bits: sorted by radix
    assert np.array_equal(stable_order(small), np.argsort(small, kind="stable"))
