"""Seconds of scoring, assignment and calendar against the size of generated scenarios.

    python -m bench.scaling [--sizes 200x60 ...] [--full] [--time-limit T] [--plot PATH] [--docs PATH]

Each size is bench.peers' seeded youth-mentors scenario; generating and loading it is not
timed. The stages are the pipeline's first round with its time limit T: score_pairs; the
assignment problem of the waiting mentees and solve_assignment with the first round's time
(rounds.first_round_seconds); the calendar of the kept and new pairs (CalendarBook.update)
with T. Prints a markdown table, writes it to docs/benchmarks.md and plots seconds against
size to docs/scaling.png.
"""

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.peers import (
    DOCS,
    command_line,
    generated_scenario,
    machine_line,
    waiting_pool,
    write_docs,
)
from matcher.calendar_book import CalendarBook
from matcher.model import Scenario
from matcher.pipeline import Options, _problem
from matcher.rounds import first_round_rule, first_round_seconds, match_pairs, pair_ids
from matcher.scoring import score_pairs
from matcher.solver.assign_dive import compile_kernels
from matcher.solver.assignment import AssignmentResult, solve_assignment
from matcher.allocator import keep_large_arrays_in_the_heap

SIZES = ["200x60", "1000x250", "2000x500"]
FULL_SIZES = ["5000x1000", "10000x2000"]
PLOT = DOCS.parent / "scaling.png"
MARKERS = ("<!-- scaling:start -->", "<!-- scaling:end -->")
HEADER = ("| mentees x mentors | waiting | scoring s | assignment s | method | matched | objective / bound "
          "| calendar s | sessions placed / required |")


@dataclass(frozen=True)
class Timing:
    """The seconds of each stage at one size, with what the stage produced."""

    mentees: int
    mentors: int
    waiting: int
    scoring: float
    assignment: float
    method: str
    matched: int
    objective_ratio: float
    calendar: float
    placed: int
    required: int

    def row(self) -> str:
        """The markdown table row."""
        return (f"| {self.mentees} x {self.mentors} | {self.waiting} | {self.scoring:.2f} | {self.assignment:.2f} "
                f"| {self.method} | {self.matched} | {self.objective_ratio:.4f} | {self.calendar:.2f} "
                f"| {self.placed} / {self.required} |")


@dataclass(frozen=True)
class FirstRound:
    """The pipeline's first round on a scenario up to the calendar: the kept and new pairs
    (mentee row, mentor column, status), with the seconds of scoring and of the assignment."""

    scenario: Scenario
    waiting: int
    scores: np.ndarray
    result: AssignmentResult
    pairs: list[tuple[int, int, str]]
    scoring: float
    assignment: float

    @property
    def ids(self) -> list[tuple[str, str]]:
        """The pairs as (mentor id, mentee id)."""
        return pair_ids(self.scenario, self.pairs)


def first_round(scenario: Scenario, time_limit: float) -> FirstRound:
    """Score every pair, assign the waiting mentees with the first round's share of the time limit."""
    began = time.perf_counter()
    scores = score_pairs(scenario)
    scored = time.perf_counter()
    pool = waiting_pool(scenario)
    problem = _problem(scenario, scores, pool, movable=np.array([], int), rejected={})
    result = solve_assignment(problem, time_limit=first_round_seconds(len(pool), time_limit))
    assigned = time.perf_counter()
    kept = {match.mentee: match.mentor for match in scenario.kept_matches()}
    pairs = match_pairs(scenario, kept, pool, result.mentor_of, home=np.full(len(pool), -1))
    return FirstRound(scenario, len(pool), scores.total, result, pairs, scored - began, assigned - scored)


def measure(mentees: int, mentors: int, time_limit: float) -> Timing:
    """Time the three stages of the pipeline's first round on one generated scenario."""
    scenario = generated_scenario(mentees, mentors)
    round_ = first_round(scenario, time_limit)
    began = time.perf_counter()
    book = CalendarBook(scenario)
    book.update(round_.ids, time_limit)
    planned = time.perf_counter()
    placed = book.result()[2]
    result = round_.result
    return Timing(mentees, mentors, round_.waiting, round_.scoring, round_.assignment, result.method,
                  result.matched, result.objective / result.bound if result.bound else float("nan"),
                  planned - began, placed["sessions_placed"], placed["sessions_required"])


def plot(timings: list[Timing], time_limit: float, path: Path) -> None:
    """Seconds of each stage against mentee x mentor pairs, log-log, as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = [t.mentees * t.mentors for t in timings]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for label, seconds in (("scoring", [t.scoring for t in timings]),
                           ("assignment", [t.assignment for t in timings]),
                           ("calendar", [t.calendar for t in timings])):
        axes.plot(pairs, seconds, marker="o", label=label)
    axes.plot(pairs, [first_round_seconds(t.waiting, time_limit) for t in timings], color="grey", linestyle="--",
              linewidth=1, label="assignment time limit")
    for t, x in zip(timings, pairs):
        axes.annotate(f"{t.mentees}x{t.mentors}", (x, t.scoring), textcoords="offset points",
                      xytext=(0, -12), ha="center", fontsize=7)
    axes.set(xscale="log", yscale="log", xlabel="mentee x mentor pairs", ylabel="seconds",
             title="matcher: seconds per stage against size")
    axes.grid(True, which="both", linewidth=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, print the table, write it to the docs and draw the plot."""
    keep_large_arrays_in_the_heap()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=SIZES, help="MENTEESxMENTORS")
    parser.add_argument("--full", action="store_true", help=f"also {' '.join(FULL_SIZES)}")
    parser.add_argument("--time-limit", type=float, default=Options().time_limit,
                        help="the pipeline's time limit (default: its own)")
    parser.add_argument("--plot", type=Path, default=PLOT)
    parser.add_argument("--docs", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    compile_kernels()  # loaded once before any timing, as a long-running service has them
    command = command_line("bench.scaling", argv if argv is not None else sys.argv[1:])
    head = [f"### Seconds against size, time limit {args.time_limit:g} s", "",
            f"Command: `{command}`", "", machine_line(), "",
            f"Scoring is score_pairs over every mentee x mentor pair; assignment builds the problem of "
            f"the waiting mentees and runs solve_assignment with the first round's time ({first_round_rule()}), "
            f"as the pipeline's first round does (objective / bound: its own proven bound); calendar plans "
            f"the sessions of the kept and new pairs with the whole time limit, once: the pipeline then "
            f"tries other mentors for the mentees of the new pairs that cannot hold their sessions, "
            f"which is not timed here.",
            "", HEADER, "|" + " --- |" * (HEADER.count("|") - 1)]
    print(*head, sep="\n", flush=True)
    timings = []
    for size in args.sizes + (FULL_SIZES if args.full else []):
        mentees, mentors = map(int, size.lower().split("x"))
        timings.append(measure(mentees, mentors, args.time_limit))
        print(timings[-1].row(), flush=True)
    plot(timings, args.time_limit, args.plot)
    figure = args.plot.relative_to(args.docs.parent) if args.plot.is_relative_to(args.docs.parent) else args.plot
    write_docs(head + [t.row() for t in timings] + ["", f"![seconds per stage against size]({figure})", ""],
               args.docs, MARKERS)


if __name__ == "__main__":
    main()
