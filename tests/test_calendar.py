"""The session calendar, checked end to end against the independent checker of the hard rules."""
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import broken_pairs, pair_problems, session_shortfalls, violations
from matcher.schema import load_scenario
from matcher.solver.calendar import ScenarioPairs, plan_sessions
from matcher.solver.calendar_patterns import exact_patterns
from matcher.solver.calendar_weeks import PatternSlot
from strategies import scenarios

WEDNESDAY, THURSDAY = 2, 3
BUNDLED = sorted(Path(__file__).parent.parent.joinpath("scenarios").glob("*.json"))


def window(day, start, end, flexible=False):
    return {"day": day, "start": start, "end": end, **({"flexible": True} if flexible else {})}


def mentor(id, *windows, hours=10, **fields):
    return {"id": id, "kind": "volunteer", "capacity": 5, "hours_per_week": hours,
            "availability": list(windows), **fields}


def mentee(id, *windows, minutes=60, per_week=1, apart=3, count=None, **fields):
    sessions = {"count": count} if count else {"per_week": per_week}
    return {"id": id, "sessions": {**sessions, "minutes": minutes, "min_days_apart": apart},
            "availability": list(windows), **fields}


def scenario(mentors, mentees, start="2027-01-04", weeks=4, matches=()):
    return {"programme": {"timezone": "Europe/Copenhagen", "start": start, "weeks": weeks, "slot_minutes": 30},
            "mentors": mentors, "mentees": mentees, "matches": list(matches)}


def kept_pairs(data):
    broken = broken_pairs(data)
    return [(m["mentor"], m["mentee"]) for m in data.get("matches", []) if (m["mentor"], m["mentee"]) not in broken]


def simple_pairs(data):
    """The kept matches plus, for each other mentee, the first allowed mentor with capacity left."""
    pairs, broken = kept_pairs(data), broken_pairs(data)
    load = Counter(mentor_id for mentor_id, _ in pairs)
    taken = {mentee_id for _, mentee_id in pairs}
    for person in data["mentees"]:
        for other in data["mentors"]:
            if person["id"] not in taken and load[other["id"]] < other["capacity"] \
                    and not pair_problems(other, person, broken):
                pairs.append((other["id"], person["id"]))
                load[other["id"]] += 1
                taken.add(person["id"])
    return pairs


def plan(data, pairs=None):
    """Plan the pairs (default: every mentee with the first mentor), check the proposal, return it."""
    pairs = [(data["mentors"][0]["id"], m["id"]) for m in data["mentees"]] if pairs is None else pairs
    result = plan_sessions(load_scenario(data), pairs)
    kept, matched = set(kept_pairs(data)), {mentee_id for _, mentee_id in pairs}
    proposal = {
        "matches": [{"mentor": a, "mentee": b, "status": "kept" if (a, b) in kept else "new"} for a, b in pairs],
        "unmatched": [{"mentee": m["id"], "reason": "not proposed"} for m in data["mentees"] if m["id"] not in matched],
        "sessions": [{"mentor": s.mentor, "mentee": s.mentee, "start": s.start.isoformat(),
                      "end": s.end.isoformat(), "flexible": s.flexible} for s in result.sessions],
        "unplaced": [{"mentor": u.mentor, "mentee": u.mentee, "missing": u.missing, "reason": u.reason}
                     for u in result.unplaced],
    }
    assert violations(data, proposal) == []
    assert session_shortfalls(data, proposal) == []
    assert result.stats["sessions_placed"] == len(result.sessions)
    assert result.stats["flexible_sessions"] == sum(s.flexible for s in result.sessions)
    return proposal


def starts(proposal, mentee_id):
    return [s["start"] for s in proposal["sessions"] if s["mentee"] == mentee_id]


def reasons(proposal):
    return {u["mentee"]: (u["missing"], u["reason"]) for u in proposal["unplaced"]}


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenarios_keep_every_hard_rule(path):
    data = json.loads(path.read_text())
    proposal = plan(data, simple_pairs(data))
    assert proposal["sessions"] and all(u["reason"] for u in proposal["unplaced"])


def test_a_weekly_pair_meets_at_the_same_time_every_week_across_the_clock_change():
    data = scenario([mentor("m-01", window("tue", "16:00", "20:00"))],
                    [mentee("y-01", window("tue", "17:00", "21:00"))], start="2027-03-22", weeks=3)
    assert starts(plan(data), "y-01") == ["2027-03-23T17:00:00+01:00", "2027-03-30T17:00:00+02:00",
                                          "2027-04-06T17:00:00+02:00"]


