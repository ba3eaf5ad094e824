"""One person's sessions from a proposal as an RFC 5545 calendar (iCalendar bytes).

Events carry ids only, never names: who meets a mentor is health data.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

PRODID = "-//matcher//mentor sessions//EN"
ROLES = ("mentor", "mentee")
FLEXIBLE = "Flexible"
FLEXIBLE_NOTE = "In flexible time: a window given only if needed."
FIRST_YEAR, LAST_YEAR = 1900, 2199  # sessions outside are refused: the time zone's rules span the years between


class ProposalError(ValueError):
    """A proposal that cannot give the calendar asked for; the message is one line."""


class Entry(NamedTuple):
    """One session of the proposal contract, with aware times."""

    mentor: str
    mentee: str
    start: datetime
    end: datetime
    flexible: bool


def _entry(index: int, data) -> Entry:
    """The session `data` (sessions[index] of a proposal) checked and parsed."""
    try:
        entry = Entry(data["mentor"], data["mentee"], datetime.fromisoformat(data["start"]),
                      datetime.fromisoformat(data["end"]), bool(data.get("flexible")))
    except (KeyError, TypeError, ValueError) as error:
        raise ProposalError(f"sessions[{index}]: not a session ({error})") from None
    if not (isinstance(entry.mentor, str) and isinstance(entry.mentee, str)):
        raise ProposalError(f"sessions[{index}]: mentor and mentee must be ids")
    if entry.start.tzinfo is None or entry.end.tzinfo is None:
        raise ProposalError(f"sessions[{index}]: start and end need a UTC offset")
    try:
        years = {moment.astimezone(UTC).year for moment in (entry.start, entry.end)}
    except OverflowError:
        years = {0}
    if not all(FIRST_YEAR <= year <= LAST_YEAR for year in years):
        raise ProposalError(f"sessions[{index}]: start and end must lie in the years {FIRST_YEAR}-{LAST_YEAR}")
    return entry


def _records(proposal: dict, key: str) -> list:
    """The proposal's list under `key` (none when absent)."""
    records = proposal.get(key, [])
    if not isinstance(records, list):
        raise ProposalError(f"{key}: must be a list")
    return records


def _known(proposal: dict, entries: list[Entry], role: str) -> set[str]:
    """Everyone the proposal names in `role`: in a session, a match, an unplaced or
    (mentees) an unmatched record."""
    others = [*_records(proposal, "matches"), *_records(proposal, "unplaced"),
              *(_records(proposal, "unmatched") if role == "mentee" else ())]
    return {getattr(e, role) for e in entries} | {r.get(role) for r in others
                                                  if isinstance(r, dict) and isinstance(r.get(role), str)}


def _zone_component(timezone: str, days: list[date]) -> Timezone:
    """The VTIMEZONE of `timezone`, with its rules for every year the sessions touch."""
    if not days:
        return Timezone.from_tzid(timezone)
    return Timezone.from_tzid(timezone, first_date=date(min(days).year, 1, 1),
                              last_date=date(max(days).year + 1, 1, 1))


def _event(entry: Entry, zone: ZoneInfo, stamp: datetime) -> Event:
    """One session in local time; the UID stays the same for the same pair and start instant."""
    event = Event()
    instant = entry.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    event.add("uid", f"{entry.mentor}.{entry.mentee}.{instant}@matcher")
    event.add("dtstamp", stamp)
    event.add("dtstart", entry.start.astimezone(zone))
    event.add("dtend", entry.end.astimezone(zone))
    event.add("summary", f"Mentor session: {entry.mentor} – {entry.mentee}")
    if entry.flexible:
        event.add("categories", [FLEXIBLE])
        event.add("description", FLEXIBLE_NOTE)
    return event


def person_calendar(proposal: dict, person: str, role: str, timezone: str) -> bytes:
    """The sessions where `person` is the `role` ("mentor" or "mentee"), by start, as
    iCalendar bytes with local times in `timezone` and its VTIMEZONE.
    Raises ProposalError for a malformed proposal or a person it does not name."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    if not isinstance(proposal, dict) or not isinstance(proposal.get("sessions"), list):
        raise ProposalError("not a proposal: no list of sessions")
    entries = [_entry(i, data) for i, data in enumerate(proposal["sessions"])]
    if person not in _known(proposal, entries, role):
        raise ProposalError(f"{person} is not a {role} in this proposal")
    zone = ZoneInfo(timezone)
    mine = sorted((e for e in entries if getattr(e, role) == person), key=lambda e: e.start)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Mentor sessions: {person}")
    calendar.add_component(_zone_component(timezone, [e.start.astimezone(zone).date() for e in mine]))
    stamp = datetime.now(UTC).replace(microsecond=0)
    for entry in mine:
        calendar.add_component(_event(entry, zone, stamp))
    return calendar.to_ical()
