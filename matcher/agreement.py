"""Assignment and calendar agree: a new pair whose sessions cannot be held is not proposed.

The pipeline assigns, plans the calendars and forbids the new pairs that hold less than
HELD_SHARE of their sessions; where the assignment was solved exactly it assigns again. The
calendar decomposes by mentor, so a CalendarBook (calendar_book) re-plans only the mentors
whose pairs changed. Then, in rounds, the waiting mentees are assigned again over the pairs
whose sessions fit the free time of the mentor's typical week; each new weekly pair then
takes a whole pattern in that week, a mentor's new pairs most constrained first, without
planning its weeks (calendar_free.PatternBook). After the rounds, the mentors with new pairs
are planned once, from those patterns. Then, in rounds of moves, a waiting mentee takes the
time a new mentee held with a mentor, who moves to another mentor's free time. At the end,
waiting mentees are tried, best first, on mentors with room, each trial re-planning that
one mentor.

Larger assignments are not re-solved: on generated youth scenarios (10 s), rounds of local
search on the assignment kept proposing pairs the calendars rejected (about 300 a round at
2,000 x 500, after 421 in the first), each round forbidding them for good, while the trials
at the end, which ask the calendar first, matched more in less time (2,000 x 500, seeds
1-3: 1,069, 991 and 1,058 mentees against 1,032, 927 and 1,014, in 12-13 s against 16-17 s;
10,000 x 2,000: 4,325 against 3,890, in 26 s against 43 s; 500 x 120: 263 against 242).
The rounds over the free time matched more than the trials alone (2,000 x 500, seeds 1-3:
1,188, 1,098 and 1,174 against 1,146, 1,036 and 1,127; 10,000 x 2,000: 4,815 against 4,270),
and more at 10,000 x 2,000 once a round begun tries all its pairs (seeds 1-3: 5,104, 4,322 and
5,759 against 4,508-4,916, 4,137 and 5,556, the last round ending 0-1.6 s past the deadline).
The moves matched more from the same state after the rounds, the trials at the end run
after both (2,000 x 500, seeds 1-3: 1,197, 1,106 and 1,191 against 1,188, 1,098 and 1,174;
recovery and job 1,000 x 250: 505 and 742 against 490 and 738), in 0.2-0.7 s.

The typical week tells which pairs the calendar will hold: of the 2,654 new pairs the first
calendars could not hold at 10,000 x 2,000 (seed 3), 2,647 had no whole pattern in it, and
every pair with one held. Rounds over patterns, where a mentor may take several new mentees,
replaced rounds of one trial per mentor (each a plan of 12 weeks). Counting only the new
pairs that hold their share (the trials had let a pair lose sessions while another gained
as many, and 15-27 proposed pairs held less at 2,000 x 500), generated scenarios at 10 s:
2,000 x 500, seeds 1-3, 1,195, 1,100 and 1,190 against 1,179, 1,079 and 1,176; 10,000 x
2,000, 5,343, 4,691 and 5,933 against 5,236, 4,430 and 5,322; recovery and job 1,000 x 250,
507 and 742 against 503 and 737; 500 x 120, 271 against 265.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from matcher.calendar_book import CalendarBook, no_weekly_time, not_held, without_rejected
from matcher.model import Scenario
from matcher.solver.assignment import AssignmentProblem, solve_assignment
from matcher.solver.calendar_free import FreeTime, PatternBook

FILL_TRIES = 20          # mentors with room tried per waiting mentee at the end (with 3, 2,000 x 500 at
# 10 s, seeds 1-3, the first round given 0.2 of it: 1,087, 1,020 and 1,071 matched against 1,116, 1,027 and 1,082)
FILL_BATCH = 64          # waiting mentees whose trials at the end are run together (2,000 x 500, seed 1:
# the trials at the end in 2.4 s against 4.2 s one at a time, with the same outcome)
FREE_TIME_ROUNDS = 8     # rounds of assignment over the mentors' free time, at most
MOVE_ROUNDS = 8          # rounds of moves that make room for waiting mentees, at most
ROUND_SHARE = 0.1        # share of the time left that one round's assignment may use


def free_time_rounds(book: CalendarBook, scenario: Scenario, problem: AssignmentProblem, assigned: np.ndarray,
                     pool: np.ndarray, rejected: dict[tuple[int, int], str], deadline: float,
                     progress: Callable[[str], None] | None = None) -> None:
    """Rounds in which the waiting mentees are assigned again over the pairs whose sessions
    fit the free time of the mentor's typical week (calendar_free), each new pair then taking
    a whole weekly pattern there, a mentor's new pairs most constrained first (PatternBook);
    a pair that gets none is rejected. They end when a round adds no match, after
    FREE_TIME_ROUNDS, or at `deadline`. Then the mentors with new pairs are planned, and a
    new pair holding less than HELD_SHARE of its sessions is rejected (updates `assigned`,
    `book` and `rejected` in place). `progress` gets a line a round."""
    free = FreeTime(scenario.mentors, scenario.programme.slot_minutes)
    patterns = PatternBook(book.known.mentors, book.typical_weeks)
    added: list[int] = []
    for round_ in range(FREE_TIME_ROUNDS):
        allowed = without_rejected(problem.allowed, pool, rejected) & problem.room_for(assigned, slice(None))
        allowed[assigned >= 0] = False
        rows = np.flatnonzero(allowed.any(axis=1))
        if not len(rows) or time.perf_counter() >= deadline:
            break
        allowed = allowed[rows] & free.fits([scenario.mentees[i] for i in pool[rows]], patterns.typical_weeks)
        if not allowed.any():
            break
        capacity, budget = problem.room_left(assigned)
        round_problem = AssignmentProblem(value=problem.value[rows], allowed=allowed, load=problem.load[rows],
                                          capacity=np.maximum(capacity, 0), budget=np.maximum(budget, 0.0))
        found = solve_assignment(round_problem, ROUND_SHARE * (deadline - time.perf_counter())).mentor_of
        chosen = np.flatnonzero(found >= 0)
        held = patterns.add([book.known.pair(scenario.mentors[found[k]].id, scenario.mentees[pool[rows[k]]].id)
                             for k in chosen])
        for k, whole in zip(chosen, held):
            if whole:
                assigned[rows[k]] = found[k]
                added.append(int(rows[k]))
            else:
                rejected[(int(pool[rows[k]]), int(found[k]))] = no_weekly_time(scenario.mentors[found[k]].id)
        if progress:
            progress(f"free-time round {round_ + 1}: {sum(held)} of {len(chosen)} new pair(s) "
                     "have a whole weekly pattern")
        if not any(held):
            break
    _planned(book, scenario, assigned, pool, rejected, added, patterns, progress)


def _planned(book: CalendarBook, scenario: Scenario, assigned: np.ndarray, pool: np.ndarray,
             rejected: dict[tuple[int, int], str], added: list[int], patterns: PatternBook,
             progress: Callable[[str], None] | None = None) -> None:
    """Plan the calendars with the pairs of the `added` rows of `pool`, from the patterns
    they took. A pair holding less than HELD_SHARE of its sessions is rejected; where the
    mentor's other pairs lost sessions, its calendar is put back as it was and its added
    pairs are tried again one at a time, each kept when it costs the others nothing
    (CalendarBook.try_each). Unkept rows wait again. `progress` gets a line at the end."""
    if not added:
        return
    planned = [(mentor, mentee) for mentor, mentees in book.pairs.items() for mentee in mentees]
    pair_of = {row: (int(pool[row]), int(assigned[row])) for row in added}
    ids = {row: (scenario.mentors[j].id, scenario.mentees[i].id) for row, (i, j) in pair_of.items()}
    before, saved = book.missing(), book.saved({mentor for mentor, _ in ids.values()})
    book.update(planned + list(ids.values()), 0.0, patterns.typical_weeks)
    new = {(mentee, mentor) for mentor, mentee in ids.values()}
    costly = {key[1] for key, gap in book.missing().items()
              if key not in new and gap.missing > (before[key].missing if key in before else 0)}
    failing = not_held(scenario, book, [(i, j, "new") for i, j in pair_of.values()])
    rejected.update(failing)
    book.restore(saved, costly)
    again = {row: j for row, (i, j) in pair_of.items() if ids[row][0] in costly and (i, j) not in failing}
    assigned[[row for row in added if row in again or pair_of[row] in failing]] = -1
    retried = len(again)
    book.update(planned + [ids[row] for row in added if assigned[row] >= 0], 0.0, patterns.typical_weeks)
    while again:
        turn: dict[int, int] = {}
        for row, j in again.items():
            turn.setdefault(j, row)
        for (j, row), why in zip(turn.items(), book.try_each([ids[row] for row in turn.values()])):
            del again[row]
            if why is None:
                assigned[row] = j
            else:
                rejected[(int(pool[row]), j)] = why
    if progress:
        progress(f"calendars planned: {int((assigned[added] >= 0).sum())} of the rounds' {len(added)} new pair(s) "
                 f"hold their sessions ({retried} tried again one at a time)")


def move_rounds(book: CalendarBook, scenario: Scenario, problem: AssignmentProblem, assigned: np.ndarray,
                pool: np.ndarray, rejected: dict[tuple[int, int], str], deadline: float, fixed: np.ndarray,
                progress: Callable[[str], None] | None = None) -> None:
    """Rounds in which waiting mentees take the time of a mentee matched in this proposal,
    who moves to another mentor's free time: waiting B may meet mentor X, whose typical week
    would fit B without its new mentee A, and A fits the free time of a mentor Y with room
    (calendar_free). Each mentor is in one move a round at most, the moves worth most first;
    a move is made when both calendars hold their new pairs (X with B instead of A, Y with
    A). The rounds end when a round makes no move, after MOVE_ROUNDS, or at `deadline`
    (updates `assigned`, `book` and `rejected` in place). `fixed`: rows of `pool` that may
    not move. `progress` gets a line a round."""
    free = FreeTime(scenario.mentors, scenario.programme.slot_minutes)
    held_not: set[tuple[int, int]] = set()  # (B, A): X's calendar did not hold B in A's place
    for round_ in range(MOVE_ROUNDS):
        if time.perf_counter() >= deadline:
            return
        moves = [move for move in possible_moves(free, book, scenario, problem, assigned, pool, rejected, fixed)
                 if move[:2] not in held_not]
        moves = disjoint_moves(moves)
        if not moves:
            return
        ids = [(scenario.mentees[pool[b]].id, scenario.mentees[pool[a]].id, scenario.mentors[x].id,
                scenario.mentors[y].id) for b, a, x, y, _ in moves]
        outcomes = book.trials([trial for b, a, x, y in ids for trial in ((x, b, a), (y, a))])
        made = 0
        for k, ((b, a, x, y, _), (b_id, a_id, x_id, y_id)) in enumerate(zip(moves, ids)):
            (why_x, planned_x), (why_y, planned_y) = outcomes[2 * k], outcomes[2 * k + 1]
            if why_x is None and why_y is None:
                book.keep(x_id, b_id, planned_x, leaving=a_id)
                book.keep(y_id, a_id, planned_y)
                assigned[b], assigned[a] = x, y
                made += 1
            if why_x is not None:
                held_not.add((b, a))
            if why_y is not None:
                rejected[(int(pool[a]), y)] = why_y
        if progress:
            progress(f"move round {round_ + 1}: {made} of {len(moves)} waiting mentee(s) matched "
                     "in the time of a new mentee moved to another mentor")
        if not made:
            return


def possible_moves(free: FreeTime, book: CalendarBook, scenario: Scenario, problem: AssignmentProblem,
                   assigned: np.ndarray, pool: np.ndarray, rejected: dict[tuple[int, int], str],
                   fixed: np.ndarray) -> list[tuple[int, int, int, int, float]]:
    """Every (B, A, X, Y, gain) of move_rounds, B and A rows of `pool`, Y the mentor worth
    most to A; gain: what the assignment's value rises by."""
    open_pairs = without_rejected(problem.allowed, pool, rejected)
    movers = np.flatnonzero((assigned >= 0) & ~fixed)
    waiting = np.flatnonzero((assigned < 0) & open_pairs.any(axis=1))
    if not len(movers) or not len(waiting):
        return []
    places = assigned[movers]
    targets = (free.fits([scenario.mentees[i] for i in pool[movers]], book.typical_weeks) & open_pairs[movers]
               & problem.room_for(assigned, movers))
    targets[np.arange(len(movers)), places] = False
    onward = np.where(targets, problem.value[movers], -np.inf).argmax(axis=1)
    keep = targets.any(axis=1)
    movers, places, onward = movers[keep], places[keep], onward[keep]
    if not len(movers):
        return []
    weeks, vacated = {}, []
    for k, (a, x) in enumerate(zip(movers.tolist(), places.tolist())):
        mentor, mentee = scenario.mentors[x], scenario.mentees[pool[a]].id
        vacated.append(replace(mentor, id=str(k)))
        weeks[str(k)] = tuple(slot for slot in book.typical_weeks.get(mentor.id, ()) if slot.mentee != mentee)
    budget = problem.room_left(assigned)[1]
    fits = (FreeTime(tuple(vacated), scenario.programme.slot_minutes).fits(
        [scenario.mentees[i] for i in pool[waiting]], weeks) & open_pairs[np.ix_(waiting, places)]
        & (budget[places] + problem.load[movers] >= problem.load[waiting, None] - 1e-9))
    b, k = np.nonzero(fits)
    gain = (problem.value[waiting[b], places[k]] + problem.value[movers[k], onward[k]]
            - problem.value[movers[k], places[k]])
    return list(zip(waiting[b].tolist(), movers[k].tolist(), places[k].tolist(), onward[k].tolist(), gain.tolist()))