def test_a_time_the_clocks_skip_moves_to_one_that_exists():
    night = window("sun", "02:00", "04:00")
    data = scenario([mentor("m-01", night)], [mentee("y-01", night)], start="2027-03-22", weeks=3)
    assert starts(plan(data), "y-01") == ["2027-03-28T03:00:00+02:00", "2027-04-04T02:00:00+02:00",
                                          "2027-04-11T02:00:00+02:00"]


def test_a_time_the_clocks_skip_with_no_other_time_is_reported():
    night = window("sun", "02:00", "03:00")
    proposal = plan(scenario([mentor("m-01", night)], [mentee("y-01", night)], start="2027-03-22", weeks=2))
    missing, reason = reasons(proposal)["y-01"]
    assert missing == 1 and "02:00 does not exist on 2027-03-28" in reason


def test_the_repeated_hour_in_autumn_keeps_every_rule():
    night = window("sun", "01:00", "04:00")
    data = scenario([mentor("m-01", night)], [mentee(f"y-0{i}", night) for i in (1, 2, 3)],
                    start="2027-10-25", weeks=1)
    assert len(plan(data)["sessions"]) == 3


def test_an_absent_week_is_reported_when_it_cannot_be_made_up():
    data = scenario([mentor("m-01", window("tue", "16:00", "20:00"),
                            unavailable=[{"from": "2027-01-11", "to": "2027-01-17"}])],
                    [mentee("y-01", window("tue", "16:00", "20:00"))])
    proposal = plan(data)
    assert len(starts(proposal, "y-01")) == 3
    assert reasons(proposal)["y-01"] == (1, "m-01 is away 2027-01-11..2027-01-17 and has no other common time "
                                            "that week")


def test_an_absent_week_is_made_up_in_the_next_week():
    both = (window("tue", "16:00", "20:00"), window("fri", "16:00", "20:00"))
    data = scenario([mentor("m-01", *both, unavailable=[{"from": "2027-01-11", "to": "2027-01-17"}])],
                    [mentee("y-01", *both, apart=2)])
    proposal = plan(data)
    assert starts(proposal, "y-01") == ["2027-01-05T16:00:00+01:00", "2027-01-19T16:00:00+01:00",
                                        "2027-01-22T16:00:00+01:00", "2027-01-26T16:00:00+01:00"]
    assert proposal["unplaced"] == []


def test_mentees_competing_for_one_evening_share_it_and_the_rest_is_reported():
    evening = window("tue", "17:00", "20:00")
    data = scenario([mentor("m-01", evening)], [mentee(f"y-0{i}", evening, minutes=90) for i in (1, 2, 3)])
    proposal = plan(data)
    assert {s["start"][11:16] for s in proposal["sessions"]} == {"17:00", "18:30"}
    assert reasons(proposal) == {"y-03": (4, "no common time outside m-01's other sessions in 4 weeks "
                                             "from 2027-01-04 to 2027-01-25")}


def test_a_mentee_with_a_second_evening_gives_way_so_that_everyone_meets():
    evening, other = window("tue", "17:00", "19:00"), window("wed", "17:00", "19:00")
    data = scenario([mentor("m-01", evening, other)],
                    [mentee("y-01", evening, other, minutes=120), mentee("y-02", evening, minutes=120)])
    proposal = plan(data)
    assert proposal["unplaced"] == [] and {s["start"][:10] for s in proposal["sessions"]
                                           if s["mentee"] == "y-01"} == {"2027-01-06", "2027-01-13",
                                                                         "2027-01-20", "2027-01-27"}


def test_patterns_the_greedy_cannot_combine_are_found_exactly():
    mon, tue, wed = (window(day, "17:00", "18:00") for day in ("mon", "tue", "wed"))
    data = scenario([mentor("m-01", mon, tue, wed)],
                    [mentee("y-01", tue, wed, waiting_since="2026-11-01"), mentee("y-02", mon, tue),
                     mentee("y-03", mon, tue)])
    result = plan_sessions(load_scenario(data), [("m-01", f"y-0{i}") for i in (1, 2, 3)])
    assert result.unplaced == [] and result.stats["exact_mentors"] == 1
    assert {s.start.strftime("%a") for s in result.sessions if s.mentee == "y-01"} == {"Wed"}


