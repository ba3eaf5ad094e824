"""The week plan under the matches table: each pair's rhythm and the exceptions to it."""
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from matcher.pipeline import propose
from matcher.report import render
from matcher.schema import load_scenario
from matcher.weekview import week_plan


def test_the_rhythm_names_mentee_weekday_and_time_and_the_missed_week(example):
    scenario = load_scenario(example)
    proposal = propose(scenario)
    starts = Counter((s.start.strftime("%a %H:%M"), s.end.strftime("%H:%M"))
                     for s in proposal.sessions if s.mentor == "m-01")
    (start, end), _ = starts.most_common(1)[0]
    assert start.startswith("Tue")
    lines = week_plan(scenario, proposal)
    [rhythm] = [line for line in lines if line.startswith("m-01")]
    assert rhythm == f"m-01  {start}-{end} y-01"
    # m-01 is away 2027-02-08..2027-02-14, and y-01 meets on Tuesdays only.
    assert lines[lines.index(rhythm) + 1].strip() == "exceptions: y-01 missing 2027-02-09 (m-01 away)"
    assert "\nWeek plan\n" + "\n".join(lines) in render(scenario, proposal)


def test_a_moved_session_a_missing_one_and_a_make_up(example):
    scenario = load_scenario(example)
    proposal = propose(scenario)
    wed = [s for s in proposal.sessions if s.mentee == "y-02"]     # Wednesdays, one a week
    moved, lost = wed[3], wed[5]
    proposal.sessions = [s for s in proposal.sessions if s not in (moved, lost)] + [
        replace(moved, start=moved.start + timedelta(hours=1), end=moved.end + timedelta(hours=1)),
        replace(lost, start=lost.start + timedelta(days=8), end=lost.end + timedelta(days=8))]
    [exceptions] = [line.strip() for line in week_plan(scenario, proposal) if "y-02" in line
                    and "exceptions" in line]
    later, hour_later = lost.start + timedelta(days=8), moved.start + timedelta(hours=1)
    assert exceptions == (f"exceptions: y-02 {moved.start.date()} moved to Wed {hour_later:%H:%M}; "
                          f"y-02 missing {lost.start.date()}; "
                          f"y-02 {later.date()} made up at Thu {later:%H:%M}")


def test_at_most_three_exceptions_then_a_count(example):
    scenario = load_scenario(example)
    proposal = propose(scenario)
    wed = [s for s in proposal.sessions if s.mentee == "y-02"]
    proposal.sessions = [s for s in proposal.sessions if s not in wed[1:6]]
    [exceptions] = [line for line in week_plan(scenario, proposal) if "y-02 missing" in line]
    assert exceptions.count("missing") == 3 and exceptions.endswith(" and 2 more")
