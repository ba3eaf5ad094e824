"""Whole proposals on generated scenarios: mentees matched with a mentor whose calendar holds
their sessions, against a coordinator who checks each mentor's week by hand.

    python -m bench.proposals [--sizes 2000x500 10000x2000] [--seeds 1 2 3] [--programmes youth-mentors ...]
                              [--time-limit S] [--write-docs [--section S] [--title T]]

matcher is `propose` with the time limit: assignment, calendars, the rounds over the mentors'
free time and the trials. The peer is a careful greedy coordinator: mentees in waiting order,
each to the best-scored mentor allowed for it with a place and hours left whose typical week
still has a whole weekly pattern free for it (after the kept matches' patterns), then the
same calendar for all the pairs; a new pair counts as matched when the calendar holds at
least the share of its sessions the pipeline asks for (calendar_book.HELD_SHARE).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

from bench.calendar import take_pattern
from bench.peers import (DOCS, command_line, generated_scenario, longest_waiting_first, machine_line, waiting_pool,
                         write_docs)
from matcher.calendar_book import HELD_SHARE
from matcher.model import Scenario
from matcher.pipeline import Options, propose
from matcher.scoring import score_pairs
from matcher.solver.assign_dive import compile_kernels
from matcher.solver.calendar import plan_sessions
from matcher.solver.calendar_patterns import TypicalWeek

HEADER = ("| scenario | waiting | method | seconds | matched | mean score | sessions placed / required |\n"
          "| --- | --- | --- | --- | --- | --- | --- |")


@dataclass(frozen=True)
class Outcome:
    """One method's proposal on one scenario."""

    method: str
    seconds: float
    matched: int
    mean_score: float
    placed: int
    required: int


def waiting(scenario: Scenario) -> list[int]:
    """Rows of the mentees without a kept match, longest waiting first."""
    pool = waiting_pool(scenario)
    return [int(pool[k]) for k in longest_waiting_first(scenario, pool)]


def matcher(scenario: Scenario, time_limit: float) -> Outcome:
    """The pipeline's proposal."""
    began = time.perf_counter()
    proposal = propose(scenario, Options(time_limit=time_limit))
    seconds = time.perf_counter() - began
    waited = {scenario.mentees[i].id for i in waiting(scenario)}
    new = [m for m in proposal.matches if m.mentee in waited]
    return Outcome("matcher", seconds, len(new), float(np.mean([m.score for m in new])) if new else 0.0,
                   proposal.stats["sessions_placed"], proposal.stats["sessions_required"])


def coordinator(scenario: Scenario, time_limit: float) -> Outcome:
    """The greedy coordinator (see the module docstring); the calendar gets the time limit."""
    began = time.perf_counter()
    scores = score_pairs(scenario)
    weeks = scenario.programme.weeks
    mentors = {m.id: j for j, m in enumerate(scenario.mentors)}
    places = np.array([m.capacity for m in scenario.mentors])
    hours = np.array([m.hours_per_week for m in scenario.mentors], dtype=float)
    typical = [TypicalWeek(m) for m in scenario.mentors]
    index = {m.id: i for i, m in enumerate(scenario.mentees)}
    pairs = []
    for match in scenario.kept_matches():
        j, mentee = mentors[match.mentor], scenario.mentees[index[match.mentee]]
        places[j] -= 1
        hours[j] -= mentee.sessions.weekly_hours(weeks)
        take_pattern(scenario, typical[j], scenario.mentors[j], mentee)
        pairs.append((match.mentor, match.mentee))
    kept = len(pairs)
    for i in waiting(scenario):
        mentee = scenario.mentees[i]
        need = mentee.sessions.weekly_hours(weeks)
        for j in np.flatnonzero(scores.feasible[i])[np.argsort(-scores.total[i, scores.feasible[i]], kind="stable")]:
            if places[j] >= 1 and hours[j] >= need - 1e-9 and take_pattern(scenario, typical[j],
                                                                            scenario.mentors[j], mentee):
                places[j] -= 1
                hours[j] -= need
                pairs.append((scenario.mentors[j].id, mentee.id))
                break
    result = plan_sessions(scenario, pairs, time_limit)
    missing = {(u.mentor, u.mentee): u.missing for u in result.unplaced}
    held = [(mentor, mentee) for mentor, mentee in pairs[kept:]
            if missing.get((mentor, mentee), 0) <= (1 - HELD_SHARE) * scenario.mentees[index[mentee]].sessions.total(weeks)]
    seconds = time.perf_counter() - began
    held_scores = [scores.total[index[mentee], mentors[mentor]] for mentor, mentee in held]
    return Outcome("coordinator", seconds, len(held), float(np.mean(held_scores)) if held else 0.0,
                   result.stats["sessions_placed"], result.stats["sessions_required"])


