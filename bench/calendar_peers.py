"""The session calendar side by side with one whole-problem CP-SAT model on generated scenarios.

    python -m bench.calendar_peers [--sizes S M] [--time-limit T] [--write-docs]

Each size is bench.peers' seeded youth-mentors scenario. The pairs are those of the
pipeline's first round, taken as bench.scaling takes them: score_pairs (timed and reported),
the waiting mentees' assignment with the first round's time, and the kept matches. Then the
matcher's calendar (CalendarBook.update with T) and a plain CP-SAT model of the whole
placement (same T, 2 workers; its seconds include building the model) place the sessions
of the same pairs, and tests/checker.py checks each result as a proposal against the hard
rules. Prints one markdown table per size; --write-docs also writes them to docs/benchmarks.md.
"""

import argparse
import math
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from ortools.sat.python import cp_model

from bench.peers import DOCS, command_line, generated_scenario, machine_line, write_docs
from bench.scaling import FirstRound, first_round
from matcher.calendar_book import CalendarBook
from matcher.model import Mentor, Scenario
from matcher.pipeline import Options
from matcher.rounds import first_round_rule
from matcher.proposal import Proposal, ProposedMatch, Session, Unmatched
from matcher.schema import dump_scenario
from matcher.solver.calendar import ScenarioPairs, as_session, session_order
from matcher.solver.calendar_rules import (
    Blocker,
    Candidate,
    Placement,
    booked,
    concrete,
)
from matcher.solver.calendar_slots import Horizon, Pair
from tests.checker import violations

SIZES = {"S": (200, 60), "M": (2000, 500)}
MARKERS = ("<!-- calendar:start -->", "<!-- calendar:end -->")
HEADER = "| method | seconds | sessions placed / required | pairs with all sessions | violations | note |"
MAKE_UP = 1             # a week may hold per_week + MAKE_UP sessions, as the calendar's make-ups do
TOLERANCE = 1e-6
WORKERS = 2
Option = tuple[Placement, cp_model.IntVar]   # a candidate session and whether it is held


@dataclass(frozen=True)
class Placed:
    """What a method returns: its sessions (None when it found none), its own bound, a note."""

    sessions: list[Session] | None
    bound: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    """A method's sessions with its wall-clock seconds and the checker's violations by rule."""

    method: str
    seconds: float
    placed: Placed
    violations: Counter


def matcher_calendar(instance: FirstRound, time_limit: float) -> Placed:
    """The project's calendar, as the pipeline's first round runs it."""
    book = CalendarBook(instance.scenario)
    book.update(instance.ids, time_limit)
    sessions, _, stats = book.result()
    return Placed(sessions, note=f"CalendarBook.update; {stats['flexible_sessions']} flexible")


