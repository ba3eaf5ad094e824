"""Sparse LP/MILP model of an assignment sub-problem over an explicit list of pairs.

The model is

    max  sum_p w_p x_p - penalty * sum_j s_j
    s.t. sum_{p of mentee i} x_p <= 1   (= 1 for required mentees)
         sum_{p of mentor j} x_p <= capacity_j
         sum_{p of mentor j} load_p x_p <= budget_j
         sum_{p of mentor j} load_p x_p + s_j >= target_j   (mentors with a target)
         sum_p x_p >= count_min
         sum_{p of conflict c} x_p <= limit_c   (mentees who cannot all have one mentor)
         x_p in {0, 1} (MILP) or [0, 1] (LP),  s_j >= 0

and is solved with HiGHS through scipy. Mentee and mentor indices are global; the model
only holds the mentees and mentors that occur in the pairs.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import LinearConstraint, linprog, milp


@dataclass(frozen=True)
class PairModel:
    """Pairs `(mentee[p], mentor[p])` with their weight and load, and the mentor limits."""

    mentee: np.ndarray  # (P,) int, global mentee index
    mentor: np.ndarray  # (P,) int, global mentor index
    weight: np.ndarray  # (P,) float, objective coefficient of the pair
    load: np.ndarray  # (P,) float, hours the pair takes from the mentor's budget
    capacity: np.ndarray  # (m,) residual capacity per global mentor
    budget: np.ndarray  # (m,) residual budget per global mentor
    required: np.ndarray  # (n,) bool per global mentee
    target: np.ndarray | None = None  # (m,) residual soft minimum load per global mentor
    penalty: float = 0.0
    count_min: int = 0
    conflicts: tuple[tuple[np.ndarray, int], ...] = ()  # (positions of pairs, the most of them taken)


@dataclass(frozen=True)
class LPSolution:
    """Primal pair values and the (non-negative, maximisation-sense) duals per global index."""

    x: np.ndarray  # (P,)
    objective: float  # model objective, shortfall of modelled mentors included
    mentee_dual: np.ndarray  # (n,) dual of the mentee row (0 when absent)
    capacity_dual: np.ndarray  # (m,)
    budget_dual: np.ndarray  # (m,)
    target_dual: np.ndarray  # (m,)
    count_dual: float


@dataclass(frozen=True)
class MILPSolution:
    """Binary pair values (None if no solution was found) and HiGHS's proven bound."""

    x: np.ndarray | None
    objective: float
    bound: float
    status: str  # "optimal", "feasible", "infeasible" or "unknown"


