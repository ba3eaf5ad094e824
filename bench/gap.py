"""OR-Library generalised assignment instances solved with solve_assignment.

    python -m bench.gap FILE... [--time-limit S]

Each file holds `m n`, the m x n cost matrix (agent rows), the m x n resource matrix and
the m agent capacities; every job must go to one agent at minimum total cost. Agents
become mentors (budget = capacity, no limit on the number of mentees), jobs become
required mentees (load = resource), and value = (max cost + 1) - cost, so maximising value
minimises cost. Prints `NAME cost=C bound=B seconds=T` per instance, B being the proven
lower bound on the cost, or `NAME cost=none` when no feasible assignment is found.
"""

import argparse
import math
from pathlib import Path

import numpy as np

from matcher.allocator import keep_large_arrays_in_the_heap
from matcher.solver.assign_dive import compile_kernels
from matcher.solver.assignment import (
    AssignmentProblem,
    InfeasibleAssignment,
    solve_assignment,
)


def read_instance(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cost, resource, capacity): cost and resource as (agents, jobs) arrays."""
    numbers = np.array(path.read_text().split(), dtype=float)
    m, n = int(numbers[0]), int(numbers[1])
    cost = numbers[2:2 + m * n].reshape(m, n)
    resource = numbers[2 + m * n:2 + 2 * m * n].reshape(m, n)
    capacity = numbers[2 + 2 * m * n:2 + 2 * m * n + m]
    return cost, resource, capacity


def as_assignment(cost, resource, capacity) -> tuple[AssignmentProblem, float]:
    """The instance as an AssignmentProblem, and the per-job value offset (cost = offset - value)."""
    m, n = cost.shape
    offset = cost.max() + 1.0
    problem = AssignmentProblem(
        value=np.ascontiguousarray(offset - cost.T), allowed=np.ones((n, m), bool),
        load=np.ascontiguousarray(resource.T), capacity=np.full(m, n), budget=capacity.copy(),
        required=np.ones(n, bool))
    return problem, offset


def check(agent_of: np.ndarray, resource: np.ndarray, capacity: np.ndarray) -> None:
    """Raise AssertionError unless every job has an agent and no capacity is exceeded."""
    m, n = resource.shape
    assert agent_of.shape == (n,) and ((agent_of >= 0) & (agent_of < m)).all(), "job unassigned"
    used = np.bincount(agent_of, resource[agent_of, np.arange(n)], minlength=m)
    assert (used <= capacity + 1e-9).all(), "agent capacity exceeded"


def solve(cost, resource, capacity, time_limit: float) -> tuple[np.ndarray, int, float]:
    """(agent of each job, proven lower bound on the cost, solver seconds) from solve_assignment.

    Raises InfeasibleAssignment when it finds no assignment of every job."""
    problem, offset = as_assignment(cost, resource, capacity)
    result = solve_assignment(problem, time_limit=time_limit)
    lower = math.ceil(cost.shape[1] * offset - result.bound - 1e-6)
    return result.mentor_of, lower, result.seconds


def total_cost(cost: np.ndarray, agent_of: np.ndarray) -> int:
    """The cost of giving job k to agent agent_of[k], for every job."""
    return int(round(cost[agent_of, np.arange(cost.shape[1])].sum()))


def main(argv=None) -> None:
    """Solve each file and print one line per instance."""
    keep_large_arrays_in_the_heap()
    compile_kernels()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args(argv)
    for path in args.files:
        cost, resource, capacity = read_instance(path)
        try:
            agent_of, lower, seconds = solve(cost, resource, capacity, args.time_limit)
        except InfeasibleAssignment:
            print(f"{path.name} cost=none", flush=True)
            continue
        check(agent_of, resource, capacity)
        print(f"{path.name} cost={total_cost(cost, agent_of)} bound={lower} seconds={seconds:.2f}", flush=True)


if __name__ == "__main__":
    main()
