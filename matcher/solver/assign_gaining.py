"""The moves of the local search (assign_search) that match more by moving several mentees:
- chain: a waiting mentee takes the place of a matched one, who takes the place of
  another, and so on, until the last moves to a mentor with room (one more match); the
  shortest chains are found together, by one breadth-first search over the mentees;
- double: a mentor with a free place lets one of its mentees wait and takes two waiting
  ones that fit the hours this frees (one more match);
- make room: a waiting required mentee takes the mentor where letting others wait (never a
  required one) costs least; those let wait are matched again by the other moves.
"""

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order

from matcher.solver.assign_exchange import EPSILON
from matcher.solver.assign_matrix import first_of_runs


class GainingMoves:
    """The chain, double and make-room moves, mixed into LocalSearch: they read the search's
    state (mentor_of, members, the candidate lists and the room left) and change it with
    apply_disjoint, or place and remove."""

    def chains(self, waiting: np.ndarray) -> int:
        """Move `chain`: match waiting mentees by shortest chains of mentees each taking the
        place of the next at its mentor, the last moving to a mentor with room; chains that
        raise the goal are applied, the best first, unless they share a mentor or a mentee
        with one applied before. Returns how many were."""
        n = len(self.mentor_of)
        mentors, loads = self.cols, self.pair_load
        here = self.mentor_of[self.rows] == mentors
        usable = ~here
        room = usable & (self.capacity_left[mentors] >= 1) & (self.budget_left[mentors] >= loads - EPSILON)
        entry, held = self.with_members(np.flatnonzero(usable))
        fits = self.budget_left[mentors[entry]] + loads[held] >= loads[entry] - EPSILON
        source, sink = n, n + 1
        tails = np.concatenate([np.full(len(waiting), source), self.rows[entry[fits]], self.rows[room]])
        heads = np.concatenate([waiting, self.rows[held[fits]], np.full(int(room.sum()), sink)])
        graph = sparse.csr_matrix((np.ones(len(tails), np.int8), (tails, heads)), shape=(n + 2, n + 2))
        reached, before = breadth_first_order(graph, source, return_predecessors=True)
        has_room = np.zeros(n + 2, bool)
        has_room[self.rows[room]] = True
        candidates = []
        for last in reached[has_room[reached]]:
            path = [int(last)]
            while before[path[-1]] != source:
                path.append(int(before[path[-1]]))
            path.reverse()
            moves = [int(self.mentor_of[w]) for w in path[1:]]
            end, gain = self.best_with_room(path[-1], exclude=-1 if len(path) == 1 else moves[-1])
            moves.append(end)
            if end < 0 or len(set(moves)) < len(moves):
                continue
            delta = (gain + sum(self.value_of(w, j)[0] for w, j in zip(path[:-1], moves[:-1]))
                     - sum(self.value_of(w, j)[0] for w, j in zip(path[1:], moves[:-1])))
            if delta > EPSILON:
                candidates.append((delta, path, moves))
        return self.apply_disjoint((path[1:], list(zip(path, moves)))
                                   for _, path, moves in sorted(candidates, key=lambda candidate: -candidate[0]))

    def doubles(self, waiting: np.ndarray) -> int:
        """Move `double`: a mentor with a free place lets one of its mentees wait to take two
        waiting ones that fit its hours together (one more match): for each such mentor, the
        two lightest waiting mentees it may take and the mentee worth least there whose
        hours make room for them. The moves that raise the goal most go first, each waiting
        mentee in one at most. Returns how many were made."""
        mentors, loads = self.cols, self.pair_load
        waits = np.zeros(len(self.mentor_of), bool)
        waits[waiting] = True
        open_to = np.flatnonzero(waits[self.rows] & (self.capacity_left[mentors] >= 1))
        order = open_to[np.lexsort((-self.gain[open_to], loads[open_to], mentors[open_to]))]
        first = np.flatnonzero(first_of_runs(mentors[order]))
        two = first[(first + 1 < len(order))]
        two = two[mentors[order[two + 1]] == mentors[order[two]]]
        lightest, second = order[two], order[two + 1]
        candidates = []
        for a, b in zip(lightest, second):
            j = int(mentors[a])
            need = loads[a] + loads[b] - self.budget_left[j]
            members = [(self.value_of(w, j), w) for w in self.members[j] if not self.required[w]]
            fitting = [(gain_w, w) for (gain_w, load_w), w in members if load_w >= need - EPSILON]
            if not fitting or (need <= EPSILON and self.capacity_left[j] >= 2):  # two inserts do better
                continue
            gain_w, w = min(fitting)
            delta = self.gain[a] + self.gain[b] - gain_w
            if delta > EPSILON:
                candidates.append((delta, j, w, int(self.rows[a]), int(self.rows[b])))
        return self.apply_disjoint(([w], [(u, j), (v, j)]) for _, j, w, u, v in sorted(candidates, reverse=True))

    def make_room(self, mentees: np.ndarray) -> int:
        """Move `make room`: each of `mentees` that waits takes the mentor where it costs
        least, net of its own pair, to let wait as many of the mentors' other mentees (never
        a required one) as free the place and the hours it needs, the lightest in worth per
        hour first. Returns how many were placed."""
        placed = 0
        for u in mentees.tolist():
            if self.mentor_of[u] >= 0:
                continue
            best = None
            for k in range(self.start[u], self.start[u + 1]):
                j = int(self.cols[k])
                room = self.room_at(j, self.pair_load[k])
                if room is not None:
                    leaving, worth = room
                    if best is None or worth - float(self.gain[k]) < best[0]:
                        best = (worth - float(self.gain[k]), j, leaving)
            if best is not None:
                for w in best[2]:
                    self.remove(w)
                self.place(u, best[1])
                placed += 1
        return placed

    def room_at(self, j: int, load: float) -> tuple[list[int], float] | None:
        """The mentees of j, not required, to let wait so that it has a place and `load`
        hours free, the least worth per hour first, and what they are worth; None when
        letting them all wait is not enough."""
        members = sorted((gain / max(hours, EPSILON), w, gain, hours) for w in self.members[j] if not self.required[w]
                         for gain, hours in [self.value_of(w, j)])
        leaving, worth, places, free = [], 0.0, self.capacity_left[j], self.budget_left[j]
        for _, w, gain, hours in members:
            if places >= 1 and free >= load - EPSILON:
                break
            leaving.append(w)
            worth, places, free = worth + gain, places + 1, free + hours
        return (leaving, worth) if places >= 1 and free >= load - EPSILON else None
