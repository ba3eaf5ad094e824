"""solve_assignment side by side with peer methods on generated scenarios.

    python -m bench.peers [--sizes S M] [--full] [--time-limit T]

Each size is a youth-mentors scenario (seed 1, tightness 1), scored once and turned into
the assignment problem the pipeline solves for its waiting mentees. Every method gets the
same problem and time limit; seconds include building each peer's model. Capacity and
budget violations and the mentor-load figures are computed here from the arrays alone.
Prints one markdown table per size and writes them to docs/benchmarks.md too.
"""

import argparse
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from matcher.generate import generate_scenario
from matcher.model import Scenario
from matcher.pipeline import Options, _problem
from matcher.schema import load_scenario
from matcher.scoring import score_pairs
from matcher.solver.assign_dive import compile_kernels
from matcher.solver.assign_problem import match_worth
from matcher.solver.assignment import AssignmentProblem, solve_assignment
from matcher.allocator import keep_large_arrays_in_the_heap

SIZES = {"S": (200, 60, 2.0), "M": (2000, 500, 2.0), "L": (10_000, 2000, 20.0)}
DOCS = Path(__file__).parents[1] / "docs" / "benchmarks.md"
MARKERS = ("<!-- peers:start -->", "<!-- peers:end -->")
HEADER = ("| method | seconds | matched | objective | objective / bound | over capacity "
          "| over budget | hours std | below target | note |")
VALUE_SCALE = 1000      # CP-SAT: integer value points per unit of value
MINUTES_PER_HOUR = 60   # CP-SAT: loads and budgets in whole minutes
DISALLOWED = -1e6       # linear_sum_assignment: value of a pair that is not allowed
TOLERANCE = 1e-9
SLOW_PEER_FACTOR = 10   # HiGHS MILP also runs with this many times the time limit ...
SLOW_PEER_SIZES = ("S", "M")  # ... at these sizes: how much longer it needs for the matcher's quality
DEFAULT_LIMIT = Options().time_limit  # the matcher also runs with the default time limit ...
DEFAULT_LIMIT_SIZES = ("M",)  # ... at these sizes: what a coordinator gets without choosing one


@dataclass(frozen=True)
class Instance:
    """A problem and its mentee rows in waiting order, longest waiting first."""

    problem: AssignmentProblem
    waiting_order: np.ndarray


@dataclass(frozen=True)
class Solution:
    """What a method returns: mentor_of (None when it found none), its own bound, a note."""

    mentor_of: np.ndarray | None
    bound: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    """A method's solution with the wall-clock seconds it took."""

    method: str
    seconds: float
    solution: Solution


def generated_scenario(mentees: int, mentors: int, seed: int = 1, programme: str = "youth-mentors") -> Scenario:
    """The seeded scenario of that size and programme (tightness 1)."""
    return load_scenario(generate_scenario(mentees, mentors, seed=seed, programme=programme, tightness=1.0))


def waiting_pool(scenario: Scenario) -> np.ndarray:
    """Indices of the mentees without a kept match: the ones the pipeline assigns."""
    kept = {match.mentee for match in scenario.kept_matches()}
    return np.array([i for i, mentee in enumerate(scenario.mentees) if mentee.id not in kept], dtype=np.int64)


def longest_waiting_first(scenario: Scenario, rows: np.ndarray) -> list[int]:
    """Positions in `rows` (mentee indices) of those mentees, longest waiting first."""
    since = [scenario.mentees[i].waiting_since for i in rows]
    return sorted(range(len(rows)), key=lambda row: (since[row] is None, since[row] or date.min))


def scenario_instance(mentees: int, mentors: int, seed: int = 1) -> Instance:
    """The pipeline's assignment problem for the waiting mentees of a generated scenario."""
    scenario = generated_scenario(mentees, mentors, seed)
    scores = score_pairs(scenario)
    pool = waiting_pool(scenario)
    problem = _problem(scenario, scores, pool, movable=np.array([], int), rejected={})
    return Instance(problem, np.array(longest_waiting_first(scenario, pool), dtype=np.int64))


