"""Tests of the independent proposal checker: each hard rule kept and broken, and a property."""
from hypothesis import given, settings

from checker import session_shortfalls, violations
from strategies import keep_current, scenarios


def base_scenario(start="2027-01-04", weeks=2):
    """Three mentees, two mentors, no feedback and no current matches."""
    def evenings():
        return [{"day": "mon", "start": "16:00", "end": "20:00"}, {"day": "tue", "start": "16:00", "end": "20:00"}]
    return {
        "programme": {"name": "Test", "timezone": "Europe/Copenhagen", "start": start, "weeks": weeks,
                      "slot_minutes": 30, "daytime": {"start": "08:00", "end": "16:00"},
                      "weights": {"competence": 0.35, "interests": 0.2, "chemistry": 0.3, "availability": 0.15}},
        "mentors": [
            {"id": "m-01", "name": "Ane", "kind": "volunteer", "competences": {"adhd": 3, "family": 2},
             "interests": ["football"], "capacity": 2, "hours_per_week": 3,
             "availability": evenings() + [{"day": "sat", "start": "10:00", "end": "13:00", "flexible": True}],
             "max_flexible_per_week": 1, "unavailable": [{"from": "2027-01-10", "to": "2027-01-11"}]},
            {"id": "m-02", "name": "Bo", "kind": "professional", "competences": {"autism": 2},
             "interests": [], "capacity": 1, "hours_per_week": 2, "availability": evenings(), "unavailable": []},
        ],
        "mentees": [
            {"id": "y-01", "name": "Jonas", "needs": {"adhd": 2, "family": 2}, "kinds": ["volunteer", "professional"],
             "interests": ["football"], "sessions": {"per_week": 1, "minutes": 90, "min_days_apart": 3},
             "availability": evenings() + [{"day": "sat", "start": "09:00", "end": "14:00"}],
             "unavailable": [], "waiting_since": "2026-12-20", "excluded_mentors": []},
            {"id": "y-02", "name": "Ida", "needs": {"autism": 1}, "kinds": ["professional"], "interests": [],
             "sessions": {"count": 2, "minutes": 60}, "availability": evenings(),
             "unavailable": [], "waiting_since": "2026-12-01", "excluded_mentors": []},
            {"id": "y-03", "name": "Emma", "needs": {}, "interests": [],
             "sessions": {"per_week": 1, "minutes": 90},
             "availability": evenings() + [{"day": "sat", "start": "09:00", "end": "14:00"}],
             "unavailable": [], "waiting_since": "2026-11-15", "excluded_mentors": []},
        ],
        "feedback": [],
        "matches": [],
    }


def proposal(scenario, matches=(), sessions=()):
    """A proposal with the given (mentor, mentee, status) matches and sessions; every other
    mentee is unmatched with a reason."""
    matched = {mentee for _, mentee, _ in matches}
    return {
        "matches": [{"mentor": mentor, "mentee": mentee, "status": status} for mentor, mentee, status in matches],
        "unmatched": [{"mentee": person["id"], "reason": "no common time"}
                      for person in scenario["mentees"] if person["id"] not in matched],
        "sessions": list(sessions),
        "unplaced": [],
    }


def session(mentor, mentee, start, end, flexible=False):
    return {"mentor": mentor, "mentee": mentee, "start": start, "end": end, "flexible": flexible}


def tuesday(mentor, mentee, clock="17:00", until="18:30"):
    """A session on Tuesday 2027-01-05 (winter time)."""
    return session(mentor, mentee, f"2027-01-05T{clock}:00+01:00", f"2027-01-05T{until}:00+01:00")


def only_violation(scenario, offer):
    """The single violation the proposal has."""
    lines = violations(scenario, offer)
    assert len(lines) == 1, lines
    return lines[0]


# --- rule 0: every mentee reported ---------------------------------------------------------

def test_all_unmatched_with_reasons_is_sound():
    scenario = base_scenario()
    assert violations(scenario, proposal(scenario)) == []


