"""Local search moves on hand-made states: each move happens when it helps and fits, never
otherwise, and no move breaks capacity or budget."""
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.solver.assign_exchange import _walks_back
from matcher.solver.assign_search import LocalSearch


def search(weight, allowed, load, capacity, budget, mentor_of):
    return LocalSearch(np.array(weight, float), np.array(allowed, bool), np.array(load, float),
                       np.array(capacity), np.array(budget, float), np.array(mentor_of))


def test_insert_takes_the_best_mentor_with_room():
    s = search([[1, 3]], [[True, True]], [1], [1, 1], [2, 2], [-1])
    assert s.insert(0) and s.mentor_of.tolist() == [1]


def test_insert_skips_a_mentor_without_hours():
    s = search([[1, 3]], [[True, True]], [3], [1, 1], [4, 2], [-1])
    assert s.insert(0) and s.mentor_of.tolist() == [0]
    full = search([[1, 3]], [[True, True]], [3], [1, 1], [2, 2], [-1])
    assert not full.insert(0)


def test_inserts_give_each_mentor_one_waiting_mentee_at_a_time_the_best_pair_first():
    # Mentees 0 and 1 wait; mentor 0 has room for both, worth 2 and 3; mentor 1 has none.
    s = search([[2, 1], [3, 1]], np.ones((2, 2), bool), [1, 1], [2, 0], [5, 5], [-1, -1])
    assert s.inserts(np.array([0, 1])) == 1 and s.mentor_of.tolist() == [-1, 0]
    assert s.inserts(np.array([0])) == 1 and s.mentor_of.tolist() == [0, 0]
    assert s.inserts(np.array([0, 1])) == 0


def test_a_search_at_its_bound_on_the_count_looks_for_no_move_that_matches_more():
    # Mentee 1 could take mentor 1's free place; told that one match is the most there can
    # be (a proven bound in a solve), the search leaves it waiting.
    def run(most):
        s = search([[2, 1], [0, 1]], np.ones((2, 2), bool), [1, 1], [1, 1], [5, 5], [0, -1])
        s.most = most if most is not None else s.most
        return s.run(time.perf_counter() + 5, np.array([0, 1])).tolist()

    assert run(None) == [0, 1]
    assert run(1) == [0, -1]


def test_eject_moves_a_mentee_away_to_make_room():
    # mentee 0 sits with mentor 0 (its only choice for mentee 1); mentor 1 can take mentee 0.
    weight = [[2, 1], [2, 0]]
    allowed = [[True, True], [True, False]]
    s = search(weight, allowed, [1, 1], [1, 1], [5, 5], [0, -1])
    assert not s.insert(1)
    assert s.ejects(np.array([1])) == 1 and s.mentor_of.tolist() == [1, 0]


def test_eject_is_refused_when_the_moved_mentee_has_nowhere_to_go():
    s = search([[2, 1], [2, 0]], [[True, False], [True, False]], [1, 1], [1, 1], [5, 5], [0, -1])
    assert s.ejects(np.array([1])) == 0 and s.mentor_of.tolist() == [0, -1]


def test_of_two_ejects_that_share_a_mentor_the_one_worth_more_is_made():
    # Mentees 1 and 2 wait and fit mentor 0 only, full with mentee 0, who fits mentor 1 too.
    for worth, mentor_of in ((2, [1, 0, -1]), (4, [1, -1, 0])):
        s = search([[2, 1], [3, 0], [worth, 0]], [[True, True], [True, False], [True, False]], [1, 1, 1], [1, 1],
                   [5, 5], [0, -1, -1])
        assert s.ejects(np.array([1, 2])) == 1 and s.mentor_of.tolist() == mentor_of


def test_replace_gives_the_place_to_the_mentee_worth_more():
    s = search([[1], [3]], [[True], [True]], [1, 1], [1], [5], [0, -1])
    assert s.replaces(np.array([1])) == 1 and s.mentor_of.tolist() == [-1, 0]


