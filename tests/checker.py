"""Independent checker of a proposal against the hard rules of DESIGN.md.

It reads only the scenario and proposal JSON contracts (as dicts) and imports nothing
from the `matcher` package, so a solver bug cannot hide behind a shared helper.
"""
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Session(NamedTuple):
    """A proposal session with its instants (UTC) and its local times."""

    mentor: str
    mentee: str
    start: datetime
    end: datetime
    local_start: datetime
    local_end: datetime
    flagged_flexible: bool

    @property
    def pair(self):
        return (self.mentor, self.mentee)

    @property
    def when(self):
        return self.local_start.isoformat(timespec="minutes")

    @property
    def minutes(self):
        return (self.end - self.start) / timedelta(minutes=1)


def violations(scenario: dict, proposal: dict) -> list[str]:
    """One line per broken hard rule (0-7); an empty list means the proposal is sound."""
    return [line for rule in RULES for line in rule(scenario, proposal)]


# --- reading the contracts -------------------------------------------------------------

def _by_id(people):
    return {person["id"]: person for person in people}


def _pair(entry):
    return (entry.get("mentor"), entry.get("mentee"))


def _name(pair):
    return f"{pair[0]}/{pair[1]}"


def broken_pairs(scenario):
    """The (mentor, mentee) pairs with a breakdown in the feedback."""
    return {_pair(entry) for entry in scenario.get("feedback", []) if entry.get("breakdown") is True}


def _timezone(scenario):
    return ZoneInfo(scenario["programme"]["timezone"])


def _parse_instant(text):
    """An aware datetime from an ISO string with offset, or None."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.utcoffset() is not None else None


def parse_session(raw, zone):
    """The Session of a raw proposal session, or None when start or end lacks a valid offset."""
    start, end = _parse_instant(raw.get("start")), _parse_instant(raw.get("end"))
    if start is None or end is None:
        return None
    return Session(
        raw.get("mentor"), raw.get("mentee"),
        start.astimezone(timezone.utc), end.astimezone(timezone.utc),
        start.astimezone(zone), end.astimezone(zone),
        raw.get("flexible") is True,
    )


def _sessions(scenario, proposal):
    """The proposal sessions whose start and end parse as ISO datetimes with offset."""
    zone = _timezone(scenario)
    parsed = (parse_session(raw, zone) for raw in proposal.get("sessions", []))
    return [session for session in parsed if session is not None]


def minute_of_day(text):
    """Minutes since midnight of an \"HH:MM\" clock time."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _inside_window(windows, session):
    """True when the session lies wholly inside one of the weekly windows (local wall clock)."""
    day = DAYS[session.local_start.weekday()]
    start = session.local_start.hour * 60 + session.local_start.minute
    days_later = (session.local_end.date() - session.local_start.date()).days
    end = days_later * 1440 + session.local_end.hour * 60 + session.local_end.minute
    return any(
        window["day"] == day
        and minute_of_day(window["start"]) <= start
        and end <= minute_of_day(window["end"])
        for window in windows
    )


def _all_windows(person):
    return person.get("availability", [])


def _fixed_windows(person):
    return [window for window in _all_windows(person) if not window.get("flexible")]


def _inside_both(mentor, mentee, session, windows_of):
    """True when the session lies inside one of `windows_of(person)` for both people."""
    return all(_inside_window(windows_of(person), session) for person in (mentor, mentee))


def is_flexible(mentor, mentee, session):
    """A session is flexible unless it lies inside a non-flexible window of both people."""
    return not _inside_both(mentor, mentee, session, _fixed_windows)


def _horizon(scenario):
    """The first local day of the programme and the first local day after it."""
    programme = scenario["programme"]
    first = date.fromisoformat(programme["start"])
    return first, first + timedelta(days=7 * programme["weeks"])


def _week_of(session):
    day = session.local_start.date()
    return day - timedelta(days=day.weekday())


# --- rule 0: nothing silently dropped ---------------------------------------------------

