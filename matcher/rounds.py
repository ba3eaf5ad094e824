"""The rounds in which the assignment and the calendars are solved in turn, and the pairs
whose calendars hold: where the assignment is solved by MILPs, a mentor whose calendar does
not hold its new pairs gives the next round a conflict (calendar_conflicts); where it is not,
the pairs that do not hold are left out of the next round's assignment (which may then be
small enough for the MILPs). The round whose calendars hold the most is kept, and a pair
that does not hold is left out, a current match that moved going back home. Pure: no I/O."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matcher.calendar_book import CalendarBook, not_held
from matcher.calendar_conflicts import CalendarConflicts
from matcher.model import Scenario
from matcher.solver.assignment import AssignmentProblem, AssignmentResult, solve_assignment, solved_by_milps

CALENDAR_ROUNDS = 16           # the assignment and the calendars solved in turn at most this often
MIN_ROUND_SECONDS = 0.25       # and a later round only with this long left before the rounds' end
LATER_CALENDAR_SECONDS = 1.0   # the CP-SAT refinement of a later round's calendars (greedy alone, their
# failures were failures of the greedy: the bundled job scenario matched 20 with conflicts, 22 with this)
FIRST_ROUND_SHARE = 0.5        # of the time limit at most: the first assignment
FIRST_ROUND_FLOOR = 0.2        # and at least, and at least
FIRST_ROUND_SECONDS = 2.0      # seconds; in between,
FIRST_ROUND_PER_MENTEE = 0.001  # seconds per waiting mentee (see first_round_seconds)
ROUNDS_SHARE = 0.8             # of the time limit from the start: the later rounds begin only before it,
# each solve given half of the time left until it (most prove their optimum sooner), and failing mentors'
# candidates are screened for conflicts until it; the rest fills at the end


def first_round_rule() -> str:
    """How the first round's time is set, in words for the benchmarks' texts."""
    return (f"{FIRST_ROUND_PER_MENTEE * 1000:g} ms per waiting mentee, at least {FIRST_ROUND_SECONDS:g} s and "
            f"{FIRST_ROUND_FLOOR:g} of the time limit, at most {FIRST_ROUND_SHARE:g} of it")


def first_round_seconds(waiting: int, time_limit: float) -> float:
    """The first assignment's time: FIRST_ROUND_PER_MENTEE per waiting mentee, at least
    FIRST_ROUND_SECONDS and FIRST_ROUND_FLOOR of the time limit, at most FIRST_ROUND_SHARE of
    it; the rounds over the mentors' free time and the calendar trials at the end get the rest. Generated youth scenarios at 10 s:
    2,000 x 500 (1,610 waiting) matched more with 2 s than with 5 s (seeds 1-3: 1,118, 1,037
    and 1,087 against 1,062, 993 and 1,075), 10,000 x 2,000 (8,219 waiting) far fewer with 2 s
    (3,817 against 4,323). The seconds keep the first round of a time limit up to 4 s as it
    was: small scenarios need their exact MILPs' time there."""
    least = max(FIRST_ROUND_FLOOR * time_limit, FIRST_ROUND_SECONDS, waiting * FIRST_ROUND_PER_MENTEE)
    return min(FIRST_ROUND_SHARE * time_limit, least)


class Rounds:
    """The assignment and the calendars solved in turn, for up to CALENDAR_ROUNDS rounds
    begun before ROUNDS_SHARE of the time limit: where the assignment is solved by MILPs
    (assignment.solved_by_milps), a mentor whose calendar does not hold its new pairs gives
    the next round a conflict (calendar_conflicts); where it is not, its failing pairs are
    `left_out` of the next rounds' assignments, not of the proposal (generated scenarios of
    200 x 60 at 10 s, seeds 1-2 of each programme: 950 matched against 941 with one round,
    none fewer; youth 112 and 120 against 108 and 119). The round whose calendars hold the
    most is kept, its failing pairs `rejected`. `first` is the first round's result (its bounds hold for every
    proposal), `spent` the seconds of assignment work, `failed` why the pairs that became
    conflicts or were left out failed."""

    def __init__(self, scenario: Scenario, book: CalendarBook, kept: dict[str, str], pool: np.ndarray,
                 home: np.ndarray, problem_of: Callable[[dict[tuple[int, int], str], tuple], AssignmentProblem]):
        self.scenario, self.book, self.kept, self.pool, self.home = scenario, book, kept, pool, home
        self.problem_of = problem_of  # the assignment without the given pairs (left out or rejected), with the conflicts
        self.conflicts = CalendarConflicts(scenario, book, kept, pool, home)
        self.rejected: dict[tuple[int, int], str] = {}
        self.left_out: dict[tuple[int, int], str] = {}
        self.failed: dict[tuple[int, int], str] = {}
        self.first: AssignmentResult | None = None
        self.spent, self.count = 0.0, 0

    def run(self, time_limit: float, began: float, progress) -> tuple[AssignmentProblem, np.ndarray]:
        """The last round's problem and the kept round's assignment, the book planned for it."""
        scenario, pool, book = self.scenario, self.pool, self.book
        rounds_end = began + ROUNDS_SHARE * time_limit
        row_of = {int(i): row for row, i in enumerate(pool)}
        best = None
        while True:
            seconds = (first_round_seconds(len(pool), time_limit) if self.first is None
                       else 0.5 * max(rounds_end - time.perf_counter(), 0.0))
            started = time.perf_counter()
            problem = self.problem_of(self.left_out, tuple(self.conflicts.found))
            result = solve_assignment(problem, time_limit=seconds, progress=progress)
            assigned, self.first, self.count = result.mentor_of, self.first or result, self.count + 1
            self.spent += time.perf_counter() - started
            pairs = match_pairs(scenario, self.kept, pool, assigned, self.home)
            book.update(pair_ids(scenario, pairs), time_limit if self.count == 1 else LATER_CALENDAR_SECONDS)
            failing = not_held(scenario, book, pairs)
            best = _better_round(best, problem, assigned, [row_of[i] for i, _ in failing], pairs, failing)
            again = self.count < CALENDAR_ROUNDS and rounds_end - time.perf_counter() >= MIN_ROUND_SECONDS
            if failing and again:
                self.failed.update(failing)
                if solved_by_milps(problem):
                    started = time.perf_counter()
                    self.conflicts.add(assigned, {j for _, j in failing}, problem.value, problem.allowed, rounds_end)
                    self.spent += time.perf_counter() - started
                else:
                    self.left_out.update(failing)
            if failing and progress:
                progress(f"{len(failing)} new pair(s) cannot hold their sessions; "
                         + ("assigning again" if again else "trying mentors whose calendars hold them"))
            if not (failing and again):
                break
        if best.assigned is not assigned:  # a later round held fewer pairs: back to the best
            assigned[:] = best.assigned
            book.update(pair_ids(scenario, best.pairs), LATER_CALENDAR_SECONDS)
        self.rejected.update(best.failing)
        if self.left_out:  # what follows may try the pairs left out again
            problem = self.problem_of(self.rejected, tuple(self.conflicts.found))
        return problem, assigned