def test_replace_never_lowers_the_value():
    s = search([[3], [1]], [[True], [True]], [1, 1], [1], [5], [0, -1])
    assert s.replaces(np.array([1])) == 0 and s.mentor_of.tolist() == [0, -1]


def test_replace_never_displaces_a_required_mentee():
    s = LocalSearch(np.array([[1.0], [3.0]]), np.ones((2, 1), bool), np.ones(2), np.array([1]),
                    np.array([5.0]), np.array([0, -1]), required=np.array([True, False]))
    assert s.replaces(np.array([1])) == 0 and s.mentor_of.tolist() == [0, -1]


def test_replace_needs_the_hours_of_the_replaced_mentee_to_suffice():
    s = search([[1], [3]], [[True], [True]], [1, 3], [1], [2], [0, -1])
    assert s.replaces(np.array([1])) == 0


def heavy_mentee_waits(required):
    """Mentor 0 holds mentees 0 and 1 (1 hour each, worth 1), mentor 1 mentee 2 (2 hours,
    worth 5); both have 2 hours, none free; mentee 3 (2 hours) waits and fits either."""
    return LocalSearch(np.array([[1, 0], [1, 0], [0, 5], [1, 1]], float), np.array([[1, 0], [1, 0], [0, 1], [1, 1]], bool),
                       np.array([1, 1, 2, 2], float), np.array([2, 2]), np.array([2, 2], float),
                       np.array([0, 0, 1, -1]), required=np.array(required))


def test_make_room_lets_wait_the_mentees_that_cost_least():
    s = heavy_mentee_waits([False, False, False, True])
    assert s.make_room(np.array([3])) == 1 and s.mentor_of.tolist() == [-1, -1, 1, 0]


def test_make_room_never_lets_a_required_mentee_wait():
    s = heavy_mentee_waits([True, False, False, True])
    assert s.make_room(np.array([3])) == 1 and s.mentor_of.tolist() == [0, 0, -1, 1]
    stuck = heavy_mentee_waits([True, False, True, True])
    assert stuck.make_room(np.array([3])) == 0 and stuck.mentor_of.tolist() == [0, 0, 1, -1]


def test_relocate_moves_to_a_better_mentor_with_room_only():
    s = search([[1, 2]], [[True, True]], [1], [1, 1], [5, 5], [0])
    assert s.relocations() == 1 and s.mentor_of.tolist() == [1]
    worse = search([[2, 1]], [[True, True]], [1], [1, 1], [5, 5], [0])
    assert worse.relocations() == 0 and worse.mentor_of.tolist() == [0]


def three_in_a_row(room_at_the_end: bool, weight=None):
    """Mentee 0 waits and fits only mentor 0, full with mentee 1; mentee 1 fits mentor 1 too,
    full with mentee 2 (3 of its 3 hours); mentee 2 fits mentor 2, which has room when
    `room_at_the_end`, else holds mentee 3, who fits nowhere else."""
    allowed = [[True, False, False], [True, True, False], [False, True, True], [False, False, True]]
    weight = weight or [[5, 0, 0], [5, 5, 0], [0, 5, 5], [0, 0, 5]]
    return search(weight, allowed, [1, 1, 3, 1], [1, 1, 1], [5, 3, 3], [-1, 0, 1, 2 if not room_at_the_end else -1])


def test_a_chain_matches_a_waiting_mentee_by_moving_two_others_along():
    s = three_in_a_row(room_at_the_end=True)
    assert s.chains(np.array([0])) == 1
    assert s.mentor_of.tolist() == [0, 1, 2, -1]


def test_no_chain_without_room_at_its_end():
    s = three_in_a_row(room_at_the_end=False)
    assert s.chains(np.array([0])) == 0
    assert s.mentor_of.tolist() == [-1, 0, 1, 2]


def test_no_chain_that_lowers_the_goal():
    s = three_in_a_row(room_at_the_end=True, weight=[[1, 0, 0], [9, 1, 0], [0, 5, 5], [0, 0, 5]])
    assert s.chains(np.array([0])) == 0
    assert s.mentor_of.tolist() == [-1, 0, 1, -1]