def test_mentee_missing_from_both_lists():
    scenario = base_scenario()
    offer = proposal(scenario)
    offer["unmatched"] = [entry for entry in offer["unmatched"] if entry["mentee"] != "y-03"]
    assert only_violation(scenario, offer) == "rule 0: y-03 is neither matched nor unmatched"


def test_unmatched_without_reason():
    scenario = base_scenario()
    offer = proposal(scenario)
    offer["unmatched"][1]["reason"] = " "
    assert only_violation(scenario, offer) == "rule 0: y-02 is unmatched without a reason"


def test_mentee_both_matched_and_unmatched():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")])
    offer["unmatched"].append({"mentee": "y-01", "reason": "no time"})
    assert only_violation(scenario, offer) == "rule 0: y-01 is both matched and unmatched"


# --- rule 1: allowed pairs -----------------------------------------------------------------

def test_needs_covered_at_exactly_the_level_is_sound():
    scenario = base_scenario()
    assert violations(scenario, proposal(scenario, [("m-01", "y-01", "new"), ("m-02", "y-02", "new")])) == []


def test_mentee_with_two_mentors():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-03", "new"), ("m-02", "y-03", "new")])
    assert only_violation(scenario, offer) == "rule 1: y-03 has 2 mentors: m-01, m-02"


def test_excluded_mentor():
    scenario = base_scenario()
    scenario["mentees"][2]["excluded_mentors"] = ["m-01"]
    offer = proposal(scenario, [("m-01", "y-03", "new")])
    assert only_violation(scenario, offer) == "rule 1: m-01/y-03: y-03 excludes m-01"


def test_broken_down_pair_proposed_again():
    scenario = base_scenario()
    scenario["feedback"] = [{"mentor": "m-01", "mentee": "y-03", "rating": 2},
                            {"mentor": "m-01", "mentee": "y-03", "breakdown": True}]
    offer = proposal(scenario, [("m-01", "y-03", "new")])
    assert only_violation(scenario, offer) == "rule 1: m-01/y-03: the pair broke down before"


def test_kind_not_allowed():
    scenario = base_scenario()
    scenario["mentees"][2]["kinds"] = ["professional"]
    offer = proposal(scenario, [("m-01", "y-03", "new")])
    assert only_violation(scenario, offer) == (
        "rule 1: m-01/y-03: y-03 does not allow kind volunteer (allows professional)")


def test_missing_competence_counts_as_level_zero():
    scenario = base_scenario()
    scenario["mentors"][1]["capacity"] = 2
    del scenario["mentees"][0]["needs"]["family"]
    offer = proposal(scenario, [("m-02", "y-01", "new")])
    assert only_violation(scenario, offer) == "rule 1: m-02/y-01: need adhd 2 is not covered (m-02 has 0)"


def test_unknown_mentor():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-99", "y-01", "new")])
    assert only_violation(scenario, offer) == "rule 1: unknown mentor m-99 is matched with y-01"


# --- rule 2: capacity ----------------------------------------------------------------------

def test_capacity_exactly_used_is_sound():
    scenario = base_scenario()
    assert violations(scenario, proposal(scenario, [("m-01", "y-01", "new"), ("m-01", "y-03", "new")])) == []


def test_kept_and_new_matches_beyond_capacity():
    scenario = base_scenario()
    scenario["matches"] = [{"mentor": "m-02", "mentee": "y-02", "sessions": []}]
    offer = proposal(scenario, [("m-02", "y-02", "kept"), ("m-02", "y-03", "new")])
    assert only_violation(scenario, offer) == "rule 2: m-02 has 2 mentees (y-02, y-03), capacity 1"


# --- rule 3: calendars, horizon, slots -----------------------------------------------------

def test_session_touching_the_window_end_is_sound():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")], [tuesday("m-01", "y-01", "18:30", "20:00")])
    assert violations(scenario, offer) == []


def test_session_one_minute_past_the_window():
    scenario = base_scenario()
    scenario["mentors"][0]["availability"][1]["end"] = "19:59"
    offer = proposal(scenario, [("m-01", "y-01", "new")], [tuesday("m-01", "y-01", "18:30", "20:00")])
    assert only_violation(scenario, offer) == (
        "rule 3: session m-01/y-01 at 2027-01-05T18:30+01:00: not inside a window of m-01")


