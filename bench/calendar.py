"""The session calendar on the bundled scenarios and on a large synthetic one.

    python -m bench.calendar [--mentees N] [--mentors M] [--weeks W] [--seed S] [--programme P]

Pairs are the kept matches plus a simple first-fit choice: each waiting mentee takes the
first mentor (scanning from a rotating start) it may be matched with, who has capacity left
and a weekly pattern free for all the mentee's weekly sessions (or one session of a
count-based plan). Prints, per instance, the pairs, the time, sessions placed of required,
and flexible sessions used.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from matcher.generate import generate_scenario
from matcher.model import Mentee, Mentor, Scenario
from matcher.schema import load_scenario
from matcher.solver.calendar import plan_sessions
from matcher.solver.calendar_patterns import TypicalWeek, best_combination
from matcher.solver.calendar_slots import Pair, weekly_slots

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MENTORS_SCANNED = 300   # a mentee looks at this many mentors at most


def allowed(scenario: Scenario, mentor: Mentor, mentee: Mentee, broken: frozenset) -> bool:
    """Rule 1 of DESIGN.md: not excluded, not broken down, an allowed kind, every need covered."""
    return (mentor.id not in mentee.excluded_mentors and (mentor.id, mentee.id) not in broken
            and (mentee.kinds is None or mentor.kind in mentee.kinds)
            and all(mentor.competences.get(need, 0) >= level for need, level in mentee.needs.items()))


def take_pattern(scenario: Scenario, week: TypicalWeek, mentor: Mentor, mentee: Mentee) -> bool:
    """Take the pair's best weekly pattern in the mentor's typical week if it is complete."""
    pair = Pair(mentor, mentee, weekly_slots(mentor, mentee, scenario.programme.slot_minutes), (),
                mentee.sessions.total(scenario.programme.weeks))
    pattern = best_combination(pair, week, mentee.sessions.per_week or 1)
    if len(pattern) < (mentee.sessions.per_week or 1):
        return False
    week.take(pair, pattern)
    return True


def first_fit_pairs(scenario: Scenario) -> list[tuple[str, str]]:
    """Kept matches, then a first-fit mentor for every other mentee: capacity left and a
    weekly pattern free in the mentor's typical week."""
    broken = scenario.broken_pairs()
    kept = scenario.kept_matches()
    mentors = {m.id: m for m in scenario.mentors}
    mentees = {m.id: m for m in scenario.mentees}
    load = {m.id: 0 for m in scenario.mentors}
    weeks = {m.id: TypicalWeek(m) for m in scenario.mentors}
    for match in kept:
        load[match.mentor] += 1
        take_pattern(scenario, weeks[match.mentor], mentors[match.mentor], mentees[match.mentee])
    pairs = [(m.mentor, m.mentee) for m in kept]
    matched = {m.mentee for m in kept}
    for number, mentee in enumerate(m for m in scenario.mentees if m.id not in matched):
        for step in range(min(MENTORS_SCANNED, len(mentors))):
            mentor = scenario.mentors[(number + step) % len(mentors)]
            if (load[mentor.id] < mentor.capacity and allowed(scenario, mentor, mentee, broken)
                    and take_pattern(scenario, weeks[mentor.id], mentor, mentee)):
                pairs.append((mentor.id, mentee.id))
                load[mentor.id] += 1
                break
    return pairs


def run(name: str, scenario: Scenario) -> None:
    pairs = first_fit_pairs(scenario)
    began = time.perf_counter()
    result = plan_sessions(scenario, pairs, time_limit=30.0)
    seconds = time.perf_counter() - began
    stats = result.stats
    print(f"{name}: {len(pairs)} pairs, {scenario.programme.weeks} weeks, {seconds:.2f} s, "
          f"placed {stats['sessions_placed']}/{stats['sessions_required']}, "
          f"flexible {stats['flexible_sessions']}, moved {stats['moved_sessions']}, "
          f"made up {stats['made_up_sessions']}, CP-SAT mentors {stats['exact_mentors']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=13000)
    parser.add_argument("--mentors", type=int, default=4400)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--programme", default="youth-mentors")
    args = parser.parse_args()
    for path in sorted(SCENARIOS.glob("*.json")):
        run(path.stem, load_scenario(json.loads(path.read_text())))
    data = generate_scenario(args.mentees, args.mentors, args.seed, programme=args.programme)
    data["programme"]["weeks"] = args.weeks
    run(f"{args.programme} x{args.mentees}", load_scenario(data))


if __name__ == "__main__":
    main()
