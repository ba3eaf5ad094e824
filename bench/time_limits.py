"""The matcher's share of its bound as the time limit grows, beside HiGHS MILP at each limit.

    python -m bench.time_limits [--size M] [--seeds 1 2 3 4] [--time-limits 2 5 7 10] [--write-docs]

Each seed is bench.peers' youth-mentors scenario of that size with that seed, its waiting
mentees' assignment problem. One markdown row per seed and time limit: the matcher's matches
(and its bound on them), objective, bound and objective / bound; HiGHS MILP's matches and
objective on the same goal (a match worth more than any pair's value, then value) in the
same time; and the matcher's objective over HiGHS's where both match as many. With
--write-docs the table goes to docs/benchmarks.md too.
"""

import argparse
import sys

from bench.peers import DOCS, SIZES, Instance, command_line, machine_line, run, scenario_instance, write_docs
from matcher.allocator import keep_large_arrays_in_the_heap
from matcher.solver.assign_dive import compile_kernels

MARKERS = ("<!-- time-limits:start -->", "<!-- time-limits:end -->")
HEADER = ("| seed | time limit | matched | objective | bound | objective / bound | HiGHS matched "
          "| HiGHS objective | matcher / HiGHS |")


def row(instance: Instance, seed: int, time_limit: float) -> str:
    """The markdown row of one seed and time limit."""
    problem = instance.problem
    ours = run("matcher", instance, time_limit).solution
    peer = run("highs-milp", instance, time_limit).solution
    matched, objective = int((ours.mentor_of >= 0).sum()), problem.objective(ours.mentor_of)
    if peer.mentor_of is None:
        peer_matched, peer_objective, over = "-", "none", "-"
    else:
        peer_matched, peer_objective = int((peer.mentor_of >= 0).sum()), problem.objective(peer.mentor_of)
        over = f"{objective / peer_objective:.4f}" if peer_matched == matched and peer_objective > 0 else "-"
        peer_objective = f"{peer_objective:.2f}"
    return (f"| {seed} | {time_limit:g} s | {matched} | {objective:.2f} | {ours.bound:.2f} | {objective / ours.bound:.4f} "
            f"| {peer_matched} | {peer_objective} | {over} |")


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and print one row per seed and time limit as it is measured."""
    keep_large_arrays_in_the_heap()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="M")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--time-limits", type=float, nargs="+", default=[2.0, 5.0, 7.0, 10.0])
    parser.add_argument("--write-docs", action="store_true", help="write the table to docs/benchmarks.md too")
    args = parser.parse_args(argv)
    compile_kernels()  # loaded once before any timing, as a long-running service has them
    mentees, mentors, _ = SIZES[args.size]
    command = command_line("bench.time_limits", argv if argv is not None else sys.argv[1:])
    lines = [f"### {args.size}: {mentees} x {mentors} scenarios by time limit, beside HiGHS MILP", "",
             f"Command: `{command}`", "", machine_line(), "", HEADER, "|" + " --- |" * (HEADER.count("|") - 1)]
    print(*lines, sep="\n", flush=True)
    for seed in args.seeds:
        instance = scenario_instance(mentees, mentors, seed)
        for time_limit in args.time_limits:
            lines.append(row(instance, seed, time_limit))
            print(lines[-1], flush=True)
    if args.write_docs:
        write_docs(lines + [""], DOCS, MARKERS)


if __name__ == "__main__":
    main()
