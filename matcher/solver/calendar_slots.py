"""Where a pair can meet: weekly slots in both calendars, and their concrete local instants.

Times are wall-clock minutes from local midnight in the programme's time zone. A concrete
session is also held as absolute minutes (UTC), so that overlaps and lengths stay exact on
the days the clocks change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from matcher.model import Mentee, Mentor, Programme, Window

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Slot:
    """A weekly start of a pair: weekday (0 = Monday), minutes from local midnight, and
    whether it lies inside a non-flexible window of both people."""

    day: int
    start: int
    firm: bool


@dataclass(frozen=True)
class Pair:
    """One matched pair as the calendar sees it."""

    mentor: Mentor
    mentee: Mentee
    slots: tuple[Slot, ...]          # every weekly slot inside both calendars
    booked: tuple[datetime, ...]     # naive local starts of a kept match
    required: int
    kept: bool = False               # a current match that goes on

    @property
    def key(self) -> tuple[str, str]:
        return self.mentor.id, self.mentee.id

    @property
    def minutes(self) -> int:
        return self.mentee.sessions.minutes

    @property
    def per_week(self) -> int | None:
        return self.mentee.sessions.per_week

    @property
    def apart(self) -> int:
        return self.mentee.sessions.min_days_apart

    def away(self, day: date) -> str | None:
        """Who of the two is away on the day, and when, as text; None when both are there."""
        for person in (self.mentor, self.mentee):
            for gap in person.unavailable:
                if gap.covers(day):
                    return f"{person.id} is away {gap.first}..{gap.last}"
        return None


def covering(windows: tuple[Window, ...], day: int, start: int, end: int) -> tuple[bool, bool]:
    """Whether [start, end) on the weekday lies wholly inside one of the windows, and
    whether it lies inside a non-flexible one."""
    inside = firm = False
    for window in windows:
        if window.day == day and window.start <= start and end <= window.end:
            inside = True
            firm = firm or not window.flexible
    return inside, firm


def fit(mentor: Mentor, mentee: Mentee, day: int, start: int, end: int) -> bool | None:
    """None unless the time lies inside a window of both people; else whether it is firm."""
    inside_mentor, firm_mentor = covering(mentor.availability, day, start, end)
    inside_mentee, firm_mentee = covering(mentee.availability, day, start, end)
    if not (inside_mentor and inside_mentee):
        return None
    return firm_mentor and firm_mentee


def weekly_slots(mentor: Mentor, mentee: Mentee, slot_minutes: int) -> tuple[Slot, ...]:
    """Every aligned weekly start at which a whole session fits a window of both people."""
    minutes = mentee.sessions.minutes
    starts = set()
    for own in mentor.availability:
        for other in mentee.availability:
            if own.day != other.day:
                continue
            first = -(-max(own.start, other.start) // slot_minutes) * slot_minutes
            starts.update((own.day, start) for start in
                          range(first, min(own.end, other.end) - minutes + 1, slot_minutes))
    return tuple(Slot(day, start, fit(mentor, mentee, day, start, start + minutes))
                 for day, start in sorted(starts))


class Horizon:
    """The programme's weeks and the local clock of its time zone."""

    def __init__(self, programme: Programme):
        self.zone = ZoneInfo(programme.timezone)
        self.programme = programme
        self.weeks = programme.weeks
        self._instants: dict[tuple[date, int], int | None] = {}
        self._regular: dict[date, bool] = {}
        self._dates: dict[tuple[int, int], date] = {}

    def date_of(self, week: int, weekday: int) -> date:
        key = (week, weekday)
        if key not in self._dates:
            self._dates[key] = self.programme.date_of(week, weekday)
        return self._dates[key]

    def week_of(self, day: date) -> int:
        return self.programme.week_of(day)

    def local(self, day: date, minute: int) -> datetime:
        """The aware local datetime of a date and wall-clock minute (the earlier one if repeated)."""
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)

    def aware(self, instant: int) -> datetime:
        """The aware local datetime of absolute minutes."""
        return (EPOCH + timedelta(minutes=instant)).astimezone(self.zone)

    def instant(self, day: date, minute: int) -> int | None:
        """Absolute minutes of a local time; None when the clocks skip it that day."""
        key = (day, minute)
        if key not in self._instants:
            moment = self.local(day, minute)
            utc = moment.astimezone(timezone.utc)
            exists = utc.astimezone(self.zone).replace(tzinfo=None) == moment.replace(tzinfo=None)
            self._instants[key] = int((utc - EPOCH).total_seconds()) // 60 if exists else None
        return self._instants[key]

    def regular(self, day: date) -> bool:
        """True unless the clocks change during the day."""
        if day not in self._regular:
            after = day + timedelta(days=1)
            self._regular[day] = self.local(day, 0).utcoffset() == self.local(after, 0).utcoffset()
        return self._regular[day]

    def wall_minute(self, day: date, instant: int) -> int:
        """Wall-clock minutes of an instant, counted from the local midnight of `day`."""
        local = self.aware(instant)
        return (local.date() - day).days * DAY_MINUTES + local.hour * 60 + local.minute
