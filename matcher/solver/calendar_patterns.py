"""A weekly pattern per pair: the weekday(s) and time(s) a pair meets every week.

Each mentor's pairs with a `per_week` plan get conflict-free patterns in a typical week:
a greedy takes current matches first, then the most constrained pairs, each its best slots
by the soft order below; where it leaves a pair short, CP-SAT looks for a combination that
fills more, a current match's slots first: a new pair never takes a current match's time.
"""
from __future__ import annotations

from datetime import date

from ortools.sat.python import cp_model

from matcher.model import Mentor
from matcher.solver.calendar_slots import Pair, Slot

SEARCH_NODES = 500          # bound on the search for one pair's combination of slots
SLOT_VALUE = 1000           # a filled pattern slot outweighs every preference below (a kept match's
# slot outweighs every new pair's slots together)
FLEXIBLE_COST = 100
RANK_COST_CAP = 50


def firm_first(pair: Pair, slot: Slot) -> int:
    """Soft: a flexible slot only where no firm one will do."""
    return 0 if slot.firm else 1


def booked_rhythm(pair: Pair, slot: Slot) -> int:
    """Soft: a kept match goes on at the weekday and time of its booked sessions."""
    return 0 if any(b.weekday() == slot.day and b.hour * 60 + b.minute == slot.start
                    for b in pair.booked) else 1


def early(pair: Pair, slot: Slot) -> tuple[int, int]:
    """Soft: earlier in the week first, so the first session comes early (the 10-day rule)."""
    return slot.day, slot.start


def preferred(pair: Pair) -> list[Slot]:
    """The pair's weekly slots, best first."""
    return sorted(pair.slots, key=lambda s: (firm_first(pair, s), booked_rhythm(pair, s), early(pair, s)))


def spaced_weekly(pair: Pair, a: Slot, b: Slot) -> bool:
    """Hard: two weekly slots of a pair keep min_days_apart, within a week and into the next."""
    gap = (b.day - a.day) % 7
    return min(gap, 7 - gap) >= pair.apart


class TypicalWeek:
    """A mentor's patterns so far: wall-clock intervals taken, minutes and flexible slots used."""

    def __init__(self, mentor: Mentor):
        self.budget = mentor.hours_per_week * 60
        self.flexible_cap = mentor.max_flexible_per_week
        self.taken: list[tuple[int, int, int]] = []
        self.minutes = 0
        self.flexible = 0

    def allows(self, pair: Pair, slots: list[Slot]) -> bool:
        """Hard: the slots overlap nothing taken or each other and keep the week's hours and
        flexible cap."""
        flexible = self.flexible + sum(not s.firm for s in slots)
        if self.minutes + pair.minutes * len(slots) > self.budget or \
                (self.flexible_cap is not None and flexible > self.flexible_cap):
            return False
        new = [(s.day, s.start, s.start + pair.minutes) for s in slots]
        return not any(day == other_day and start < other_end and other_start < end
                       for index, (day, start, end) in enumerate(new)
                       for other_day, other_start, other_end in self.taken + new[:index])

    def take(self, pair: Pair, slots: list[Slot]) -> None:
        for slot in slots:
            self.hold(slot.day, slot.start, slot.start + pair.minutes, slot.firm)

    def hold(self, day: int, start: int, end: int, firm: bool) -> None:
        """Take the time from `start` to `end` on the weekday."""
        self.taken.append((day, start, end))
        self.minutes += end - start
        self.flexible += not firm


def best_combination(pair: Pair, week: TypicalWeek, size: int) -> list[Slot]:
    """The first combination of up to `size` slots, in preference order, that the week
    allows; the largest one found when no full one exists within the search bound."""
    options = [s for s in preferred(pair) if week.allows(pair, [s])]
    best: list[Slot] = []
    nodes = 0

    def extend(chosen: list[Slot], begin: int) -> bool:
        nonlocal best, nodes
        if len(chosen) > len(best):
            best = list(chosen)
        if len(best) == size:
            return True
        for index in range(begin, len(options)):
            nodes += 1
            if nodes > SEARCH_NODES:
                return False
            slot = options[index]
            if all(spaced_weekly(pair, slot, other) for other in chosen) and week.allows(pair, chosen + [slot]):
                if extend(chosen + [slot], index + 1):
                    return True
        return False

    extend([], 0)
    return best


def constrained_first(pair: Pair) -> tuple:
    """Kept matches first, then pairs with the fewest slots, more sessions first."""
    waiting = pair.mentee.waiting_since
    return not pair.kept, len(pair.slots), -(pair.per_week or 0), waiting is None, waiting or date.max, pair.mentee.id


