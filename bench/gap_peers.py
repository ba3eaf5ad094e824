"""OR-Library generalised assignment instances: matcher, CP-SAT and HiGHS MILP side by side.

    python -m bench.gap_peers FILE... [--time-limit S] [--write-docs]

Every method gets the same instance and time limit: matcher through bench.gap's own path,
a plain CP-SAT model (2 workers) and HiGHS MILP (scipy.optimize.milp), both with a binary
x[agent, job], one agent per job and the agents' capacities. Seconds are wall-clock and
include building each model. Every assignment is checked by bench.gap.check before its cost
counts; lower bounds are the ones each solver proves, and the LP relaxation (linprog, HiGHS)
is the reference bound. Best-known costs come from best_known.csv beside the files; the summary
judges an instance without one against its LP bound instead. Prints a markdown table and one
summary line per method; --write-docs also writes them to docs/benchmarks.md.
"""

import argparse
import csv
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from bench import gap
from bench.peers import (
    DOCS,
    Outcome,
    Solution,
    command_line,
    machine_line,
    run,
    write_docs,
)
from matcher.solver.assignment import InfeasibleAssignment
from matcher.allocator import keep_large_arrays_in_the_heap
from matcher.solver.assign_dive import compile_kernels

HEADER = ("| instance | agents x jobs | best known | LP bound | LP seconds | method | cost "
          "| above best known | seconds | lower bound | note |")
WITHIN_PERCENT = 0.5    # an instance counts as solved when the cost is at most this far above best known
                        # (above the LP bound when there is no best-known cost)
TOLERANCE = 1e-6


@dataclass(frozen=True)
class GapInstance:
    """One OR-Library instance: (agents, jobs) cost and resource arrays, agent capacities."""

    name: str
    cost: np.ndarray
    resource: np.ndarray
    capacity: np.ndarray
    best_known: int | None


def load(path: Path) -> GapInstance:
    """The instance in `path`, with its best-known cost from best_known.csv beside it."""
    cost, resource, capacity = gap.read_instance(path)
    table = path.parent / "best_known.csv"
    best = {}
    if table.exists():
        with table.open() as rows:
            best = {row["instance"]: int(row["best_known_cost"]) for row in csv.DictReader(rows)}
    return GapInstance(path.name, cost, resource, capacity, best.get(path.name))


def matcher(instance: GapInstance, time_limit: float) -> Solution:
    """solve_assignment as bench.gap runs it; mentor_of holds each job's agent."""
    try:
        agent_of, lower, _ = gap.solve(instance.cost, instance.resource, instance.capacity, time_limit)
    except InfeasibleAssignment:
        return Solution(None, note="infeasible")
    return Solution(agent_of, lower)


def _rows(instance: GapInstance) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """(one row per job summing its x, one row per agent summing its resource use) over the
    variables x[agent, job] in cost.ravel() order."""
    m, n = instance.cost.shape
    agents, jobs = np.divmod(np.arange(m * n), n)
    one_agent = sparse.csr_matrix((np.ones(m * n), (jobs, np.arange(m * n))), shape=(n, m * n))
    capacity = sparse.csr_matrix((instance.resource.ravel(), (agents, np.arange(m * n))), shape=(m, m * n))
    return one_agent, capacity


