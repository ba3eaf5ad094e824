"""Hypothesis strategies of small, random, valid scenarios (the scenario JSON contract)."""
import json
from datetime import date, datetime, time, timedelta, timezone
from itertools import product
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from checker import (DAYS, broken_pairs, check_calendar, check_double_booking, check_spacing,
                     check_weekly_load, is_flexible, minute_of_day, pair_problems, parse_session)

TIMEZONE = "Europe/Copenhagen"
KINDS = ("volunteer", "professional")
COMPETENCES = ("adhd", "autism", "anxiety", "family", "school")
INTERESTS = ("football", "music", "gaming", "drawing", "cooking", "hiking")
NAMES = ("Ane", "Bo", "Cecilie", "Dan", "Emma", "Frej", "Gry", "Hans", "Ida", "Jonas")
FIRST_MONDAY = date(2027, 1, 4)
# Mondays whose horizon of 1-4 weeks crosses a daylight-saving change (2027-03-28, 2027-10-31).
DST_MONDAYS = (date(2027, 3, 8), date(2027, 3, 15), date(2027, 3, 22),
               date(2027, 10, 11), date(2027, 10, 18), date(2027, 10, 25))
COMMON_DAYS = ("tue", "thu", "sat")
COMMON_STARTS = (32, 34, 36)  # half hours: 16:00, 17:00, 18:00
BOOKING_CHECKS = (check_calendar, check_double_booking, check_weekly_load, check_spacing)