def check_report(scenario, proposal):
    """Every mentee is matched or unmatched exactly once; every unmatched has a reason."""
    mentees = _by_id(scenario["mentees"])
    matched = {entry.get("mentee") for entry in proposal.get("matches", [])}
    unmatched = Counter(entry.get("mentee") for entry in proposal.get("unmatched", []))
    lines = []
    for mentee in mentees:
        if mentee not in matched and not unmatched[mentee]:
            lines.append(f"rule 0: {mentee} is neither matched nor unmatched")
        elif mentee in matched and unmatched[mentee]:
            lines.append(f"rule 0: {mentee} is both matched and unmatched")
        elif unmatched[mentee] > 1:
            lines.append(f"rule 0: {mentee} is unmatched {unmatched[mentee]} times")
    for entry in proposal.get("unmatched", []):
        mentee = entry.get("mentee")
        if mentee not in mentees:
            lines.append(f"rule 0: unknown mentee {mentee} is unmatched")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            lines.append(f"rule 0: {mentee} is unmatched without a reason")
    return lines


# --- rule 1: who may be matched with whom -----------------------------------------------

def pair_problems(mentor, mentee, broken):
    """Why this known mentor may not be matched with this known mentee."""
    pair = (mentor["id"], mentee["id"])
    problems = []
    if mentor["id"] in mentee.get("excluded_mentors", []):
        problems.append(f"{mentee['id']} excludes {mentor['id']}")
    if pair in broken:
        problems.append("the pair broke down before")
    kinds = mentee.get("kinds")
    if kinds is not None and mentor["kind"] not in kinds:
        problems.append(f"{mentee['id']} does not allow kind {mentor['kind']} (allows {', '.join(kinds)})")
    for need, level in mentee.get("needs", {}).items():
        has = mentor.get("competences", {}).get(need, 0)
        if has < level:
            problems.append(f"need {need} {level} is not covered ({mentor['id']} has {has})")
    return problems


def check_pairs(scenario, proposal):
    """A mentee has at most one mentor; no pair is excluded, broken down, of a disallowed
    kind or short of a need; every id is known."""
    mentors, mentees = _by_id(scenario["mentors"]), _by_id(scenario["mentees"])
    broken = broken_pairs(scenario)
    mentors_of = defaultdict(list)
    lines = []
    for match in proposal.get("matches", []):
        mentor_id, mentee_id = _pair(match)
        mentors_of[mentee_id].append(mentor_id)
        if mentor_id not in mentors:
            lines.append(f"rule 1: unknown mentor {mentor_id} is matched with {mentee_id}")
        if mentee_id not in mentees:
            lines.append(f"rule 1: unknown mentee {mentee_id} is matched with {mentor_id}")
        if mentor_id in mentors and mentee_id in mentees:
            for problem in pair_problems(mentors[mentor_id], mentees[mentee_id], broken):
                lines.append(f"rule 1: {mentor_id}/{mentee_id}: {problem}")
    for mentee_id, its_mentors in mentors_of.items():
        if len(its_mentors) > 1:
            lines.append(f"rule 1: {mentee_id} has {len(its_mentors)} mentors: {', '.join(map(str, its_mentors))}")
    return lines


# --- rule 2: capacity --------------------------------------------------------------------

def check_capacity(scenario, proposal):
    """A mentor's kept plus new matches never exceed the capacity."""
    mentees_of = defaultdict(list)
    for match in proposal.get("matches", []):
        mentees_of[match.get("mentor")].append(match.get("mentee"))
    lines = []
    for mentor in scenario["mentors"]:
        mentees = mentees_of[mentor["id"]]
        if len(mentees) > mentor["capacity"]:
            lines.append(f"rule 2: {mentor['id']} has {len(mentees)} mentees ({', '.join(map(str, mentees))}), "
                         f"capacity {mentor['capacity']}")
    return lines


# --- rule 3: every session inside both calendars -----------------------------------------

def _offset_problem(raw, zone):
    """Why the start or end of a raw session is not a correct local time with offset, or None."""
    for key in ("start", "end"):
        moment = _parse_instant(raw.get(key))
        if moment is None:
            return f"{key} {raw.get(key)!r} is not an ISO datetime with offset"
        local = moment.astimezone(zone)
        if local.replace(tzinfo=None) != moment.replace(tzinfo=None):
            return (f"{key} {raw[key]} has the wrong offset: that instant is "
                    f"{local.isoformat(timespec='minutes')} in {zone.key}")
    return None


def _unavailable_range(person, day):
    """The unavailable range of the person that contains the day, as text, or None."""
    for gap in person.get("unavailable", []):
        if date.fromisoformat(gap["from"]) <= day <= date.fromisoformat(gap["to"]):
            return f"{gap['from']}..{gap['to']}"
    return None


