"""One mentor's calendar, week by week: patterns kept where they can be, moved where they
cannot, lost weeks made up elsewhere, and count-based sessions spread over the horizon.

A make-up may bring a week to per_week + 1 sessions (the weekly average holds, DOMAIN.md),
never more, and only for a week that was lost; a pair never gets more than its total.
"""
from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from matcher.solver.calendar_patterns import constrained_first, early, firm_first, weekly_patterns
from matcher.solver.calendar_rules import Blocker, Diary, booked, concrete
from matcher.solver.calendar_slots import Horizon, Pair, Slot


def near_pattern(pattern: list[Slot], slot: Slot) -> tuple[int, int]:
    """Soft: a session that cannot keep its pattern moves as little as possible: the same
    weekday at the nearest time first."""
    same_day = [abs(p.start - slot.start) for p in pattern if p.day == slot.day]
    return (0, min(same_day)) if same_day else (1, 0)


def same_as_before(before: Slot | None, slot: Slot) -> int:
    """Soft: a count-based session comes at the weekday and time of the pair's previous one."""
    return 0 if before is not None and (before.day, before.start) == (slot.day, slot.start) else 1


def spread(first: int, weeks: int, count: int) -> list[int]:
    """Soft: count-based sessions spread evenly from `first` to the end, the first one early."""
    first = min(first, weeks - 1)
    return [first + index * (weeks - first) // count for index in range(count)]


def nearest_weeks(week: int, weeks: int) -> list[int]:
    """Soft: a lost week is made up as close to it as possible, the week after first."""
    return sorted((w for w in range(weeks) if w != week), key=lambda w: (abs(w - week), w < week))


class PatternSlot(NamedTuple):
    """A slot of a pair's weekly pattern: weekday, minutes from midnight, firm or flexible, whose."""

    day: int
    start: int
    end: int
    firm: bool
    mentee: str


def pattern_slots(pair: Pair, slots: list[Slot]) -> tuple[PatternSlot, ...]:
    """The pair's weekly `slots` as pattern slots of its mentor's typical week."""
    return tuple(PatternSlot(slot.day, slot.start, slot.start + pair.minutes, slot.firm, pair.mentee.id)
                 for slot in slots)


class MentorCalendar:
    """Places the sessions of one mentor's pairs; `losses` says, per pair, which weeks or
    sessions could not be placed and why."""

    def __init__(self, horizon: Horizon, pairs: list[Pair], seconds: float, found: tuple[PatternSlot, ...] = ()):
        """`found`: pattern slots found before for these pairs (typical_week()), taken where
        they fill as many slots as the greedy or more (weekly_patterns)."""
        self.horizon = horizon
        self.pairs = sorted(pairs, key=constrained_first)
        self.diary = Diary(horizon)
        self.losses: dict[tuple, list[tuple[int, Blocker]]] = defaultdict(list)
        self.weekly = [pair for pair in self.pairs if pair.per_week]
        held = {(slot.day, slot.start, slot.mentee) for slot in found}
        given = {pair.key: [slot for slot in pair.slots if (slot.day, slot.start, pair.mentee.id) in held]
                 for pair in self.weekly} if held else None
        self.patterns, self.exact = weekly_patterns(self.weekly, seconds, given) if self.weekly else ({}, False)

    def short_of_pattern(self, mentee_id: str) -> bool:
        """Whether the mentee's weekly pair got fewer slots in the typical week than it meets a week."""
        return any(pair.mentee.id == mentee_id and len(self.patterns[pair.key]) < pair.per_week
                   for pair in self.weekly)

    def typical_week(self) -> tuple[PatternSlot, ...]:
        """The pattern slots of the mentor's pairs."""
        return tuple(slot for pair in self.weekly for slot in pattern_slots(pair, self.patterns[pair.key]))

    def plan(self) -> MentorCalendar:
        """Place booked, pattern, moved, count-based and made-up sessions, in that order."""
        for pair in self.pairs:
            for start in pair.booked:
                self.diary.add(pair, booked(self.horizon, pair, start), "booked")
        for week in range(self.horizon.weeks):
            for pair in self.weekly:
                self._follow_pattern(pair, week)
            for pair in self.weekly:
                self._fill_week(pair, week)
        for pair in self.pairs:
            if not pair.per_week:
                self._place_counted(pair)
        for pair in self.weekly:
            self._make_up(pair)
        return self

    def candidates(self, pair: Pair, week: int, order) -> list:
        """The pair's slots as concrete sessions in a horizon week, sorted by `order`."""
        return [concrete(self.horizon, pair, slot, self.horizon.date_of(week, slot.day))
                for slot in sorted(pair.slots, key=order)]

    def _follow_pattern(self, pair: Pair, week: int) -> None:
        """Place the pattern's sessions of the week, as far as the week's quota is open."""
        for slot in self.patterns[pair.key]:
            if self.diary.count(pair, week) >= pair.per_week:
                return
            self.diary.place(pair, [concrete(self.horizon, pair, slot, self.horizon.date_of(week, slot.day))],
                             "pattern")

    def _fill_week(self, pair: Pair, week: int) -> None:
        """Move the sessions the pattern could not hold to the best other time of the week."""
        pattern = self.patterns[pair.key]

        def order(slot: Slot):
            return firm_first(pair, slot), self._spares_next_week(pair, week, slot), \
                near_pattern(pattern, slot), early(pair, slot)

        options = None
        while self.diary.count(pair, week) < pair.per_week:
            options = options or self.candidates(pair, week, order)
            result = self.diary.place(pair, options, "moved")
            if isinstance(result, Blocker):
                self.losses[pair.key] += [(week, result)] * (pair.per_week - self.diary.count(pair, week))
                return

    def _spares_next_week(self, pair: Pair, week: int, slot: Slot) -> int:
        """Soft: a moved session keeps clear of the next week's pattern sessions."""
        day = self.horizon.date_of(week, slot.day)
        return int(any((self.horizon.date_of(week + 1, p.day) - day).days < pair.apart
                       for p in self.patterns[pair.key]))

    def _place_counted(self, pair: Pair) -> None:
        """Place a count-based pair's remaining sessions at evenly spread target weeks, or the
        nearest later (else earlier) week with room."""
        weeks = self.horizon.weeks
        done = self.diary.days[pair.key]
        missing = pair.required - len(done)
        if missing <= 0:
            return
        first = max((self.horizon.week_of(day) + 1 for day in done), default=0)
        for target in spread(first, weeks, missing):
            before = self._last_slot(pair)

            def order(slot: Slot):
                return firm_first(pair, slot), same_as_before(before, slot), early(pair, slot)

            first_blocker = None
            for week in [target, *range(target + 1, weeks), *range(target - 1, first - 1, -1)]:
                result = self.diary.place(pair, self.candidates(pair, week, order), "count")
                if not isinstance(result, Blocker):
                    break
                first_blocker = first_blocker or result
            else:
                self.losses[pair.key].append((target, first_blocker))

    def _last_slot(self, pair: Pair) -> Slot | None:
        """The weekly slot of the pair's latest session so far."""
        latest = max((p.when for p in self.diary.placements if p.pair.key == pair.key),
                     key=lambda when: when.begin, default=None)
        return None if latest is None else Slot(latest.day.weekday(), latest.start, latest.firm)

    def _make_up(self, pair: Pair) -> None:
        """Make up each lost week in the nearest full week with room for one more session."""
        pattern = self.patterns[pair.key]

        def order(slot: Slot):
            return firm_first(pair, slot), near_pattern(pattern, slot), early(pair, slot)

        lost = self.losses[pair.key]
        short_weeks = {week for week, _ in lost}
        for loss in list(lost):
            for week in nearest_weeks(loss[0], self.horizon.weeks):
                if week in short_weeks or self.diary.count(pair, week) != pair.per_week:
                    continue
                if not isinstance(self.diary.place(pair, self.candidates(pair, week, order), "makeup"), Blocker):
                    lost.remove(loss)
                    break
