"""Large-neighbourhood search on an assignment: free every mentee of a few related mentors
(and the waiting mentees who could go to them) and re-solve that sub-problem exactly over
every feasible pair among them with at least as many of them matched as before, keeping
the result when it is better.

Mentors are related when they share candidate mentees. The number of mentors freed at once
grows while the sub-problems are solved to optimality within their time limit and shrinks
when they are not.
"""

import time
from collections.abc import Callable

import numpy as np
from scipy import sparse

from matcher.solver.assign_model import MILPSolution

START_MENTORS = 3.0  # mentors freed at once at the start
GROWTH = 0.3  # more mentors after a sub-problem solved to optimality
SHRINK = 1.0  # fewer mentors after one that was not
NEIGHBOURHOOD_SECONDS = 0.3  # time limit of one sub-problem

Resolve = Callable[[tuple[np.ndarray, np.ndarray], np.ndarray, float, int], MILPSolution]


def neighbourhood_search(mentor_of: np.ndarray, links: tuple[np.ndarray, np.ndarray],
                         feasible: np.ndarray, resolve: Resolve, score: Callable[[np.ndarray], float],
                         deadline: float, reached: Callable[[float], bool],
                         progress: Callable[[str], None]) -> np.ndarray:
    """Improve `mentor_of` until the deadline or until `reached(best score)`.

    `links` are the candidate pairs that relate mentors; `resolve(pairs, rest, seconds,
    count_min)` solves the sub-problem of `pairs` with the assignment `rest` fixed around it
    and at least `count_min` of its mentees matched (so no round loses a match); `score`
    is the value to maximise, -inf for an assignment that may not be kept.
    """
    n, m = feasible.shape
    mentees, mentors = links
    pool = sparse.csc_matrix((np.ones(len(mentees)), (mentees, mentors)), shape=(n, m))
    degree = np.asarray(pool.sum(axis=0)).ravel()
    linked = np.flatnonzero(degree)
    rng = np.random.default_rng(0)
    best = score(mentor_of)
    size, rounds = START_MENTORS, 0
    while len(linked) and time.perf_counter() < deadline - 0.02 and not reached(best):
        rounds += 1
        seed = rng.choice(linked)
        shared = np.asarray(pool[pool[:, seed].indices].sum(axis=0)).ravel()
        chosen = np.argsort(-(shared + rng.random(m)))[:max(2, int(size))]
        in_chosen = np.zeros(m, bool)
        in_chosen[chosen] = True
        waiting_linked = np.asarray(pool[:, chosen].sum(axis=1)).ravel() > 0
        freed = np.where(mentor_of >= 0, in_chosen[np.maximum(mentor_of, 0)], waiting_linked)
        rows, cols = np.nonzero(feasible[np.ix_(np.flatnonzero(freed), chosen)])
        sub_pairs = (np.flatnonzero(freed)[rows], chosen[cols])
        rest = mentor_of.copy()
        rest[freed] = -1
        count_min = int((mentor_of[freed] >= 0).sum())
        result = resolve(sub_pairs, rest, min(deadline - time.perf_counter(), NEIGHBOURHOOD_SECONDS), count_min)
        size = min(size + GROWTH, m) if result.status == "optimal" else max(2.0, size - SHRINK)
        if result.x is None:
            continue
        rest[sub_pairs[0][result.x]] = sub_pairs[1][result.x]
        value = score(rest)
        if value > best + 1e-9:
            mentor_of, best = rest, value
            progress(f"search round {rounds}: {int((rest >= 0).sum())} matched, goal {value:.6g}")
    return mentor_of