def test_chains_that_would_share_a_mentor_are_applied_one_at_a_time():
    # Mentees 0 and 3 wait; each fits mentor 0 only, full with mentee 1, who fits mentor 1 (one place).
    allowed = [[True, False], [True, True], [False, False], [True, False]]
    s = search([[5, 0], [5, 5], [0, 0], [5, 0]], allowed, [1, 1, 1, 1], [1, 1], [5, 5], [-1, 0, -1, -1])
    assert s.chains(np.array([0, 3])) == 1
    assert sorted(s.mentor_of.tolist()) == [-1, -1, 0, 1]
    assert s.chains(np.array([0, 3])) == 0


def test_of_two_chains_that_share_a_mentor_the_one_worth_more_is_applied():
    # Mentee 0 waits and fits mentors 0 and 1, full with mentees 1 and 2; both of those fit
    # mentor 2, which has one place. Mentee 0 is worth 5 with mentor 0 and `worth` with mentor 1.
    allowed = [[True, True, False], [True, False, True], [False, True, True]]
    for worth, mentor_of in ((8, [1, 0, 2]), (2, [0, 2, 1])):
        s = search([[5, worth, 0], [5, 0, 5], [0, 5, 5]], allowed, [1, 1, 1], [1, 1, 1], [5, 5, 5], [-1, 0, 1])
        assert s.chains(np.array([0])) == 1
        assert s.mentor_of.tolist() == mentor_of


def test_two_mentees_worth_more_with_each_others_mentor_swap():
    s = search([[1, 3], [3, 1]], np.ones((2, 2), bool), [1, 1], [1, 1], [5, 5], [0, 1])
    assert s.swaps() == 1 and s.mentor_of.tolist() == [1, 0]


def test_a_swap_is_made_when_only_one_of_the_two_gains_and_more_than_the_other_loses():
    # Mentee 0 is worth 3 with mentor 0 and 2 with mentor 1; mentee 1 is worth 4 and 1.
    s = search([[3, 2], [4, 1]], np.ones((2, 2), bool), [1, 1], [1, 1], [5, 5], [0, 1])
    assert s.swaps() == 1 and s.mentor_of.tolist() == [1, 0]


def test_no_swap_that_lowers_the_goal():
    s = search([[3, 1], [1, 3]], np.ones((2, 2), bool), [1, 1], [1, 1], [5, 5], [0, 1])
    assert s.swaps() == 0 and s.mentor_of.tolist() == [0, 1]


def test_no_swap_that_breaks_a_budget():
    # Mentee 1 takes 3 hours; mentor 0 has 2 in all.
    s = search([[1, 3], [3, 1]], np.ones((2, 2), bool), [1, 3], [1, 1], [2, 5], [0, 1])
    assert s.swaps() == 0 and s.mentor_of.tolist() == [0, 1]


def test_no_swap_onto_a_pair_that_is_not_allowed():
    s = search([[1, 3], [3, 1]], [[True, True], [False, True]], [1, 1], [1, 1], [5, 5], [0, 1])
    assert s.swaps() == 0 and s.mentor_of.tolist() == [0, 1]


def one_heavy_two_light(heavy_load=3.0, required=None):
    """Mentor 0 (2 places, 3 hours) holds mentee 0 (`heavy_load` hours); mentees 1 and 2
    (1.5 hours each) wait and fit mentor 0 only; mentee 0 fits nowhere else."""
    return LocalSearch(np.full((3, 1), 5.0), np.ones((3, 1), bool), np.array([heavy_load, 1.5, 1.5]), np.array([2]),
                       np.array([3.0]), np.array([0, -1, -1]), required=required)


