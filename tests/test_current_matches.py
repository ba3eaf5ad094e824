"""A current match that could only be kept by breaking a hard rule is named and refused:
its pair (rule 1) or a booked session (rules 3-6). Each rule: respected, then broken."""
import json
import subprocess
import sys

import pytest

from matcher.current_matches import current_match_problems
from matcher.errors import ScenarioError
from matcher.pipeline import Options, propose, rematch
from matcher.schema import load_scenario


@pytest.fixture
def booked(example):
    """The example with m-01/y-01 a current match and a session booked Tuesday 5 January 16:00."""
    example["matches"] = [{"mentor": "m-01", "mentee": "y-01", "sessions": ["2027-01-05T16:00"]}]
    return example


def problems(data):
    return [str(problem) for problem in current_match_problems(load_scenario(data))]


def test_a_current_match_within_every_rule_has_no_problem(booked):
    assert problems(booked) == []


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["mentors"][0]["competences"].update(adhd=1),
     "matches[0].mentor: m-01 does not cover y-01's need adhd 2 (has 1)"),
    (lambda d: d["mentees"][0].update(excluded_mentors=["m-01"]), "matches[0].mentor: y-01 excludes m-01"),
    (lambda d: d["mentees"][0].update(kinds=["professional"]),
     "matches[0].mentor: y-01 does not allow kind volunteer (allows professional)"),
])
def test_a_current_pair_the_mentee_rules_out_is_named(booked, change, expected):
    change(booked)
    assert problems(booked) == [expected]


@pytest.mark.parametrize("start, expected", [
    ("2026-12-29T16:00", "outside the programme's 12 weeks from 2027-01-04"),
    ("2027-03-30T16:00", "outside the programme's 12 weeks from 2027-01-04"),
    ("2027-01-05T16:15", "not aligned to the programme's 30-minute slots"),
    ("2027-01-05T19:00", "a 90-minute session is not inside a window of both"),
    ("2027-02-09T16:00", "m-01 is away 2027-02-08..2027-02-14"),
])
def test_a_booked_session_outside_the_calendars_is_named(booked, start, expected):
    booked["matches"][0]["sessions"] = [start]
    assert problems(booked) == [f"matches[0].sessions[0]: m-01/y-01 at {start}: {expected}"]
    booked["matches"][0]["sessions"] = ["2027-03-23T16:00"]   # the last Tuesday of the horizon
    assert problems(booked) == []


def two_days_apart(data):
    """Tuesday and Thursday sessions in one week, where y-01 needs 3 days between them."""
    for person in (data["mentors"][0], data["mentees"][0]):
        person["availability"].append({"day": "thu", "start": "16:00", "end": "18:00"})
    data["matches"][0]["sessions"] = ["2027-01-05T16:00", "2027-01-07T16:00"]


def overlapping(data):
    data["mentees"][0]["sessions"]["min_days_apart"] = 0
    data["matches"][0]["sessions"] = ["2027-01-05T16:00", "2027-01-05T17:00"]


def over_the_flexible_cap(data):
    data["mentees"][0]["availability"].append({"day": "sat", "start": "10:00", "end": "13:00"})
    data["matches"][0]["sessions"] = ["2027-01-09T10:00"]   # m-01's Saturday window is flexible
    data["mentors"][0]["max_flexible_per_week"] = 0


@pytest.mark.parametrize("broken, mended, expected", [
    (two_days_apart, lambda d: d["mentees"][0]["sessions"].update(min_days_apart=2),
     "matches[0].sessions[1]: m-01/y-01 at 2027-01-07T16:00: less than 3 day(s) from another booked session of "
     "the pair"),
    (overlapping, lambda d: d["matches"][0]["sessions"].__setitem__(1, "2027-01-05T17:30"),
     "matches[0].sessions[1]: m-01/y-01 at 2027-01-05T17:00: overlaps another booked session of m-01"),
    (lambda d: d["mentors"][0].update(hours_per_week=1), lambda d: d["mentors"][0].update(hours_per_week=1.5),
     "matches[0].sessions[0]: m-01/y-01 at 2027-01-05T16:00: takes m-01 over its 1 hours_per_week in the week of "
     "2027-01-04"),
    (over_the_flexible_cap, lambda d: d["mentors"][0].update(max_flexible_per_week=1),
     "matches[0].sessions[0]: m-01/y-01 at 2027-01-09T10:00: takes m-01 over its 0 flexible session(s) a week in "
     "the week of 2027-01-04"),
], ids=["spacing", "overlap", "hours", "flexible"])
def test_booked_sessions_that_cannot_stand_together_in_the_mentors_calendar_are_named(booked, broken, mended,
                                                                                        expected):
    broken(booked)
    assert problems(booked) == [expected]
    mended(booked)
    assert problems(booked) == []


def test_a_proposal_refuses_such_a_match_and_a_rematch_of_it_goes_ahead(booked):
    booked["mentors"][0]["competences"]["adhd"] = 1
    scenario = load_scenario(booked)
    with pytest.raises(ScenarioError, match=r"matches\[0\]\.mentor: m-01 does not cover y-01's need adhd 2"):
        propose(scenario, Options(time_limit=1))
    proposal = rematch(scenario, [("m-01", "y-01")], Options(time_limit=1))
    assert [(c.mentee, c.before) for c in proposal.changes] == [("y-01", "m-01")]


def test_the_command_line_names_the_match_and_exits_non_zero(booked, tmp_path):
    booked["mentors"][0]["hours_per_week"] = 1
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(booked))
    expected = ("matches[0].sessions[0]: m-01/y-01 at 2027-01-05T16:00: takes m-01 over its 1 hours_per_week "
                "in the week of 2027-01-04")
    for command in ("validate", "propose"):
        done = subprocess.run([sys.executable, "-m", "matcher.cli", command, str(path)], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode != 0 and expected in done.stdout + done.stderr
        assert "Traceback" not in done.stderr


def test_the_api_answers_a_problem_naming_the_match(coordinator, booked):
    booked["mentees"][0]["excluded_mentors"] = ["m-01"]
    response = coordinator.post("/v1/solve?time_limit=0.5", json=booked)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert response.get_json()["errors"] == [{"path": "matches[0].mentor", "reason": "y-01 excludes m-01"}]
