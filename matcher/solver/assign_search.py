"""Local search on an assignment: insert waiting mentees, making room by moving others.

Moves, each keeping every mentor within capacity and budget:
- insert: a waiting mentee takes the best mentor with room;
- eject: a mentor without room for a waiting mentee passes one of its mentees to another
  mentor with room, then takes the waiting one (one more match);
- replace: a waiting mentee takes the place of a matched one worth less there, who then
  waits (and is tried again in the next round);
- relocate: a matched mentee moves to a mentor with room where it is worth more;
- chain, double and make room (assign_gaining): several mentees move so that a waiting one
  is matched;
- swap: two matched mentees trade mentors where both fit and the goal rises; every pair
  is looked at together and the best swaps go first, one per mentor each round;
- exchange: matched mentees each take the place of the next at its mentor, the last
  taking the first one's place (a cycle) or moving to a mentor with room (a path), where
  the goal rises (assign_exchange).
Every move looks at all pairs at once: the moves of a round that share no mentee or mentor
are applied together, the best first. Moves that match one more mentee are repeated while
any does, and required mentees still waiting are then placed by making room; then come
swaps, replacements, relocations and exchanges. Candidate lists are the allowed pairs, best
value first; a dense index finds the pair of any (mentee, mentor). A kick (mentees moved at
random) and a return to a given assignment serve the iterated local search (assign_kicks).
"""
from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from matcher.solver.assign_exchange import EPSILON, ExchangeMoves
from matcher.solver.assign_gaining import GainingMoves
from matcher.solver.assign_matrix import first_of_runs, pair_load