def _calendar_problems(scenario, mentor, mentee, session):
    """Why a session of a known pair does not fit the calendars, the horizon or the slots."""
    problems = []
    for person in (mentor, mentee):
        if not _inside_window(_all_windows(person), session):
            problems.append(f"not inside a window of {person['id']}")
        gap = _unavailable_range(person, session.local_start.date())
        if gap:
            problems.append(f"{person['id']} is unavailable {gap}")
    first, after = _horizon(scenario)
    if not (datetime.combine(first, time()) <= session.local_start.replace(tzinfo=None)
            and session.local_end.replace(tzinfo=None) <= datetime.combine(after, time())):
        problems.append(f"outside the horizon {first}..{after - timedelta(days=1)}")
    slot = scenario["programme"]["slot_minutes"]
    local = session.local_start
    if (local.hour * 60 + local.minute) % slot or local.second or local.microsecond:
        problems.append(f"start not aligned to {slot}-minute slots")
    wanted = mentee["sessions"]["minutes"]
    if session.minutes != wanted:
        problems.append(f"lasts {session.minutes:g} minutes, {mentee['id']} needs {wanted}")
    return problems


def check_calendar(scenario, proposal):
    """Every session belongs to a proposed match and fits both calendars, the horizon,
    the slots and the mentee's session length; offsets are right for the local time."""
    zone = _timezone(scenario)
    mentors, mentees = _by_id(scenario["mentors"]), _by_id(scenario["mentees"])
    proposed = {_pair(match) for match in proposal.get("matches", [])}
    lines = []
    for raw in proposal.get("sessions", []):
        problem = _offset_problem(raw, zone)
        if problem:
            lines.append(f"rule 3: session {_name(_pair(raw))}: {problem}")
    for session in _sessions(scenario, proposal):
        if session.pair not in proposed:
            lines.append(f"rule 3: session {_name(session.pair)} at {session.when} belongs to no proposed match")
        if session.mentor in mentors and session.mentee in mentees:
            for problem in _calendar_problems(scenario, mentors[session.mentor], mentees[session.mentee], session):
                lines.append(f"rule 3: session {_name(session.pair)} at {session.when}: {problem}")
    return lines


# --- rule 4: no double booking -----------------------------------------------------------

def check_double_booking(scenario, proposal):
    """Nobody, mentor or mentee, is in two sessions at once."""
    sessions_of = defaultdict(list)
    for session in _sessions(scenario, proposal):
        sessions_of[session.mentor].append((session, session.mentee))
        sessions_of[session.mentee].append((session, session.mentor))
    lines = []
    for person, entries in sessions_of.items():
        entries.sort(key=lambda entry: entry[0].start)
        for index, (first, first_other) in enumerate(entries):
            for second, second_other in entries[index + 1:]:
                if second.start >= first.end:
                    break
                lines.append(f"rule 4: {person} is in two sessions at once: {first.when} ({first_other}) "
                             f"and {second.when} ({second_other})")
    return lines


# --- rule 5: weekly hours and flexible sessions ------------------------------------------

def check_weekly_load(scenario, proposal):
    """A mentor's weekly hours and flexible sessions stay within budget, and the flexible
    flag of every session inside both calendars tells the truth (rule 3 reports the others)."""
    mentors, mentees = _by_id(scenario["mentors"]), _by_id(scenario["mentees"])
    weeks = defaultdict(list)
    lines = []
    for session in _sessions(scenario, proposal):
        if session.mentor not in mentors or session.mentee not in mentees:
            continue
        mentor, mentee = mentors[session.mentor], mentees[session.mentee]
        flexible = is_flexible(mentor, mentee, session)
        if flexible != session.flagged_flexible and _inside_both(mentor, mentee, session, _all_windows):
            truth = "flexible" if flexible else "not flexible"
            lines.append(f"rule 5: session {_name(session.pair)} at {session.when} is {truth} "
                         f"but flagged flexible={session.flagged_flexible}")
        weeks[(session.mentor, _week_of(session))].append((session, flexible))
    for (mentor_id, monday), entries in sorted(weeks.items()):
        mentor = mentors[mentor_id]
        who = ", ".join(session.mentee for session, _ in entries)
        minutes = sum(session.minutes for session, _ in entries)
        if minutes > mentor["hours_per_week"] * 60:
            lines.append(f"rule 5: {mentor_id} has {minutes / 60:g} session hours in the week of {monday} ({who}), "
                         f"hours_per_week {mentor['hours_per_week']}")
        cap = mentor.get("max_flexible_per_week")
        flexible_count = sum(flexible for _, flexible in entries)
        if cap is not None and flexible_count > cap:
            lines.append(f"rule 5: {mentor_id} has {flexible_count} flexible sessions in the week of {monday} "
                         f"({who}), max_flexible_per_week {cap}")
    return lines