def test_day_after_unavailable_range_is_sound():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")],
                     [session("m-01", "y-01", "2027-01-12T17:00:00+01:00", "2027-01-12T18:30:00+01:00")])
    assert violations(scenario, offer) == []


def test_session_on_last_unavailable_day():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")],
                     [session("m-01", "y-01", "2027-01-11T17:00:00+01:00", "2027-01-11T18:30:00+01:00")])
    assert only_violation(scenario, offer) == (
        "rule 3: session m-01/y-01 at 2027-01-11T17:00+01:00: m-01 is unavailable 2027-01-10..2027-01-11")


def test_session_after_the_horizon():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")],
                     [session("m-01", "y-01", "2027-01-19T17:00:00+01:00", "2027-01-19T18:30:00+01:00")])
    assert only_violation(scenario, offer) == (
        "rule 3: session m-01/y-01 at 2027-01-19T17:00+01:00: outside the horizon 2027-01-04..2027-01-17")


def test_session_not_on_a_slot():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")], [tuesday("m-01", "y-01", "17:15", "18:45")])
    assert only_violation(scenario, offer) == (
        "rule 3: session m-01/y-01 at 2027-01-05T17:15+01:00: start not aligned to 30-minute slots")


def test_session_of_the_wrong_length():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")], [tuesday("m-01", "y-01", "17:00", "18:00")])
    assert only_violation(scenario, offer) == (
        "rule 3: session m-01/y-01 at 2027-01-05T17:00+01:00: lasts 60 minutes, y-01 needs 90")


def test_session_of_no_proposed_match():
    scenario = base_scenario()
    offer = proposal(scenario, [], [tuesday("m-01", "y-01")])
    assert only_violation(scenario, offer) == (
        "rule 3: session m-01/y-01 at 2027-01-05T17:00+01:00 belongs to no proposed match")


def test_sessions_either_side_of_daylight_saving_with_right_offsets_are_sound():
    scenario = base_scenario(start="2027-03-22")
    offer = proposal(scenario, [("m-01", "y-01", "new")], [
        session("m-01", "y-01", "2027-03-23T17:00:00+01:00", "2027-03-23T18:30:00+01:00"),
        session("m-01", "y-01", "2027-03-30T17:00:00+02:00", "2027-03-30T18:30:00+02:00"),
    ])
    assert violations(scenario, offer) == []


def test_session_after_daylight_saving_with_winter_offset():
    scenario = base_scenario(start="2027-03-22")
    offer = proposal(scenario, [("m-01", "y-01", "new")],
                     [session("m-01", "y-01", "2027-03-30T17:00:00+01:00", "2027-03-30T18:30:00+01:00")])
    assert only_violation(scenario, offer) == (
        "rule 3: session m-01/y-01: start 2027-03-30T17:00:00+01:00 has the wrong offset: "
        "that instant is 2027-03-30T18:00+02:00 in Europe/Copenhagen")


# --- rule 4: no double booking -------------------------------------------------------------

def test_back_to_back_sessions_are_sound():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new"), ("m-01", "y-03", "new")],
                     [tuesday("m-01", "y-01", "16:00", "17:30"), tuesday("m-01", "y-03", "17:30", "19:00")])
    assert violations(scenario, offer) == []


def test_mentor_in_two_sessions_at_once():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new"), ("m-01", "y-03", "new")],
                     [tuesday("m-01", "y-01", "16:00", "17:30"), tuesday("m-01", "y-03", "17:00", "18:30")])
    assert only_violation(scenario, offer) == (
        "rule 4: m-01 is in two sessions at once: 2027-01-05T16:00+01:00 (y-01) and 2027-01-05T17:00+01:00 (y-03)")


