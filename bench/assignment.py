"""Benchmark of solve_assignment on synthetic instances with binding hour budgets.

    python -m bench.assignment [--sizes 2000x500 10000x2000] [--time-limit S] [--peers]

Each instance has dense (mentees, mentors) arrays, `--candidates` allowed mentors per mentee,
values in [0, ~4], per-mentee loads of 1-3 hours, capacities 2-6 and budgets below what the
capacities would need. Prints one line per instance and solver with time, matches, objective,
bound and the relative gap. `--peers` also runs HiGHS MILP and CP-SAT on the same instance.
"""

import argparse
import time

import numpy as np

from matcher.solver.assignment import AssignmentProblem, solve_assignment


def synthetic(n: int, m: int, candidates: int = 50, seed: int = 0) -> AssignmentProblem:
    """A random instance of the documented shape (see the module docstring)."""
    rng = np.random.default_rng(seed)
    allowed = np.zeros((n, m), bool)
    picks = np.argsort(rng.random((n, m)), axis=1)[:, :min(candidates, m)]
    np.put_along_axis(allowed, picks, True, axis=1)
    urgency = rng.uniform(1.0, 2.0, (n, 1))
    value = urgency * rng.beta(2.0, 2.0, (n, m)) * 2.0
    load = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0], n)
    capacity = rng.integers(2, 7, m)
    budget = np.round(capacity * rng.uniform(1.2, 1.8, m) * 2) / 2
    required = rng.random(n) < 0.0
    target = np.where(rng.random(m) < 0.0, np.round(budget * 0.5), 0.0)
    return AssignmentProblem(value=value, allowed=allowed, load=load, capacity=capacity,
                             budget=budget, required=required, target_hours=target,
                             shortfall_penalty=0.5)


def peers(problem: AssignmentProblem, time_limit: float) -> list[tuple[str, float, float, float]]:
    """HiGHS MILP and CP-SAT on the value objective alone: (name, seconds, objective, bound)."""
    from ortools.sat.python import cp_model
    from scipy import sparse
    from scipy.optimize import LinearConstraint, milp

    mentees, mentors = np.nonzero(problem.allowed)
    n, m = problem.shape
    value = problem.value[mentees, mentors]
    load = problem.load[mentees] if problem.load.ndim == 1 else problem.load[mentees, mentors]
    cols = np.arange(len(mentees))
    rows = [sparse.csr_matrix((np.ones(len(cols)), (mentees, cols)), shape=(n, len(cols))),
            sparse.csr_matrix((np.ones(len(cols)), (mentors, cols)), shape=(m, len(cols))),
            sparse.csr_matrix((load, (mentors, cols)), shape=(m, len(cols)))]
    start = time.perf_counter()
    res = milp(-value, integrality=np.ones(len(cols)), bounds=(0, 1),
               constraints=[LinearConstraint(sparse.vstack(rows), -np.inf,
                                             np.concatenate([np.ones(n), problem.capacity,
                                                             problem.budget]))],
               options={"time_limit": time_limit})
    results = [("highs-milp", time.perf_counter() - start,
                -res.fun if res.x is not None else float("nan"), -res.mip_dual_bound)]

    model = cp_model.CpModel()
    x = [model.NewBoolVar("") for _ in cols]
    scale = 1000
    for block, limit, coef in ((0, np.ones(n), None), (1, problem.capacity, None),
                               (2, problem.budget * 2, load * 2)):
        owner = mentees if block == 0 else mentors
        order = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[order], np.arange(len(limit) + 1))
        for k in range(len(limit)):
            members = order[bounds[k]:bounds[k + 1]]
            if coef is None:
                model.Add(sum(x[p] for p in members) <= int(limit[k]))
            else:
                model.Add(sum(int(coef[p]) * x[p] for p in members) <= int(limit[k]))
    model.Maximize(sum(int(round(v * scale)) * x[p] for p, v in enumerate(value)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    start = time.perf_counter()
    solver.Solve(model)
    results.append(("cp-sat", time.perf_counter() - start, solver.ObjectiveValue() / scale,
                    solver.BestObjectiveBound() / scale))
    return results


def main(argv=None) -> None:
    """Parse the arguments and print one line per instance and solver."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["2000x500", "10000x2000"])
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per solve (default: 2 up to 1M matrix entries, else 20)")
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peers", action="store_true", help="also run HiGHS MILP and CP-SAT")
    args = parser.parse_args(argv)
    for size in args.sizes:
        n, m = map(int, size.lower().split("x"))
        problem = synthetic(n, m, args.candidates, args.seed)
        limit = args.time_limit or (2.0 if n * m <= 1_000_000 else 20.0)
        result = solve_assignment(problem, time_limit=limit)
        gap = (result.bound - result.objective) / max(abs(result.bound), 1e-9)
        print(f"{size} matcher method={result.method} seconds={result.seconds:.2f} "
              f"matched={result.matched}/{result.matched_bound} objective={result.objective:.3f} "
              f"bound={result.bound:.3f} gap={100 * gap:.3f}%", flush=True)
        if args.peers:
            for name, seconds, objective, bound in peers(problem, limit):
                print(f"{size} {name} seconds={seconds:.2f} objective={objective:.3f} "
                      f"bound={bound:.3f} (value only, no matching-count stage)", flush=True)


if __name__ == "__main__":
    main()