def greedy_patterns(pairs: list[Pair]) -> dict[tuple, list[Slot]]:
    """Patterns one pair at a time, most constrained first."""
    week = TypicalWeek(pairs[0].mentor)
    patterns = {}
    for pair in sorted(pairs, key=constrained_first):
        patterns[pair.key] = best_combination(pair, week, pair.per_week)
        week.take(pair, patterns[pair.key])
    return patterns


class PlainModel(cp_model.CpModel):
    """A CP-SAT model without the camelCase aliases OR-Tools adds to each new model (about
    1 ms a model, most of a small one's time); this module calls the snake_case names."""

    def _add_pre_pep8_methods(self) -> None:
        pass


def exact_patterns(pairs: list[Pair], hint: dict[tuple, list[Slot]], seconds: float) -> dict | None:
    """CP-SAT over the whole typical week of one mentor: most pattern slots of kept matches,
    then most pattern slots, firm before flexible, preferred before others. None when it
    finds nothing."""
    model = PlainModel()
    chosen = {}
    value = []
    kept_value = SLOT_VALUE * (1 + sum(pair.per_week for pair in pairs if not pair.kept))
    for pair in pairs:
        for rank, slot in enumerate(preferred(pair)):
            var = chosen[pair.key, slot] = model.new_bool_var("")
            model.add_hint(var, slot in hint[pair.key])
            worth = kept_value if pair.kept else SLOT_VALUE
            value.append(var * (worth - FLEXIBLE_COST * (not slot.firm) - min(rank, RANK_COST_CAP)))
        _pair_constraints(model, pair, chosen)
    _mentor_constraints(model, pairs, chosen)
    model.maximize(sum(value))
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = seconds   # the same answer on a busy machine
    solver.parameters.max_time_in_seconds = 2 * seconds
    solver.parameters.num_workers = 1
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {pair.key: [s for s in preferred(pair) if solver.value(chosen[pair.key, s])] for pair in pairs}


def _pair_constraints(model, pair: Pair, chosen: dict) -> None:
    """Hard: at most per_week slots, spaced min_days_apart in the week and into the next."""
    on_day = {day: [chosen[pair.key, s] for s in pair.slots if s.day == day] for day in range(7)}
    model.add(sum(chosen[pair.key, s] for s in pair.slots) <= pair.per_week)
    for a in range(7):
        for b in range(a, 7):
            if on_day[a] and on_day[b] and min((b - a) % 7, (a - b) % 7) < pair.apart:
                model.add(sum(on_day[a]) + (sum(on_day[b]) if b != a else 0) <= 1)


def _mentor_constraints(model, pairs: list[Pair], chosen: dict) -> None:
    """Hard: no two slots of the mentor overlap; weekly hours and flexible cap hold."""
    points = {(s.day, s.start) for pair in pairs for s in pair.slots}
    for day, point in points:
        covering = [chosen[pair.key, s] for pair in pairs for s in pair.slots
                    if s.day == day and s.start <= point < s.start + pair.minutes]
        if len(covering) > 1:
            model.add(sum(covering) <= 1)
    mentor = pairs[0].mentor
    model.add(sum(chosen[pair.key, s] * pair.minutes for pair in pairs for s in pair.slots)
              <= int(mentor.hours_per_week * 60))
    if mentor.max_flexible_per_week is not None:
        model.add(sum(chosen[pair.key, s] for pair in pairs for s in pair.slots if not s.firm)
                  <= mentor.max_flexible_per_week)


def weekly_patterns(pairs: list[Pair], seconds: float, given: dict[tuple, list[Slot]] | None = None
                    ) -> tuple[dict[tuple, list[Slot]], bool]:
    """The patterns of one mentor's per_week pairs, and whether CP-SAT improved on the
    greedy; `given` (patterns found before, kept by the same rules) replaces the greedy's
    where it fills as many slots or more (filled), so that a mentor planned again keeps its
    pairs' times."""
    patterns = greedy_patterns(pairs)
    if given and filled(pairs, given) >= filled(pairs, patterns):
        patterns = given
    short = sum(p.per_week - len(patterns[p.key]) for p in pairs if p.slots)
    if short == 0 or len(pairs) < 2 or seconds <= 0:
        return patterns, False
    exact = exact_patterns(pairs, patterns, seconds)
    if exact is None or filled(pairs, exact) <= filled(pairs, patterns):
        return patterns, False
    return exact, True


def filled(pairs: list[Pair], patterns: dict[tuple, list[Slot]]) -> tuple[int, int]:
    """Soft: the better of two patterns fills more slots of kept matches, then more slots."""
    return (sum(len(patterns.get(pair.key, ())) for pair in pairs if pair.kept),
            sum(len(patterns.get(pair.key, ())) for pair in pairs))
