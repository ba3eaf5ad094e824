"""The exchange move of the local search (assign_search): chains of matched mentees, each
taking the place of the next at its mentor, the last taking the first one's place (a cycle)
or moving to a mentor with room (a path), where the goal rises.

In the improvement graph over the matched mentees an arc i -> k means i can take k's place
at k's mentor within that mentor's hours, worth what i gains by it. A label-correcting
search finds the most valuable walk ending at every mentee at once, a few numpy passes over
the arcs; the chains these walks give are checked exactly and applied, the most valuable
first, when they share no mentee or mentor.
"""

import time

import numpy as np

from matcher.solver.assign_matrix import first_of_runs

EPSILON = 1e-9
EXCHANGE_LENGTH = 6  # rounds of the exchange search: its chains move at most one mentee more than this
EXCHANGE_WALKS = 2_000  # walks tried for chains after each exchange search, the most valuable first


class ExchangeMoves:
    """The exchange move, mixed into LocalSearch: it reads the search's state (mentor_of,
    members, the candidate lists and the room left) and changes it with apply_disjoint."""

    def exchanges(self, deadline: float = np.inf) -> int:
        """Move `exchange`: chains of matched mentees, each taking the place of the next at
        its mentor, the last taking the first one's place or moving to its best mentor with
        room. In the improvement graph an arc i -> k means i takes k's place at k's mentor
        within its hours, worth what i gains by it; the most valuable walk ending at each
        mentee is found for all of them at once (see `_best_walks`), and the chains they give
        are applied, the most valuable first, when they raise the goal, keep every mentor
        within capacity and hours and share no mentee or mentor with one applied before.
        Then the arcs of the mentors that changed are dropped and the walks found again,
        until no chain is applied or the deadline passes. Returns how many were."""
        tail, head, worth = self.improvement_arcs()
        applied = 0
        while len(tail) and time.perf_counter() < deadline:
            value, before = _best_walks(tail, head, worth, self.mentor_of >= 0, EXCHANGE_LENGTH)
            chains = self.disjoint_chains(value, before)
            if not chains:
                break
            applied += self.apply_disjoint((walk, list(zip(walk, targets))) for walk, targets in chains)
            moved, changed = np.zeros(len(self.mentor_of), bool), np.zeros(len(self.members), bool)
            moved[np.concatenate([walk for walk, _ in chains])] = True
            changed[np.concatenate([targets for _, targets in chains])] = True
            keep = ~moved[tail] & ~moved[head] & ~changed[self.mentor_of[head]]
            tail, head, worth = tail[keep], head[keep], worth[keep]
        return applied

    def improvement_arcs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tail, head, worth) of every arc i -> k, by head: matched mentee i can take the
        place of matched mentee k at k's mentor within its hours, gaining `worth` by it."""
        mentors, loads = self.cols, self.pair_load
        here, current = self.held()
        usable = np.flatnonzero(self.open & ~here & (self.mentor_of[self.rows] >= 0))
        there, other = self.with_members(usable)  # mentee i's pair with mentor B, and B's mentee k's
        fits = self.budget_left[mentors[there]] + loads[other] >= loads[there] - EPSILON
        there, other = there[fits], other[fits]
        by_head = np.argsort(self.rows[other], kind="stable")
        there, other = there[by_head], other[by_head]
        return self.rows[there], self.rows[other], self.gain[there] - current[self.rows[there]]

    def disjoint_chains(self, value: np.ndarray, before: np.ndarray) -> list[tuple[list[int], list[int]]]:
        """The chains of the EXCHANGE_WALKS most valuable walks (`value` and `before` from
        `_best_walks`), the most valuable first, that raise the goal, fit, and share no
        mentee or mentor with one taken before: (mentees, the mentor each moves to)."""
        room = self.best_elsewhere()
        ends = np.flatnonzero(value > EPSILON)
        mentees, mentors, chains = set(), set(), []
        for last in ends[np.argsort(-value[ends], kind="stable")][:EXCHANGE_WALKS].tolist():
            walk, closed = _walk_back(before, last, EXCHANGE_LENGTH + 1)
            if mentees.intersection(walk):
                continue
            homes = [int(self.mentor_of[i]) for i in walk]
            finals = [homes[0]] if closed or room[walk[-1]] < 0 else [homes[0], int(self.cols[room[walk[-1]]])]
            for final in finals:
                targets = homes[1:] + [final]
                if mentors.intersection(homes + targets) or self.chain_gain(walk, targets) <= EPSILON:
                    continue
                mentees.update(walk)
                mentors.update(homes + targets)
                chains.append((walk, targets))
                break
        return chains

    def chain_gain(self, mentees: list[int], targets: list[int]) -> float:
        """What the goal gains when each of `mentees` (all matched) moves to the mentor in
        `targets` at the same time; -inf when a target repeats, a pair is not open, or a
        mentor would exceed its capacity or hours. (Chains are short: plain Python is faster
        here than arrays.)"""
        if len(set(targets)) < len(targets):
            return -np.inf
        places, hours, gain = {}, {}, 0.0
        for i, j in zip(mentees, targets):
            home = int(self.mentor_of[i])
            new, old = int(self.pair_index[i, j]), int(self.pair_index[i, home])
            if new < 0 or not self.open[new]:
                return -np.inf
            gain += float(self.gain[new] - self.gain[old])
            places[j], places[home] = places.get(j, 0) - 1, places.get(home, 0) + 1
            hours[j] = hours.get(j, 0.0) - float(self.pair_load[new])
            hours[home] = hours.get(home, 0.0) + float(self.pair_load[old])
        if any(self.capacity_left[j] + change < 0 for j, change in places.items()) or any(
                self.budget_left[j] + change < -EPSILON for j, change in hours.items()):
            return -np.inf
        return gain


