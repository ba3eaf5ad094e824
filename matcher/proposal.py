"""The proposal: who meets whom, why, when; what could not be done and why."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ProposedMatch:
    mentor: str
    mentee: str
    status: str                      # "kept" or "new"
    score: float
    components: dict[str, float]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Unmatched:
    mentee: str
    reason: str


@dataclass(frozen=True)
class Session:
    mentor: str
    mentee: str
    start: datetime                  # aware, in the programme's time zone
    end: datetime
    flexible: bool


@dataclass(frozen=True)
class Unplaced:
    mentor: str
    mentee: str
    missing: int
    reason: str


@dataclass(frozen=True)
class Change:
    mentee: str
    before: str | None
    after: str | None


@dataclass
class Proposal:
    matches: list[ProposedMatch]
    unmatched: list[Unmatched]
    sessions: list[Session] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    changes: list[Change] | None = None
    stats: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The proposal contract of DESIGN.md, ready for JSON."""
        data = {
            "matches": [{"mentor": m.mentor, "mentee": m.mentee, "status": m.status,
                         "score": round(m.score, 4),
                         "components": {k: round(v, 4) for k, v in m.components.items()},
                         "reasons": list(m.reasons)} for m in self.matches],
            "unmatched": [{"mentee": u.mentee, "reason": u.reason} for u in self.unmatched],
            "sessions": [{"mentor": s.mentor, "mentee": s.mentee,
                          "start": s.start.isoformat(timespec="seconds"),
                          "end": s.end.isoformat(timespec="seconds"),
                          "flexible": s.flexible} for s in self.sessions],
            "unplaced": [{"mentor": u.mentor, "mentee": u.mentee, "missing": u.missing,
                          "reason": u.reason} for u in self.unplaced],
            "stats": self.stats,
        }
        if self.changes is not None:
            data["changes"] = [{"mentee": c.mentee, "from": c.before, "to": c.after}
                               for c in self.changes]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Proposal":
        """A proposal read back from its contract form (as written by `to_dict`)."""
        changes = data.get("changes")
        return cls(
            matches=[ProposedMatch(**{**m, "reasons": tuple(m["reasons"])}) for m in data["matches"]],
            unmatched=[Unmatched(**u) for u in data["unmatched"]],
            sessions=[Session(s["mentor"], s["mentee"], datetime.fromisoformat(s["start"]),
                              datetime.fromisoformat(s["end"]), s["flexible"]) for s in data["sessions"]],
            unplaced=[Unplaced(**u) for u in data["unplaced"]],
            changes=None if changes is None else [Change(c["mentee"], c["from"], c["to"]) for c in changes],
            stats=data["stats"])
