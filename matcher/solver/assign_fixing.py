"""Fix and re-solve: keep some pairs of an assignment and solve the mentees they leave free
as one MILP over their candidate pairs.

Large solves use it twice: to complete the pairs the LP relaxation takes whole, and after
the local search to re-solve everything beyond the pairs on which the LP (whole) and the
search agree, matching at least as many (a relaxation-induced neighbourhood).
"""

import numpy as np

from matcher.solver.assign_lns import Resolve

WHOLE = 1.0 - 1e-6  # an LP value at least this takes the pair whole
COMPLETION_SECONDS = 1.0  # time limit of the MILP that completes the LP's whole pairs
COMPLETION_SHARE = 0.1  # and its share of the time left
AGREED_SHARE = 0.5  # share of the time left that the MILP beyond the agreed pairs may use
AGREED_PAIRS_PER_SECOND = 6_000  # and the most pairs it may have per second of that


def whole_and_taken(pairs, pool, x: np.ndarray, mentor_of: np.ndarray, m: int) -> np.ndarray:
    """Mask over `pairs`: those the LP solution `x` (over the `pool` pairs) takes whole and
    `mentor_of` takes too (m mentors)."""
    whole = x >= WHOLE
    in_lp = np.isin(pairs[0] * m + pairs[1], pool[0][whole] * m + pool[1][whole])
    return in_lp & (mentor_of[pairs[0]] == pairs[1])


def fixed_and_solved(kept: np.ndarray, pairs, n: int, resolve: Resolve, seconds: float, count_min: int = 0,
                     most_pairs: float = np.inf) -> np.ndarray | None:
    """mentor_of (n mentees) with the `kept` pairs (a mask over `pairs`) and the best the MILP
    `resolve` finds in `seconds` over the other `pairs` of the mentees they leave free, with
    at least `count_min` matches in all; None when those pairs are more than `most_pairs` or
    the MILP finds nothing in time."""
    mentees, mentors = pairs
    fixed = np.full(n, -1)
    fixed[mentees[kept]] = mentors[kept]
    free = fixed[mentees] < 0
    rest = (mentees[free], mentors[free])
    if len(rest[0]) > most_pairs:
        return None
    result = resolve(rest, fixed, seconds, max(count_min - int((fixed >= 0).sum()), 0))
    if result.x is None:
        return None
    fixed[rest[0][result.x]] = rest[1][result.x]
    return fixed


def completed_lp(pool, x: np.ndarray, n: int, resolve: Resolve, seconds_left: float) -> np.ndarray | None:
    """The pairs of the `pool` the LP solution `x` takes whole, and the other mentees of the
    pool matched by a short MILP; None when it finds nothing in time."""
    return fixed_and_solved(x >= WHOLE, pool, n, resolve, min(COMPLETION_SECONDS, COMPLETION_SHARE * seconds_left))


def beyond_agreement(pairs, pool, x: np.ndarray, mentor_of: np.ndarray, m: int, resolve: Resolve,
                     seconds_left: float) -> np.ndarray | None:
    """The pairs both the LP solution `x` (whole) and `mentor_of` take, and the rest of
    `pairs` (which hold mentor_of's own) re-solved as one MILP matching at least as many;
    None when that MILP is too large for its share of the time or finds nothing in time."""
    seconds = AGREED_SHARE * seconds_left
    return fixed_and_solved(whole_and_taken(pairs, pool, x, mentor_of, m), pairs, len(mentor_of), resolve, seconds,
                            int((mentor_of >= 0).sum()), AGREED_PAIRS_PER_SECOND * seconds)