def _best_walks(tail: np.ndarray, head: np.ndarray, worth: np.ndarray, start: np.ndarray,
                rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """The most valuable walks found in a graph of arcs tail -> head (sorted by head), each
    worth `worth`: for every node, the value of the best walk that ends there and the node
    before it on that walk (-1 for none). Walks start at the `start` nodes (a mask) with
    value 0; each of at most `rounds` rounds extends every walk by one arc at once and
    keeps, for each node, the best positive one (a label-correcting search: every walk kept
    has a positive value at each step, and a chain of positive value has a rotation that
    does)."""
    value = np.where(start, 0.0, -np.inf)
    before = np.full(len(start), -1)
    if not len(head):
        return value, before
    firsts = np.flatnonzero(first_of_runs(head))
    heads, sizes = head[firsts], np.diff(np.r_[firsts, len(head)])
    for _ in range(rounds):
        reached = value[tail] + worth
        best = np.maximum.reduceat(reached, firsts)
        gains = best > np.maximum(value[heads], 0.0) + EPSILON
        if not gains.any():
            break
        hit = np.flatnonzero(reached == np.repeat(best, sizes))  # the first arc reaching each head's best
        hit = hit[first_of_runs(head[hit])]
        hit = hit[gains[np.searchsorted(heads, head[hit])]]
        value[head[hit]], before[head[hit]] = reached[hit], tail[hit]
    return value, before


def _walk_back(before: np.ndarray, last: int, limit: int) -> tuple[list[int], bool]:
    """The walk that ends at `last`, by the `before` links, first node first, at most
    `limit` nodes, and whether it closes on itself (then only the cycle is returned)."""
    walk, position = [last], {last: 0}
    while before[walk[-1]] >= 0 and len(walk) < limit:
        previous = int(before[walk[-1]])
        if previous in position:
            return walk[position[previous]:][::-1], True
        position[previous] = len(walk)
        walk.append(previous)
    return walk[::-1], False