def rows(size: str, seed: int, time_limit: float, programme: str = "youth-mentors") -> list[str]:
    """The table rows of one scenario, and its ratios row."""
    mentees, mentors = (int(part) for part in size.split("x"))
    scenario = generated_scenario(mentees, mentors, seed, programme)
    name, count = f"{programme} {mentees} x {mentors}, seed {seed}", len(waiting(scenario))
    outcomes = [matcher(scenario, time_limit), coordinator(scenario, time_limit)]
    lines = [f"| {name} | {count} | {o.method} | {o.seconds:.1f} | {o.matched} | {o.mean_score:.3f} | "
             f"{o.placed} / {o.required} |" for o in outcomes]
    ours, peer = outcomes
    lines.append(f"| {name} | {count} | matcher / coordinator | {ours.seconds / peer.seconds:.2f} | "
                 f"{ours.matched / max(peer.matched, 1):.3f} | {ours.mean_score / max(peer.mean_score, 1e-9):.3f} | |")
    return lines


def header(argv: list[str], time_limit: float, title: str = "Whole proposals against a greedy coordinator") -> list[str]:
    """The command, the machine and what the table shows."""
    return [f"### {title}, time limit {time_limit:g} s", "",
            f"Command: `{command_line('bench.proposals', argv)}`", "", machine_line(), "",
            "Generated scenarios (tightness 1). matcher is `propose` with the time limit "
            "(assignment, calendars, rounds over the mentors' free time, moves, trials); its seconds include "
            "scoring and the calendars, which the time limit does not bound. The coordinator takes the "
            "mentees in waiting order, each to the best-scored allowed mentor with a place and hours left "
            "whose typical week still has a whole weekly pattern free for it, then the same calendar plans "
            f"all pairs. Matched counts the waiting mentees whose new pair holds {HELD_SHARE:.0%} of its "
            "sessions at least (every pair matcher proposes does); mean score is theirs; sessions are all "
            "pairs', kept ones included. The ratio rows divide matcher's figure by the coordinator's.", "",
            HEADER]


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, print the table and write it to docs/benchmarks.md when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["2000x500"], help="MENTEESxMENTORS, e.g. 2000x500")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--programmes", nargs="+", default=["youth-mentors"])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--section", default="proposals",
                        help="the docs section to write, between <!-- SECTION:start/end --> (default: proposals)")
    parser.add_argument("--title", default="Whole proposals against a greedy coordinator", help="the section's heading")
    args = parser.parse_args(argv)
    compile_kernels()  # loaded once before any timing, as a long-running service has them
    lines = header(argv if argv is not None else sys.argv[1:], args.time_limit, args.title)
    print(*lines, sep="\n", flush=True)
    for programme in args.programmes:
        for size in args.sizes:
            for seed in args.seeds:
                found = rows(size, seed, args.time_limit, programme)
                print(*found, sep="\n", flush=True)
                lines += found
    if args.write_docs:
        write_docs(lines + [""], DOCS, (f"<!-- {args.section}:start -->", f"<!-- {args.section}:end -->"))


if __name__ == "__main__":
    main()
