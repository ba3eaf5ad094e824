"""Command line: validate, propose, rematch, calendar, generate. The installed `matcher`
command adds the HTTP service's commands (`api.cli`)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from matcher.current_matches import current_match_problems
from matcher.errors import ScenarioError
from matcher.ics import ProposalError, person_calendar
from matcher.pipeline import Options, UnknownPair, propose, rematch
from matcher.report import render
from matcher.schema import parse_scenario
from matcher.solver.assignment import InfeasibleAssignment
from matcher.allocator import keep_large_arrays_in_the_heap

DEFAULT_TIMEZONE = "Europe/Copenhagen"


class CliError(Exception):
    """A failure reported to the user as one line and exit code 2."""


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}") from None


def _write_bytes(data: bytes, path: str) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror}") from None


def _read_scenario(path: str):
    text = _read_bytes(path)
    try:
        return parse_scenario(text)
    except ScenarioError as error:
        first, more = error.problems[0], len(error.problems) - 1
        tail = f" (and {more} more; see: matcher validate {path})" if more else ""
        raise CliError(f"{path}: {first}{tail}") from None


def _progress(started: float):
    def say(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {line}", file=sys.stderr, flush=True)
    return say


def _write_json(data: dict, path: str) -> None:
    _write_bytes((json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8"), path)


def _pair(text: str) -> tuple[str, str]:
    mentor, sep, mentee = text.partition(":")
    if not sep or not mentor or not mentee:
        raise argparse.ArgumentTypeError(f"{text!r} is not MENTOR:MENTEE")
    return mentor, mentee


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def cmd_validate(args) -> int:
    """Print ok, or every problem of the file, the current matches that could not be kept
    within the hard rules included."""
    try:
        problems = current_match_problems(parse_scenario(_read_bytes(args.file)))
    except ScenarioError as error:
        problems = error.problems
    for problem in problems:
        print(problem)
    if not problems:
        print("ok")
    return 1 if problems else 0


@contextmanager
def native_output_to_stderr():
    """Send what native solver libraries print on standard output to standard error, so
    that standard output carries only the command's report."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _solve_and_show(args, solve) -> int:
    scenario = _read_scenario(args.file)
    options = Options(time_limit=args.time_limit, allow_moves=getattr(args, "allow_moves", False))
    try:
        with native_output_to_stderr():
            proposal = solve(scenario, options, _progress(time.perf_counter()))
    except (UnknownPair, InfeasibleAssignment, ScenarioError) as error:
        raise CliError(str(error)) from None
    if args.json:
        _write_json(proposal.to_dict(), args.json)
    print(render(scenario, proposal))
    return 0


def cmd_propose(args) -> int:
    return _solve_and_show(args, propose)


def cmd_rematch(args) -> int:
    return _solve_and_show(args, lambda s, o, p: rematch(s, args.breakdown, o, p))


def cmd_calendar(args) -> int:
    try:
        proposal = json.loads(_read_bytes(args.file))
    except (ValueError, UnicodeDecodeError) as error:
        raise CliError(f"{args.file}: not valid JSON: {error}") from None
    timezone = _read_scenario(args.scenario).programme.timezone if args.scenario else DEFAULT_TIMEZONE
    role, person = ("mentor", args.mentor) if args.mentor else ("mentee", args.mentee)
    try:
        data = person_calendar(proposal, person, role, timezone)
    except ProposalError as error:
        raise CliError(f"{args.file}: {error}") from None
    if args.output:
        _write_bytes(data, args.output)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_generate(args) -> int:
    from matcher.generate import generate_scenario
    try:
        data = generate_scenario(args.mentees, args.mentors, args.seed, programme=args.programme,
                                 tightness=args.tightness)
    except ValueError as error:
        raise CliError(str(error)) from None
    if args.output:
        _write_json(data, args.output)
    else:
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        print()
    return 0


def parser(*extensions) -> argparse.ArgumentParser:
    """The command line; each extension adds its own subcommands."""
    top = argparse.ArgumentParser(prog="matcher", description="Match mentees with mentors and plan their sessions.")
    sub = top.add_subparsers(dest="command", required=True)

    validate = sub.add_parser("validate", help="check a scenario file against the contract")
    validate.add_argument("file")
    validate.set_defaults(run=cmd_validate)

    for name, run, text in (("propose", cmd_propose, "propose matches for the waiting mentees"),
                            ("rematch", cmd_rematch, "rematch the mentees of broken-down pairs")):
        command = sub.add_parser(name, help=text)
        command.add_argument("file")
        command.add_argument("--json", metavar="OUT", help="write the proposal contract to OUT")
        command.add_argument("--time-limit", type=positive_number, default=10.0, metavar="S",
                             help="seconds the assignment solver may use (default 10)")
        command.set_defaults(run=run)
        if name == "rematch":
            command.add_argument("--breakdown", type=_pair, nargs="+", required=True, metavar="MENTOR:MENTEE")
            command.add_argument("--allow-moves", action="store_true",
                                 help="let other current matches move when that matches more mentees")

    calendar = sub.add_parser("calendar", help="write one person's sessions as an iCalendar file")
    calendar.add_argument("file", metavar="PROPOSAL", help="a proposal written by propose --json")
    person = calendar.add_mutually_exclusive_group(required=True)
    person.add_argument("--mentor", metavar="ID")
    person.add_argument("--mentee", metavar="ID")
    calendar.add_argument("--scenario", metavar="FILE",
                          help=f"the proposal's scenario, for its time zone (default {DEFAULT_TIMEZONE})")
    calendar.add_argument("-o", "--output", metavar="OUT", help="write to OUT (default: standard output)")
    calendar.set_defaults(run=cmd_calendar)

    generate = sub.add_parser("generate", help="write a synthetic scenario of any size")
    generate.add_argument("--mentees", type=int, required=True)
    generate.add_argument("--mentors", type=int, required=True)
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--programme", default="youth-mentors")
    generate.add_argument("--tightness", type=float, default=1.0)
    generate.add_argument("-o", "--output", metavar="FILE")
    generate.set_defaults(run=cmd_generate)
    for extend in extensions:
        extend(sub)
    return top


def main(argv: list[str] | None = None, *extensions) -> int:
    keep_large_arrays_in_the_heap()
    args = parser(*extensions).parse_args(argv)
    try:
        return args.run(args)
    except CliError as error:
        print(f"matcher: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