def _clock(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _window(day, start_half_hour, length_half_hours, flexible):
    start = start_half_hour * 30
    end = min(start + length_half_hours * 30, 47 * 30)
    window = {"day": day, "start": _clock(start), "end": _clock(end)}
    return {**window, "flexible": True} if flexible else window


def _session_needs(amount, minutes, min_days_apart):
    needs = {**amount, "minutes": minutes}
    return needs if min_days_apart is None else {**needs, "min_days_apart": min_days_apart}


def _volunteer_minimum_only(mentor):
    """min_hours_per_month is a volunteer's target: drop it for professionals."""
    if mentor["kind"] == "volunteer":
        return mentor
    return {key: value for key, value in mentor.items() if key != "min_hours_per_month"}


mondays = st.one_of(
    st.sampled_from(DST_MONDAYS),
    st.integers(0, 51).map(lambda week: FIRST_MONDAY + timedelta(weeks=week)),
)
# 1-3 weekly windows of 1-4 hours on half hours between 07:00 and 23:30, some flexible;
# biased to a few days and evening starts so that people often share time.
windows = st.lists(st.builds(
    _window,
    st.one_of(st.sampled_from(COMMON_DAYS), st.sampled_from(DAYS)),
    st.one_of(st.sampled_from(COMMON_STARTS), st.integers(14, 42)),
    st.integers(2, 8),
    st.booleans(),
), min_size=1, max_size=3)
competences = st.sampled_from(COMPETENCES)
interests = st.lists(st.sampled_from(INTERESTS), max_size=3, unique=True)
session_needs = st.builds(
    _session_needs,
    st.one_of(st.fixed_dictionaries({"count": st.integers(1, 3)}),
              st.fixed_dictionaries({"per_week": st.integers(1, 2)})),
    st.sampled_from((30, 60, 90)),
    st.one_of(st.none(), st.integers(0, 3)),
)
mentor_bodies = st.fixed_dictionaries({
    "name": st.sampled_from(NAMES),
    "kind": st.sampled_from(KINDS),
    "competences": st.dictionaries(competences, st.integers(1, 3), min_size=1, max_size=3),
    "interests": interests,
    "capacity": st.integers(1, 3),
    "hours_per_week": st.integers(1, 6),
    "availability": windows,
}, optional={
    "min_hours_per_month": st.integers(2, 12),
    "max_flexible_per_week": st.integers(0, 2),
}).map(_volunteer_minimum_only)
mentee_bodies = st.fixed_dictionaries({
    "name": st.sampled_from(NAMES),
    "needs": st.dictionaries(competences, st.integers(1, 3), max_size=2),
    "interests": interests,
    "sessions": session_needs,
    "availability": windows,
    "waiting_since": st.integers(0, 200).map(lambda days: str(date(2026, 6, 1) + timedelta(days=days))),
}, optional={
    "kinds": st.lists(st.sampled_from(KINDS), min_size=1, unique=True),
})
current_outcomes = st.sampled_from(("booked", "booked", "not booked", "broke down"))
feedback_outcomes = st.one_of(st.fixed_dictionaries({"rating": st.integers(1, 5)}), st.just({"breakdown": True}))


def unavailable_ranges(first, days):
    """At most one inclusive date range inside a horizon of `days` days from `first`."""
    def as_range(begin, length):
        end = min(begin + length, days - 1)
        return [{"from": str(first + timedelta(days=begin)), "to": str(first + timedelta(days=end))}]
    return st.one_of(st.just([]), st.builds(as_range, st.integers(0, days - 1), st.integers(0, 6)))


def shared_windows(mentors):
    """Mentee windows copied from some of the mentors' windows, so pairs often share time."""
    copied = st.sampled_from([window for person in mentors for window in person["availability"]])
    return st.lists(st.builds(lambda window, flexible: {**window, "flexible": flexible}, copied, st.booleans()),
                    max_size=2)


def feedback(mentor_ids, mentee_ids):
    """Ratings and breakdowns between existing people."""
    entry = st.tuples(st.sampled_from(mentor_ids), st.sampled_from(mentee_ids), feedback_outcomes)
    return st.lists(entry, max_size=6).map(
        lambda entries: [{"mentor": mentor, "mentee": mentee, **result} for mentor, mentee, result in entries])


def _booked_session(zone, match_mentor, match_mentee, booked):
    """The proposal session of a booked local start, with its offset and its flexible flag."""
    start = datetime.fromisoformat(booked).replace(tzinfo=zone)
    end = (start.astimezone(timezone.utc)
           + timedelta(minutes=match_mentee["sessions"]["minutes"])).astimezone(zone)
    raw = {"mentor": match_mentor["id"], "mentee": match_mentee["id"],
           "start": start.isoformat(), "end": end.isoformat()}
    raw["flexible"] = is_flexible(match_mentor, match_mentee, parse_session(raw, zone))
    return raw


def keep_current(scenario):
    """The proposal that keeps every current match that did not break down, with its booked
    sessions, and lists every other mentee as unmatched with reason "not proposed"."""
    zone = ZoneInfo(scenario["programme"]["timezone"])
    mentors = {person["id"]: person for person in scenario["mentors"]}
    mentees = {person["id"]: person for person in scenario["mentees"]}
    broken = broken_pairs(scenario)
    kept = [match for match in scenario["matches"] if (match["mentor"], match["mentee"]) not in broken]
    matched = {match["mentee"] for match in kept}
    return {
        "matches": [{"mentor": match["mentor"], "mentee": match["mentee"], "status": "kept"} for match in kept],
        "unmatched": [{"mentee": mentee_id, "reason": "not proposed"}
                      for mentee_id in mentees if mentee_id not in matched],
        "sessions": [_booked_session(zone, mentors[match["mentor"]], mentees[match["mentee"]], booked)
                     for match in kept for booked in match["sessions"]],
        "unplaced": [],
    }


def _windows_on(person, weekday):
    return [window for window in person["availability"] if window["day"] == weekday]


def _common_starts(scenario, match_mentor, match_mentee, from_day):
    """Local "YYYY-MM-DDTHH:MM" starts, from a day of the horizon on, at the first aligned
    minute of each common window long enough for one session."""
    programme = scenario["programme"]
    first, days = date.fromisoformat(programme["start"]), programme["weeks"] * 7
    slot, minutes = programme["slot_minutes"], match_mentee["sessions"]["minutes"]
    for offset in range(days):
        day = first + timedelta(days=(from_day + offset) % days)
        weekday = DAYS[day.weekday()]
        for own, other in product(_windows_on(match_mentor, weekday), _windows_on(match_mentee, weekday)):
            start = -(-max(minute_of_day(own["start"]), minute_of_day(other["start"])) // slot) * slot
            if start + minutes <= min(minute_of_day(own["end"]), minute_of_day(other["end"])):
                yield datetime.combine(day, time(start // 60, start % 60)).isoformat(timespec="minutes")


def _fits(scenario):
    """True when the booked sessions of the kept matches break none of rules 3-6."""
    proposal = keep_current(scenario)
    return not any(check(scenario, proposal) for check in BOOKING_CHECKS)


def _book_first_fit(scenario, match, from_day):
    """Book the first common start that keeps rules 3-6, or leave the match without one."""
    mentors = {person["id"]: person for person in scenario["mentors"]}
    mentees = {person["id"]: person for person in scenario["mentees"]}
    for start in _common_starts(scenario, mentors[match["mentor"]], mentees[match["mentee"]], from_day):
        match["sessions"] = [start]
        if _fits(scenario):
            return
    match["sessions"] = []


def _add_current_matches(draw, scenario):
    """Add compatible current matches within capacity: some broken down since (with the
    breakdown in the feedback), some with one booked session."""
    broken = broken_pairs(scenario)
    taken = dict.fromkeys((person["id"] for person in scenario["mentors"]), 0)
    days = scenario["programme"]["weeks"] * 7
    for match_mentee in scenario["mentees"]:
        candidates = [person["id"] for person in scenario["mentors"]
                      if taken[person["id"]] < person["capacity"]
                      and not pair_problems(person, match_mentee, broken)]
        if not candidates or not draw(st.booleans()):
            continue
        match = {"mentor": draw(st.sampled_from(candidates)), "mentee": match_mentee["id"], "sessions": []}
        scenario["matches"].append(match)
        outcome = draw(current_outcomes)
        if outcome == "broke down":
            scenario["feedback"].append({"mentor": match["mentor"], "mentee": match["mentee"], "breakdown": True})
            continue
        taken[match["mentor"]] += 1
        if outcome == "booked":
            _book_first_fit(scenario, match, draw(st.integers(0, days - 1)))


@st.composite
def scenarios(draw, max_mentees=8, max_mentors=5):
    """Random valid scenario dicts, small and varied."""
    first, weeks = draw(mondays), draw(st.integers(1, 4))
    absences = unavailable_ranges(first, weeks * 7)
    mentors = [{"id": f"m-{number:02d}", **body, "unavailable": draw(absences)}
               for number, body in enumerate(draw(st.lists(mentor_bodies, min_size=1, max_size=max_mentors)), 1)]
    mentor_ids = [person["id"] for person in mentors]
    exclusions, shared = st.lists(st.sampled_from(mentor_ids), max_size=2, unique=True), shared_windows(mentors)
    mentees = [{"id": f"y-{number:02d}", **body,
                "availability": body["availability"] + draw(shared),
                "unavailable": draw(absences),
                "excluded_mentors": draw(exclusions)}
               for number, body in enumerate(draw(st.lists(mentee_bodies, min_size=1, max_size=max_mentees)), 1)]
    scenario = {
        "programme": {
            "name": "Generated programme",
            "timezone": TIMEZONE,
            "start": str(first),
            "weeks": weeks,
            "slot_minutes": draw(st.sampled_from((15, 30))),
            "daytime": {"start": "08:00", "end": "16:00"},
            "weights": {"competence": 0.35, "interests": 0.2, "chemistry": 0.3, "availability": 0.15},
        },
        "mentors": mentors,
        "mentees": mentees,
        "feedback": draw(feedback(mentor_ids, [person["id"] for person in mentees])),
        "matches": [],
    }
    _add_current_matches(draw, scenario)
    return scenario


def json_changes(texts: list[str], floats=st.floats(allow_nan=False, allow_infinity=False)):
    """Lists of up to 3 (pick, value): arbitrary JSON values (texts among them) to put at
    the picked paths of a document (see `changed`)."""
    scalars = st.none() | st.booleans() | st.integers(-10**12, 10**12) | floats | st.text(max_size=12) \
        | st.sampled_from(texts)
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
    return st.lists(st.tuples(st.integers(0, 10**6), values), min_size=1, max_size=3)


def _json_paths(node, prefix=()):
    """Every path to a value inside a JSON document, the document's own excepted."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield prefix + (key,)
        yield from _json_paths(child, prefix + (key,))


def changed(document, changes):
    """A copy of the JSON `document` with each (pick, value) of `changes` put in turn at the
    path numbered pick (modulo the paths the document has then)."""
    document = json.loads(json.dumps(document))
    for pick, value in changes:
        paths = list(_json_paths(document))
        *parents, key = paths[pick % len(paths)]
        node = document
        for step in parents:
            node = node[step]
        node[key] = value
    return document
