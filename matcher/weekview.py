"""Each mentor's week at a glance: the weekly rhythm of every pair and the sessions off it.

A pair's rhythm is its most common local (weekday, start time), and for pairs meeting more
than once a week the next most common ones, up to one per session a week, that are held at
least half as often. Off the rhythm are sessions moved within their week, sessions
made up for a lost week, and rhythm sessions missing altogether.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from matcher.model import DAY_NAMES, Mentee, Mentor, Programme, Scenario
from matcher.proposal import Proposal, Session

EXCEPTIONS_SHOWN = 3
RECURRING_SHARE = 0.5   # a further rhythm slot is held at least this share as often as the first

Slot = tuple[int, int]   # (weekday 0-6, local minute of the day)


@dataclass(frozen=True)
class Beat:
    """One recurring session of a pair: its slot, end time and whether it is flexible."""

    slot: Slot
    end: int
    flexible: bool
    mentee: str

    def __str__(self) -> str:
        flexible = " (flexible)" if self.flexible else ""
        return f"{_day(self.slot[0])} {_clock(self.slot[1])}-{_clock(self.end)} {self.mentee}{flexible}"


def _minute(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _slot(session: Session) -> Slot:
    return session.start.weekday(), _minute(session.start)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _day(weekday: int) -> str:
    return DAY_NAMES[weekday].capitalize()


def _at(slot: Slot) -> str:
    return f"{_day(slot[0])} {_clock(slot[1])}"


def _rhythm(sessions: list[Session], per_week: int) -> list[Beat]:
    """Up to `per_week` most common slots of a pair's sessions (earliest first on a tie),
    each held at least RECURRING_SHARE as often as the most common one."""
    counts = Counter(_slot(s) for s in sessions)
    ranked = sorted(counts, key=lambda slot: (-counts[slot], slot))
    slots = [slot for slot in ranked[:per_week] if counts[slot] >= RECURRING_SHARE * counts[ranked[0]]]
    first = {slot: next(s for s in sessions if _slot(s) == slot) for slot in slots}
    return [Beat(slot, _minute(s.end), s.flexible, s.mentee) for slot, s in first.items()]


class _Pair:
    """What the week view needs to know of one pair: its sessions, rhythm and who is away."""

    def __init__(self, mentor: Mentor, mentee: Mentee, sessions: list[Session]):
        self.mentee = mentee.id
        self.people = (mentor, mentee)
        self.per_week = mentee.sessions.per_week
        self.sessions = sessions
        self.rhythm = _rhythm(sessions, self.per_week or 1)

    def away(self, day: date) -> str:
        """' (m-01 away)' when either person is unavailable on `day`, else ''."""
        names = [p.id for p in self.people if any(r.covers(day) for r in p.unavailable)]
        return f" ({' and '.join(names)} away)" if names else ""

    def exceptions(self, programme: Programme) -> list[tuple[date, str]]:
        """(date, text) of every session off the rhythm and every rhythm session missing,
        week by week of the programme's horizon."""
        weeks = programme.weeks
        by_week: dict[int, list[Session]] = defaultdict(list)
        for session in self.sessions:
            by_week[programme.week_of(session.start.date())].append(session)
        rhythm = [beat.slot for beat in self.rhythm]
        verb = "made up at" if self.per_week else "at"
        found = []
        for week in sorted(set(range(weeks)) | set(by_week)):
            expected = rhythm if self.per_week and 0 <= week < weeks else []
            held = [_slot(s) for s in by_week[week]]
            missing = [slot for slot in expected if slot not in held]
            off = [s for s in by_week[week] if _slot(s) not in rhythm]
            dates = [programme.date_of(week, slot[0]) for slot in missing]
            for day, session in zip(dates, off):
                found.append((day, f"{self.mentee} {day} moved to {_at(_slot(session))}"))
            for day in dates[len(off):]:
                found.append((day, f"{self.mentee} missing {day}{self.away(day)}"))
            for session in off[len(dates):]:
                day = session.start.date()
                found.append((day, f"{self.mentee} {day} {verb} {_at(_slot(session))}"))
        return found


def week_plan(scenario: Scenario, proposal: Proposal) -> list[str]:
    """Per mentor with sessions: one line of the weekly rhythm in weekday order, and a line
    with the first exceptions to it."""
    programme = scenario.programme
    by_pair: dict[tuple[str, str], list[Session]] = defaultdict(list)
    for session in sorted(proposal.sessions, key=lambda s: s.start):
        by_pair[session.mentor, session.mentee].append(session)
    mentors = {m.id: m for m in scenario.mentors}
    mentees = {m.id: m for m in scenario.mentees}
    by_mentor: dict[str, list[_Pair]] = defaultdict(list)
    for (mentor, mentee), sessions in by_pair.items():
        by_mentor[mentor].append(_Pair(mentors[mentor], mentees[mentee], sessions))
    width = max(map(len, by_mentor), default=0)
    lines = []
    for mentor, pairs in sorted(by_mentor.items()):
        beats = sorted((beat for pair in pairs for beat in pair.rhythm), key=lambda b: (b.slot, b.mentee))
        lines.append(f"{mentor.ljust(width)}  " + " · ".join(map(str, beats)))
        exceptions = sorted(e for pair in pairs for e in pair.exceptions(programme))
        if exceptions:
            shown = "; ".join(text for _, text in exceptions[:EXCEPTIONS_SHOWN])
            more = f" and {len(exceptions) - EXCEPTIONS_SHOWN} more" if len(exceptions) > EXCEPTIONS_SHOWN else ""
            lines.append(" " * (width + 2) + f"exceptions: {shown}{more}")
    return lines