def disjoint_moves(moves: list[tuple[int, int, int, int, float]]) -> list[tuple[int, int, int, int, float]]:
    """The moves worth most first, each skipped when it shares a mentee or a mentor with one
    taken before."""
    mentees, mentors, taken = set(), set(), []
    for move in sorted(moves, key=lambda move: -move[4]):
        b, a, x, y, _ = move
        if not ({b, a} & mentees or {x, y} & mentors):
            mentees |= {b, a}
            mentors |= {x, y}
            taken.append(move)
    return taken


def fill(book: CalendarBook, scenario: Scenario, problem: AssignmentProblem, assigned: np.ndarray,
         pool: np.ndarray, rejected: dict[tuple[int, int], str], deadline: float) -> None:
    """Waiting mentees, most valuable first, each take the first of their best FILL_TRIES
    mentors with room whose calendar holds them (updates `assigned`, `book` and `rejected`
    in place). The trials of FILL_BATCH mentees are run together, against the calendars as
    they are (CalendarBook.trials); a mentor that took a mentee of the batch is tried again
    for the mentees after it, so the outcome is the one of trying every mentee in turn. A
    batch is begun only before `deadline`."""
    open_pairs = without_rejected(problem.allowed, pool, rejected)  # a trial rejects only its own mentee's pair
    best = np.where(problem.allowed, problem.value, -np.inf).max(axis=1, initial=-np.inf)
    waiting = [row for row in np.argsort(-best).tolist() if assigned[row] < 0 and np.isfinite(best[row])]

    def mentors_to_try(row: int) -> list[int]:
        room = open_pairs[row] & problem.room_for(assigned, row)
        return np.flatnonzero(room)[np.argsort(-problem.value[row, room])][:FILL_TRIES].tolist()

    def pair(row: int, j: int) -> tuple[str, str]:
        return scenario.mentors[j].id, scenario.mentees[pool[row]].id

    for start in range(0, len(waiting), FILL_BATCH):
        if time.perf_counter() > deadline:
            return
        batch = waiting[start:start + FILL_BATCH]
        tried = [(row, j) for row in batch for j in mentors_to_try(row)]
        outcomes = dict(zip(tried, book.trials([pair(row, j) for row, j in tried])))
        taken: set[int] = set()
        for row in batch:
            for j in mentors_to_try(row):
                fresh = j not in taken and (row, j) in outcomes
                why, planned = outcomes[(row, j)] if fresh else book.trials([pair(row, j)])[0]
                if why is None:
                    book.keep(*pair(row, j), planned)
                    assigned[row] = j
                    taken.add(j)
                    break
                rejected[(int(pool[row]), j)] = why
