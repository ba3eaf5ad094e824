"""The scenario contract: what is accepted, and a named, reasoned rejection for each bad input."""
import json

import pytest

from matcher.errors import ScenarioError
from matcher.schema import load_scenario, parse_scenario


def problems(data) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    return [str(p) for p in caught.value.problems]


def test_example_loads_into_model(example):
    scenario = load_scenario(example)
    mentor = scenario.mentors[0]
    assert mentor.availability[0].day == 1 and mentor.availability[0].start == 16 * 60
    assert mentor.availability[1].flexible and mentor.max_flexible_per_week == 1
    assert scenario.mentees[0].sessions.per_week == 1 and scenario.mentees[0].kinds == ("professional", "volunteer")
    assert scenario.mentees[1].kinds is None
    assert scenario.programme.weights["competence"] == pytest.approx(0.35)


def test_booked_session_with_offset_becomes_local_time(example):
    example["matches"] = [{"mentor": "m-01", "mentee": "y-01", "sessions": ["2027-01-05T16:00:00+00:00"]}]
    booked = load_scenario(example).matches[0].sessions[0]
    assert booked.tzinfo is None and (booked.hour, booked.minute) == (17, 0)


@pytest.mark.parametrize("change, expected", [
    (lambda s: s["mentees"][1]["sessions"].__setitem__("minutes", 0),
     "mentees[1].sessions.minutes: must be greater than 0"),
    (lambda s: s["mentors"][1].__setitem__("id", "m-01"), "mentors[1].id: duplicate id 'm-01'"),
    (lambda s: s["mentees"][1].__setitem__("id", "y-01"), "mentees[1].id: duplicate id 'y-01'"),
    (lambda s: s["feedback"][0].__setitem__("mentor", "m-99"), "feedback[0].mentor: unknown mentor 'm-99'"),
    (lambda s: s["feedback"][0].__setitem__("mentee", "y-99"), "feedback[0].mentee: unknown mentee 'y-99'"),
    (lambda s: s["matches"].append({"mentor": "m-07", "mentee": "y-01"}), "matches[0].mentor: unknown mentor 'm-07'"),
    (lambda s: s["mentees"][0].__setitem__("excluded_mentors", ["m-42"]),
     "mentees[0].excluded_mentors: unknown mentor 'm-42'"),
    (lambda s: s["mentors"][0]["availability"][0].__setitem__("day", "tues"),
     "mentors[0].availability[0].day: unknown day 'tues'; use one of mon, tue, wed, thu, fri, sat, sun"),
    (lambda s: s["mentors"][0]["availability"][0].__setitem__("end", "16:00"),
     "mentors[0].availability[0].end: must be after start"),
    (lambda s: s["mentees"][0]["availability"][0].__setitem__("start", "25:00"),
     "mentees[0].availability[0].start: must be a time of day HH:MM, got '25:00'"),
    (lambda s: s["mentors"][0]["competences"].__setitem__("adhd", 4),
     "mentors[0].competences.adhd: level must be between 1 and 3"),
    (lambda s: s["mentees"][0]["needs"].__setitem__("adhd", 0),
     "mentees[0].needs.adhd: level must be between 1 and 3"),
    (lambda s: s["mentors"][0].__setitem__("capacity", -1), "mentors[0].capacity: must be at least 0"),
    (lambda s: s["mentors"][1].__setitem__("hours_per_week", -2), "mentors[1].hours_per_week: must be at least 0"),
    (lambda s: s["mentors"][0].__setitem__("min_hours_per_month", 1e308),
     "mentors[0].min_hours_per_month: must be between 0 and 744, the hours of a month"),
    (lambda s: s["mentees"][0]["sessions"].__setitem__("count", 3),
     "mentees[0].sessions.count: give exactly one of count and per_week"),
    (lambda s: s["mentees"][0]["sessions"].pop("per_week"),
     "mentees[0].sessions.count: give exactly one of count and per_week"),
    (lambda s: s["programme"].__setitem__("start", "2027-02-30"),
     "programme.start: must be a date YYYY-MM-DD, got '2027-02-30'"),
    (lambda s: s["mentees"][0].__setitem__("waiting_since", "yesterday"),
     "mentees[0].waiting_since: must be a date YYYY-MM-DD, got 'yesterday'"),
    (lambda s: s["programme"].__setitem__("timezone", "Europe/Atlantis"),
     "programme.timezone: unknown time zone 'Europe/Atlantis'"),
    (lambda s: s["mentors"][0]["unavailable"][0].__setitem__("to", "2027-02-01"),
     "mentors[0].unavailable[0].to: must not be before from"),
    (lambda s: s["feedback"][0].__setitem__("rating", 6), "feedback[0].rating: must be between 1 and 5"),
    (lambda s: s["feedback"].append({"mentor": "m-01", "mentee": "y-01"}),
     "feedback[1].rating: give a rating or breakdown: true"),
    (lambda s: s["mentors"][0].__setitem__("kind", "robot"), "mentors[0].kind: must be volunteer or professional"),
    (lambda s: s["mentors"][0].__setitem__("capacity", "3"), "mentors[0].capacity: must be a whole number"),
    (lambda s: s["mentors"][0].pop("availability"), "mentors[0].availability: is required"),
    (lambda s: s["mentors"][0].__setitem__("hours_per_wek", 3), "mentors[0].hours_per_wek: unknown field"),
    (lambda s: s["programme"]["weights"].__setitem__("luck", 1.0), "programme.weights.luck: unknown field"),
    (lambda s: s["programme"].__setitem__("slot_minutes", 7),
     "programme.slot_minutes: must be one of 5, 10, 15, 20, 30, 60"),
    (lambda s: s.__setitem__("matches", [{"mentor": "m-02", "mentee": "y-01"}, {"mentor": "m-02", "mentee": "y-01"}]),
     "matches[1].mentee: 'y-01' already has a current match"),
    (lambda s: s["matches"].append({"mentor": "m-01", "mentee": "y-01", "sessions": ["next tuesday"]}),
     "matches[0].sessions[0]: must be a date and time YYYY-MM-DDTHH:MM, got 'next tuesday'"),
])
def test_each_bad_input_is_named_with_its_reason(example, change, expected):
    change(example)
    assert expected in problems(example)