@dataclass(frozen=True)
class _Round:
    """A round's assignment, its pairs and those of them its calendars did not hold, with
    what it matches and is worth once they are left out."""

    held: tuple[int, float]
    assigned: np.ndarray
    pairs: list[tuple[int, int, str]]
    failing: dict[tuple[int, int], str]


def _better_round(best: _Round | None, problem: AssignmentProblem, assigned: np.ndarray, failing_rows: list[int],
                  pairs: list[tuple[int, int, str]], failing: dict[tuple[int, int], str]) -> _Round:
    """`best`, or this round when the pairs its calendars hold match more, or as many worth
    more: a round short of time can answer worse than the one before it."""
    held = assigned.copy()
    held[failing_rows] = -1
    this = _Round((int((held >= 0).sum()), problem.objective(held)), assigned, pairs, failing)
    return this if best is None or this.held > best.held else best


def match_pairs(scenario: Scenario, kept: dict[str, str], pool: np.ndarray, assigned: np.ndarray,
           home: np.ndarray) -> list[tuple[int, int, str]]:
    """(mentee row, mentor column, status) of every match: kept ones, then the assigned (a
    mentee that may move is kept where it stays with its current mentor, `home`)."""
    index = {m.id: i for i, m in enumerate(scenario.mentees)}
    mentor_index = {m.id: j for j, m in enumerate(scenario.mentors)}
    pairs = [(index[mentee], mentor_index[mentor], "kept") for mentee, mentor in kept.items()]
    for row, i in enumerate(pool):
        if assigned[row] >= 0:
            pairs.append((int(i), int(assigned[row]), "kept" if assigned[row] == home[row] else "new"))
    return pairs


def held_only(scenario: Scenario, book: CalendarBook, kept: dict[str, str], pool: np.ndarray, assigned: np.ndarray,
              home: np.ndarray, problem: AssignmentProblem,
              rejected: dict[tuple[int, int], str]) -> list[tuple[int, int, str]]:
    """The pairs (see match_pairs) once every rejected pair is unassigned (a current match that
    moved goes back home, sent_home) and the calendars are planned without them, again
    until every new pair holds HELD_SHARE of its sessions (a calendar planned again may
    lose another pair's sessions); the mentors keep their times where they can
    (CalendarBook.update). Updates `assigned`, `book` and `rejected`."""
    while True:
        failed = [row for row, i in enumerate(pool) if (int(i), int(assigned[row])) in rejected]
        assigned[failed] = -1
        sent_home(problem, assigned, home, failed)
        pairs = match_pairs(scenario, kept, pool, assigned, home)
        book.update(pair_ids(scenario, pairs), 0.0, book.typical_weeks)
        failing = not_held(scenario, book, pairs)
        if not failing:
            return pairs
        rejected.update(failing)


def sent_home(problem: AssignmentProblem, assigned: np.ndarray, home: np.ndarray, rows: list[int]) -> None:
    """The current matches among `rows` (`home` >= 0) go back to their current mentors: a
    current match stays whatever a move's calendar holds. Where a mentor then lacks room,
    the mentees that came to it leave, the least valuable first, and wait (one that moved
    there from its own current mentor goes back home in turn). Updates `assigned`."""
    going = [row for row in rows if home[row] >= 0]
    while going:
        row = going.pop()
        j = home[row]
        assigned[row] = j
        capacity, budget = problem.room_left(assigned)
        guests = sorted(np.flatnonzero((assigned == j) & (home != j)).tolist(),
                        key=lambda r: (home[r] >= 0, problem.value[r, j]))
        for guest in guests:
            if capacity[j] >= 0 and budget[j] >= -1e-9:
                break
            assigned[guest] = -1
            capacity[j] += 1
            budget[j] += problem.load[guest]
            if home[guest] >= 0:
                going.append(guest)


def pair_ids(scenario: Scenario, pairs: list[tuple[int, int, str]]) -> list[tuple[str, str]]:
    return [(scenario.mentors[j].id, scenario.mentees[i].id) for i, j, _ in pairs]
