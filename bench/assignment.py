"""Benchmark of solve_assignment on synthetic instances with binding hour budgets.

    python -m bench.assignment [--sizes 2000x500 10000x2000] [--time-limit S] [--peers]

Each instance has dense (mentees, mentors) arrays, `--candidates` allowed mentors per mentee,
values in [0, ~4], per-mentee loads of 1-3 hours, capacities 2-6 and budgets below what the
capacities would need. Prints one line per instance and solver with time, matches, objective,
bound and the relative gap. `--peers` also runs HiGHS MILP and CP-SAT on the same instance.
"""

import argparse

import numpy as np

from bench.peers import Instance, run
from matcher.solver.assignment import AssignmentProblem, solve_assignment
from matcher.allocator import keep_large_arrays_in_the_heap


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


def main(argv=None) -> None:
    """Parse the arguments and print one line per instance and solver."""
    keep_large_arrays_in_the_heap()
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
            for name in ("highs-milp", "cp-sat"):
                outcome = run(name, Instance(problem, np.arange(n)), limit)
                peer = outcome.solution
                objective = ("none" if peer.mentor_of is None
                             else f"{problem.objective(peer.mentor_of):.3f}")
                bound = "none" if peer.bound is None else f"{peer.bound:.3f}"
                print(f"{size} {name} seconds={outcome.seconds:.2f} objective={objective} "
                      f"bound={bound} ({peer.note})", flush=True)


if __name__ == "__main__":
    main()
