"""The scenario generator and the bundled scenarios it builds."""
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest

from matcher.generate import PROGRAMMES, generate_scenario
from scenarios import build

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def minute_of_day(clock):
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def weekly_hours(mentee, weeks):
    """Average session hours a week: the mentee's share of a mentor's hour budget."""
    plan = mentee["sessions"]
    total = plan["count"] if "count" in plan else plan["per_week"] * weeks
    return total * plan["minutes"] / 60 / weeks


def broken_pairs(scenario):
    return {(f["mentor"], f["mentee"]) for f in scenario["feedback"] if f.get("breakdown")}


def covers(mentor, mentee):
    """The mentor may serve the mentee: every need met, kind allowed, not excluded."""
    return (all(mentor["competences"].get(need, 0) >= level for need, level in mentee["needs"].items())
            and mentor["kind"] in mentee.get("kinds", [mentor["kind"]])
            and mentor["id"] not in mentee["excluded_mentors"])


def inside(person, begin, finish, firm_only=False):
    """The session lies wholly inside one window of the person."""
    day = DAYS[begin.weekday()]
    first = begin.hour * 60 + begin.minute
    last = first + (finish - begin).seconds // 60
    return any(w["day"] == day and minute_of_day(w["start"]) <= first and last <= minute_of_day(w["end"])
               for w in person["availability"] if not (firm_only and w.get("flexible")))


def away(person, day):
    return any(date.fromisoformat(span["from"]) <= day <= date.fromisoformat(span["to"])
               for span in person["unavailable"])


def session_problems(scenario):
    """Every broken hard rule among the booked sessions of the current matches."""
    programme = scenario["programme"]
    first_day = date.fromisoformat(programme["start"])
    horizon_end = datetime.combine(first_day + timedelta(days=7 * programme["weeks"]), datetime.min.time())
    mentors = {m["id"]: m for m in scenario["mentors"]}
    mentees = {y["id"]: y for y in scenario["mentees"]}
    busy = defaultdict(list)
    minutes_in_week, flexible_in_week = Counter(), Counter()
    problems = []
    for match in scenario["matches"]:
        mentor, mentee = mentors[match["mentor"]], mentees[match["mentee"]]
        plan = mentee["sessions"]
        starts = sorted(datetime.fromisoformat(text) for text in match["sessions"])
        for begin in starts:
            finish = begin + timedelta(minutes=plan["minutes"])
            where = f"{match['mentor']}/{match['mentee']} at {begin}"
            if begin.date() < first_day or finish > horizon_end:
                problems.append(f"outside the horizon: {where}")
            if (begin.hour * 60 + begin.minute) % programme["slot_minutes"]:
                problems.append(f"not aligned: {where}")
            for person in (mentor, mentee):
                if not inside(person, begin, finish):
                    problems.append(f"outside a window of {person['id']}: {where}")
                if away(person, begin.date()):
                    problems.append(f"{person['id']} is away: {where}")
                busy[person["id"]].append((begin, finish))
            week = (begin.date() - first_day).days // 7
            minutes_in_week[mentor["id"], week] += plan["minutes"]
            flexible_in_week[mentor["id"], week] += not (inside(mentor, begin, finish, firm_only=True)
                                                         and inside(mentee, begin, finish, firm_only=True))
        for earlier, later in zip(starts, starts[1:]):
            if later - earlier < timedelta(days=plan["min_days_apart"]):
                problems.append(f"too close: {match['mentor']}/{match['mentee']} at {earlier} and {later}")
    for person, spans in busy.items():
        spans.sort()
        problems += [f"{person} double booked at {b[0]}" for a, b in zip(spans, spans[1:]) if b[0] < a[1]]
    for (mentor_id, week), minutes in minutes_in_week.items():
        if minutes > mentors[mentor_id]["hours_per_week"] * 60:
            problems.append(f"{mentor_id} over hours_per_week in week {week}")
        cap = mentors[mentor_id].get("max_flexible_per_week")
        if cap is not None and flexible_in_week[mentor_id, week] > cap:
            problems.append(f"{mentor_id} over max_flexible_per_week in week {week}")
    return problems