def rotation(budget_of_mentor_1=5.0, worth=3.0):
    """Three full mentors; each mentee may only stay or take the next one's mentor, worth `worth` there."""
    weight = [[1, worth, 0], [0, 1, worth], [worth, 0, 1]]
    allowed = [[True, True, False], [False, True, True], [True, False, True]]
    return search(weight, allowed, [2, 1, 1], [1, 1, 1], [2, budget_of_mentor_1, 5], [0, 1, 2])


def test_three_mentees_each_take_the_next_ones_mentor_where_no_swap_or_relocation_can():
    s = rotation()
    assert s.swaps() == 0 and s.relocations() == 0
    assert s.exchanges() == 1 and s.mentor_of.tolist() == [1, 2, 0]


@pytest.mark.parametrize("size", [2, 4, 5, 7])
def test_a_ring_of_full_mentors_rotates_when_every_mentee_gains_by_it(size):
    # Mentee i sits with mentor i and is worth 2 with mentor i + 1 (mod size), 1 with its own.
    weight, allowed = np.zeros((size, size)), np.zeros((size, size), bool)
    for i in range(size):
        weight[i, i], weight[i, (i + 1) % size] = 1, 2
        allowed[i, i] = allowed[i, (i + 1) % size] = True
    s = search(weight, allowed, [1] * size, [1] * size, [1] * size, list(range(size)))
    assert s.exchanges() == 1
    assert s.mentor_of.tolist() == [(i + 1) % size for i in range(size)]


def test_no_exchange_that_breaks_a_budget():
    s = rotation(budget_of_mentor_1=1.5)  # mentee 0's two hours do not fit mentor 1 once mentee 1 leaves
    assert s.exchanges() == 0 and s.mentor_of.tolist() == [0, 1, 2]


def test_no_exchange_that_lowers_the_goal():
    s = rotation(worth=0.5)
    assert s.exchanges() == 0 and s.mentor_of.tolist() == [0, 1, 2]


def path(worth_at_mentor_1):
    """Mentee 0 may take mentee 1's place, who may move on to the empty mentor 2, worth 0.5 less to it."""
    weight = [[1, worth_at_mentor_1, 0], [0, 2, 1.5]]
    allowed = [[True, True, False], [False, True, True]]
    return search(weight, allowed, [1, 1], [1, 1, 1], [5, 5, 5], [0, 1])


def test_a_mentee_takes_the_place_of_one_who_moves_on_to_a_mentor_with_room():
    s = path(worth_at_mentor_1=3)
    assert s.relocations() == 0 and s.swaps() == 0
    assert s.exchanges() == 1 and s.mentor_of.tolist() == [1, 2]


def test_no_path_that_lowers_the_goal():
    s = path(worth_at_mentor_1=1.2)  # gains 0.2, the one moving on loses 0.5
    assert s.exchanges() == 0 and s.mentor_of.tolist() == [0, 1]


def test_exchanges_stop_at_the_deadline():
    s = rotation()
    assert s.exchanges(deadline=time.perf_counter() - 1) == 0 and s.mentor_of.tolist() == [0, 1, 2]


def test_of_two_exchanges_that_move_the_same_mentee_the_one_worth_more_is_made():
    # Mentees 0-2 could rotate over mentors 0-2 (worth 3 each); mentee 2 could instead trade
    # places with mentee 3 (worth 9 each): only the trade is made.
    weight = np.zeros((4, 4))
    allowed = np.zeros((4, 4), bool)
    for i, j, w in [(0, 0, 1), (0, 1, 3), (1, 1, 1), (1, 2, 3), (2, 2, 1), (2, 0, 3), (2, 3, 9), (3, 3, 1),
                    (3, 2, 9)]:
        weight[i, j], allowed[i, j] = w, True
    s = search(weight, allowed, [1] * 4, [1] * 4, [5] * 4, [0, 1, 2, 3])
    assert s.exchanges() == 1 and s.mentor_of.tolist() == [0, 1, 3, 2]


def test_a_double_lets_one_mentee_wait_for_two():
    s = one_heavy_two_light()
    assert s.doubles(np.array([1, 2])) == 1
    assert s.mentor_of.tolist() == [-1, 0, 0]


