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

from matcher.solver.assign_matrix import first_of_runs, stable_order

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
        usable = np.flatnonzero(~here & (self.mentor_of[self.rows] >= 0))
        there, other = self.with_members(usable)  # mentee i's pair with mentor B, and B's mentee k's
        fits = self.budget_left[mentors[there]] + loads[other] >= loads[there] - EPSILON
        there, other = there[fits], other[fits]
        by_head = stable_order(self.rows[other])
        there, other = there[by_head], other[by_head]
        return self.rows[there], self.rows[other], self.gain[there] - current[self.rows[there]]

    def disjoint_chains(self, value: np.ndarray, before: np.ndarray) -> list[tuple[list[int], list[int]]]:
        """The chains of the EXCHANGE_WALKS most valuable walks (`value` and `before` from
        `_best_walks`), the most valuable first, that raise the goal, fit, and share no
        mentee or mentor with one taken before: (mentees, the mentor each moves to). A walk
        that is not a cycle closes on its first mentee's place if that raises the goal and
        fits, else its last mentee moves to its best mentor with room."""
        ends = np.flatnonzero(value > EPSILON)
        ends = ends[np.argsort(-value[ends], kind="stable")][:EXCHANGE_WALKS]
        walks, closed = _walks_back(before, ends, EXCHANGE_LENGTH + 1)
        size = (walks >= 0).sum(axis=1)
        homes = np.where(walks >= 0, self.mentor_of[np.maximum(walks, 0)], -1)
        room = self.best_elsewhere()[ends]
        onward = np.where(closed | (room < 0), -1, self.cols[np.maximum(room, 0)])
        options = [(homes[:, 0], self.chains_gain(walks, homes, size, homes[:, 0])),
                   (onward, self.chains_gain(walks, homes, size, onward))]
        rows = np.flatnonzero((options[0][1] > EPSILON) | (options[1][1] > EPSILON))
        mentees, mentors, chains = set(), set(), []
        for row in rows.tolist():
            walk, home = walks[row, :size[row]].tolist(), homes[row, :size[row]].tolist()
            if mentees.intersection(walk):
                continue
            for final, gain in options:
                targets = home[1:] + [int(final[row])]
                if gain[row] <= EPSILON or mentors.intersection(home + targets):
                    continue
                mentees.update(walk)
                mentors.update(home + targets)
                chains.append((walk, targets))
                break
        return chains

    def chains_gain(self, walks: np.ndarray, homes: np.ndarray, size: np.ndarray, final: np.ndarray) -> np.ndarray:
        """What the goal gains for each row of `walks` (mentees, first first, padded with -1;
        `homes` their mentors, `size` how many) when each mentee takes the place of the next
        at its mentor and the last moves to `final`, all at once; -inf where `final` is -1, a
        target repeats, a pair is not allowed, or a mentor would exceed its capacity or hours.
        With distinct targets, every mentor but the first one's home is met once as a
        target: it loses the next mentee (none after the last) and takes this one; the first
        one's home only loses its mentee, and where it is a target that adds to the target's."""
        rows, width = walks.shape
        used = walks >= 0
        last = np.arange(width) == (size - 1)[:, None]
        targets = np.where(last, final[:, None], np.concatenate([homes[:, 1:], np.full((rows, 1), -1)], axis=1))
        targets = np.where(used, targets, -1)
        mentees = np.maximum(walks, 0)
        new = np.where(targets >= 0, self.pair_index[mentees, np.maximum(targets, 0)], -1)
        old = self.pair_index[mentees, np.maximum(homes, 0)]
        ordered = np.sort(targets, axis=1)
        valid = ((final >= 0) & (~used | (new >= 0)).all(axis=1)
                 & ((ordered[:, 1:] != ordered[:, :-1]) | (ordered[:, 1:] < 0)).all(axis=1))  # each target once
        gain = np.where(used, self.gain[np.maximum(new, 0)] - self.gain[old], 0.0).sum(axis=1)
        old_load = np.where(used, self.pair_load[old], 0.0)
        first_home = targets == homes[:, :1]
        places = first_home.astype(int) - last
        hours = (np.concatenate([old_load[:, 1:], np.zeros((rows, 1))], axis=1) - self.pair_load[np.maximum(new, 0)]
                 + first_home * old_load[:, :1])
        at = np.maximum(targets, 0)
        fits = ~used | ((self.capacity_left[at] + places >= 0) & (self.budget_left[at] + hours >= -EPSILON))
        return np.where(valid & fits.all(axis=1), gain, -np.inf)


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


def _walks_back(before: np.ndarray, lasts: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The walks that end at each of `lasts`, by the `before` links, at most `limit` nodes:
    (one row per walk, first node first, padded with -1; whether it closes on itself, when
    only its cycle is kept)."""
    rows = len(lasts)
    back = np.full((rows, limit), -1)
    back[:, 0] = lasts
    start, end = np.zeros(rows, int), np.full(rows, limit)
    going, closed = np.ones(rows, bool), np.zeros(rows, bool)
    for k in range(1, limit):
        previous = np.where(going, before[back[:, k - 1]], -1)
        seen = (back[:, :k] == previous[:, None]) & (previous >= 0)[:, None]
        meets = going & seen.any(axis=1)
        closed |= meets
        start = np.where(meets, np.argmax(seen, axis=1), start)
        stops = meets | (going & (previous < 0))
        end[stops] = k
        going &= ~stops
        back[going, k] = previous[going]
    index = end[:, None] - 1 - np.arange(limit)
    walks = np.where(index >= start[:, None], np.take_along_axis(back, np.maximum(index, 0), axis=1), -1)
    return walks, closed