def test_current_matches_over_capacity_are_rejected(example):
    example["mentors"][1]["capacity"] = 1
    example["matches"] = [{"mentor": "m-02", "mentee": "y-01"}, {"mentor": "m-02", "mentee": "y-02"}]
    assert ("matches[1].mentor: 'm-02' has 2 current matches that have not broken down but capacity 1"
            in problems(example))
    example["feedback"].append({"mentor": "m-02", "mentee": "y-02", "breakdown": True})
    assert load_scenario(example).kept_matches() == load_scenario(example).matches[:1]


def test_every_problem_is_listed_not_only_the_first(example):
    example["mentors"][0]["capacity"] = -1
    example["mentees"][1]["sessions"]["minutes"] = -5
    assert len(problems(example)) == 2


@pytest.mark.parametrize("text, expected", [
    ("{not json", "scenario: not valid JSON"),
    ("[1, 2]", "scenario: must be a JSON object"),
    (b"\xff\xfe\x00", "scenario: not valid JSON"),
])
def test_non_json_is_rejected_without_a_traceback(text, expected):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    assert str(caught.value).startswith(expected)


def test_missing_sections_are_named():
    found = problems({"programme": {"timezone": "UTC", "start": "2027-01-04", "weeks": 2}})
    assert "mentors: is required" in found and "mentees: is required" in found


def test_json_round_trip_of_a_valid_file(example):
    assert load_scenario(json.loads(json.dumps(example))) == parse_scenario(json.dumps(example))
