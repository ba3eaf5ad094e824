"""A person's sessions as an iCalendar file: instants across the DST change, time zone, ids only."""
import json
import re
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from matcher.cli import main
from matcher.ics import ProposalError, person_calendar
from matcher.pipeline import propose
from matcher.schema import load_scenario
from strategies import changed, json_changes

ZONE = "Europe/Copenhagen"


@pytest.fixture
def across_dst(example):
    """The example over 3 weeks from 2027-03-22: the clocks go forward on 2027-03-28."""
    example["programme"].update(start="2027-03-22", weeks=3)
    return example


@pytest.fixture(scope="module")
def example_proposal():
    """The example's proposal (one session a week for both pairs), solved once."""
    from conftest import EXAMPLE
    return propose(load_scenario(json.loads(json.dumps(EXAMPLE)))).to_dict()


@pytest.fixture
def proposal(across_dst):
    return propose(load_scenario(across_dst)).to_dict()


def events(ics: bytes) -> list:
    return Calendar.from_ical(ics).walk("VEVENT")


def sessions_of(proposal: dict, role: str, person: str) -> list[tuple[datetime, datetime]]:
    return sorted((datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
                  for s in proposal["sessions"] if s[role] == person)


@pytest.mark.parametrize("role, person", [("mentor", "m-01"), ("mentee", "y-02")])
def test_every_session_once_at_its_instant_across_dst(proposal, role, person):
    expected = sessions_of(proposal, role, person)
    assert {start.utcoffset().total_seconds() / 3600 for start, _ in expected} == {1, 2}
    found = events(person_calendar(proposal, person, role, ZONE))
    assert sorted((e.decoded("dtstart"), e.decoded("dtend")) for e in found) == expected
    assert len({str(e["uid"]) for e in found}) == len(found)
    assert {e["dtstart"].params["TZID"] for e in found} == {ZONE}
    assert {e.decoded("dtstart").strftime("%a %H:%M") for e in found} == \
        {start.strftime("%a %H:%M") for start, _ in expected}


def test_the_time_zone_is_defined_with_its_summer_time(proposal):
    calendar = Calendar.from_ical(person_calendar(proposal, "m-01", "mentor", ZONE))
    assert str(calendar["version"]) == "2.0" and "prodid" in calendar
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == ZONE and zone.walk("DAYLIGHT") and zone.walk("STANDARD")


def test_uids_are_stable(proposal):
    def uids():
        return [str(e["uid"]) for e in events(person_calendar(proposal, "m-01", "mentor", ZONE))]
    assert uids() == uids()


def test_ids_only_no_names(proposal, across_dst):
    text = person_calendar(proposal, "m-01", "mentor", ZONE).decode()
    names = [p["name"] for p in across_dst["mentors"] + across_dst["mentees"]]
    assert not [name for name in names if re.search(rf"\b{name}\b", text)]
    assert {str(e["summary"]) for e in events(text.encode())} == {"Mentor session: m-01 – y-01"}


def test_flexible_sessions_are_marked():
    proposal = {"sessions": [
        {"mentor": "m-01", "mentee": "y-01", "start": "2027-01-09T10:00:00+01:00",
         "end": "2027-01-09T11:00:00+01:00", "flexible": True},
        {"mentor": "m-01", "mentee": "y-01", "start": "2027-01-12T16:00:00+01:00",
         "end": "2027-01-12T17:00:00+01:00", "flexible": False}]}
    flexible, firm = events(person_calendar(proposal, "m-01", "mentor", ZONE))
    assert flexible["categories"].cats == ["Flexible"] and "flexible" in str(flexible["description"])
    assert "categories" not in firm and "description" not in firm


@pytest.mark.parametrize("proposal, message", [
    ({"matches": []}, "no list of sessions"),
    ({"sessions": [{"mentor": "m-01"}]}, "sessions[0]: not a session"),
    ({"sessions": [{"mentor": "m-01", "mentee": "y-01", "start": "2027-01-09T10:00",
                    "end": "2027-01-09T11:00"}]}, "need a UTC offset"),
    ({"sessions": []}, "m-01 is not a mentor"),
    ({"sessions": [], "matches": None}, "matches: must be a list"),
    ({"sessions": [{"mentor": ["m-01"], "mentee": "y-01", "start": "2027-01-09T10:00+01:00",
                    "end": "2027-01-09T11:00+01:00"}]}, "sessions[0]: mentor and mentee must be ids"),
    ({"sessions": [{"mentor": "m-01", "mentee": "y-01", "start": "9999-12-31T23:00+14:00",
                    "end": "9999-12-31T23:30+14:00"}]}, "sessions[0]: start and end must lie in the years 1900-2199"),
])
def test_malformed_proposals_and_unknown_people_are_refused(proposal, message):
    with pytest.raises(ProposalError, match=re.escape(message)):
        person_calendar(proposal, "m-01", "mentor", ZONE)


@pytest.fixture
def files(tmp_path, proposal, across_dst):
    (tmp_path / "p.json").write_text(json.dumps(proposal))
    (tmp_path / "s.json").write_text(json.dumps(across_dst))
    return tmp_path


def test_cli_writes_the_calendar(files, proposal):
    out = files / "y-01.ics"
    assert main(["calendar", str(files / "p.json"), "--mentee", "y-01",
                 "--scenario", str(files / "s.json"), "-o", str(out)]) == 0
    assert sorted(e.decoded("dtstart") for e in events(out.read_bytes())) == \
        [start for start, _ in sessions_of(proposal, "mentee", "y-01")]


def test_cli_writes_to_standard_output(files, capsysbinary):
    assert main(["calendar", str(files / "p.json"), "--mentor", "m-02"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize("content, args, message", [
    (None, ["--mentor", "m-99"], "m-99 is not a mentor in this proposal"),
    (None, ["--mentee", "m-01"], "m-01 is not a mentee in this proposal"),
    ("{", ["--mentor", "m-01"], "not valid JSON"),
    ('{"matches": []}', ["--mentor", "m-01"], "not a proposal"),
])
def test_cli_refuses_in_one_line(files, capsys, content, args, message):
    if content is not None:
        (files / "p.json").write_text(content)
    assert main(["calendar", str(files / "p.json"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("matcher: ")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_changes(["2027-01-05T16:00:00+01:00", "2027-01-05T16:00", "m-01", "y-01", "0001-01-01T00:00:00-14:00",
                     "9999-12-31T23:59:59+14:00"], floats=st.floats()),
       st.sampled_from([("m-01", "mentor"), ("y-01", "mentee")]))
def test_a_proposal_with_any_value_changed_gives_a_calendar_or_a_one_line_refusal(example_proposal, changes, who):
    data = changed(example_proposal, changes)
    person, role = who
    try:
        calendar = person_calendar(data, person, role, ZONE)
    except ProposalError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert len(events(calendar)) == sum(session[role] == person for session in data["sessions"])
