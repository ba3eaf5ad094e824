"""The independent checker over every bundled scenario and over generated ones."""
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checker import session_shortfalls, violations
from matcher import rounds as calendar_rounds
from matcher.errors import ScenarioError
from matcher.generate import generate_scenario
from matcher.pipeline import Options, propose, rematch
from matcher.schema import load_scenario
from strategies import changed, json_changes, scenarios

BUNDLED = sorted(Path(__file__).parent.parent.joinpath("scenarios").glob("*.json"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenario_proposal_breaks_no_hard_rule(path):
    data = json.loads(path.read_text())
    proposal = propose(load_scenario(data), Options(time_limit=20)).to_dict()
    json.dumps(proposal, allow_nan=False)   # the contract is strict JSON
    assert violations(data, proposal) == []
    assert session_shortfalls(data, proposal) == []
    assert all(u["reason"] for u in proposal["unplaced"])
    stats = proposal["stats"]
    assert stats["bound"] >= stats["objective"] - 1e-6
    assert stats["matched"] <= stats["matched_bound"]
    assert all(u["reason"] for u in proposal["unmatched"])


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_rematch_keeps_everyone_else(path):
    data = json.loads(path.read_text())
    scenario = load_scenario(data)
    victim = scenario.kept_matches()[0]
    proposal = rematch(scenario, [(victim.mentor, victim.mentee)]).to_dict()
    data["feedback"].append({"mentor": victim.mentor, "mentee": victim.mentee, "breakdown": True})
    assert violations(data, proposal) == []
    broken_before = {m.mentee for m in scenario.matches} - {m.mentee for m in scenario.kept_matches()}
    moved = {c["mentee"] for c in proposal["changes"]}
    assert moved <= {victim.mentee} | broken_before and victim.mentee in moved
    kept_before = {(m.mentor, m.mentee) for m in scenario.kept_matches()} - {(victim.mentor, victim.mentee)}
    kept_after = {(m["mentor"], m["mentee"]) for m in proposal["matches"] if m["status"] == "kept"}
    assert kept_after == kept_before


@pytest.mark.parametrize("programme", ["patient-peers", "youth-mentors", "recovery-mentors", "job-mentors"])
def test_generated_scenario_proposal_breaks_no_hard_rule(programme):
    data = generate_scenario(150, 40, seed=7, programme=programme)
    proposal = propose(load_scenario(data), Options(time_limit=3)).to_dict()
    assert violations(data, proposal) == []
    assert session_shortfalls(data, proposal) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_random_scenarios_break_no_hard_rule(data):
    proposal = propose(load_scenario(data), Options(time_limit=5)).to_dict()
    json.dumps(proposal, allow_nan=False)
    assert violations(data, proposal) == []
    assert session_shortfalls(data, proposal) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.data(), st.booleans(), st.sampled_from([1, calendar_rounds.CALENDAR_ROUNDS]))
def test_a_rematch_leaves_every_other_current_mentee_matched(data, draw, moves, rounds):
    # Without moves every other current match stays as it is; with moves, its mentee stays
    # matched. One calendar round is what large scenarios get: a move the calendars turn
    # down is then not solved again.
    scenario = load_scenario(data)
    current = [(m.mentor, m.mentee) for m in scenario.kept_matches()]
    assume(current)
    victims = draw.draw(st.lists(st.sampled_from(current), min_size=1, max_size=3, unique=True))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(calendar_rounds, "CALENDAR_ROUNDS", rounds)
        proposal = rematch(scenario, victims, Options(time_limit=3, allow_moves=moves)).to_dict()
    others = set(current) - set(victims)
    after = {(m["mentor"], m["mentee"]) for m in proposal["matches"]}
    if moves:
        assert {mentee for _, mentee in others} <= {mentee for _, mentee in after}
    else:
        assert others <= after and {c["mentee"] for c in proposal["changes"]} <= {
            m.mentee for m in scenario.matches if (m.mentor, m.mentee) not in others}
    data["feedback"] += [{"mentor": mentor, "mentee": mentee, "breakdown": True} for mentor, mentee in victims]
    moved = {f"current match {c['from']}/{c['mentee']} is missing" for c in proposal["changes"] if c["from"]}
    assert [line for line in violations(data, proposal) if not any(text in line for text in moved)] == []
    assert session_shortfalls(data, proposal) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_changes(["mon", "24:00", "23:59", "2027-02-30", "2027-01-06T16:00", "m-01", "y-01", "adhd", "volunteer",
                      "Europe/Copenhagen"]))
def test_a_scenario_with_any_value_changed_is_rejected_by_name_or_proposed_within_the_rules(changes):
    # Values anywhere in the example (with a booked current match) replaced by arbitrary
    # JSON: the loader names the problem, or a current match that cannot be kept within the
    # rules is named, or the proposal keeps every hard rule.
    from conftest import EXAMPLE
    data = changed({**EXAMPLE, "matches": [{"mentor": "m-01", "mentee": "y-01", "sessions": ["2027-01-05T16:00"]}]},
                   changes)
    try:
        proposal = propose(load_scenario(data), Options(time_limit=1)).to_dict()
    except ScenarioError as error:
        assert error.problems and all(problem.path and problem.reason for problem in error.problems)
        return
    assert violations(data, proposal) == []
