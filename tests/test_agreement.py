"""Assignment and calendar agree: no new pair is proposed whose sessions cannot be held."""
import copy
import json
from pathlib import Path

from checker import session_shortfalls, violations
from matcher.agreement import CalendarBook
from matcher.pipeline import propose
from matcher.schema import load_scenario
from matcher.solver.calendar import plan_sessions

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def saturday_only(example, mentee_id):
    return {**copy.deepcopy(example["mentees"][0]), "id": mentee_id, "kinds": None,
            "sessions": {"per_week": 1, "minutes": 60},
            "availability": [{"day": "sat", "start": "10:00", "end": "13:00"}]}


def test_a_mentor_flexible_cap_holds_only_one_flexible_only_pair(example):
    # m-01 gives Saturday only "if needed", once a week; both mentees can meet only then.
    example["mentees"] = [saturday_only(example, "y-01"), saturday_only(example, "y-03")]
    example["feedback"] = []
    proposal = propose(load_scenario(example)).to_dict()
    assert violations(example, proposal) == [] and session_shortfalls(example, proposal) == []
    assert len(proposal["matches"]) == 1 and proposal["matches"][0]["mentor"] == "m-01"
    waiting = proposal["unmatched"][0]
    assert waiting["reason"].startswith("sessions cannot be held with m-01")
    assert "flexible" in waiting["reason"]
    assert sum(s["flexible"] for s in proposal["sessions"]) == len(proposal["sessions"]) == 11  # m-01 away a week


def test_without_the_cap_both_pairs_are_held(example):
    example["mentees"] = [saturday_only(example, "y-01"), saturday_only(example, "y-03")]
    example["feedback"] = []
    example["mentors"][0]["max_flexible_per_week"] = 2
    proposal = propose(load_scenario(example)).to_dict()
    assert {m["mentee"] for m in proposal["matches"]} == {"y-01", "y-03"}
    assert violations(example, proposal) == []


def test_the_book_replans_only_changed_mentors_and_agrees_with_one_plan():
    scenario = load_scenario(json.loads((SCENARIOS / "youth-mentors.json").read_text()))
    pairs = [(m.mentor, m.mentee) for m in scenario.kept_matches()]
    book = CalendarBook(scenario)
    book.update(pairs, 5.0)
    planned = dict(book.pairs)
    book.update(pairs, 5.0)
    assert book.pairs == planned
    sessions, unplaced, stats = book.result()
    whole = plan_sessions(scenario, pairs, 5.0)
    assert [(s.mentor, s.mentee, s.start) for s in sessions] == \
        [(s.mentor, s.mentee, s.start) for s in whole.sessions]
    assert stats["sessions_placed"] == whole.stats["sessions_placed"]
    assert stats["sessions_required"] == whole.stats["sessions_required"]