def test_a_flexible_window_stays_unused_when_a_firm_one_exists():
    firm, weekend = window("tue", "16:00", "18:00"), window("sat", "10:00", "13:00", flexible=True)
    data = scenario([mentor("m-01", firm, weekend)], [mentee("y-01", firm, weekend)])
    assert not any(s["flexible"] for s in plan(data)["sessions"])


def test_a_needed_flexible_window_is_used_marked_and_capped():
    firm, weekend = window("tue", "16:00", "18:00"), window("sat", "10:00", "13:00", flexible=True)
    data = scenario([mentor("m-01", firm, weekend, max_flexible_per_week=1)],
                    [mentee("y-01", weekend), mentee("y-02", weekend)])
    proposal = plan(data)
    assert len(starts(proposal, "y-01")) == 4 and all(s["flexible"] for s in proposal["sessions"])
    assert reasons(proposal)["y-02"] == (4, "m-01's 1 flexible session(s) a week are used up in 4 weeks "
                                            "from 2027-01-04 to 2027-01-25")


def test_a_kept_match_keeps_its_booked_session_and_its_rhythm():
    evening = window("tue", "16:00", "20:00")
    data = scenario([mentor("m-01", evening)], [mentee("y-01", evening)],
                    matches=[{"mentor": "m-01", "mentee": "y-01", "sessions": ["2027-01-05T18:00"]}])
    proposal = plan(data)
    assert [s[11:16] for s in starts(proposal, "y-01")] == ["18:00"] * 4


def test_a_booked_session_blocks_its_time_for_the_other_mentees():
    evening = window("tue", "17:00", "18:00")
    data = scenario([mentor("m-01", evening)], [mentee("y-01", evening), mentee("y-02", evening)],
                    matches=[{"mentor": "m-01", "mentee": "y-01", "sessions": ["2027-01-05T17:00"]}], weeks=1)
    proposal = plan(data)
    assert reasons(proposal)["y-02"][0] == 1 and starts(proposal, "y-01") == ["2027-01-05T17:00:00+01:00"]


def test_count_based_sessions_are_spread_and_the_first_comes_early():
    data = scenario([mentor("m-01", window("mon", "10:00", "12:00"), window("thu", "10:00", "12:00"))],
                    [mentee("p-01", window("thu", "09:00", "12:00"), count=3, minutes=45, apart=7)], weeks=12)
    assert starts(plan(data), "p-01") == ["2027-01-07T10:00:00+01:00", "2027-02-04T10:00:00+01:00",
                                          "2027-03-04T10:00:00+01:00"]


def test_weekly_hours_exactly_reached_are_kept_and_more_is_reported():
    evening = window("tue", "16:00", "22:00")
    two = scenario([mentor("m-01", evening, hours=3)], [mentee(f"y-0{i}", evening, minutes=90) for i in (1, 2)])
    assert plan(two)["unplaced"] == []
    three = scenario([mentor("m-01", evening, hours=3)], [mentee(f"y-0{i}", evening, minutes=90) for i in (1, 2, 3)])
    assert reasons(plan(three))["y-03"] == (4, "m-01's 3 h/week are used up in 4 weeks from 2027-01-04 to 2027-01-25")


def test_two_sessions_a_week_keep_their_distance_or_are_reported():
    days = [window(day, "16:00", "18:00") for day in ("mon", "tue", "thu")]
    spaced = scenario([mentor("m-01", *days)], [mentee("y-01", *days, per_week=2, apart=3)])
    assert [datetime.fromisoformat(s).strftime("%a") for s in starts(plan(spaced), "y-01")] == ["Mon", "Thu"] * 4
    close = scenario([mentor("m-01", *days[:2])], [mentee("y-01", *days[:2], per_week=2, apart=2)], weeks=2)
    assert reasons(plan(close))["y-01"] == (2, "y-01's sessions must be 2 day(s) apart and no such common time is "
                                               "left in weeks 2027-01-04 and 2027-01-11")