def _pairs(problem: AssignmentProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(mentee, mentor, value, load) of every allowed pair."""
    mentees, mentors = np.nonzero(problem.allowed)
    return mentees, mentors, problem.value[mentees, mentors], _load(problem, mentees, mentors)


def _load(problem: AssignmentProblem, mentees, mentors):
    """Weekly hours of the pairs (mentees[p], mentors[p]), or of one pair."""
    return problem.load[mentees] if problem.load.ndim == 1 else problem.load[mentees, mentors]


def _chosen(problem: AssignmentProblem, mentees: np.ndarray, mentors: np.ndarray,
            picked: np.ndarray) -> np.ndarray:
    """mentor_of from a 0/1 choice over the pairs (mentees[p], mentors[p])."""
    mentor_of = np.full(problem.shape[0], -1)
    mentor_of[mentees[picked]] = mentors[picked]
    return mentor_of


def _same_goal(problem: AssignmentProblem) -> tuple[float, str]:
    """The match worth and the note of a peer solving the matcher's combined goal."""
    worth = match_worth(problem)
    return worth, f"same goal: a match worth {worth:.3f}, then value"


def _value_bound(combined_bound: float | None, worth: float, mentor_of: np.ndarray) -> float | None:
    """A peer's bound on the combined goal as a bound on the value of assignments matching
    at least as many mentees as its own."""
    if combined_bound is None:
        return None
    return combined_bound - worth * int((mentor_of >= 0).sum())


def matcher(instance: Instance, time_limit: float) -> Solution:
    """The project's solver: as many matches as possible, then value."""
    result = solve_assignment(instance.problem, time_limit=time_limit)
    return Solution(result.mentor_of, result.bound, f"method={result.method}")


def expanded_lsa(instance: Instance, time_limit: float) -> Solution:
    """linear_sum_assignment with each mentor repeated capacity times; hour budgets ignored."""
    from scipy.optimize import linear_sum_assignment

    problem = instance.problem
    slots = np.repeat(np.arange(problem.shape[1]), problem.capacity.astype(np.int64))
    allowed = problem.allowed[:, slots]
    rows, columns = linear_sum_assignment(np.where(allowed, problem.value[:, slots], DISALLOWED),
                                          maximize=True)
    keep = allowed[rows, columns]
    mentor_of = np.full(problem.shape[0], -1)
    mentor_of[rows[keep]] = slots[columns[keep]]
    return Solution(mentor_of, note="ignores hour budgets")


def highs_milp(instance: Instance, time_limit: float) -> Solution:
    """HiGHS MILP of the matcher's combined goal under the mentee, capacity and budget rows."""
    from scipy import sparse
    from scipy.optimize import LinearConstraint, milp

    problem = instance.problem
    (n, m), (mentees, mentors, value, load) = problem.shape, _pairs(problem)
    columns = np.arange(len(mentees))
    rows = sparse.vstack([
        sparse.csr_matrix((np.ones(len(columns)), (mentees, columns)), shape=(n, len(columns))),
        sparse.csr_matrix((np.ones(len(columns)), (mentors, columns)), shape=(m, len(columns))),
        sparse.csr_matrix((load, (mentors, columns)), shape=(m, len(columns)))])
    upper = np.concatenate([np.ones(n), problem.capacity, problem.budget])
    worth, note = _same_goal(problem)
    result = milp(-(value + worth), integrality=np.ones(len(columns)), bounds=(0, 1),
                  constraints=[LinearConstraint(rows, -np.inf, upper)],
                  options={"time_limit": time_limit})
    if result.x is None:
        return Solution(None, note=note)
    mentor_of = _chosen(problem, mentees, mentors, result.x > 0.5)
    bound = -result.mip_dual_bound if result.mip_dual_bound is not None else None
    return Solution(mentor_of, _value_bound(bound, worth, mentor_of), note)


def cp_sat(instance: Instance, time_limit: float) -> Solution:
    """A plain CP-SAT model of the matcher's combined goal: integer value points and minutes."""
    from ortools.sat.python import cp_model

    problem = instance.problem
    (n, m), (mentees, mentors, value, load) = problem.shape, _pairs(problem)
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"x{p}") for p in range(len(mentees))]
    minutes = np.ceil(load * MINUTES_PER_HOUR - TOLERANCE).astype(np.int64)
    budget = np.floor(problem.budget * MINUTES_PER_HOUR + TOLERANCE).astype(np.int64)
    for members in _groups(mentees, n):
        model.add(sum(chosen[p] for p in members) <= 1)
    for j, members in enumerate(_groups(mentors, m)):
        model.add(sum(chosen[p] for p in members) <= int(problem.capacity[j]))
        model.add(cp_model.LinearExpr.weighted_sum([chosen[p] for p in members],
                                                   minutes[members].tolist()) <= int(budget[j]))
    worth, note = _same_goal(problem)
    points = np.round((value + worth) * VALUE_SCALE).astype(np.int64).tolist()
    model.maximize(cp_model.LinearExpr.weighted_sum(chosen, points))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    note += "; 2 workers"
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution(None, note=note)
    picked = np.array([solver.boolean_value(x) for x in chosen], dtype=bool)
    mentor_of = _chosen(problem, mentees, mentors, picked)
    return Solution(mentor_of, _value_bound(solver.best_objective_bound / VALUE_SCALE, worth, mentor_of), note)


