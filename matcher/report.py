"""A proposal as readable text for a coordinator's terminal."""
from __future__ import annotations

from matcher.model import Scenario
from matcher.proposal import Proposal
from matcher.weekview import week_plan

REASONS_SHOWN = 3


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header) - 1)]
    def line(row):
        return "  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1]
    return [line(header)] + [line(r) for r in rows]


def render(scenario: Scenario, proposal: Proposal) -> str:
    """Pairs with score and top reasons, each mentor's week plan, unmatched with the reason,
    and the solve figures."""
    programme = scenario.programme
    stats = proposal.stats
    out = [f"{programme.name or 'Scenario'}: {len(scenario.mentees)} mentees, {len(scenario.mentors)} mentors", ""]
    rows = [(m.mentor, m.mentee, m.status, f"{m.score:.2f}", "; ".join(m.reasons[:REASONS_SHOWN]))
            for m in proposal.matches]
    out += [f"Matches ({len(proposal.matches)})"] + _table(rows, ("MENTOR", "MENTEE", "STATUS", "SCORE", "WHY"))
    if proposal.sessions:
        out += ["", "Week plan"] + week_plan(scenario, proposal)
    if proposal.unmatched:
        out += ["", f"Unmatched ({len(proposal.unmatched)})"]
        out += _table([(u.mentee, u.reason) for u in proposal.unmatched], ("MENTEE", "REASON"))
    if proposal.unplaced:
        out += ["", f"Unplaced sessions ({sum(u.missing for u in proposal.unplaced)})"]
        out += _table([(u.mentor, u.mentee, str(u.missing), u.reason) for u in proposal.unplaced],
                      ("MENTOR", "MENTEE", "MISSING", "REASON"))
    if proposal.changes is not None:
        out += ["", f"Changes ({len(proposal.changes)})"]
        out += _table([(c.mentee, c.before or "-", c.after or "-") for c in proposal.changes],
                      ("MENTEE", "FROM", "TO"))
    out += ["", (f"Objective {stats['objective']:.3f}, bound {stats['bound']:.3f} "
                 f"(gap {100 * stats['gap']:.2f}%), {stats['matched']} of {stats['mentees']} waiting "
                 f"mentees matched (at most {stats['matched_bound']} possible), "
                 f"{stats['seconds']:.2f} s, {stats['method']}"),
            *_calendar_cost(stats),
            (f"Sessions: {stats['sessions_placed']} of {stats['sessions_required']} placed, "
             f"{stats['flexible_sessions']} in flexible time")]
    return "\n".join(out)


def _calendar_cost(stats: dict) -> list[str]:
    """A line on what the calendars cost the matching, when they cost anything."""
    before, matched = stats.get("objective_before_calendar"), stats.get("matched_before_calendar")
    if before is None or (matched == stats["matched"] and before <= stats["objective"]):
        return []
    why = []
    if stats.get("calendar_conflicts"):
        why.append(f"{stats['calendar_conflicts']} time(s) a mentor's calendar could not hold its new mentees together "
                   "and they were assigned again")
    if stats["rejected_pairs"] or not why:
        why.append(f"{stats['rejected_pairs']} pair(s) could not hold their sessions")
    return [f"Before sessions were placed the matching reached {before:.3f} with {matched} matched; " + ", and ".join(why)]