@st.composite
def scenarios_with_pairs(draw):
    """A random scenario and its pairs: the kept matches plus any compatible pairs within capacity."""
    data = draw(scenarios())
    pairs, broken = kept_pairs(data), broken_pairs(data)
    load = Counter(mentor_id for mentor_id, _ in pairs)
    taken = {mentee_id for _, mentee_id in pairs}
    for person in data["mentees"]:
        allowed = [other["id"] for other in data["mentors"] if load[other["id"]] < other["capacity"]
                   and not pair_problems(other, person, broken)]
        if person["id"] not in taken and allowed and draw(st.booleans()):
            chosen = draw(st.sampled_from(allowed))
            pairs.append((chosen, person["id"]))
            load[chosen] += 1
    return data, pairs


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_with_pairs())
def test_random_scenarios_keep_every_hard_rule_and_report_every_shortfall(case):
    data, pairs = case
    plan(data, pairs)


@pytest.mark.parametrize("given_slots, expected", [
    (((WEDNESDAY, 18 * 60),), {"Wed 18:00"}),
    ((), {"Tue 17:00"})])
def test_a_mentor_planned_again_keeps_the_pattern_slots_it_was_given(given_slots, expected):
    # The greedy would take Tuesday 17:00 (earliest); slots found before, as many as it
    # fills, are kept instead.
    evenings = (window("tue", "17:00", "20:00"), window("wed", "17:00", "20:00"))
    data = scenario([mentor("m-01", *evenings)], [mentee("y-01", *evenings)])
    found = {"m-01": tuple(PatternSlot(day, start, start + 60, True, "y-01") for day, start in given_slots)}
    result = plan_sessions(load_scenario(data), [("m-01", "y-01")], typical_weeks=found)
    assert {s.start.strftime("%a %H:%M") for s in result.sessions} == expected and result.unplaced == []


def test_slots_given_that_fill_fewer_than_the_greedy_are_left_for_the_greedy_s():
    # Two sessions a week: the greedy fills both, so one slot found before does not stand.
    evenings = (window("tue", "17:00", "20:00"), window("thu", "17:00", "20:00"))
    data = scenario([mentor("m-01", *evenings)], [mentee("y-01", *evenings, per_week=2, apart=2)])
    found = {"m-01": (PatternSlot(THURSDAY, 18 * 60, 19 * 60, True, "y-01"),)}
    result = plan_sessions(load_scenario(data), [("m-01", "y-01")], typical_weeks=found)
    assert {s.start.strftime("%a %H:%M") for s in result.sessions} == {"Tue 17:00", "Thu 17:00"}
    assert result.unplaced == []


@pytest.mark.parametrize("current", [True, False])
def test_a_current_match_keeps_its_only_weekly_time_against_a_new_pair_who_waited_longer(current):
    # y-01 and y-02 can meet m-01 only on Tuesdays 17:00-18:00; y-02 has waited longer. As
    # a current match (no sessions booked yet), y-01 keeps the time; as a new pair, it yields.
    evening = window("tue", "17:00", "18:00")
    data = scenario([mentor("m-01", evening)],
                    [mentee("y-01", evening), mentee("y-02", evening, waiting_since="2026-10-01")],
                    matches=[{"mentor": "m-01", "mentee": "y-01"}] if current else [])
    proposal = plan(data, [("m-01", "y-01"), ("m-01", "y-02")])
    assert (len(starts(proposal, "y-01")), len(starts(proposal, "y-02"))) == ((4, 0) if current else (0, 4))


@pytest.mark.parametrize("current", [True, False])
def test_exact_patterns_never_trade_a_current_match_s_time_for_more_new_slots(current):
    # Tuesday 17:00-18:00 holds y-01's hour or y-02's and y-03's half hours. As a current
    # match, y-01 keeps it (its slot outweighs every new pair's slots together); as a new
    # pair, the two half hours fill more.
    evening = window("tue", "17:00", "18:00")
    data = scenario([mentor("m-01", evening)], [mentee("y-01", evening)] + [
        mentee(f"y-0{i}", evening, minutes=30) for i in (2, 3)],
        matches=[{"mentor": "m-01", "mentee": "y-01"}] if current else [])
    known = ScenarioPairs(load_scenario(data))
    pairs = known.grouped([("m-01", f"y-0{i}") for i in (1, 2, 3)])["m-01"]
    patterns = exact_patterns(pairs, {pair.key: [] for pair in pairs}, 1.0)
    assert {key[1]: len(slots) for key, slots in patterns.items()} == (
        {"y-01": 1, "y-02": 0, "y-03": 0} if current else {"y-01": 0, "y-02": 1, "y-03": 1})
