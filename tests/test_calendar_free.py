"""Free time in a mentor's typical week, and the assignment rounds over it."""
import copy
import time

import numpy as np
import pytest

from matcher.agreement import disjoint_moves, free_time_rounds, move_rounds
from matcher.calendar_book import CalendarBook, no_weekly_time
from matcher.pipeline import _problem
from matcher.schema import load_scenario
from matcher.scoring import score_pairs
from matcher.solver.calendar import ScenarioPairs
from matcher.solver.calendar_free import FreeTime, PatternBook
from matcher.solver.calendar_weeks import PatternSlot

TUESDAY, FRIDAY, SATURDAY = 1, 4, 5


def mentee(example, mentee_id, availability, **sessions):
    return {**copy.deepcopy(example["mentees"][0]), "id": mentee_id,
            "sessions": {"per_week": 1, "minutes": 90, **sessions}, "availability": availability}


def fits(example, typical_week, mentor="m-01"):
    scenario = load_scenario(example)
    free = FreeTime(scenario.mentors, scenario.programme.slot_minutes)
    column = [m.id for m in scenario.mentors].index(mentor)
    return free.fits(list(scenario.mentees), {mentor: typical_week})[:, column].tolist()


@pytest.mark.parametrize("taken_until, free", [(20 * 60, False), (17 * 60 + 30, True)])
def test_a_mentee_fits_only_the_time_the_mentor_s_patterns_leave_free(example, taken_until, free):
    # y-01 can meet m-01 only on Tuesday, 16:00-20:00 on m-01's side, for 90 minutes.
    example["mentees"] = [mentee(example, "y-01", [{"day": "tue", "start": "15:00", "end": "21:00"}])]
    example["feedback"] = []
    assert fits(example, (PatternSlot(TUESDAY, 16 * 60, taken_until, True, "y-02"),)) == [free]


@pytest.mark.parametrize("flexible_cap, free", [(1, False), (2, True)])
def test_flexible_windows_count_only_while_the_mentor_has_flexible_sessions_left(example, flexible_cap, free):
    # m-01's Saturday is flexible; a pattern slot holds 10:00-11:00 of it, 11:00-13:00 is clear.
    example["mentees"] = [mentee(example, "y-01", [{"day": "sat", "start": "10:00", "end": "13:00"}], minutes=60)]
    example["feedback"] = []
    example["mentors"][0]["max_flexible_per_week"] = flexible_cap
    assert fits(example, (PatternSlot(SATURDAY, 10 * 60, 11 * 60, False, "y-02"),)) == [free]


@pytest.mark.parametrize("second_day, taken, free", [
    ("fri", (), True), ("wed", (), False), ("fri", (PatternSlot(FRIDAY, 15 * 60, 19 * 60, True, "y-02"),), False)])
def test_two_sessions_a_week_need_free_starts_on_days_far_enough_apart(example, second_day, taken, free):
    # Two sessions a week, three days apart: Tuesday and Friday are, Tuesday and Wednesday are not.
    days = [{"day": day, "start": "15:00", "end": "19:00"} for day in ("tue", second_day)]
    example["mentees"] = [mentee(example, "y-01", days, per_week=2, min_days_apart=3, minutes=60)]
    example["mentees"][0]["needs"] = {"school": 2}
    example["feedback"] = []
    example["mentors"][1]["availability"] = days
    assert fits(example, taken, mentor="m-02") == [free]


@pytest.mark.parametrize("second_start, matched", [("16:00", 1), ("18:00", 2)])
def test_a_round_s_new_pairs_of_one_mentor_each_take_a_whole_weekly_pattern(example, second_start, matched):
    # Both mentees can meet only m-01 (Tuesday) for 90 minutes from 16:00 or from `second_start`.
    # From the same time, the round gives m-01 both, and the one the pattern is taken from
    # is rejected; from different times, both are matched and planned in one round.
    end = {"16:00": "17:30", "18:00": "19:30"}
    example["mentees"] = [mentee(example, "y-01", [{"day": "tue", "start": "16:00", "end": "17:30"}]),
                          mentee(example, "y-03", [{"day": "tue", "start": second_start,
                                                    "end": end[second_start]}])]
    example["feedback"] = []
    example["mentors"][0]["capacity"] = 2
    scenario = load_scenario(example)
    pool = np.arange(2)
    problem = _problem(scenario, score_pairs(scenario), pool, movable=np.array([], int), rejected={})
    book, assigned, rejected, lines = CalendarBook(scenario), np.full(2, -1), {}, []
    free_time_rounds(book, scenario, problem, assigned, pool, rejected, time.perf_counter() + 5, lines.append)
    assert lines[0] == f"free-time round 1: {matched} of 2 new pair(s) have a whole weekly pattern"
    assert sorted(assigned.tolist()) == sorted([0] * matched + [-1] * (2 - matched))
    held = {scenario.mentees[row].id for row in np.flatnonzero(assigned == 0)}
    assert set(book.pairs["m-01"]) == held == {s.mentee for s in book.result()[0]}
    waiting = [(int(row), 0) for row in np.flatnonzero(assigned < 0)]
    assert rejected == {pair: no_weekly_time("m-01") for pair in waiting}


@pytest.mark.parametrize("mover_wednesday, fixed, moved", [(True, False, True), (False, False, False),
                                                            (True, True, False)])