def test_no_double_when_the_two_do_not_fit_the_hours_it_frees():
    s = LocalSearch(np.full((3, 1), 5.0), np.ones((3, 1), bool), np.array([3.0, 2.0, 2.0]), np.array([2]),
                    np.array([3.0]), np.array([0, -1, -1]))
    assert s.doubles(np.array([1, 2])) == 0
    assert s.mentor_of.tolist() == [0, -1, -1]


def test_no_double_makes_a_required_mentee_wait():
    s = one_heavy_two_light(required=np.array([True, False, False]))
    assert s.doubles(np.array([1, 2])) == 0


def test_no_double_where_two_inserts_fit():
    s = LocalSearch(np.full((3, 1), 5.0), np.ones((3, 1), bool), np.array([1.0, 1.0, 1.0]), np.array([3]),
                    np.array([3.0]), np.array([0, -1, -1]))
    assert s.doubles(np.array([1, 2])) == 0


@st.composite
def greedy_states(draw):
    """(search, weight, allowed, load, capacity, budget): a random instance after inserting
    the mentees in random order."""
    n, m, seed = draw(st.integers(2, 8)), draw(st.integers(1, 4)), draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    allowed = rng.random((n, m)) < 0.7
    load = rng.choice([1.0, 1.5, 2.0, 3.0], n)
    capacity, budget = rng.integers(0, 3, m), rng.choice([0.0, 1.5, 3.0, 4.0], m)
    weight = rng.random((n, m)) * 4 + 5
    s = search(weight, allowed, load, capacity, budget, np.full(n, -1))
    for u in rng.permutation(n):
        s.insert(int(u))
    return s, weight, allowed, load, capacity, budget


def assert_within_limits(s, allowed, load, capacity, budget):
    """`load` per mentee, or per pair (mentees x mentors)."""
    mentor_of = s.mentor_of
    matched = np.flatnonzero(mentor_of >= 0)
    m = len(capacity)
    hours = load[matched] if load.ndim == 1 else load[matched, mentor_of[matched]]
    assert allowed[matched, mentor_of[matched]].all()
    assert (np.bincount(mentor_of[matched], minlength=m) <= capacity).all()
    assert (np.bincount(mentor_of[matched], weights=hours, minlength=m) <= budget + 1e-9).all()
    assert (s.capacity_left == capacity - np.bincount(mentor_of[matched], minlength=m)).all()
    assert (s.budget_left == budget - np.bincount(mentor_of[matched], weights=hours, minlength=m)).all()


@settings(max_examples=60, deadline=None)
@given(greedy_states())
def test_swaps_keep_every_limit_and_the_count_and_raise_the_goal(state):
    s, weight, allowed, load, capacity, budget = state
    before = s.mentor_of.copy()
    applied = s.swaps()
    mentor_of = s.mentor_of
    matched = np.flatnonzero(mentor_of >= 0)
    assert (mentor_of >= 0).tolist() == (before >= 0).tolist()
    assert (mentor_of != before).sum() == 2 * applied
    gained = weight[matched, mentor_of[matched]].sum() - weight[matched, before[matched]].sum()
    assert gained > 0 if applied else gained == 0
    assert_within_limits(s, allowed, load, capacity, budget)


@pytest.mark.parametrize("move", ["chains", "doubles", "inserts", "ejects"])
@settings(max_examples=60, deadline=None)
@given(state=greedy_states())
def test_moves_for_waiting_mentees_keep_every_limit_and_raise_the_count_and_the_goal(move, state):
    s, weight, allowed, load, capacity, budget = state
    before = s.mentor_of.copy()
    applied = getattr(s, move)(np.flatnonzero(before < 0))
    mentor_of = s.mentor_of
    matched = np.flatnonzero(mentor_of >= 0)
    assert len(matched) == (before >= 0).sum() + applied
    assert weight[matched, mentor_of[matched]].sum() >= weight[before >= 0, before[before >= 0]].sum() - 1e-9
    assert_within_limits(s, allowed, load, capacity, budget)