def structure_problems(scenario):
    """Broken references, duplicates and malformed values in a scenario."""
    programme = scenario["programme"]
    mentors = {m["id"]: m for m in scenario["mentors"]}
    mentees = {y["id"]: y for y in scenario["mentees"]}
    problems = []
    ids = [m["id"] for m in scenario["mentors"]] + [y["id"] for y in scenario["mentees"]]
    if len(set(ids)) != len(ids):
        problems.append("duplicate ids")
    if date.fromisoformat(programme["start"]).weekday() != 0:
        problems.append("start is not a Monday")
    for person in scenario["mentors"] + scenario["mentees"]:
        levels = list(person.get("competences", {}).values()) + list(person.get("needs", {}).values())
        if any(level not in (1, 2, 3) for level in levels):
            problems.append(f"{person['id']} has a level outside 1-3")
        if not person["availability"]:
            problems.append(f"{person['id']} is never available")
        for window in person["availability"]:
            start, end = minute_of_day(window["start"]), minute_of_day(window["end"])
            if not (7 * 60 <= start < end <= 22 * 60) or start % 30 or end % 30 or window["day"] not in DAYS:
                problems.append(f"{person['id']} has a bad window {window}")
        for span in person["unavailable"]:
            if span["from"] > span["to"]:
                problems.append(f"{person['id']} has a backwards absence {span}")
    for mentee in scenario["mentees"]:
        if ("count" in mentee["sessions"]) == ("per_week" in mentee["sessions"]):
            problems.append(f"{mentee['id']} needs exactly one of count and per_week")
        if not 1 <= len(mentee["needs"]) <= 2:
            problems.append(f"{mentee['id']} has {len(mentee['needs'])} needs")
        unknown = [m for m in mentee["excluded_mentors"] if m not in mentors]
        problems += [f"{mentee['id']} excludes unknown {m}" for m in unknown]
    for entry in scenario["feedback"]:
        if entry["mentor"] not in mentors or entry["mentee"] not in mentees:
            problems.append(f"feedback refers to unknown people: {entry}")
        if not (entry.get("breakdown") is True or entry.get("rating") in (1, 2, 3, 4, 5)):
            problems.append(f"feedback without a rating 1-5 or a breakdown: {entry}")
    matched = Counter(match["mentee"] for match in scenario["matches"])
    problems += [f"{y} has {count} current mentors" for y, count in matched.items() if count > 1]
    load, hours = Counter(), Counter()
    for match in scenario["matches"]:
        if match["mentor"] not in mentors or match["mentee"] not in mentees:
            problems.append(f"match refers to unknown people: {match}")
            continue
        mentor, mentee = mentors[match["mentor"]], mentees[match["mentee"]]
        if not covers(mentor, mentee):
            problems.append(f"current match {match['mentor']}/{match['mentee']} is not compatible")
        load[mentor["id"]] += 1
        hours[mentor["id"]] += weekly_hours(mentee, programme["weeks"])
    for mentor_id, count in load.items():
        if count > mentors[mentor_id]["capacity"]:
            problems.append(f"{mentor_id} carries {count} > capacity")
        if hours[mentor_id] > mentors[mentor_id]["hours_per_week"] + 1e-9:
            problems.append(f"{mentor_id} carries {hours[mentor_id]} h a week > hours_per_week")
    return problems


@pytest.fixture(scope="module", params=PROGRAMMES)
def scenario(request):
    return generate_scenario(150, 40, seed=3, programme=request.param)


def test_same_arguments_give_the_same_scenario_and_another_seed_another():
    first = generate_scenario(80, 20, seed=5, programme="job-mentors")
    assert first == generate_scenario(80, 20, seed=5, programme="job-mentors")
    assert first != generate_scenario(80, 20, seed=6, programme="job-mentors")


def test_history_does_not_change_the_people():
    with_history = generate_scenario(80, 20, seed=5)
    without = generate_scenario(80, 20, seed=5, history=False)
    assert without["mentors"] == with_history["mentors"]
    assert without["mentees"] == with_history["mentees"]
    assert without["feedback"] == without["matches"] == []
    assert with_history["feedback"] and with_history["matches"]


def test_unknown_programme_is_refused():
    with pytest.raises(ValueError, match="unknown programme"):
        generate_scenario(10, 3, seed=1, programme="chess-club")


def test_scenario_is_well_formed(scenario):
    assert structure_problems(scenario) == []
    assert len(scenario["mentees"]) == 150 and len(scenario["mentors"]) == 40


def test_booked_sessions_keep_every_hard_rule(scenario):
    assert sum(len(match["sessions"]) for match in scenario["matches"]) > 0
    assert session_problems(scenario) == []


def test_history_has_ratings_breakdowns_and_current_matches(scenario):
    ratings = [entry["rating"] for entry in scenario["feedback"] if "rating" in entry]
    assert min(ratings) <= 2 and max(ratings) >= 4
    current = {(match["mentor"], match["mentee"]) for match in scenario["matches"]}
    broken = broken_pairs(scenario)
    assert broken & current, "some current matches broke down and need a rematch"
    assert broken - current, "some waiting mentees had a mentor before"
    assert 0.05 <= len(current) / len(scenario["mentees"]) <= 0.35


def _demand_over_supply(scenario):
    """Mentees per place, and mentee hours per budgeted mentor hour."""
    weeks = scenario["programme"]["weeks"]
    mentees, mentors = scenario["mentees"], scenario["mentors"]
    places = sum(m["capacity"] for m in mentors)
    hours = sum(weekly_hours(y, weeks) for y in mentees) / sum(m["hours_per_week"] for m in mentors)
    return len(mentees) / places, hours


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_tightness_scales_demand_against_supply(programme):
    tight = _demand_over_supply(generate_scenario(300, 75, seed=2, programme=programme))
    loose = _demand_over_supply(generate_scenario(300, 75, seed=2, programme=programme, tightness=0.6))
    assert tight[0] > 1 and loose[0] < tight[0]
    if programme != "patient-peers":  # three talks in all never bind a weekly budget
        assert tight[1] > 1 and loose[1] < tight[1]


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_bundled_file_is_what_build_makes_now(programme):
    text = build.path_of(programme).read_text(encoding="utf-8")
    assert text == build.render(build.bundled_scenario(programme))


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_bundled_scenario_is_valid_and_has_a_mentee_nobody_can_serve(programme):
    scenario = build.bundled_scenario(programme)
    assert 20 <= len(scenario["mentors"]) + len(scenario["mentees"]) <= 200
    assert structure_problems(scenario) == [] and session_problems(scenario) == []
    broken = broken_pairs(scenario)
    assert any(not any(covers(m, y) and (m["id"], y["id"]) not in broken for m in scenario["mentors"])
               for y in scenario["mentees"])


def test_large_scenario_is_generated_and_valid():
    scenario = generate_scenario(2000, 400, seed=9)
    assert len(scenario["mentees"]) == 2000 and len(scenario["mentors"]) == 400
    assert structure_problems(scenario) == [] and session_problems(scenario) == []