def _agent_of(chosen: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Each job's agent from the x[agent, job] values, raveled."""
    return np.asarray(chosen).reshape(shape).argmax(axis=0)


def highs_milp(instance: GapInstance, time_limit: float) -> Solution:
    """HiGHS MILP of the plain model."""
    from scipy.optimize import LinearConstraint, milp

    one_agent, capacity = _rows(instance)
    result = milp(instance.cost.ravel(), integrality=np.ones(instance.cost.size), bounds=(0, 1),
                  constraints=[LinearConstraint(one_agent, 1, 1),
                               LinearConstraint(capacity, -np.inf, instance.capacity)],
                  options={"time_limit": time_limit})
    bound = getattr(result, "mip_dual_bound", None)
    lower = math.ceil(bound - TOLERANCE) if bound is not None and np.isfinite(bound) else None
    if result.x is None:
        return Solution(None, lower, result.message[:60])
    return Solution(_agent_of(result.x, instance.cost.shape), lower)


def cp_sat(instance: GapInstance, time_limit: float) -> Solution:
    """A plain CP-SAT model of the instance, integer costs and resources, 2 workers."""
    from ortools.sat.python import cp_model

    cost, resource, capacity = (_integers(a) for a in (instance.cost, instance.resource, instance.capacity))
    m, n = cost.shape
    model = cp_model.CpModel()
    chosen = [[model.new_bool_var(f"x{i}_{k}") for k in range(n)] for i in range(m)]
    for k in range(n):
        model.add_exactly_one(chosen[i][k] for i in range(m))
    for i in range(m):
        model.add(cp_model.LinearExpr.weighted_sum(chosen[i], resource[i].tolist()) <= int(capacity[i]))
    model.minimize(cp_model.LinearExpr.weighted_sum([x for row in chosen for x in row], cost.ravel().tolist()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution(None, note=solver.status_name(status))
    values = [solver.boolean_value(x) for row in chosen for x in row]
    return Solution(_agent_of(values, (m, n)), math.ceil(solver.best_objective_bound - TOLERANCE))


def _integers(array: np.ndarray) -> np.ndarray:
    """The array as int64; ValueError unless every entry is a whole number."""
    whole = np.round(array)
    if not np.array_equal(whole, array):
        raise ValueError("CP-SAT needs whole costs, resources and capacities")
    return whole.astype(np.int64)


METHODS = {"matcher": matcher, "cp-sat": cp_sat, "highs-milp": highs_milp}


def lp_relaxation(instance: GapInstance) -> tuple[float, float]:
    """(LP relaxation value, seconds) from linprog with HiGHS."""
    from scipy.optimize import linprog

    started = time.perf_counter()
    one_agent, capacity = _rows(instance)
    result = linprog(instance.cost.ravel(), A_ub=capacity, b_ub=instance.capacity, A_eq=one_agent,
                     b_eq=np.ones(instance.cost.shape[1]), bounds=(0, 1), method="highs")
    return (result.fun if result.status == 0 else math.nan), time.perf_counter() - started


def checked_cost(instance: GapInstance, outcome: Outcome) -> tuple[int | None, str]:
    """(cost, note) of the outcome's assignment; cost None when there is none or it breaks a rule."""
    agent_of = outcome.solution.mentor_of
    if agent_of is None:
        return None, outcome.solution.note or "no solution"
    try:
        gap.check(np.asarray(agent_of, dtype=np.int64), instance.resource, instance.capacity)
    except AssertionError as error:
        return None, f"infeasible: {error}"
    return gap.total_cost(instance.cost, agent_of), outcome.solution.note


def above_best(cost: int | None, best: float | None) -> float | None:
    """Percent of `cost` above `best`, a best-known cost or a lower bound."""
    return None if cost is None or not best else 100.0 * (cost - best) / best


def reference(instance: GapInstance, lp_value: float) -> float | None:
    """What the summary judges a cost against: the best-known cost, else the LP bound when there is one."""
    if instance.best_known is not None:
        return instance.best_known
    return lp_value if math.isfinite(lp_value) else None


def instance_rows(instance: GapInstance, time_limit: float,
                  lp: tuple[float, float] | None = None) -> tuple[list[str], dict[str, int | None]]:
    """The table rows of one instance, printed as they come, and each method's checked cost.

    `lp` is the instance's lp_relaxation when already solved."""
    lp_value, lp_seconds = lp or lp_relaxation(instance)
    m, n = instance.cost.shape
    lines, costs = [], {}
    for number, method in enumerate(METHODS):
        outcome = run(method, instance, time_limit, METHODS)
        costs[method], note = checked_cost(instance, outcome)
        percent = above_best(costs[method], instance.best_known)
        first = [instance.name, f"{m} x {n}", _text(instance.best_known), f"{lp_value:.1f}",
                 f"{lp_seconds:.2f}"] if number == 0 else [""] * 5
        cells = first + [method, _text(costs[method]), "-" if percent is None else f"{percent:.2f}%",
                         f"{outcome.seconds:.2f}", _text(outcome.solution.bound), note.replace("|", "/")]
        lines.append("| " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    return lines, costs


def _text(number: int | None) -> str:
    return "-" if number is None else str(number)


def summary(instances: list[GapInstance], costs: list[dict[str, int | None]],
            lp_values: list[float]) -> list[str]:
    """Per method: instances within WITHIN_PERCENT of best known (of the LP bound where none is
    known), and ahead of both others."""
    references = [reference(instance, lp_value) for instance, lp_value in zip(instances, lp_values)]
    unknown = sum(instance.best_known is None for instance in instances)
    against = ("best known" if not unknown else "the LP bound" if unknown == len(instances)
               else "best known (the LP bound where none is known)")
    lines = []
    for method in METHODS:
        within = sum(1 for best, found in zip(references, costs)
                     if (percent := above_best(found[method], best)) is not None
                     and percent <= WITHIN_PERCENT + TOLERANCE)
        ahead = sum(1 for found in costs if found[method] is not None
                    and all(other is None or found[method] < other
                            for peer, other in found.items() if peer != method))
        lines.append(f"- {method}: at most {WITHIN_PERCENT}% above {against} on {within}/{len(instances)} "
                     f"instances; strictly cheaper than both others on {ahead}/{len(instances)}.")
    if unknown:
        lines.append(f"- {unknown}/{len(instances)} instances have no best-known cost; they are judged by the "
                     f"percent above their LP bound, a valid lower bound on the optimum, so a cost at most "
                     f"{WITHIN_PERCENT}% above it is at most {WITHIN_PERCENT}% above the optimum.")
    return lines


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, print the table and the summary, and write them with --write-docs."""
    keep_large_arrays_in_the_heap()
    compile_kernels()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--write-docs", action="store_true",
                        help="also write the table to docs/benchmarks.md")
    parser.add_argument("--section", default="gap",
                        help="the docs section to write, between <!-- SECTION:start/end --> (default: gap)")
    parser.add_argument("--title", default="Generalised assignment library", help="the section's heading")
    args = parser.parse_args(argv)
    command = command_line("bench.gap_peers", argv if argv is not None else sys.argv[1:])
    head = [f"### {args.title}, time limit {args.time_limit:g} s per method", "",
            f"Command: `{command}`", "", machine_line(), "",
            "Cost is the total cost of the assignment found, checked feasible (every job assigned, "
            "no agent over capacity); above best known is relative to the literature's best-known "
            "cost; lower bound is the one the method proved; seconds are wall-clock and include "
            "building the model. The LP relaxation is solved once per instance as the reference bound.",
            "", HEADER, "|" + " --- |" * (HEADER.count("|") - 1)]
    print(*head, sep="\n", flush=True)
    instances, rows, costs, lp_values = [load(path) for path in args.files], [], [], []
    for instance in instances:
        lp = lp_relaxation(instance)
        lines, found = instance_rows(instance, args.time_limit, lp)
        rows += lines
        costs.append(found)
        lp_values.append(lp[0])
    tail = ["", *summary(instances, costs, lp_values), ""]
    print(*tail, sep="\n", flush=True)
    if args.write_docs:
        write_docs(head + rows + tail, DOCS, (f"<!-- {args.section}:start -->", f"<!-- {args.section}:end -->"))


if __name__ == "__main__":
    main()