def test_overlapping_sessions_of_one_pair_double_book_both():
    scenario = base_scenario()
    del scenario["mentees"][0]["sessions"]["min_days_apart"]
    scenario["mentors"][0]["hours_per_week"] = 4
    offer = proposal(scenario, [("m-01", "y-01", "new")],
                     [tuesday("m-01", "y-01", "16:00", "17:30"), tuesday("m-01", "y-01", "17:00", "18:30")])
    assert violations(scenario, offer) == [
        "rule 4: m-01 is in two sessions at once: 2027-01-05T16:00+01:00 (y-01) and 2027-01-05T17:00+01:00 (y-01)",
        "rule 4: y-01 is in two sessions at once: 2027-01-05T16:00+01:00 (m-01) and 2027-01-05T17:00+01:00 (m-01)",
    ]


# --- rule 5: weekly hours and flexible sessions --------------------------------------------

def two_tuesday_sessions(scenario):
    return proposal(scenario, [("m-01", "y-01", "new"), ("m-01", "y-03", "new")],
                    [tuesday("m-01", "y-01", "16:00", "17:30"), tuesday("m-01", "y-03", "17:30", "19:00")])


def test_hours_per_week_exactly_reached_is_sound():
    scenario = base_scenario()
    assert violations(scenario, two_tuesday_sessions(scenario)) == []


def test_hours_per_week_exceeded():
    scenario = base_scenario()
    scenario["mentors"][0]["hours_per_week"] = 2.5
    assert only_violation(scenario, two_tuesday_sessions(scenario)) == (
        "rule 5: m-01 has 3 session hours in the week of 2027-01-04 (y-01, y-03), hours_per_week 2.5")


def saturday(mentee, clock, until, flexible=True):
    """A session of m-01 on Saturday 2027-01-09, in m-01's flexible window."""
    return session("m-01", mentee, f"2027-01-09T{clock}:00+01:00", f"2027-01-09T{until}:00+01:00", flexible)


def test_one_flexible_session_a_week_is_sound():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")], [saturday("y-01", "10:00", "11:30")])
    assert violations(scenario, offer) == []


def test_too_many_flexible_sessions_in_a_week():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new"), ("m-01", "y-03", "new")],
                     [saturday("y-01", "10:00", "11:30"), saturday("y-03", "11:30", "13:00")])
    assert only_violation(scenario, offer) == (
        "rule 5: m-01 has 2 flexible sessions in the week of 2027-01-04 (y-01, y-03), max_flexible_per_week 1")


def test_flexible_session_flagged_as_not_flexible():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")], [saturday("y-01", "10:00", "11:30", flexible=False)])
    assert only_violation(scenario, offer) == (
        "rule 5: session m-01/y-01 at 2027-01-09T10:00+01:00 is flexible but flagged flexible=False")


def test_session_in_a_flexible_window_of_the_mentee_only_is_flexible():
    scenario = base_scenario()
    scenario["mentees"][0]["availability"][1]["flexible"] = True
    offer = proposal(scenario, [("m-01", "y-01", "new")], [tuesday("m-01", "y-01")])
    assert only_violation(scenario, offer) == (
        "rule 5: session m-01/y-01 at 2027-01-05T17:00+01:00 is flexible but flagged flexible=False")


def test_ordinary_session_flagged_flexible():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")], [dict(tuesday("m-01", "y-01"), flexible=True)])
    assert only_violation(scenario, offer) == (
        "rule 5: session m-01/y-01 at 2027-01-05T17:00+01:00 is not flexible but flagged flexible=True")


# --- rule 6: spacing -----------------------------------------------------------------------

def test_sessions_exactly_min_days_apart_are_sound():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")], [
        saturday("y-01", "10:00", "11:30"),
        session("m-01", "y-01", "2027-01-12T17:00:00+01:00", "2027-01-12T18:30:00+01:00"),
    ])
    assert violations(scenario, offer) == []


def test_sessions_too_close():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")], [
        session("m-01", "y-01", "2027-01-04T17:00:00+01:00", "2027-01-04T18:30:00+01:00"),
        tuesday("m-01", "y-01", "16:00", "17:30"),
    ])
    assert only_violation(scenario, offer) == (
        "rule 6: m-01/y-01 sessions at 2027-01-04T17:00+01:00 and 2027-01-05T16:00+01:00 are 1 day(s) apart, "
        "min_days_apart 3")


