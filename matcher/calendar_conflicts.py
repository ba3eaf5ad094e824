"""Sets of new mentees a mentor's calendar cannot hold together.

Where the assignment is solved exactly, a mentor whose calendar does not hold its new pairs
gives a conflict rather than ruled-out pairs: a smallest set of its new mentees that its
calendar cannot hold together (each left out in turn, least valuable first, while the rest
still fail), which the next assignment may not give that mentor whole, so that it chooses
who goes elsewhere. The first time a mentor fails, each of its best candidates alone and
each two of them are tried too, so that most of its conflicts are found in that one round
rather than one a round (the bundled youth scenario, solved until no pair failed: 9 rounds
against 37). In propose at 10 s, against ruling out the failing pairs: youth 38 matched at
47.27 against 36 at 42.82, job 22 against 20, recovery 13 against 11.
"""

import time
from collections import defaultdict
from itertools import combinations

import numpy as np

from matcher.calendar_book import CalendarBook
from matcher.model import Scenario

SCREENED_CANDIDATES = 40  # a failing mentor's candidates tried alone and two by two: its best this many


class CalendarConflicts:
    """The conflicts found over one proposal's rounds, as (mentor column, rows of the pool)."""

    def __init__(self, scenario: Scenario, book: CalendarBook, kept: dict[str, str], pool: np.ndarray,
                 home: np.ndarray):
        self.book, self.home = book, home
        self.mentee_ids = [scenario.mentees[i].id for i in pool]
        self.mentor_ids = [m.id for m in scenario.mentors]
        self.kept: dict[str, tuple[str, ...]] = defaultdict(tuple)
        for mentee, mentor in kept.items():
            self.kept[mentor] += (mentee,)
        self.found: list[tuple[int, tuple[int, ...]]] = []
        self.met = 0  # of them, those of an assignment's mentors (the rest: screened)
        self.screened: set[int] = set()

    def add(self, assigned: np.ndarray, mentors: set[int], value: np.ndarray, allowed: np.ndarray,
            deadline: float) -> None:
        """Add a conflict of each of `mentors` (whose calendars failed) among its new mentees
        in `assigned` (a mentor per row of the pool), and, where a mentor fails for the first
        time and there is time before `deadline`, those among its best candidates (`allowed`
        column), best by `value`."""
        for j in sorted(mentors):
            kept = self._kept(assigned, j)
            new = np.flatnonzero((assigned == j) & (self.home != j)).tolist()
            new.sort(key=lambda row: value[row, j])
            # planned alone it may hold where the whole book did not: then the set itself
            self.found.append((j, self._smallest(j, new, kept) if not self._holds(j, new, kept) else tuple(sorted(new))))
            self.met += 1
            if j not in self.screened and time.perf_counter() < deadline:
                self.screened.add(j)
                candidates = np.flatnonzero(allowed[:, j] & (self.home != j))
                best = candidates[np.argsort(-value[candidates, j], kind="stable")][:SCREENED_CANDIDATES].tolist()
                self._screen(j, best, kept, deadline)

    def _kept(self, assigned: np.ndarray, j: int) -> tuple[str, ...]:
        """The mentees mentor `j` keeps: its kept matches', and those staying with it in a rematch."""
        staying = np.flatnonzero((assigned == j) & (self.home == j))
        return self.kept[self.mentor_ids[j]] + tuple(self.mentee_ids[row] for row in staying)

    def _holds(self, j: int, rows: list[int], kept: tuple[str, ...]) -> bool:
        return self.book.holds(self.mentor_ids[j], tuple(self.mentee_ids[row] for row in rows), kept)

    def _smallest(self, j: int, rows: list[int], kept: tuple[str, ...]) -> tuple[int, ...]:
        """A smallest set of `rows` that mentor `j` cannot hold: each row left out in turn
        while the others still fail."""
        core = list(rows)
        for row in rows:
            rest = [other for other in core if other != row]
            if rest and not self._holds(j, rest, kept):
                core = rest
        return tuple(sorted(core))

    def _screen(self, j: int, rows: list[int], kept: tuple[str, ...], deadline: float) -> None:
        """Conflicts of mentor `j` among `rows`: each alone, then each two of those that hold alone."""
        known = {members for mentor, members in self.found if mentor == j}
        alone = [row for row in rows if (row,) in known or not self._holds(j, [row], kept)]
        self.found += [(j, (row,)) for row in alone if (row,) not in known]
        fitting = [row for row in rows if row not in alone]
        for pair in combinations(sorted(fitting), 2):
            if time.perf_counter() >= deadline:
                return
            if pair not in known and not self._holds(j, list(pair), kept):
                self.found.append((j, pair))