class LocalSearch(GainingMoves, ExchangeMoves):
    """Mutable assignment state over CSR candidate lists (mentee -> mentors, best first)."""

    def __init__(self, weight: np.ndarray, allowed: np.ndarray, load: np.ndarray,
                 capacity: np.ndarray, budget: np.ndarray, mentor_of: np.ndarray,
                 required: np.ndarray | None = None):
        n, m = allowed.shape
        self.required = np.zeros(n, bool) if required is None else required
        rows, cols = np.nonzero(allowed)
        gain = weight[rows, cols]
        order = np.lexsort((-gain, rows))
        self.cols, self.gain = cols[order], gain[order]
        self.pair_load = pair_load(load, rows[order], self.cols)
        self.start = np.searchsorted(rows[order], np.arange(n + 1))
        self.rows = rows[order]
        self.pair_index = np.full((n, m), -1, np.int32 if len(order) < 2 ** 31 else np.int64)
        self.pair_index[self.rows, self.cols] = np.arange(len(order))
        self.capacity_left = capacity.astype(float).copy()
        self.budget_left = budget.astype(float).copy()
        self.mentor_of = np.full(n, -1)
        self.members: list[set[int]] = [set() for _ in range(m)]
        self.on_count: Callable[[int], None] | None = None  # told the count after each round that matched more
        self.most = n  # a bound on how many can be matched: at it, no move that matches more is looked for
        for i in np.flatnonzero(mentor_of >= 0):
            self.place(int(i), int(mentor_of[i]))

    def _slice(self, i: int) -> slice:
        return slice(self.start[i], self.start[i + 1])

    def value_of(self, i: int, j: int) -> tuple[float, float]:
        """(weight, load) of pair (i, j), which must be allowed."""
        k = int(self.pair_index[i, j])
        if k < 0:
            raise KeyError(f"pair ({i}, {j}) is not allowed")
        return float(self.gain[k]), float(self.pair_load[k])

    def place(self, i: int, j: int) -> None:
        _, load = self.value_of(i, j)
        self.mentor_of[i] = j
        self.members[j].add(i)
        self.capacity_left[j] -= 1
        self.budget_left[j] -= load

    def remove(self, i: int) -> None:
        j = int(self.mentor_of[i])
        _, load = self.value_of(i, j)
        self.mentor_of[i] = -1
        self.members[j].discard(i)
        self.capacity_left[j] += 1
        self.budget_left[j] += load

    def assign(self, mentor_of: np.ndarray) -> None:
        """Bring the state to the assignment `mentor_of` (its pairs allowed and within limits)."""
        changed = np.flatnonzero(self.mentor_of != mentor_of).tolist()
        for i in changed:
            if self.mentor_of[i] >= 0:
                self.remove(i)
        for i in changed:
            if mentor_of[i] >= 0:
                self.place(i, int(mentor_of[i]))

    def kick(self, rng: np.random.Generator, count: int) -> None:
        """Move `count` matched mentees, drawn at random, each to another of its mentors with
        room drawn at random (where it has one), whatever the goal."""
        matched = np.flatnonzero(self.mentor_of >= 0)
        for i in rng.choice(matched, min(count, len(matched)), replace=False).tolist():
            hit = self.with_room(i, exclude=int(self.mentor_of[i]))
            if len(hit):
                self.remove(i)
                self.place(i, int(self.cols[rng.choice(hit)]))

    def with_room(self, i: int, exclude: int = -1) -> np.ndarray:
        """Indices of i's pairs, best first, whose mentor (other than `exclude`) has room for i."""
        part = self._slice(i)
        mentors = self.cols[part]
        fits = ((self.capacity_left[mentors] >= 1)
                & (self.budget_left[mentors] >= self.pair_load[part] - EPSILON)
                & (mentors != exclude))
        return part.start + np.flatnonzero(fits)

    def best_with_room(self, i: int, exclude: int = -1) -> tuple[int, float]:
        """The best mentor of i with room for i (other than `exclude`): (mentor, weight)."""
        hit = self.with_room(i, exclude)
        if not len(hit):
            return -1, 0.0
        return int(self.cols[hit[0]]), float(self.gain[hit[0]])

    def insert(self, u: int) -> bool:
        """Move `insert`: give u its best mentor with room."""
        j, _ = self.best_with_room(u)
        if j < 0:
            return False
        self.place(u, j)
        return True

    def best_elsewhere(self) -> np.ndarray:
        """(n,) the best pair of each mentee with a mentor that has room for it, other
        than its own (-1 where there is none)."""
        mentors = self.cols
        fits = ((self.capacity_left[mentors] >= 1) & (self.budget_left[mentors] >= self.pair_load - EPSILON)
                & (mentors != self.mentor_of[self.rows]))
        hit = np.flatnonzero(fits)
        first = hit[first_of_runs(self.rows[hit])]
        best = np.full(len(self.mentor_of), -1)
        best[self.rows[first]] = first
        return best

    def inserts(self, waiting: np.ndarray) -> int:
        """Move `insert` for every waiting mentee at once: each takes its best mentor with
        room, the best pairs first, one per mentor. Returns how many did."""
        best = self.best_elsewhere()[waiting]
        mentees, pairs = waiting[best >= 0], best[best >= 0]
        order = np.argsort(-self.gain[pairs], kind="stable")
        return self.apply_disjoint(([], [(u, j)]) for u, j in zip(mentees[order].tolist(),
                                                                   self.cols[pairs[order]].tolist()))

    def _entries(self, waiting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each pair (u, j) of a waiting mentee u, once per mentee w that j holds:
        (the pair, w's pair with j), where u fits j's hours once w leaves."""
        waits = np.zeros(len(self.mentor_of), bool)
        waits[waiting] = True
        entry, held = self.with_members(np.flatnonzero(waits[self.rows]))
        fits = self.budget_left[self.cols[entry]] + self.pair_load[held] >= self.pair_load[entry] - EPSILON
        return entry[fits], held[fits]

    def ejects(self, waiting: np.ndarray) -> int:
        """Move `eject` for every waiting mentee u at once: u takes the place of a mentee w
        at j, who moves to its best other mentor with room (one more match); each u's best
        such move, the best first, unless it shares a mentor with one made before. Returns
        how many were made."""
        entry, held = self._entries(waiting)
        onward = self.best_elsewhere()[self.rows[held]]
        keep = onward >= 0
        entry, held, onward = entry[keep], held[keep], onward[keep]
        chosen = _best_of_each(self.rows[entry], self.gain[entry] + self.gain[onward] - self.gain[held])
        rows, cols = self.rows, self.cols
        return self.apply_disjoint(([w], [(w, k), (u, j)]) for u, j, w, k in zip(
            rows[entry[chosen]].tolist(), cols[entry[chosen]].tolist(), rows[held[chosen]].tolist(),
            cols[onward[chosen]].tolist()))

    def replaces(self, waiting: np.ndarray) -> int:
        """Move `replace` for every waiting mentee u at once: u takes the place of the mentee
        it beats most (never a required one), who then waits; the largest gains first, each
        mentor in one at most. Returns how many were made."""
        entry, held = self._entries(waiting)
        gain = self.gain[entry] - self.gain[held]
        keep = ~self.required[self.rows[held]] & (gain > EPSILON)
        entry, held, gain = entry[keep], held[keep], gain[keep]
        chosen = _best_of_each(self.rows[entry], gain)
        return self.apply_disjoint(([w], [(u, j)]) for u, j, w in zip(
            self.rows[entry[chosen]].tolist(), self.cols[entry[chosen]].tolist(), self.rows[held[chosen]].tolist()))

    def relocations(self) -> int:
        """Move `relocate` for every matched mentee at once: it moves to its best other
        mentor with room where it is worth more; the largest gains first, each mentor in one
        at most. Returns how many moved."""
        matched = np.flatnonzero(self.mentor_of >= 0)
        best, here = self.best_elsewhere()[matched], self.entry(matched, self.mentor_of[matched])
        keep = (best >= 0) & (here >= 0)
        matched, best, here = matched[keep], best[keep], here[keep]
        gain = self.gain[best] - self.gain[here]
        keep = gain > EPSILON
        matched, best, gain = matched[keep], best[keep], gain[keep]
        chosen = _best_of_each(matched, gain)
        return self.apply_disjoint(([i], [(i, k)]) for i, k in zip(matched[chosen].tolist(),
                                                                    self.cols[best[chosen]].tolist()))

    def apply_disjoint(self, moves) -> int:
        """Apply `moves` in their order, each (the mentees that leave their mentors, the
        (mentee, mentor) placements), except those touching a mentee or a mentor of a move
        applied before. Returns how many were applied."""
        mentees, mentors, applied = set(), set(), 0
        for leaving, placements in moves:
            touched = set(leaving) | {i for i, _ in placements}
            targets = {int(self.mentor_of[i]) for i in leaving} | {j for _, j in placements}
            if touched & mentees or targets & mentors:
                continue
            for i in leaving:
                self.remove(i)
            for i, j in placements:
                self.place(i, j)
            mentees |= touched
            mentors |= targets
            applied += 1
        return applied

    def with_members(self, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each of `pairs` (indices) once per mentee its mentor holds: (the pair, the held
        mentee's pair with that mentor)."""
        mentors = self.cols
        held = np.flatnonzero(self.mentor_of[self.rows] == mentors)
        held = held[np.argsort(mentors[held], kind="stable")]
        first = np.searchsorted(mentors[held], np.arange(len(self.members) + 1))
        sizes = np.diff(first)[mentors[pairs]]
        repeated = np.repeat(pairs, sizes)
        offset = np.arange(len(repeated)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return repeated, held[first[mentors[repeated]] + offset]

    def held(self) -> tuple[np.ndarray, np.ndarray]:
        """(mask of the pairs the mentees hold now, (n,) what each mentee's own pair is
        worth, infinite for a waiting one)."""
        here = self.mentor_of[self.rows] == self.cols
        current = np.full(len(self.mentor_of), np.inf)
        current[self.rows[here]] = self.gain[here]
        return here, current

    def entry(self, mentees: np.ndarray, mentors: np.ndarray) -> np.ndarray:
        """Index of the pair of each (mentee, mentor), -1 where there is none."""
        return self.pair_index[mentees, mentors]

    def swaps(self) -> int:
        """Move `swap`: two matched mentees trade mentors where both fit and the goal rises;
        the best swaps that share no mentor are applied. Returns how many were. A swap that
        raises the goal raises it for one of the two at least, so only the pairs worth more
        to their mentee than its own are looked at, with the mentees of their mentors."""
        mentors, loads = self.cols, self.pair_load
        here, current = self.held()
        usable = np.flatnonzero(~here & (self.gain > current[self.rows]))
        there, other = self.with_members(usable)  # mentee i's pair with mentor B, and B's mentee k's
        home = self.mentor_of[self.rows[there]]  # i's mentor A
        mine = self.entry(self.rows[there], home)  # i's pair with A
        back = self.entry(self.rows[other], home)  # k's pair with A
        ok = (mine >= 0) & (back >= 0)
        there, other, mine, back, home = there[ok], other[ok], mine[ok], back[ok], home[ok]
        gain = self.gain[there] + self.gain[back] - self.gain[mine] - self.gain[other]
        fits = ((self.budget_left[home] + loads[mine] - loads[back] >= -EPSILON)
                & (self.budget_left[mentors[there]] + loads[other] - loads[there] >= -EPSILON) & (gain > EPSILON))
        best = np.flatnonzero(fits)[np.argsort(-gain[fits], kind="stable")]
        swapped = zip(self.rows[there[best]].tolist(), self.rows[other[best]].tolist(), home[best].tolist(),
                      mentors[there[best]].tolist())
        return self.apply_disjoint(([i, k], [(i, b), (k, a)]) for i, k, a, b in swapped)

    def waiting_order(self, mentees: np.ndarray) -> list[int]:
        """Waiting mentees to try, the one with the best pair last (tried first)."""
        has = self.start[mentees + 1] > self.start[mentees]
        mentees = mentees[has]
        return list(mentees[np.argsort(self.gain[self.start[mentees]], kind="stable")])

    def run(self, deadline: float, waiting: np.ndarray, settled: Callable[[np.ndarray], None] | None = None,
            settle_by: float = np.inf) -> np.ndarray:
        """Apply moves until none helps or the deadline passes; returns mentor_of. Moves
        that match one more mentee go first, as long as any does and fewer than `most` are
        matched; then required mentees still waiting are placed by making room (make_room),
        and the moves that match more go again; when they first stop with none to place, or
        at `settle_by` if that comes first, `settled` (if given) is called with the
        assignment reached."""
        gaining = (self.chains, self.doubles, self.inserts, self.ejects)
        improving = (self.swaps, lambda: self.replaces(waiting[self.mentor_of[waiting] < 0]), self.relocations,
                     lambda: self.exchanges(deadline))

        def report() -> None:
            nonlocal settled
            if settled is not None:
                settled(self.mentor_of.copy())
                settled = None

        improved = True
        while improved and time.perf_counter() < deadline:
            improved = False
            while (time.perf_counter() < deadline and np.count_nonzero(self.mentor_of >= 0) < self.most
                   and len(left := waiting[self.mentor_of[waiting] < 0]) and any(move(left) for move in gaining)):
                improved = True
                if self.on_count is not None:
                    self.on_count(int(np.count_nonzero(self.mentor_of >= 0)))
                if time.perf_counter() >= settle_by:
                    report()
            if self.make_room(waiting[self.required[waiting] & (self.mentor_of[waiting] < 0)]):
                improved = True
                continue  # match again those let wait
            report()
            for move in improving:
                if time.perf_counter() < deadline:
                    improved |= move() > 0
        return self.mentor_of.copy()


def _best_of_each(mentees: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Positions of each mentee's largest gain, the largest first."""
    order = np.lexsort((-gain, mentees))
    first = order[first_of_runs(mentees[order])]
    return first[np.argsort(-gain[first], kind="stable")]
