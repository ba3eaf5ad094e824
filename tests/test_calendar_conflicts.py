"""CalendarConflicts and propose's rounds: sets of new mentees a mentor's calendar cannot hold
together become conflicts of the next assignment, not ruled-out pairs; where the assignment is
not solved exactly, its failing pairs are left out of the next round's assignment only."""
import math
import time
from functools import partial

import numpy as np
import pytest

from matcher import pipeline, rounds
from matcher.calendar_book import CalendarBook
from matcher.calendar_conflicts import CalendarConflicts
from matcher.pipeline import propose
from matcher.rounds import Rounds
from matcher.schema import load_scenario
from matcher.scoring import score_pairs
from matcher.solver import assignment

Y01, Y02, Y03 = 0, 1, 2  # rows of the pool: every mentee of the example and y-03
M01, M02 = 0, 1


def found_for(data, assigned, screen=True):
    scenario = load_scenario(data)
    conflicts = CalendarConflicts(scenario, CalendarBook(scenario), {}, np.arange(3), np.full(3, -1))
    value = np.array([[1.0, 0.5], [0.2, 0.9], [0.1, 0.8]])
    conflicts.add(np.array(assigned), {M02}, value, np.ones((3, 2), bool), math.inf if screen else 0.0)
    return conflicts.found


def test_a_mentor_that_cannot_hold_two_new_mentees_together_gives_them_as_one_conflict(crowded_wednesday):
    # m-02 has Wednesday 16-18 for y-02 (1 h) and y-03 (2 h): either alone, not both.
    assert found_for(crowded_wednesday, [M01, M02, M02], screen=False) == [(M02, (Y02, Y03))]


def test_screening_adds_the_candidates_that_fail_alone_and_nothing_twice(crowded_wednesday):
    # y-01 meets only on Tuesdays, m-02 never: alone it fails; y-02 with y-03 is known already.
    assert found_for(crowded_wednesday, [M01, M02, M02]) == [(M02, (Y02, Y03)), (M02, (Y01,))]


def test_the_smallest_set_leaves_out_the_mentees_the_rest_fail_without(crowded_wednesday):
    # y-01 given m-02 as well (it cannot meet m-02 at all): y-01, worth least there, is left
    # out first, and y-02 with y-03 still fail, so they are the conflict found.
    assert found_for(crowded_wednesday, [M02, M02, M02], screen=False) == [(M02, (Y02, Y03))]


def test_when_the_two_fit_together_the_calendar_holds_them(crowded_wednesday):
    assert not CalendarBook(load_scenario(crowded_wednesday)).holds("m-02", ("y-02", "y-03"))
    crowded_wednesday["mentees"][2]["sessions"]["minutes"] = 60  # 1 h + 1 h in the two hours
    assert CalendarBook(load_scenario(crowded_wednesday)).holds("m-02", ("y-02", "y-03"))


def test_the_next_round_sends_the_mentee_with_another_mentor_there(crowded_wednesday):
    # y-02 may also meet m-01 (school 2, Tuesdays): the first assignment gives m-02 both
    # y-02 and y-03, the calendar holds one, and the conflict lets the next one move y-02
    # rather than leave y-03, who has no other mentor, waiting.
    crowded_wednesday["mentors"][0]["competences"]["school"] = 2
    crowded_wednesday["mentees"][1]["availability"].append({"day": "tue", "start": "16:00", "end": "20:00"})
    proposal = propose(load_scenario(crowded_wednesday)).to_dict()
    pairs = {(m["mentor"], m["mentee"]) for m in proposal["matches"]}
    assert pairs == {("m-01", "y-01"), ("m-01", "y-02"), ("m-02", "y-03")}
    assert proposal["stats"]["calendar_conflicts"] >= 1 and proposal["stats"]["rejected_pairs"] == 0
    assert proposal["unplaced"] == [] or all(u["mentee"] != "y-03" for u in proposal["unplaced"])


@pytest.mark.parametrize("count", [1, rounds.CALENDAR_ROUNDS])
def test_where_the_assignment_is_not_exact_a_failing_pair_is_left_out_of_the_next_round_only(
        crowded_wednesday, monkeypatch, count):
    # As above, solved as large problems are: the first round gives m-02 both y-02 and y-03,
    # and its calendar holds y-03. The next round's assignment may not give m-02 y-02, and
    # sends y-02 to m-01; the pair is not rejected, so what follows the rounds may try it
    # again. With one round, it is rejected, and y-02 waits until what follows.
    crowded_wednesday["mentors"][0]["competences"]["school"] = 2
    crowded_wednesday["mentees"][1]["availability"].append({"day": "tue", "start": "16:00", "end": "20:00"})
    monkeypatch.setattr(assignment, "EXACT_PAIRS", 0)
    monkeypatch.setattr(rounds, "CALENDAR_ROUNDS", count)
    allowed, solve = [], rounds.solve_assignment
    monkeypatch.setattr(rounds, "solve_assignment",
                        lambda problem, **options: allowed.append(problem.allowed.copy()) or solve(problem, **options))
    scenario = load_scenario(crowded_wednesday)
    pool = np.arange(3)
    the_rounds = Rounds(scenario, CalendarBook(scenario), {}, pool, np.full(3, -1),
                        partial(pipeline._problem, scenario, score_pairs(scenario), pool, np.zeros(0, np.int64)))
    problem, assigned = the_rounds.run(10.0, time.perf_counter(), None)
    assert len(allowed) == min(count, 2) and not the_rounds.conflicts.found and allowed[0][Y02, M02]
    if count == 1:
        assert assigned.tolist() == [M01, M02, M02] and list(the_rounds.rejected) == [(Y02, M02)]
        assert the_rounds.left_out == {}
    else:
        assert assigned.tolist() == [M01, M01, M02] and the_rounds.rejected == {}
        assert list(the_rounds.left_out) == [(Y02, M02)] and (Y02, M02) in the_rounds.failed
        assert not allowed[1][Y02, M02] and problem.allowed[Y02, M02]