# --- rule 7: kept matches ------------------------------------------------------------------

def with_current_match(scenario):
    scenario["matches"] = [{"mentor": "m-02", "mentee": "y-02", "sessions": ["2027-01-05T17:00"]}]
    return scenario


def test_kept_match_with_its_booked_session_is_sound():
    scenario = with_current_match(base_scenario())
    offer = proposal(scenario, [("m-02", "y-02", "kept")], [tuesday("m-02", "y-02", "17:00", "18:00")])
    assert violations(scenario, offer) == []


def test_booked_session_missing():
    scenario = with_current_match(base_scenario())
    offer = proposal(scenario, [("m-02", "y-02", "kept")], [tuesday("m-02", "y-02", "18:00", "19:00")])
    assert only_violation(scenario, offer) == (
        "rule 7: booked session m-02/y-02 at 2027-01-05T17:00 is missing from the proposal")


def test_current_match_dropped():
    scenario = with_current_match(base_scenario())
    assert only_violation(scenario, proposal(scenario)) == "rule 7: current match m-02/y-02 is missing from the proposal"


def test_current_match_marked_new():
    scenario = with_current_match(base_scenario())
    offer = proposal(scenario, [("m-02", "y-02", "new")], [tuesday("m-02", "y-02", "17:00", "18:00")])
    assert only_violation(scenario, offer) == "rule 7: m-02/y-02 has status 'new', expected 'kept'"


def test_new_match_marked_kept():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "kept")])
    assert only_violation(scenario, offer) == "rule 7: m-01/y-01 has status 'kept', expected 'new'"


def test_broken_down_current_match_dropped_is_sound():
    scenario = with_current_match(base_scenario())
    scenario["feedback"] = [{"mentor": "m-02", "mentee": "y-02", "breakdown": True}]
    assert violations(scenario, proposal(scenario)) == []


def test_broken_down_current_match_still_kept():
    """Both rule 1 (a broken-down pair is proposed) and rule 7 (it is not dropped) apply."""
    scenario = with_current_match(base_scenario())
    scenario["feedback"] = [{"mentor": "m-02", "mentee": "y-02", "breakdown": True}]
    offer = proposal(scenario, [("m-02", "y-02", "kept")], [tuesday("m-02", "y-02", "17:00", "18:00")])
    assert violations(scenario, offer) == [
        "rule 1: m-02/y-02: the pair broke down before",
        "rule 7: m-02/y-02 broke down but is still in the proposal",
    ]


# --- session shortfalls --------------------------------------------------------------------

def test_unplaced_sessions_reported():
    scenario = with_current_match(base_scenario())
    offer = proposal(scenario, [("m-02", "y-02", "kept")], [tuesday("m-02", "y-02", "17:00", "18:00")])
    offer["unplaced"] = [{"mentor": "m-02", "mentee": "y-02", "missing": 1, "reason": "m-02 has no more time"}]
    assert session_shortfalls(scenario, offer) == []


def test_unplaced_sessions_not_reported():
    scenario = base_scenario()
    offer = proposal(scenario, [("m-01", "y-01", "new")], [tuesday("m-01", "y-01")])
    assert session_shortfalls(scenario, offer) == [
        "shortfall: m-01/y-01 needs 2 sessions, has 1, reports 0 missing (expected 1)"]


# --- property: the strategy's scenarios and the checker agree ------------------------------

@settings(deadline=None)
@given(scenarios())
def test_keeping_current_matches_breaks_no_rule(scenario):
    assert violations(scenario, keep_current(scenario)) == []


@settings(deadline=None, max_examples=50)
@given(scenarios())
def test_every_dropped_booked_session_is_reported(scenario):
    offer = keep_current(scenario)
    booked, offer["sessions"] = offer["sessions"], []
    lost = [line for line in violations(scenario, offer) if line.startswith("rule 7: booked session")]
    assert len(lost) == len(booked)