class _Rows:
    """The constraint matrix of a PairModel, split into <= rows and = rows."""

    def __init__(self, model: PairModel):
        n_pairs = len(model.mentee)
        self.mentees, mentee_row = np.unique(model.mentee, return_inverse=True)
        self.mentors, mentor_row = np.unique(model.mentor, return_inverse=True)
        n_mentees, n_mentors = len(self.mentees), len(self.mentors)
        has_target = model.target is not None and model.penalty > 0
        target = model.target[self.mentors] if has_target else np.zeros(n_mentors)
        self.targeted = np.flatnonzero(target > 0)
        n_short = len(self.targeted)
        self.n_vars = n_pairs + n_short
        pair_cols = np.arange(n_pairs)
        short_cols = n_pairs + np.arange(n_short)

        is_required = model.required[self.mentees]
        mentee_matrix = sparse.csr_matrix(
            (np.ones(n_pairs), (mentee_row, pair_cols)), shape=(n_mentees, self.n_vars))
        self.free_mentees = np.flatnonzero(~is_required)
        self.required_mentees = np.flatnonzero(is_required)

        target_row = np.full(n_mentors, -1)
        target_row[self.targeted] = np.arange(n_short)
        in_target = target_row[mentor_row] >= 0
        target_matrix = sparse.csr_matrix(
            (np.concatenate([-model.load[in_target], -np.ones(n_short)]),
             (np.concatenate([target_row[mentor_row][in_target], np.arange(n_short)]),
              np.concatenate([pair_cols[in_target], short_cols]))),
            shape=(n_short, self.n_vars))
        blocks = [
            mentee_matrix[self.free_mentees],
            sparse.csr_matrix((np.ones(n_pairs), (mentor_row, pair_cols)),
                              shape=(n_mentors, self.n_vars)),
            sparse.csr_matrix((model.load, (mentor_row, pair_cols)),
                              shape=(n_mentors, self.n_vars)),
            target_matrix,
        ]
        limits = [
            np.ones(len(self.free_mentees)),
            model.capacity[self.mentors].astype(float),
            model.budget[self.mentors].astype(float),
            -target[self.targeted],
        ]
        self.has_count = model.count_min > 0
        if self.has_count:
            blocks.append(sparse.csr_matrix(
                (-np.ones(n_pairs), (np.zeros(n_pairs, int), pair_cols)), shape=(1, self.n_vars)))
            limits.append(np.array([-float(model.count_min)]))
        if model.conflicts:  # after the count's row: the duals read up to it
            positions = [pairs for pairs, _ in model.conflicts]
            blocks.append(sparse.csr_matrix(
                (np.ones(sum(map(len, positions))), (np.repeat(np.arange(len(positions)), [len(p) for p in positions]),
                                                     np.concatenate(positions))),
                shape=(len(positions), self.n_vars)))
            limits.append(np.array([float(limit) for _, limit in model.conflicts]))
        self.A_ub = sparse.vstack(blocks, format="csr")
        self.b_ub = np.concatenate(limits)
        self.A_eq = mentee_matrix[self.required_mentees]
        self.b_eq = np.ones(len(self.required_mentees))
        self.cost = -np.concatenate([model.weight, np.full(n_short, -model.penalty)])
        # Shortfall that the model cannot influence: targeted mentors without any pair.
        self.constant = 0.0
        if has_target:
            unmodelled = np.ones(len(model.target), bool)
            unmodelled[self.mentors] = False
            self.constant = -model.penalty * float(model.target[unmodelled].sum())

    def split_duals(self, ineq: np.ndarray, eq: np.ndarray, n: int, m: int):
        """Turn HiGHS marginals (minimisation sense) into non-negative duals per global index."""
        y = -np.asarray(ineq)
        sizes = np.cumsum([len(self.free_mentees), len(self.mentors), len(self.mentors),
                           len(self.targeted)])
        mentee_dual = np.zeros(n)
        mentee_dual[self.mentees[self.free_mentees]] = y[:sizes[0]]
        mentee_dual[self.mentees[self.required_mentees]] = -np.asarray(eq)
        capacity_dual, budget_dual, target_dual = np.zeros(m), np.zeros(m), np.zeros(m)
        capacity_dual[self.mentors] = y[sizes[0]:sizes[1]]
        budget_dual[self.mentors] = y[sizes[1]:sizes[2]]
        target_dual[self.mentors[self.targeted]] = y[sizes[2]:sizes[3]]
        count_dual = float(y[sizes[3]]) if self.has_count else 0.0
        return mentee_dual, capacity_dual, budget_dual, target_dual, count_dual


class Objective:
    """Per-pair objective `offset + scale * value`; the shortfall penalty counts `penalty_scale`
    times. Counting matches first uses a tiny scale; the combined goal a large offset."""

    def __init__(self, offset: float, scale: float, penalty_scale: float):
        self.offset, self.scale, self.penalty_scale = offset, scale, penalty_scale

    def __call__(self, value_block: np.ndarray) -> np.ndarray:
        return self.offset + self.scale * value_block

    def of_rows(self, value: np.ndarray):
        """The objective of a block of mentee rows of `value`, as the Lagrangian bounds take it."""
        return lambda rows: self(value[rows])


VALUE = Objective(0.0, 1.0, 1.0)  # value alone, the shortfall penalty included: a match adds nothing more