def _groups(owner: np.ndarray, size: int) -> list[np.ndarray]:
    """For each k < size, the positions p with owner[p] == k."""
    order = np.argsort(owner, kind="stable")
    edges = np.searchsorted(owner[order], np.arange(size + 1))
    return [order[edges[k]:edges[k + 1]] for k in range(size)]


def stable_matching(instance: Instance, time_limit: float) -> Solution:
    """Resident-optimal hospital-resident matching (`matching` package) ranked by value,
    then pairs over a mentor's budget dropped in the mentor's order of preference.

    The players and the algorithm are those HospitalResident uses; the class itself is
    skipped because its deep copy of the players exceeds Python's recursion limit at M."""
    from matching.algorithms import hospital_resident
    from matching.games.hospital_resident import _make_players

    problem = instance.problem
    allowed = problem.allowed & (problem.capacity > 0)
    value = problem.value
    mentee_prefs = {i: [int(j) for j in _ranked(allowed[i], value[i])]
                    for i in range(problem.shape[0]) if allowed[i].any()}
    mentor_prefs = {j: [int(i) for i in _ranked(allowed[:, j], value[:, j])]
                    for j in range(problem.shape[1]) if allowed[:, j].any()}
    capacities = {j: int(problem.capacity[j]) for j in mentor_prefs}
    residents, hospitals = _make_players(mentee_prefs, mentor_prefs, capacities)
    matched = hospital_resident(residents, hospitals, optimal="resident")
    mentor_of = np.full(problem.shape[0], -1)
    dropped = 0
    for hospital, members in matched.items():
        j, hours = hospital.name, 0.0
        for i in sorted((resident.name for resident in members), key=lambda i: -value[i, j]):
            load = _load(problem, i, j)
            if hours + load > problem.budget[j] + TOLERANCE:
                dropped += 1
                continue
            hours += load
            mentor_of[i] = j
    return Solution(mentor_of, note=f"dropped {dropped} pairs over budget")


