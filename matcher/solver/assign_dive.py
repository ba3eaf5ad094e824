"""A dive over the mentors' near-best sets of mentees, for problems where every mentee must
be matched (the generalised assignment problem).

Prices on the mentees (the LP relaxation's duals, improved by subgradient steps on the
Lagrangian that leaves one knapsack per mentor) make each mentor's best set of mentees a
knapsack. Every set within a margin of a mentor's best at those prices (at most
SETS_PER_MENTOR per mentor: the margin is halved until they fit) is a column. An LP over
the columns (each mentor one set at most; each mentee in one set, or left out at a high
cost) is solved, the sets it takes are fixed (FIX_RULES: those above one half, or the whole
ones and the largest), and the LP is solved again over the columns that are left, until
END_MENTORS mentors are left; a MILP over the pairs of those mentors and the mentees not
yet placed ends the dive. When that MILP finds nothing, the last set fixed is banned and
the dive goes on.

On type D of the GAP library, where the optimum fills every agent almost exactly, the
sets near the knapsack optimum combine where moves between assignments do not (at 10 s:
d20100 6,205 against 6,250, d40400 24,410 against 24,495). The knapsacks and the
enumeration of the sets are compiled with numba: in plain numpy the knapsacks took 7 to 12
times as long (d20100 5.1 ms against 0.41 ms a step, d40400 48 ms against 7.2 ms).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csc_matrix

from matcher.solver.assign_knapsack import load_programme

PRICE_STEPS = 300  # subgradient steps on the prices of the mentees, at most
STEPS_PER_CHECK = 20  # steps between two looks at the clock
AIM = 0.005  # the steps aim this share above the LP's cost (Polyak)
FIRST_STEP = 1.0  # the first steps go this share of the way to the aim
SHRINK_AFTER = 20  # steps without a better bound before the step shrinks
SHRINK = 0.7  # and by this factor
DEFLECTION = 0.3  # share of the previous direction added to a subgradient
SETS_PER_MENTOR = 500  # columns per mentor, at most
FIRST_MARGIN = 20.0  # the first margin over a mentor's best set, in the problem's cost units
LEFT_OUT = 10.0  # a mentee left out of the LP costs this many times the spread of the costs
FIX_RULES = (0.5, 1.0)  # one dive fixes the columns above one half, the next the whole ones and the largest
END_MENTORS = 8  # the MILP over the pairs ends the dive when this many mentors are left
END_SECONDS = 1.5  # time for that MILP, at most
PAIRS_PER_SECOND = 2_000  # feasible pairs a second of the time limit, at most: at 10 s the dive gained on
# the GAP library up to 16,000 pairs, left 13,500-54,000 as they were, and on 80 x 1,600 took the whole time
MAX_UNITS = 4_096  # budgets of at most this many whole units (the knapsacks count every unit)


@dataclass(frozen=True)
class DiveProblem:
    """Costs (minimised) and loads by mentor (rows) and mentee (columns), whole-unit loads
    and budgets, and the most mentees each mentor may take. Pairs that are not allowed cost
    np.inf."""

    cost: np.ndarray  # (m, n)
    load: np.ndarray  # (m, n) whole units
    budget: np.ndarray  # (m,) whole units
    capacity: np.ndarray  # (m,)

    @property
    def allowed(self) -> np.ndarray:
        return np.isfinite(self.cost)


def dive_applies(load: np.ndarray, budget: np.ndarray, every_mentee_required: bool, no_targets: bool,
                 seconds: float) -> bool:
    """Whether the dive can run: every mentee must be matched, no soft targets, more mentors
    than END_MENTORS (with fewer the dive is its last MILP alone), at most PAIRS_PER_SECOND
    pairs (`load`: the feasible pairs' loads) for each of the `seconds`, and whole-unit loads
    and budgets, budgets of at most MAX_UNITS."""
    whole = np.array_equal(load, np.round(load)) and np.array_equal(budget, np.round(budget))
    return (every_mentee_required and no_targets and whole and budget.size > END_MENTORS
            and load.size <= PAIRS_PER_SECOND * seconds and budget.max() <= MAX_UNITS)


@numba.njit(cache=True)
def _knapsack_table(values, load, allowed, budget):
    """f[k, r]: the least total of `values` over the items from k on that fit r units (items
    of non-negative value never help)."""
    n = len(values)
    f = np.zeros((n + 1, budget + 1))
    for k in range(n - 1, -1, -1):
        for r in range(budget + 1):
            best = f[k + 1, r]
            if allowed[k] and values[k] < 0 and load[k] <= r:
                taken = f[k + 1, r - load[k]] + values[k]
                if taken < best:
                    best = taken
            f[k, r] = best
    return f


@numba.njit(cache=True)
def _lagrangian(cost, load, allowed, budget, prices):
    """The Lagrangian bound at `prices` (one knapsack per mentor) and its subgradient."""
    m, n = cost.shape
    bound = prices.sum()
    subgradient = np.ones(n)
    for i in range(m):
        values = cost[i] - prices
        f = _knapsack_table(values, load[i], allowed[i], budget[i])
        bound += f[0, budget[i]]
        r = budget[i]
        for k in range(n):
            if f[k, r] != f[k + 1, r]:
                subgradient[k] -= 1.0
                r -= load[i, k]
    return bound, subgradient


@numba.njit(cache=True)
def _price_steps(cost, load, allowed, budget, prices, best_bound, aim, step, direction, stall, steps):
    """`steps` deflected subgradient steps from `prices`; returns the best bound met, its
    prices, and the state to go on from (prices, step, direction, stall)."""
    best_prices = prices.copy()
    for _ in range(steps):
        bound, subgradient = _lagrangian(cost, load, allowed, budget, prices)
        if bound > best_bound + 1e-9:
            best_bound = bound
            best_prices[:] = prices
            stall = 0
        else:
            stall += 1
            if stall >= SHRINK_AFTER:
                step *= SHRINK
                stall = 0
        direction = subgradient + DEFLECTION * direction
        norm = (direction * direction).sum()
        if norm == 0.0:
            break
        prices = prices + step * max(aim - bound, 0.0) / norm * direction
    return best_bound, best_prices, prices, step, direction, stall


@numba.njit(cache=True)
def _near_best_sets(values, load, allowed, budget, capacity, limit, out, most):
    """Every set of items that fits `budget` and `capacity` items and totals at most `limit`
    (rows of `out`, their number returned), stopping at `most` sets."""
    n = len(values)
    f = _knapsack_table(values, load, allowed, budget)
    chosen = np.zeros(n, np.bool_)
    remaining = np.zeros(n + 1, np.int64)
    total = np.zeros(n + 1)
    taken = np.zeros(n + 1, np.int64)
    branch = np.zeros(n + 1, np.int64)
    depth, count = 0, 0
    remaining[0] = budget
    while depth >= 0:
        k, r, v = depth, remaining[depth], total[depth]
        if k == n:
            if count >= most:
                return count
            out[count, :] = chosen
            count += 1
            depth -= 1
            continue
        if branch[k] == 0:
            branch[k] = 1
            if (allowed[k] and load[k] <= r and taken[k] < capacity
                    and v + values[k] + f[k + 1, r - load[k]] <= limit + 1e-9):
                chosen[k] = True
                remaining[k + 1], total[k + 1] = r - load[k], v + values[k]
                taken[k + 1], branch[k + 1] = taken[k] + 1, 0
                depth += 1
                continue
        if branch[k] == 1:
            branch[k] = 2
            chosen[k] = False
            if v + f[k + 1, r] <= limit + 1e-9:
                remaining[k + 1], total[k + 1] = r, v
                taken[k + 1], branch[k + 1] = taken[k], 0
                depth += 1
                continue
        chosen[k] = False
        depth -= 1
    return count


def compile_kernels() -> None:
    """Compile the knapsacks and the enumeration of the sets, and the knapsack bound's
    programme (assign_knapsack.load_programme), or load them from numba's cache (about 6 s the
    first time after an install or a change of these files, 0.2 s after), so that a timed
    solve does not pay for it."""
    problem = DiveProblem(np.ones((2, 3)), np.ones((2, 3), np.int64), np.full(2, 2, np.int64),
                          np.full(2, 3, np.int64))
    prices, _ = mentee_prices(problem, np.zeros(3), 0.0, np.inf)
    mentee_prices(problem, prices, 0.0, 0.0)  # no time for a step: the bound of the start, taken from Python
    columns(problem, prices)
    load_programme()


def mentee_prices(problem: DiveProblem, start: np.ndarray, lp_cost: float,
                  deadline: float) -> tuple[np.ndarray, float]:
    """Prices on the mentees from `start` (the LP's duals), improved by subgradient steps on
    the knapsack Lagrangian until PRICE_STEPS or `deadline`, aiming AIM above `lp_cost`, and
    their Lagrangian bound: no assignment of every mentee costs less."""
    allowed = problem.allowed
    args = (np.where(allowed, problem.cost, 0.0), problem.load, allowed, problem.budget)
    aim = lp_cost + AIM * max(abs(lp_cost), 1.0)
    best_bound, best_prices = -np.inf, start.astype(float)
    prices, step, direction, stall = best_prices.copy(), FIRST_STEP, np.zeros_like(best_prices), 0
    for _ in range(0, PRICE_STEPS, STEPS_PER_CHECK):
        if time.perf_counter() >= deadline:
            break
        found, found_prices, prices, step, direction, stall = _price_steps(
            *args, prices, best_bound, aim, step, direction, stall, STEPS_PER_CHECK)
        if found > best_bound:
            best_bound, best_prices = found, found_prices
    if best_bound == -np.inf:
        best_bound = _lagrangian(*args, best_prices)[0]
    return best_prices, best_bound


def columns(problem: DiveProblem, prices: np.ndarray, deadline: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """(sets, mentor): each mentor's sets of mentees within a margin of its best at `prices`,
    at most SETS_PER_MENTOR each (the margin halved until they fit; the first ones found
    when even a tiny margin holds more); the mentors reached by `deadline` only."""
    m, n = problem.cost.shape
    out = np.zeros((SETS_PER_MENTOR + 1, n), np.bool_)
    found, owners = [np.zeros((0, n), bool)], [np.zeros(0, int)]
    allowed = problem.allowed
    for i in range(m):
        if time.perf_counter() >= deadline:
            break
        values = np.where(allowed[i], problem.cost[i] - prices, np.inf)
        best = _knapsack_table(values, problem.load[i], allowed[i], int(problem.budget[i]))[0, -1]
        margin = FIRST_MARGIN
        while True:
            count = _near_best_sets(values, problem.load[i], allowed[i], int(problem.budget[i]),
                                    int(problem.capacity[i]), best + margin, out, SETS_PER_MENTOR + 1)
            if count <= SETS_PER_MENTOR or margin < 1e-3:
                break
            margin /= 2
        count = min(count, SETS_PER_MENTOR)
        found.append(out[:count].copy())
        owners.append(np.full(count, i))
    return np.concatenate(found), np.concatenate(owners)


def dives(problem: DiveProblem, prices: np.ndarray, finish: Callable[[np.ndarray, np.ndarray, float],
                                                                       np.ndarray | None],
          deadline: float) -> list[np.ndarray]:
    """The assignments of a dive by each of FIX_RULES in turn over the columns at `prices`
    (see the module) that end by `deadline`. `finish(fixed, free_mentors, seconds)` is the
    MILP over the pairs of the mentees `fixed` leaves out (mentor -1) and the `free_mentors`."""
    sets, owner = columns(problem, prices, deadline)
    found = (dive(problem, sets, owner, finish, deadline, fix_above) for fix_above in FIX_RULES)
    return [mentor_of for mentor_of in found if mentor_of is not None]


def dive(problem: DiveProblem, sets: np.ndarray, owner: np.ndarray, finish, deadline: float,
         fix_above: float) -> np.ndarray | None:
    """mentor of each mentee (as the `finish` MILP gives it) from one dive over the columns
    `sets` of the mentors `owner`, fixing the columns the LP takes at `fix_above` or more at
    each step (see _column_lp); None when it ends without one by `deadline`."""
    m, n = problem.cost.shape
    allowed = problem.allowed
    cost = np.where(sets, np.where(allowed, problem.cost, 0.0)[owner], 0.0).sum(axis=1)
    left_out = LEFT_OUT * (np.ptp(problem.cost[allowed]) + 1.0)
    banned = np.zeros(len(owner), bool)
    fixed: list[int] = []
    while time.perf_counter() < deadline:
        mentor_of = np.full(n, -1)
        for column in fixed:
            mentor_of[sets[column]] = owner[column]
        used = np.zeros(m, bool)
        used[owner[fixed]] = True
        if (~used).sum() <= END_MENTORS:
            found = finish(mentor_of, np.flatnonzero(~used), min(END_SECONDS, deadline - time.perf_counter()))
            if found is not None or not fixed:
                return found
            banned[fixed.pop()] = True
            continue
        placed = mentor_of >= 0
        alive = np.flatnonzero(~banned & ~sets[:, placed].any(axis=1) & ~used[owner])
        taken = _column_lp(sets[alive][:, ~placed], owner[alive], cost[alive], np.flatnonzero(~used), left_out,
                           fix_above, deadline)
        if taken is None or not len(taken):
            if not fixed:
                return None
            banned[fixed.pop()] = True
            continue
        fixed.extend(alive[taken].tolist())
    return None


def _column_lp(sets: np.ndarray, owner: np.ndarray, cost: np.ndarray, mentors: np.ndarray,
               left_out: float, fix_above: float, deadline: float) -> np.ndarray | None:
    """Positions of the columns to fix from the LP over `sets` (mentees not yet placed) of the
    free `mentors`: those above one half when `fix_above` is at most one half and there are
    any (no two of them share a mentee or a mentor), else those at `fix_above` or more and
    the largest of the others (none when the LP leaves every mentee out); None when the LP
    fails or is not solved by `deadline`."""
    if not len(owner):
        return None
    rows, positions = np.nonzero(sets.T)
    mentees = sets.shape[1]
    width = len(owner) + mentees
    covers = csc_matrix((np.ones(len(rows) + mentees), (np.r_[rows, np.arange(mentees)],
                                                        np.r_[positions, len(owner) + np.arange(mentees)])),
                        shape=(mentees, width))
    one_set = csc_matrix((np.ones(len(owner)), (np.searchsorted(mentors, owner), np.arange(len(owner)))),
                         shape=(len(mentors), width))
    result = linprog(np.r_[cost, np.full(mentees, left_out)], A_ub=one_set, b_ub=np.ones(len(mentors)),
                     A_eq=covers, b_eq=np.ones(mentees), bounds=(0, 1), method="highs",
                     options={"time_limit": max(deadline - time.perf_counter(), 0.01)})
    if result.status != 0:
        return None
    x = result.x[:len(owner)]
    above = x > (0.5 + 1e-6 if fix_above <= 0.5 else fix_above - 1e-6)
    if fix_above <= 0.5 and above.any():
        return np.flatnonzero(above)
    rest = np.where(above, -1.0, x)
    return np.r_[np.flatnonzero(above), int(np.argmax(rest))] if rest.max() > 1e-6 else np.flatnonzero(above)