class LPTimeLimit(Exception):
    """The LP relaxation was not solved within its time limit."""


def solve_lp(model: PairModel, time_limit: float = np.inf) -> LPSolution | None:
    """Solve the LP relaxation; None if it is infeasible; LPTimeLimit if time runs out."""
    rows = _Rows(model)
    n, m = len(model.required), len(model.capacity)
    if not len(model.mentee):
        if model.count_min > 0:
            return None
        return LPSolution(np.zeros(0), rows.constant, np.zeros(n), np.zeros(m), np.zeros(m),
                          np.zeros(m), 0.0)
    res = linprog(rows.cost, A_ub=rows.A_ub, b_ub=rows.b_ub,
                  A_eq=rows.A_eq if rows.A_eq.shape[0] else None,
                  b_eq=rows.b_eq if rows.A_eq.shape[0] else None,
                  bounds=_bounds(rows, len(model.mentee)), method=_lp_method(rows),
                  options={"time_limit": max(time_limit, 0.01)})
    if res.status != 0:
        if res.status == 2:
            return None
        if res.status == 1:
            raise LPTimeLimit(res.message)
        raise RuntimeError(f"LP relaxation failed: {res.message}")
    eq = res.eqlin.marginals if rows.A_eq.shape[0] else np.zeros(0)
    duals = rows.split_duals(res.ineqlin.marginals, eq, n, m)
    return LPSolution(np.clip(res.x[:len(model.mentee)], 0.0, 1.0),
                      -res.fun + rows.constant, *duals)


def _lp_method(rows: _Rows) -> str:
    """HiGHS's interior point when some mentees may wait (dual simplex took about twice as
    long on those LPs: 0.54 s against 0.23 s over 4,917 pairs at 2,000 x 500), its dual
    simplex when every mentee must be matched (as fast there, and on the GAP library's type D
    its vertex rounded to cheaper assignments)."""
    return "highs-ipm" if len(rows.free_mentees) else "highs-ds"


def solve_milp(model: PairModel, time_limit: float) -> MILPSolution:
    """Solve the MILP with HiGHS within `time_limit` seconds."""
    rows = _Rows(model)
    n_pairs = len(model.mentee)
    if not n_pairs:
        if model.count_min > 0:
            return MILPSolution(None, -np.inf, -np.inf, "infeasible")
        return MILPSolution(np.zeros(0, bool), rows.constant, rows.constant, "optimal")
    constraints = [LinearConstraint(rows.A_ub, -np.inf, rows.b_ub)]
    if rows.A_eq.shape[0]:
        constraints.append(LinearConstraint(rows.A_eq, rows.b_eq, rows.b_eq))
    integrality = np.zeros(rows.n_vars)
    integrality[:n_pairs] = 1
    lb, ub = _bounds(rows, n_pairs).T
    res = milp(rows.cost, integrality=integrality, bounds=(lb, ub), constraints=constraints,
               options={"time_limit": max(time_limit, 0.01), "mip_rel_gap": 1e-9,
                        "disp": False})
    if res.status == 2:
        return MILPSolution(None, -np.inf, -np.inf, "infeasible")
    bound = getattr(res, "mip_dual_bound", None)
    bound = np.inf if bound is None or not np.isfinite(bound) else -bound + rows.constant
    if res.x is None:
        return MILPSolution(None, -np.inf, bound, "unknown")
    x = np.round(res.x[:n_pairs]).astype(bool)
    return MILPSolution(x, -res.fun + rows.constant, bound,
                        "optimal" if res.status == 0 else "feasible")


def _bounds(rows: _Rows, n_pairs: int) -> np.ndarray:
    """Variable bounds: pairs in [0, 1], shortfalls in [0, inf)."""
    bounds = np.zeros((rows.n_vars, 2))
    bounds[:n_pairs, 1] = 1.0
    bounds[n_pairs:, 1] = np.inf
    return bounds