def _ranked(allowed: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Indices of the allowed entries, highest value first."""
    candidates = np.flatnonzero(allowed)
    return candidates[np.argsort(-value[candidates], kind="stable")]


def greedy(instance: Instance, time_limit: float) -> Solution:
    """A coordinator: longest waiting first, each to the best allowed mentor with room."""
    problem = instance.problem
    count = np.zeros(problem.shape[1], dtype=np.int64)
    hours = np.zeros(problem.shape[1])
    mentor_of = np.full(problem.shape[0], -1)
    for i in instance.waiting_order:
        load = np.broadcast_to(problem.load[i], hours.shape)
        room = (problem.allowed[i] & (count < problem.capacity)
                & (hours + load <= problem.budget + TOLERANCE))
        if room.any():
            j = int(np.argmax(np.where(room, problem.value[i], -np.inf)))
            mentor_of[i] = j
            count[j] += 1
            hours[j] += load[j]
    return Solution(mentor_of, note="waiting order")


METHODS = {"matcher": matcher, "linear-sum-assignment": expanded_lsa, "highs-milp": highs_milp,
           "cp-sat": cp_sat, "stable-matching": stable_matching, "greedy": greedy}


def run(method: str, instance, time_limit: float, methods: dict = METHODS) -> Outcome:
    """Run one of `methods` on the instance and time it; an exception becomes a solution-less outcome."""
    started = time.perf_counter()
    try:
        solution = methods[method](instance, time_limit)
    except Exception as error:  # a peer failing is a result to report, not a crash
        solution = Solution(None, note=f"{type(error).__name__}: {error}"[:80])
    return Outcome(method, time.perf_counter() - started, solution)


@dataclass(frozen=True)
class Measures:
    """Independent figures of one assignment."""

    matched: int
    objective: float
    over_capacity: int
    over_budget: int
    hours_std: float
    below_target: int


def measure(problem: AssignmentProblem, mentor_of: np.ndarray) -> Measures:
    """Matches, objective, mentors over capacity or budget, and the spread of their hours."""
    taken = np.flatnonzero(mentor_of >= 0)
    mentors = mentor_of[taken]
    m = problem.shape[1]
    load = _load(problem, taken, mentors)
    count = np.bincount(mentors, minlength=m)
    hours = np.bincount(mentors, load, minlength=m)
    target = problem.target_hours if problem.target_hours is not None else np.zeros(m)
    return Measures(
        matched=len(taken), objective=problem.objective(mentor_of),
        over_capacity=int((count > problem.capacity).sum()),
        over_budget=int((hours > problem.budget + TOLERANCE).sum()),
        hours_std=float(hours.std()),
        below_target=int(((target > 0) & (hours < target - TOLERANCE)).sum()))


def row(outcome: Outcome, problem: AssignmentProblem, bound: float | None) -> str:
    """One markdown table row; `no solution` when the method found none."""
    note = outcome.solution.note.replace("|", "/")
    if outcome.solution.bound is not None:
        note += f"; own bound {outcome.solution.bound:.3f}"
    if outcome.solution.mentor_of is None:
        return (f"| {outcome.method} | {outcome.seconds:.2f} | no solution "
                f"| - | - | - | - | - | - | {note} |")
    figures = measure(problem, outcome.solution.mentor_of)
    ratio = f"{figures.objective / bound:.4f}" if bound else "-"
    return (f"| {outcome.method} | {outcome.seconds:.2f} | {figures.matched} "
            f"| {figures.objective:.3f} | {ratio} | {figures.over_capacity} "
            f"| {figures.over_budget} | {figures.hours_std:.2f} | {figures.below_target} "
            f"| {note} |")


def ratios(outcomes: list[Outcome], problem: AssignmentProblem) -> list[str]:
    """Markdown rows: the matcher's seconds and objective divided by each peer's."""
    ours, *peers = outcomes
    lines = ["| peer | time ours / peer | objective ours / peer |", "| --- | --- | --- |"]
    for peer in peers:
        if ours.solution.mentor_of is None or peer.solution.mentor_of is None:
            lines.append(f"| {peer.method} | - | - |")
            continue
        objective = measure(problem, peer.solution.mentor_of).objective
        mine = measure(problem, ours.solution.mentor_of).objective
        quotient = f"{mine / objective:.4f}" if objective else "-"
        lines.append(f"| {peer.method} | {ours.seconds / peer.seconds:.2f} | {quotient} |")
    return lines


def size_tables(size: str, time_limit: float | None) -> list[str]:
    """The results table and the ratios table of one size, printing rows as they come."""
    mentees, mentors, default_limit = SIZES[size]
    limit = time_limit or default_limit
    instance = scenario_instance(mentees, mentors)
    n, m = instance.problem.shape
    lines = [f"### {size}: {mentees} x {mentors} scenario, {n} waiting mentees, "
             f"{int(instance.problem.allowed.sum())} allowed pairs, time limit {limit:g} s",
             "", HEADER, "| " + " | ".join(["---"] * 10) + " |"]
    print(*lines, sep="\n", flush=True)
    runs = [(method, method, limit) for method in METHODS]
    if size in SLOW_PEER_SIZES:
        runs.append((f"highs-milp, {SLOW_PEER_FACTOR:g}x time", "highs-milp", SLOW_PEER_FACTOR * limit))
    if size in DEFAULT_LIMIT_SIZES and limit < DEFAULT_LIMIT:
        runs.append((f"matcher, {DEFAULT_LIMIT:g} s", "matcher", DEFAULT_LIMIT))
    outcomes = []
    for label, method, seconds in runs:
        outcomes.append(replace(run(method, instance, seconds), method=label))
        lines.append(row(outcomes[-1], instance.problem, outcomes[0].solution.bound))
        print(lines[-1], flush=True)
    tail = ["", *ratios(outcomes, instance.problem), ""]
    print(*tail, sep="\n", flush=True)
    return lines + tail


def machine_line() -> str:
    """The machine, its load, the library versions and the date, as one line."""
    import ortools
    import scipy

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"Machine: {os.cpu_count()} cores (load average {load} at the start; another "
            f"process may be using one core, so timings are noisy), Python "
            f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
            f"ortools {ortools.__version__}. Date: {date.today().isoformat()}.")


def command_line(module: str, argv: list[str]) -> str:
    """The command that runs `module` with `argv`, quoted as a shell would need it."""
    return shlex.join(["python", "-m", module, *argv])


def machine_header(argv: list[str]) -> list[str]:
    """The command, the machine, the library versions and the date."""
    command = command_line("bench.peers", argv)
    return [f"Command: `{command}`",
            "",
            machine_line(),
            "",
            "Objective is the problem's own (value minus shortfall penalty); the bound is the "
            "matcher's, which holds for assignments matching at least as many mentees as the "
            "matcher does. HiGHS MILP and CP-SAT solve the matcher's goal as one objective (each "
            "match worth more than any pair's value, then value), without the shortfall penalty. "
            "Hours std is the spread of hours given per mentor; below target counts volunteers "
            f"under their minimum hours. At {' and '.join(SLOW_PEER_SIZES)}, HiGHS MILP runs once more "
            f"with {SLOW_PEER_FACTOR:g} times the time limit: what it reaches given that much longer. "
            f"At {' and '.join(DEFAULT_LIMIT_SIZES)}, the matcher runs once more with the "
            f"default time limit, {DEFAULT_LIMIT:g} s; its bound there is its own.",
            ""]


def write_docs(lines: list[str], path: Path = DOCS, markers: tuple[str, str] = MARKERS) -> None:
    """Replace the section between the markers in `path`, creating the file or section."""
    start, end = markers
    section = "\n".join([start, *lines, end])
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        text = text[:text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, print the tables and write them to docs/benchmarks.md."""
    keep_large_arrays_in_the_heap()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=["S", "M"], default=["S", "M"])
    parser.add_argument("--full", action="store_true", help="also L: 10,000 x 2,000")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per method (default: 2 at S and M, 20 at L)")
    args = parser.parse_args(argv)
    compile_kernels()  # loaded once before any timing, as a long-running service has them
    lines = machine_header(argv if argv is not None else sys.argv[1:])
    print(*lines, sep="\n", flush=True)
    for size in args.sizes + (["L"] if args.full else []):
        lines += size_tables(size, args.time_limit)
    write_docs(lines)


if __name__ == "__main__":
    main()