class WholeCalendarModel:
    """One CP-SAT model of every session of every pair: a boolean per pair and concrete
    candidate session (each weekly slot of the pair in each week of the horizon), with
    every hard rule of DESIGN.md that concerns sessions; maximises the sessions placed.
    Booked sessions of kept matches are fixed and count as placed."""

    def __init__(self, scenario: Scenario, pairs: list[tuple[str, str]]):
        mentees = Counter(mentee for _, mentee in pairs)
        if max(mentees.values(), default=1) > 1:
            raise ValueError("a mentee is in two pairs; the per-mentor no-overlap would not cover them")
        self.horizon = Horizon(scenario.programme)
        self.model = cp_model.CpModel()
        self.booked: list[Placement] = []
        self.options: list[Option] = []
        for mentor_pairs in ScenarioPairs(scenario).grouped(pairs).values():
            self._add_mentor(mentor_pairs)
        self.model.maximize(sum(var for _, var in self.options))

    def _add_mentor(self, pairs: list[Pair]) -> None:
        """The candidates of one mentor's pairs and the rules that bind them together."""
        fixed = [Placement(pair, booked(self.horizon, pair, start), "booked")
                 for pair in pairs for start in pair.booked]
        options = [(Placement(pair, when, "cp-sat"), self.model.new_bool_var(""))
                   for pair in pairs for when in self._candidates(pair, fixed)]
        self.booked += fixed
        self.options += options
        self._nobody_twice(options)
        for pair in pairs:
            self._pair_rules(pair, [(p.when, var) for p, var in options if p.pair is pair],
                             [p.when.day for p in fixed if p.pair is pair])
        self._week_limits(pairs[0].mentor, options, fixed)

    def _candidates(self, pair: Pair, fixed: list[Placement]) -> list[Candidate]:
        """Rule 3: the pair's weekly slots as concrete sessions on days both are there and the
        clocks allow; none overlapping a booked session of the mentor or too close to one of the pair."""
        own_days = [p.when.day for p in fixed if p.pair is pair]
        candidates = []
        for week in range(self.horizon.weeks):
            for slot in pair.slots:
                day = self.horizon.date_of(week, slot.day)
                when = concrete(self.horizon, pair, slot, day)
                if isinstance(when, Blocker) or pair.away(day):
                    continue
                if any(p.when.begin < when.end and when.begin < p.when.end for p in fixed) or \
                        any(abs((day - booked_day).days) < pair.apart for booked_day in own_days):
                    continue
                candidates.append(when)
        return candidates

    def _nobody_twice(self, options: list[Option]) -> None:
        """Rule 4: at every start instant, at most one of the mentor's sessions is under way
        (each mentee has this one mentor, so this covers the mentees too)."""
        by_day = defaultdict(list)
        for placement, var in options:
            by_day[placement.when.day].append((placement.when, var))
        for day_options in by_day.values():
            for instant in {when.begin for when, _ in day_options}:
                under_way = [var for when, var in day_options if when.begin <= instant < when.end]
                if len(under_way) > 1:
                    self.model.add_at_most_one(under_way)

    def _pair_rules(self, pair: Pair, options: list[tuple[Candidate, cp_model.IntVar]],
                    booked_days: list[date]) -> None:
        """Rule 6: sessions min_days_apart; at most the required sessions, and per week at most
        per_week plus a make-up."""
        if pair.apart > 0:
            days = sorted({when.day for when, _ in options})
            for first in days:
                close = [var for when, var in options if 0 <= (when.day - first).days < pair.apart]
                if len(close) > 1:
                    self.model.add_at_most_one(close)
        self.model.add(sum(var for _, var in options) <= max(pair.required - len(booked_days), 0))
        if pair.per_week:
            weeks = defaultdict(list)
            for when, var in options:
                weeks[self.horizon.week_of(when.day)].append(var)
            held = Counter(self.horizon.week_of(day) for day in booked_days)
            for week, week_vars in weeks.items():
                self.model.add(sum(week_vars) <= max(pair.per_week + MAKE_UP - held[week], 0))

    def _week_limits(self, mentor: Mentor, options: list[Option], fixed: list[Placement]) -> None:
        """Rule 5: per calendar week, the mentor's session hours and flexible sessions."""
        budget = math.floor(mentor.hours_per_week * 60 + TOLERANCE)
        minutes, flexible = defaultdict(list), defaultdict(list)
        for placement, var in options:
            minutes[placement.when.monday].append(var * placement.pair.minutes)
            if not placement.when.firm:
                flexible[placement.when.monday].append(var)
        used = Counter()
        flexible_used = Counter()
        for placement in fixed:
            used[placement.when.monday] += placement.pair.minutes
            flexible_used[placement.when.monday] += not placement.when.firm
        for monday, terms in minutes.items():
            self.model.add(sum(terms) <= max(budget - used[monday], 0))
        if mentor.max_flexible_per_week is not None:
            for monday, week_vars in flexible.items():
                self.model.add(sum(week_vars) <= max(mentor.max_flexible_per_week - flexible_used[monday], 0))


def cp_sat_calendar(instance: FirstRound, time_limit: float) -> Placed:
    """The whole placement as one CP-SAT model, solved with the time limit and WORKERS workers."""
    began = time.perf_counter()
    whole = WholeCalendarModel(instance.scenario, instance.ids)
    built = time.perf_counter() - began
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = WORKERS
    status = solver.solve(whole.model)
    note = (f"{len(whole.options)} booleans, model built in {built:.2f} s, "
            f"{solver.status_name(status)}; {WORKERS} workers")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Placed(None, note=f"no solution in {time_limit:g} s; {note}")
    chosen = whole.booked + [placement for placement, var in whole.options if solver.boolean_value(var)]
    sessions = sorted((as_session(whole.horizon, placement) for placement in chosen), key=session_order)
    bound = len(whole.booked) + math.floor(solver.best_objective_bound + TOLERANCE)
    return Placed(sessions, bound, f"{sum(s.flexible for s in sessions)} flexible; {note}")


METHODS = {"matcher": matcher_calendar, "cp-sat": cp_sat_calendar}


def proposal(instance: FirstRound, sessions: list[Session]) -> dict:
    """The first round's matches with these sessions, in the proposal contract's form."""
    scenario = instance.scenario
    matches = [ProposedMatch(scenario.mentors[j].id, scenario.mentees[i].id, status, float(instance.scores[i, j]),
                             {}, ()) for i, j, status in instance.pairs]
    matched = {match.mentee for match in matches}
    unmatched = [Unmatched(mentee.id, "not assigned in the first round") for mentee in scenario.mentees
                 if mentee.id not in matched]
    return Proposal(matches, unmatched, sessions).to_dict()


def run(method: str, instance: FirstRound, time_limit: float) -> Outcome:
    """Time one method, then count the checker's violations by rule; an exception is reported."""
    started = time.perf_counter()
    try:
        placed = METHODS[method](instance, time_limit)
    except Exception as error:  # a method failing is a result to report, not a crash
        placed = Placed(None, note=f"{type(error).__name__}: {error}"[:100])
    seconds = time.perf_counter() - started
    broken = Counter()
    if placed.sessions is not None:
        lines = violations(dump_scenario(instance.scenario), proposal(instance, placed.sessions))
        broken = Counter(line.split(":")[0] for line in lines)
    return Outcome(method, seconds, placed, broken)


