"""CP-SAT over an explicit list of candidate pairs, started from a known assignment.

The model is the PairModel's (see assign_model) in whole numbers: weights in thousandths,
loads, budgets and targets in minutes. Loads are rounded up and budgets down, so every
assignment CP-SAT returns also fits the exact budgets; the caller compares objectives in
exact arithmetic and keeps the better assignment.
"""

import math
import time

import numpy as np
from ortools.sat.python import cp_model

from matcher.solver.assign_model import PairModel

VALUE_SCALE = 1000  # objective points per unit of weight
MINUTES = 60  # loads, budgets and targets are in hours
WORKERS = 2
CROWDED = 8  # mentees per busy mentor from which CP-SAT improves more than sub-MILPs


def crowded(mentor_of: np.ndarray) -> bool:
    """Whether the busy mentors hold CROWDED or more mentees each on average: few large
    knapsacks, where CP-SAT's own search improves an assignment more than sub-MILPs of a
    few mentors (measured on the GAP library against generated mentor scenarios)."""
    taken = mentor_of[mentor_of >= 0]
    return len(taken) >= CROWDED * max(1, len(np.unique(taken)))


def improve_with_cpsat(model: PairModel, start: np.ndarray, deadline: float) -> np.ndarray | None:
    """The pairs (bool per pair) of the best assignment CP-SAT finds from `start` (bool per
    pair, given as a hint) by the deadline (a perf_counter time); None when it finds none."""
    cp = cp_model.CpModel()
    taken = [cp.new_bool_var(f"x{p}") for p in range(len(model.mentee))]
    for mentee, pairs in _groups(model.mentee):
        literals = [taken[p] for p in pairs]
        if model.required[mentee]:
            cp.add_exactly_one(literals)
        else:
            cp.add_at_most_one(literals)
    if model.count_min > 0:
        cp.add(sum(taken) >= model.count_min)
    minutes = np.ceil(model.load * MINUTES - 1e-9).astype(int)
    shortfall_cost = round(model.penalty * VALUE_SCALE / MINUTES)
    penalties = []
    for mentor, pairs in _groups(model.mentor):
        literals = [taken[p] for p in pairs]
        cp.add(sum(literals) <= int(model.capacity[mentor]))
        hours = cp_model.LinearExpr.weighted_sum(literals, minutes[pairs].tolist())
        cp.add(hours <= math.floor(model.budget[mentor] * MINUTES + 1e-9))
        target = 0 if model.target is None else math.ceil(model.target[mentor] * MINUTES - 1e-9)
        if target > 0 and shortfall_cost > 0:
            short = cp.new_int_var(0, target, f"short{mentor}")
            cp.add(short >= target - hours)
            penalties.append(short)
    weights = np.round(model.weight * VALUE_SCALE).astype(int)
    cp.maximize(cp_model.LinearExpr.weighted_sum(taken, weights.tolist()) - shortfall_cost * sum(penalties))
    for p, literal in enumerate(taken):
        cp.add_hint(literal, bool(start[p]))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = WORKERS
    solver.parameters.use_lns_only = True
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.01)
    status = solver.solve(cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array([solver.boolean_value(literal) for literal in taken], dtype=bool)


def _groups(keys: np.ndarray):
    """(key, positions) for each distinct key of an int array."""
    order = np.argsort(keys, kind="stable")
    edges = np.flatnonzero(np.diff(keys[order], prepend=-1))
    for first, last in zip(edges, np.append(edges[1:], len(order))):
        yield int(keys[order[first]]), order[first:last]