@pytest.mark.parametrize("move", ["replaces", "relocations", "exchanges"])
@settings(max_examples=60, deadline=None)
@given(state=greedy_states())
def test_moves_that_keep_the_count_keep_every_limit_and_raise_the_goal(move, state):
    s, weight, allowed, load, capacity, budget = state
    before = s.mentor_of.copy()
    applied = s.replaces(np.flatnonzero(before < 0)) if move == "replaces" else getattr(s, move)()
    mentor_of = s.mentor_of
    assert (mentor_of >= 0).sum() == (before >= 0).sum()
    gained = weight[mentor_of >= 0, mentor_of[mentor_of >= 0]].sum() - weight[before >= 0, before[before >= 0]].sum()
    assert gained > 0 if applied else gained == 0
    assert_within_limits(s, allowed, load, capacity, budget)


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 12), st.integers(2, 5), st.integers(0, 10_000))
def test_exchanges_with_hours_that_depend_on_the_pair_keep_every_limit_and_raise_the_goal(n, m, seed):
    rng = np.random.default_rng(seed)
    allowed = rng.random((n, m)) < 0.8
    load = rng.choice([1.0, 1.5, 2.0], (n, m))  # a mentee's weekly hours differ by mentor
    capacity, budget = rng.integers(1, 4, m), rng.choice([2.0, 3.0, 4.5], m)
    weight = rng.random((n, m)) * 4
    s = LocalSearch(weight, allowed, load, capacity, budget, np.full(n, -1))
    for u in rng.permutation(n):
        s.insert(int(u))
    before = s.mentor_of.copy()
    applied = s.exchanges()
    mentor_of, matched = s.mentor_of, np.flatnonzero(s.mentor_of >= 0)
    assert (mentor_of >= 0).tolist() == (before >= 0).tolist()
    assert_within_limits(s, allowed, load, capacity, budget)
    gained = weight[matched, mentor_of[matched]].sum() - weight[matched, before[matched]].sum()
    assert gained > 0 if applied else gained == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 7), st.integers(1, 4), st.integers(0, 10_000))
def test_run_never_breaks_capacity_or_budget(n, m, seed):
    rng = np.random.default_rng(seed)
    allowed = rng.random((n, m)) < 0.7
    load = rng.choice([1.0, 1.5, 2.0], n)
    capacity, budget = rng.integers(0, 3, m), rng.choice([0.0, 1.5, 3.0, 4.0], m)
    s = search(rng.random((n, m)) * 4 + 5, allowed, load, capacity, budget, np.full(n, -1))
    mentor_of = s.run(time.perf_counter() + 5, np.arange(n))
    matched = np.flatnonzero(mentor_of >= 0)
    assert allowed[matched, mentor_of[matched]].all()
    assert (np.bincount(mentor_of[matched], minlength=m) <= capacity).all()
    assert (np.bincount(mentor_of[matched], weights=load[matched], minlength=m) <= budget + 1e-9).all()
    # Nobody left waiting could simply have been inserted.
    for u in np.flatnonzero(mentor_of < 0):
        used = np.bincount(mentor_of[matched], weights=load[matched], minlength=m)
        count = np.bincount(mentor_of[matched], minlength=m)
        assert not (allowed[u] & (count < capacity) & (used + load[u] <= budget + 1e-9)).any()


def two_waiting_for_one_mentor() -> LocalSearch:
    """Each gaining move gives the mentor one of them (moves that share a mentor wait)."""
    return search([[2.0], [1.0]], [[True], [True]], [1, 1], [2], [2], [-1, -1])


def test_run_reports_once_the_assignment_reached_when_the_gaining_moves_stop():
    s, seen = two_waiting_for_one_mentor(), []
    final = s.run(time.perf_counter() + 5, np.arange(2), seen.append)
    assert [reached.tolist() for reached in seen] == [[0, 0]] and final.tolist() == [0, 0]


