"""The pool's LP kept in HiGHS while columns are added (assign_pair_lp) against the model
solved afresh (assign_model.solve_lp)."""
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.solver.assign_matrix import lagrangian_bound
from matcher.solver.assign_model import PairModel, solve_lp
from matcher.solver.assign_pair_lp import PairLP
from test_assign_core import by_pair, random_pairs


def model_of(seed: int, n: int = 40, m: int = 10, required_share: float = 0.3, count_min: int = 0,
             conflicts=()) -> tuple[PairModel, tuple]:
    """A model of every allowed pair of a random instance, with targets on half of the mentors."""
    value, allowed, load, capacity, budget, required = random_pairs(seed, n, m, required_share)
    target = np.where(np.arange(m) % 2 == 0, 2.0, 0.0)
    mentees, mentors = np.nonzero(allowed)
    model = PairModel(mentees, mentors, value[mentees, mentors], load[mentees], capacity, budget, required,
                      target, 0.5, count_min)
    rows = tuple((np.flatnonzero((mentors == j) & np.isin(mentees, members)), len(members) - 1)
                 for j, members in conflicts)
    return model, replace(model, conflicts=rows)


def grown(model: PairModel, first: np.ndarray, conflicts=()) -> PairLP:
    """A PairLP of the pairs `first` (a mask), solved (feasible or not), then given the others."""
    lp = PairLP(replace(model, mentee=model.mentee[first], mentor=model.mentor[first], weight=model.weight[first],
                        load=model.load[first]), conflicts)
    lp.solve(30.0)
    rest = ~first
    lp.add(model.mentee[rest], model.mentor[rest], model.weight[rest], model.load[rest])
    return lp


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), required_share=st.sampled_from([0.0, 0.3, 1.0]), count_min=st.integers(0, 12))
def test_grown_by_columns_it_reaches_the_lp_of_every_pair_solved_afresh(seed, required_share, count_min):
    model, _ = model_of(seed, required_share=required_share, count_min=count_min)
    fresh = solve_lp(model)
    first = np.random.default_rng(seed).random(len(model.mentee)) < 0.5
    lp = grown(model, first)
    solution = lp.solve(30.0)
    if fresh is None:
        assert solution is None
        return
    assert solution.objective == pytest.approx(fresh.objective, abs=1e-6)
    order = np.r_[np.flatnonzero(first), np.flatnonzero(~first)]  # the columns in the order they were added
    taken = np.zeros(len(model.mentee))
    taken[order] = solution.x
    assert (np.bincount(model.mentor, taken, len(model.capacity)) <= model.capacity + 1e-6).all()
    assert (np.bincount(model.mentor, taken * model.load, len(model.capacity)) <= model.budget + 1e-6).all()
    assert taken.sum() >= count_min - 1e-6


@pytest.mark.parametrize("required_share", [1.0, 0.3])
def test_its_duals_price_every_pair_to_the_lp_s_own_objective(required_share):
    value, allowed, load, capacity, budget, required = random_pairs(5, 24, 12, required_share)
    mentees, mentors = np.nonzero(allowed)
    model = PairModel(mentees, mentors, value[mentees, mentors], load[mentees], capacity, budget, required)
    lp = grown(model, np.arange(len(mentees)) % 3 > 0).solve(30.0)
    duals = (lp.capacity_dual, lp.budget_dual, lp.target_dual, lp.count_dual)
    bound, _ = lagrangian_bound(*by_pair(value, allowed, load), required, capacity, budget, None, 0.0, duals, 0)
    assert (lp.budget_dual > 1e-6).sum() >= 5  # budgets bind: the duals carry the bound
    assert bound == pytest.approx(lp.objective, abs=1e-6)
    assert lp.objective == pytest.approx(solve_lp(model).objective, abs=1e-6)


def test_a_required_mentee_without_a_pair_waits_for_one_then_must_take_it():
    model = PairModel(np.array([0]), np.array([0]), np.array([1.0]), np.array([1.0]), np.array([1]),
                      np.array([1.0]), np.array([False, True]))
    lp = PairLP(model)
    assert lp.solve(10.0).x.tolist() == [1.0]  # mentee 1 has no pair yet: it is left to the bound
    lp.add(np.array([1]), np.array([0]), np.array([-1.0]), np.array([1.0]))
    solution = lp.solve(10.0)
    assert solution.x.tolist() == [0.0, 1.0] and solution.objective == pytest.approx(-1.0)


def test_a_required_mentee_whose_only_mentor_is_full_makes_it_infeasible():
    model = PairModel(np.array([0]), np.array([0]), np.array([1.0]), np.array([1.0]), np.array([0]),
                      np.array([1.0]), np.array([True]))
    assert PairLP(model).solve(10.0) is None


def test_a_conflict_s_row_takes_the_pairs_added_later_too():
    model, _ = model_of(7)
    plain = solve_lp(model)
    taken = plain.x > 0.5
    crowded = [j for j in range(len(model.capacity)) if (taken & (model.mentor == j)).sum() >= 2][:2]
    conflicts = tuple((j, tuple(model.mentee[taken & (model.mentor == j)].tolist())) for j in crowded)
    assert len(conflicts) == 2
    fresh = solve_lp(model_of(7, conflicts=conflicts)[1])
    assert fresh.objective < plain.objective - 1e-6  # the conflicts bind
    first = np.random.default_rng(7).random(len(model.mentee)) < 0.5
    solution = grown(model, first, conflicts).solve(30.0)
    assert solution.objective == pytest.approx(fresh.objective, abs=1e-6)
