"""Tests of the dive over the mentors' near-best sets (assign_dive) and its place in the solver."""

import itertools
import time

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.solver import assignment
from matcher.solver.assign_dive import (
    SETS_PER_MENTOR,
    DiveProblem,
    _lagrangian,
    _near_best_sets,
    columns,
    dive_applies,
    dives,
    mentee_prices,
)
from matcher.solver.assign_problem import AssignmentProblem
from matcher.solver.assignment import solve_assignment


def random_dive_problem(seed: int, m: int, n: int, tight: float = 0.8) -> DiveProblem:
    """A type-D-like instance: heavier loads cost less, budgets a share of the mean load."""
    rng = np.random.default_rng(seed)
    load = rng.integers(1, 30, (m, n))
    cost = (40 - load + rng.integers(-5, 6, (m, n))).astype(float)
    budget = np.maximum(np.ceil(tight * load.sum(axis=1) / m), load.max(axis=1)).astype(np.int64)
    return DiveProblem(cost, load.astype(np.int64), budget, np.full(m, n, np.int64))


def as_assignment(problem: DiveProblem, required: bool = True) -> AssignmentProblem:
    """The same instance in the solver's terms (value = 100 - cost, every mentee required)."""
    m, n = problem.cost.shape
    return AssignmentProblem(value=np.ascontiguousarray(100.0 - problem.cost.T), allowed=np.ones((n, m), bool),
                             load=np.ascontiguousarray(problem.load.T, dtype=float),
                             capacity=problem.capacity.astype(float), budget=problem.budget.astype(float),
                             required=np.full(n, required))


def optimum(problem: DiveProblem) -> float:
    """The least total cost over every assignment of every mentee within the budgets (brute force)."""
    m, n = problem.cost.shape
    best = np.inf
    for mentor_of in itertools.product(range(m), repeat=n):
        mentor_of = np.array(mentor_of)
        used = np.bincount(mentor_of, problem.load[mentor_of, np.arange(n)], minlength=m)
        if (used <= problem.budget).all():
            best = min(best, problem.cost[mentor_of, np.arange(n)].sum())
    return best


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 30.0), st.integers(1, 4))
def test_near_best_sets_are_every_set_within_the_margin(seed, margin, capacity):
    rng = np.random.default_rng(seed)
    n = 9
    values = rng.integers(-20, 10, n).astype(float)
    load = rng.integers(1, 10, n)
    allowed = rng.random(n) < 0.8
    budget = int(rng.integers(5, 25))
    best = min(values[list(s)].sum() for size in range(capacity + 1) for s in itertools.combinations(range(n), size)
               if allowed[list(s)].all() and load[list(s)].sum() <= budget)
    expected = {s for size in range(capacity + 1) for s in itertools.combinations(range(n), size)
                if allowed[list(s)].all() and load[list(s)].sum() <= budget
                and values[list(s)].sum() <= best + margin + 1e-9}
    out = np.zeros((2 ** n, n), bool)
    count = _near_best_sets(values, load, allowed, budget, capacity, best + margin, out, 2 ** n)
    found = {tuple(np.flatnonzero(row)) for row in out[:count]}
    assert count == len(found) and found == expected


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_the_lagrangian_bounds_every_assignment_from_below(seed):
    problem = random_dive_problem(seed, 3, 6)
    prices = np.random.default_rng(seed).uniform(0, 40, 6)
    bound, subgradient = _lagrangian(problem.cost, problem.load, problem.allowed, problem.budget, prices)
    assert bound <= optimum(problem) + 1e-9
    assert subgradient.max() <= 1.0 and subgradient.shape == (6,)


def test_price_steps_tighten_the_bound_from_the_lps_duals():
    problem = random_dive_problem(3, 4, 16)
    start = problem.cost.min(axis=0)
    before = _lagrangian(problem.cost, problem.load, problem.allowed, problem.budget, start)[0]
    prices, bound = mentee_prices(problem, start, before + 50.0, time.perf_counter() + 5)
    after = _lagrangian(problem.cost, problem.load, problem.allowed, problem.budget, prices)[0]
    assert after > before and bound == after


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_the_prices_bound_holds(seed):
    problem = random_dive_problem(seed, 3, 6)
    prices, bound = mentee_prices(problem, problem.cost.min(axis=0), 0.0, time.perf_counter() + 5)
    assert bound <= optimum(problem) + 1e-9