def test_run_reports_at_settle_by_when_the_gaining_moves_go_on_past_it():
    s, seen = two_waiting_for_one_mentor(), []
    final = s.run(time.perf_counter() + 5, np.arange(2), seen.append, settle_by=0.0)
    assert [reached.tolist() for reached in seen] == [[0, -1]] and final.tolist() == [0, 0]


def test_walks_back_follow_the_links_to_their_start_keep_only_a_cycle_and_stop_at_the_limit():
    before = np.array([-1, 0, 1, 4, 3, 3, 5, 6, 7, 8])
    # back from 2: 1, 0 (a path); from 4: 3, then 4 again (a cycle); from 9: 8, 7, 6, 5, ... (past the limit)
    walks, closed = _walks_back(before, np.array([2, 4, 9]), 4)
    assert walks.tolist() == [[0, 1, 2, -1], [3, 4, -1, -1], [6, 7, 8, 9]]
    assert closed.tolist() == [False, True, False]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6))
def test_the_gain_of_many_chains_at_once_is_that_of_each_made_alone(seed, length):
    rng = np.random.default_rng(seed)
    n, m = 12, 5
    allowed = rng.random((n, m)) < 0.8
    load = rng.choice([1.0, 1.5, 2.0], (n, m))
    s = LocalSearch(rng.random((n, m)) * 3, allowed, load, rng.integers(1, 4, m), rng.choice([2.0, 3.0, 5.0], m),
                    np.full(n, -1))
    for u in rng.permutation(n):
        s.insert(int(u))
    matched = np.flatnonzero(s.mentor_of >= 0)
    walks = np.full((40, length), -1)
    for row in range(40):
        size = int(rng.integers(1, min(length, len(matched)) + 1))
        walks[row, :size] = rng.choice(matched, size, replace=False)
    homes = np.where(walks >= 0, s.mentor_of[np.maximum(walks, 0)], -1)
    size = (walks >= 0).sum(axis=1)
    final = np.where(rng.random(40) < 0.5, homes[:, 0], rng.integers(-1, m, 40))
    gains = s.chains_gain(walks, homes, size, final)
    for row in range(40):
        walk, home = walks[row, :size[row]].tolist(), homes[row, :size[row]].tolist()
        assert gains[row] == pytest.approx(made_alone(s, walk, home[1:] + [int(final[row])]), abs=1e-12)


def made_alone(s: LocalSearch, walk: list[int], targets: list[int]) -> float:
    """The goal's gain when each mentee of `walk` moves to its target at once, made on a copy
    of the state; -inf when that breaks a rule."""
    if -1 in targets or len(set(targets)) < len(targets):
        return -np.inf
    capacity, budget, gain = s.capacity_left.copy(), s.budget_left.copy(), 0.0
    for i, j in zip(walk, targets):
        if s.entry(np.array([i]), np.array([j]))[0] < 0:
            return -np.inf
        old_gain, old_load = s.value_of(i, int(s.mentor_of[i]))
        new_gain, new_load = s.value_of(i, j)
        capacity[s.mentor_of[i]] += 1
        budget[s.mentor_of[i]] += old_load
        capacity[j] -= 1
        budget[j] -= new_load
        gain += new_gain - old_gain
    return gain if (capacity >= 0).all() and (budget >= -1e-9).all() else -np.inf


def test_the_search_tells_each_count_it_reaches_as_it_matches_more():
    rng = np.random.default_rng(3)
    n, m = 30, 6
    allowed = rng.random((n, m)) < 0.5
    search = LocalSearch(rng.uniform(0, 2, (n, m)), allowed, rng.choice([1.0, 2.0], n), np.full(m, 4),
                         np.full(m, 6.0), np.full(n, -1))
    told = []
    search.on_count = told.append
    found = search.run(time.perf_counter() + 5, np.arange(n))
    assert told and told == sorted(set(told)) and told[-1] == (found >= 0).sum()