# --- rule 6: spacing ----------------------------------------------------------------------

def check_spacing(scenario, proposal):
    """Two sessions of one pair start at least the mentee's min_days_apart days apart."""
    mentees = _by_id(scenario["mentees"])
    sessions_of = defaultdict(list)
    for session in _sessions(scenario, proposal):
        sessions_of[session.pair].append(session)
    lines = []
    for pair, sessions in sessions_of.items():
        if pair[1] not in mentees:
            continue
        apart = mentees[pair[1]]["sessions"].get("min_days_apart", 0)
        sessions.sort(key=lambda session: session.start)
        for first, second in zip(sessions, sessions[1:]):
            days = (second.local_start.date() - first.local_start.date()).days
            if days < apart:
                lines.append(f"rule 6: {_name(pair)} sessions at {first.when} and {second.when} are "
                             f"{days} day(s) apart, min_days_apart {apart}")
    return lines


# --- rule 7: kept matches keep their sessions ---------------------------------------------

def _booked_problems(placed, current):
    """Booked sessions of a kept current match missing from the placed (pair, local start) set."""
    pair = _pair(current)
    return [f"rule 7: booked session {_name(pair)} at {booked} is missing from the proposal"
            for booked in current.get("sessions", [])
            if (pair, datetime.fromisoformat(booked)) not in placed]


def check_kept_matches(scenario, proposal):
    """Current matches stay with status kept and their booked sessions unless they broke
    down; broken ones are dropped; status new is only for pairs that are not current."""
    broken = broken_pairs(scenario)
    current = {_pair(match): match for match in scenario.get("matches", [])}
    proposed = {_pair(match): match for match in proposal.get("matches", [])}
    placed = {(session.pair, session.local_start.replace(tzinfo=None)) for session in _sessions(scenario, proposal)}
    lines = []
    for pair, match in current.items():
        if pair in broken:
            if pair in proposed:
                lines.append(f"rule 7: {_name(pair)} broke down but is still in the proposal")
        elif pair not in proposed:
            lines.append(f"rule 7: current match {_name(pair)} is missing from the proposal")
        else:
            lines.extend(_booked_problems(placed, match))
    for pair, match in proposed.items():
        if pair in current and pair in broken:
            continue
        expected = "kept" if pair in current else "new"
        if match.get("status") != expected:
            lines.append(f"rule 7: {_name(pair)} has status {match.get('status')!r}, expected {expected!r}")
    return lines


RULES = (check_report, check_pairs, check_capacity, check_calendar,
         check_double_booking, check_weekly_load, check_spacing, check_kept_matches)


# --- not a hard rule: sessions reported as unplaced ---------------------------------------

def _required_sessions(scenario, mentee):
    sessions = mentee["sessions"]
    if "count" in sessions:
        return sessions["count"]
    return sessions["per_week"] * scenario["programme"]["weeks"]


def session_shortfalls(scenario: dict, proposal: dict) -> list[str]:
    """For every proposed match, required minus placed sessions equals its reported `missing`."""
    mentees = _by_id(scenario["mentees"])
    placed = Counter(_pair(session) for session in proposal.get("sessions", []))
    missing = Counter()
    for entry in proposal.get("unplaced", []):
        missing[_pair(entry)] += entry.get("missing", 0)
    lines = []
    for match in proposal.get("matches", []):
        pair = _pair(match)
        if pair[1] not in mentees:
            continue
        required = _required_sessions(scenario, mentees[pair[1]])
        if required - placed[pair] != missing[pair]:
            lines.append(f"shortfall: {_name(pair)} needs {required} sessions, has {placed[pair]}, "
                         f"reports {missing[pair]} missing (expected {required - placed[pair]})")
    return lines
