"""Fix and re-solve: keep some pairs of an assignment and solve the mentees they leave free
as one MILP over their candidate pairs.

Large solves use it to complete the pairs the LP relaxation takes whole; after the local
search, to re-solve everything beyond the pairs on which the LP (whole) and the search agree,
matching at least as many (a relaxation-induced neighbourhood); and to relink the master's
assignments with the one it started from (assignment._Solver.relinked).
"""

import numpy as np

from matcher.solver.assign_lns import Resolve

WHOLE = 1.0 - 1e-6  # an LP value at least this takes the pair whole
COMPLETION_SECONDS = 1.0  # time limit of the MILP that completes the LP's whole pairs
COMPLETION_SHARE = 0.1  # and its share of the time left
AGREED_SHARE = 0.5  # share of the time left that the MILP beyond the agreed pairs may use
AGREED_PAIRS_PER_SECOND = 6_000  # and the most pairs it may have per second of that


def whole_pairs(pool, x: np.ndarray, n: int) -> np.ndarray:
    """mentor_of (n mentees) of the `pool` pairs the LP solution `x` takes whole (a mentee
    has at most one)."""
    mentor_of = np.full(n, -1)
    whole = x >= WHOLE
    mentor_of[pool[0][whole]] = pool[1][whole]
    return mentor_of


def fixed_and_solved(fixed: np.ndarray, pairs, resolve: Resolve, seconds: float, count_min: int = 0,
                     most_pairs: float = np.inf) -> np.ndarray | None:
    """The assignment `fixed` and the best the MILP `resolve` finds in `seconds` over the
    `pairs` of the mentees it leaves waiting, with at least `count_min` matches in all; None
    when those pairs are more than `most_pairs` or the MILP finds nothing in time."""
    free = fixed[pairs[0]] < 0
    rest = (pairs[0][free], pairs[1][free])
    if len(rest[0]) > most_pairs:
        return None
    result = resolve(rest, fixed, seconds, max(count_min - int((fixed >= 0).sum()), 0))
    if result.x is None:
        return None
    found = fixed.copy()
    found[rest[0][result.x]] = rest[1][result.x]
    return found


def completed_lp(pool, x: np.ndarray, n: int, resolve: Resolve, seconds_left: float) -> np.ndarray | None:
    """The pairs of the `pool` the LP solution `x` takes whole, and the other mentees of the
    pool matched by a short MILP; None when it finds nothing in time."""
    return fixed_and_solved(whole_pairs(pool, x, n), pool, resolve,
                            min(COMPLETION_SECONDS, COMPLETION_SHARE * seconds_left))


def beyond_agreement(pairs, pool, x: np.ndarray, mentor_of: np.ndarray, resolve: Resolve,
                     seconds_left: float) -> np.ndarray | None:
    """The pairs both the LP solution `x` (whole) and `mentor_of` take, and the rest of
    `pairs` (which hold mentor_of's own) re-solved as one MILP matching at least as many;
    None when that MILP is too large for its share of the time or finds nothing in time."""
    agreed = np.where(whole_pairs(pool, x, len(mentor_of)) == mentor_of, mentor_of, -1)
    seconds = AGREED_SHARE * seconds_left
    return fixed_and_solved(agreed, pairs, resolve, seconds, int((mentor_of >= 0).sum()),
                            AGREED_PAIRS_PER_SECOND * seconds)