def test_a_waiting_mentee_takes_the_time_of_a_new_mentee_who_moves_to_another_mentors_free_time(
        example, mover_wednesday, fixed, moved):
    # y-03 can meet only m-01 (adhd 3), on Tuesday 16:00-17:30, the time y-01 holds there;
    # y-01 may move to m-02 on Wednesday, if it can meet then and may move at all.
    tuesday = [{"day": "tue", "start": "16:00", "end": "17:30"}]
    wednesday = [{"day": "wed", "start": "15:00", "end": "19:00"}] if mover_wednesday else []
    example["mentees"] = [mentee(example, "y-01", tuesday + wednesday),
                          {**mentee(example, "y-03", tuesday), "needs": {"adhd": 3}}]
    example["feedback"] = []
    scenario = load_scenario(example)
    pool = np.arange(2)
    problem = _problem(scenario, score_pairs(scenario), pool, movable=np.array([], int), rejected={})
    book, assigned, rejected, lines = CalendarBook(scenario), np.array([0, -1]), {}, []
    book.update([("m-01", "y-01")], 5.0)
    move_rounds(book, scenario, problem, assigned, pool, rejected, time.perf_counter() + 5,
                np.array([fixed, False]), lines.append)
    if moved:
        assert assigned.tolist() == [1, 0] and rejected == {}
        assert book.pairs == {"m-01": ("y-03",), "m-02": ("y-01",)}
        assert {(s.mentor, s.mentee) for s in book.result()[0]} == {("m-01", "y-03"), ("m-02", "y-01")}
        assert lines[0].startswith("move round 1: 1 of 1 waiting mentee(s) matched")
    else:
        assert assigned.tolist() == [0, -1] and lines == []
        assert book.pairs == {"m-01": ("y-01",)}


def test_moves_sharing_a_mentee_or_a_mentor_with_one_worth_more_wait_for_a_later_round():
    # (waiting, mover, its mentor, the mover's new mentor, gain)
    moves = [(0, 1, 5, 6, 1.0), (2, 3, 5, 7, 2.0), (4, 1, 8, 9, 0.5), (10, 11, 12, 7, 0.1)]
    assert disjoint_moves(moves) == [(2, 3, 5, 7, 2.0), (4, 1, 8, 9, 0.5)]


@pytest.mark.parametrize("away, held", [(True, False), (False, True)])
def test_a_round_s_pair_that_costs_an_earlier_pair_sessions_is_tried_alone_and_turned_down(example, away, held):
    # m-01 holds y-01 on Tuesdays at 16:00; away for a week, it makes that week up on a
    # Tuesday at 18:00. y-03 can meet m-01 only on Tuesdays at 18:00: its pattern fits the
    # typical week, but its sessions would take y-01's make-up, so m-01's calendar stays as
    # it was and y-03 waits; with m-01 never away, y-03 is matched.
    example["mentees"] = [mentee(example, "y-01", [{"day": "tue", "start": "16:00", "end": "19:30"}]),
                          mentee(example, "y-03", [{"day": "tue", "start": "18:00", "end": "19:30"}])]
    example["feedback"] = []
    example["mentors"][0].update(hours_per_week=6, unavailable=example["mentors"][0]["unavailable"] if away else [])
    scenario = load_scenario(example)
    book = CalendarBook(scenario)
    book.update([("m-01", "y-01")], 5.0)
    before = book.missing()
    pool = np.array([1])
    problem = _problem(scenario, score_pairs(scenario), pool, movable=np.array([], int), rejected={})
    assigned, rejected, lines = np.full(1, -1), {}, []
    free_time_rounds(book, scenario, problem, assigned, pool, rejected, time.perf_counter() + 5, lines.append)
    assert lines[0] == "free-time round 1: 1 of 1 new pair(s) have a whole weekly pattern"
    assert lines[-1] == (f"calendars planned: {int(held)} of the rounds' 1 new pair(s) hold their sessions "
                         f"({int(not held)} tried again one at a time)")
    assert assigned.tolist() == ([0] if held else [-1])
    assert book.pairs["m-01"] == (("y-01", "y-03") if held else ("y-01",))
    assert book.missing() == before
    assert rejected == ({} if held else {(1, 0): "it would cost m-01's other mentees sessions"})


def pattern_book_pairs(example):
    # y-01 can meet m-01 only on Tuesday 16:00-17:30; y-03 from 16:00 to 19:30.
    example["mentees"] = [mentee(example, "y-01", [{"day": "tue", "start": "16:00", "end": "17:30"}]),
                          mentee(example, "y-03", [{"day": "tue", "start": "16:00", "end": "19:30"}]),
                          {**mentee(example, "y-05", [{"day": "tue", "start": "16:00", "end": "17:30"}]),
                           "sessions": {"count": 3, "minutes": 90}}]
    example["feedback"] = []
    known = ScenarioPairs(load_scenario(example))
    return PatternBook(known.mentors, {}), [known.pair("m-01", i) for i in ("y-03", "y-01", "y-05")]


@pytest.mark.parametrize("together, held", [(True, [True, True, True]), (False, [True, False, True])])
def test_a_pattern_book_places_a_mentor_s_new_pairs_most_constrained_first(example, together, held):
    # Added together, y-01 (one slot) takes 16:00 and y-03 17:30; y-03 added first takes
    # 16:00, the earliest, and leaves y-01 none. y-05 meets three times in all: no pattern.
    book, pairs = pattern_book_pairs(example)
    found = book.add(pairs) if together else [outcome for pair in pairs for outcome in book.add([pair])]
    assert found == held
    starts = {slot.mentee: slot.start for slot in book.typical_weeks["m-01"]}
    assert starts == ({"y-01": 16 * 60, "y-03": 17 * 60 + 30} if together else {"y-03": 16 * 60})