def test_columns_fit_their_mentor_and_are_capped():
    problem = random_dive_problem(5, 5, 30)
    sets, owner = columns(problem, problem.cost.min(axis=0))
    loads = (sets * problem.load[owner]).sum(axis=1)
    assert (loads <= problem.budget[owner]).all()
    assert np.bincount(owner, minlength=5).max() <= SETS_PER_MENTOR


def test_each_dive_places_every_mentee_within_the_budgets():
    problem = random_dive_problem(7, 6, 40)
    solver = assignment._Solver(as_assignment(problem), 10.0, None)
    prices, _ = mentee_prices(problem, problem.cost.min(axis=0), 0.0, time.perf_counter() + 1)

    def finish(placed, mentors, seconds):
        rest = placed.copy()
        free = np.flatnonzero(placed < 0)
        mentees, chosen = np.nonzero(np.ones((len(free), len(mentors)), bool))
        pairs = (free[mentees], mentors[chosen])
        found = solver.solve_fixed(assignment.Objective(0.0, 1.0, 1.0), pairs, rest, seconds, len(free))
        if found.x is None:
            return None
        rest[pairs[0][found.x]] = pairs[1][found.x]
        return rest

    found = dives(problem, prices, finish, time.perf_counter() + 20)
    assert len(found) == 2
    for mentor_of in found:
        used = np.bincount(mentor_of, problem.load[mentor_of, np.arange(40)], minlength=6)
        assert (mentor_of >= 0).all() and (used <= problem.budget).all()


def test_the_dive_applies_to_whole_loads_with_every_mentee_required():
    load, budget = np.tile([[2, 3], [4, 1]], (1, 5)), np.arange(5, 15)
    assert dive_applies(load, budget, True, True, 10.0)


def test_the_dive_does_not_apply_to_fractional_loads_optional_mentees_targets_few_mentors_or_little_time():
    load, budget = np.tile([[2, 3], [4, 1]], (1, 5)), np.arange(5, 15)
    assert not dive_applies(load + 0.5, budget, True, True, 10.0)
    assert not dive_applies(load, budget, False, True, 10.0)
    assert not dive_applies(load, budget, True, False, 10.0)
    assert not dive_applies(load, budget * 10_000, True, True, 10.0)
    assert not dive_applies(load[:, :8], budget[:8], True, True, 10.0)
    assert not dive_applies(load, budget, True, True, load.size / 2_000 / 2)


def test_solver_adopts_the_dive_where_every_mentee_is_required(monkeypatch):
    problem = as_assignment(random_dive_problem(11, 12, 60))
    monkeypatch.setattr(assignment, "EXACT_PAIRS", 0)  # the large path, where the dive runs
    messages = []
    result = solve_assignment(problem, 4.0, progress=messages.append)
    assert any(message.startswith("dive: 60 matched") for message in messages)
    assert result.matched == 60 and result.objective <= result.bound + 1e-6
    priced = next(message for message in messages if message.startswith("prices on the mentees: bound "))
    assert result.bound <= float(priced.rsplit(" ", 1)[1]) * (1 + 1e-5)  # printed to 6 digits


def test_solver_skips_the_dive_where_mentees_may_wait(monkeypatch):
    problem = as_assignment(random_dive_problem(11, 12, 60), required=False)
    monkeypatch.setattr(assignment, "EXACT_PAIRS", 0)
    messages = []
    solve_assignment(problem, 3.0, progress=messages.append)
    assert not any(message.startswith("dive") for message in messages)


def test_compile_kernels_compiles_every_kernel(fresh_python):
    code = ("from matcher.solver.assign_dive import _knapsack_table, _lagrangian, _near_best_sets, _price_steps, "
            "compile_kernels\n"
            "from matcher.solver.assign_knapsack import best_sets\n"
            "kernels = (_knapsack_table, _lagrangian, _price_steps, _near_best_sets, best_sets)\n"
            "assert not any(kernel.signatures for kernel in kernels)\n"
            "compile_kernels()\n"
            "print(all(kernel.signatures for kernel in kernels))")
    assert fresh_python(code) == "True\n"  # the tests' session compiles them first (conftest)