def required_of(instance: FirstRound) -> dict[tuple[str, str], int]:
    """Sessions required per (mentor, mentee) pair over the horizon."""
    weeks = instance.scenario.programme.weeks
    return {(mentor, mentee): instance.scenario.mentees[i].sessions.total(weeks)
            for (mentor, mentee), (i, _, _) in zip(instance.ids, instance.pairs)}


def row(outcome: Outcome, required: dict[tuple[str, str], int]) -> str:
    """One markdown table row."""
    placed = outcome.placed
    note = placed.note.replace("|", "/")
    if placed.bound is not None:
        note += f"; own bound {placed.bound}"
    if placed.sessions is None:
        return f"| {outcome.method} | {outcome.seconds:.2f} | - / {sum(required.values())} | - | - | {note} |"
    count = Counter((s.mentor, s.mentee) for s in placed.sessions)
    complete = sum(count[pair] >= needed for pair, needed in required.items())
    broken = sum(outcome.violations.values())
    if broken:
        note += "; " + ", ".join(f"{rule}: {n}" for rule, n in sorted(outcome.violations.items()))
    return (f"| {outcome.method} | {outcome.seconds:.2f} | {len(placed.sessions)} / {sum(required.values())} "
            f"| {complete} / {len(required)} | {broken} | {note} |")


def ratio_line(ours: Outcome, peer: Outcome) -> str:
    """The matcher's seconds and sessions divided by the peer's."""
    if ours.placed.sessions is None or peer.placed.sessions is None or not peer.placed.sessions:
        return f"Ratio ours / {peer.method}: time {ours.seconds / peer.seconds:.2f}, sessions -."
    return (f"Ratio ours / {peer.method}: time {ours.seconds / peer.seconds:.2f}, "
            f"sessions {len(ours.placed.sessions) / len(peer.placed.sessions):.4f}.")


def size_section(label: str, mentees: int, mentors: int, time_limit: float) -> tuple[list[str], list[Outcome]]:
    """The table of one size, printing rows as they come, and the outcomes behind it."""
    instance = first_round(generated_scenario(mentees, mentors), time_limit)
    required = required_of(instance)
    kept = sum(status == "kept" for _, _, status in instance.pairs)
    lines = [f"#### {label}: {mentees} x {mentors} scenario, {len(required)} pairs ({kept} kept, "
             f"{len(required) - kept} new), time limit {time_limit:g} s", "",
             f"Scoring (score_pairs, every pair): {instance.scoring:.2f} s. First-round assignment "
             f"(not compared): {instance.assignment:.2f} s.", "",
             HEADER, "|" + " --- |" * (HEADER.count("|") - 1)]
    print(*lines, sep="\n", flush=True)
    outcomes = []
    for method in METHODS:
        outcomes.append(run(method, instance, time_limit))
        lines.append(row(outcomes[-1], required))
        print(lines[-1], flush=True)
    tail = ["", ratio_line(*outcomes), ""]
    print(*tail, sep="\n", flush=True)
    return lines + tail, outcomes


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, print the tables and, with --write-docs, write them to the docs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--time-limit", type=float, default=Options().time_limit,
                        help="seconds per method, the pipeline's time limit (default: its own)")
    parser.add_argument("--write-docs", action="store_true", help=f"write the tables to {DOCS.name}")
    args = parser.parse_args(argv)
    command = command_line("bench.calendar_peers", argv if argv is not None else sys.argv[1:])
    lines = [f"### The calendar against one whole-problem CP-SAT model, time limit {args.time_limit:g} s", "",
             f"Command: `{command}`", "", machine_line(), "",
             "Both place the sessions of the same pairs: the kept matches and the new ones of the pipeline's "
             f"first round (assignment with the first round's time: {first_round_rule()}). matcher is "
             "CalendarBook.update with the time limit, as the pipeline's first round runs it; it gives the kept "
             "matches' weekly patterns first, so a new pair does not take their weekly time. cp-sat is one "
             "model of the whole horizon: a boolean per pair and weekly slot in each week (the calendar's own "
             "candidate slots), booked sessions fixed, no overlap, spacing, at most the required sessions and "
             f"per_week + {MAKE_UP} a week (the calendar's make-up rule), weekly hours and flexible caps; it "
             f"maximises sessions placed, whoever's, with the same time limit and {WORKERS} workers, and its "
             "seconds include building the model. Violations are tests/checker.py's hard-rule lines on each "
             "result as a proposal. Seconds are wall-clock.", ""]
    print(*lines, sep="\n", flush=True)
    for label in args.sizes:
        lines += size_section(label, *SIZES[label], args.time_limit)[0]
    if args.write_docs:
        write_docs(lines, DOCS, MARKERS)


if __name__ == "__main__":
    main()
