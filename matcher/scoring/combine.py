"""Combine the components into one weighted score and one feasibility mask."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.model import COMPONENTS, Mentee, Mentor, Scenario
from matcher.scoring import availability, chemistry, competence, eligibility, interests
from matcher.scoring.blocks import Block, blocks

# Hard rules in the order a coordinator reads them when explaining an unmatched mentee.
HARD_RULES = ("kind", "needs", "excluded", "breakdown", "common time", "spacing")


@dataclass
class Scores:
    """Everything scoring knows about the pool: `total` and `feasible` are (mentees × mentors);
    components and hard rules are computed for chosen mentee rows on demand."""

    mentees: tuple[Mentee, ...]
    mentors: tuple[Mentor, ...]
    weights: dict[str, float]
    total: np.ndarray
    feasible: np.ndarray
    eligibility: eligibility.EligibilityTable
    competences: competence.CompetenceTable
    interests: interests.InterestTable
    feedback: chemistry.FeedbackTable
    similarity: chemistry.Similarity
    availability: availability.AvailabilityTable

    def component_rows(self, rows: np.ndarray | list[int]) -> dict[str, np.ndarray]:
        """Each soft component, (len(rows) × mentors), for the given distinct mentee rows."""
        return self._block(Block(np.asarray(rows, dtype=np.int64), len(self.mentees)))[0]

    def hard_rows(self, rows: np.ndarray | list[int]) -> dict[str, np.ndarray]:
        """Each hard rule's mask, (len(rows) × mentors), for the given distinct mentee rows."""
        return self._block(Block(np.asarray(rows, dtype=np.int64), len(self.mentees)))[1]

    def _block(self, block: Block) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Soft components and hard masks of the mentees in `block` with every mentor."""
        time = self.availability.result(block)
        components = {
            "competence": competence.competence_fit(self.competences, block),
            "interests": interests.shared_interests(self.interests, block),
            "chemistry": chemistry.chemistry(self.feedback, self.similarity, block),
            "availability": availability.availability_fit(time),
        }
        hard = {
            "kind": eligibility.allowed_kind(self.eligibility, block),
            "needs": competence.needs_covered(self.competences, block),
            "excluded": eligibility.not_excluded(self.eligibility, block),
            "breakdown": chemistry.no_breakdown(self.feedback, block),
            "common time": availability.common_time(time),
            "spacing": availability.weekly_spacing(time),
        }
        return components, hard

    def _fill(self) -> None:
        """Write `total` and `feasible` block by block."""
        for block in blocks(len(self.mentees)):
            components, hard = self._block(block)
            feasible = self.feasible[block.rows]
            feasible[...] = True
            for allowed in hard.values():
                feasible &= allowed
            total = self.total[block.rows]
            total[...] = 0.0
            for name, weight in self.weights.items():
                if weight > 0:
                    part = components[name]
                    part *= np.float32(weight)
                    total += part
            total *= feasible


def normalised(weights: dict[str, float]) -> dict[str, float]:
    """Weights over the four components summing to 1; missing components weigh 0."""
    total = sum(max(0.0, weights.get(c, 0.0)) for c in COMPONENTS)
    if total <= 0:
        raise ValueError("weights: at least one component must weigh more than 0")
    return {c: max(0.0, weights.get(c, 0.0)) / total for c in COMPONENTS}


def score_pairs(scenario: Scenario, mentees: tuple[Mentee, ...] | None = None,
                weights: dict[str, float] | None = None) -> Scores:
    """Score `mentees` (default: all of the scenario's) against every mentor."""
    mentees = scenario.mentees if mentees is None else mentees
    mentors = scenario.mentors
    programme = scenario.programme
    everyone = {m.id: i for i, m in enumerate(scenario.mentees)}
    history = chemistry.FeedbackTable.build(
        scenario.feedback, {m.id: i for i, m in enumerate(mentees)},
        {m.id: j for j, m in enumerate(mentors)}, everyone)
    profiles = chemistry.mentee_profiles(list(scenario.mentees))
    scores = Scores(
        mentees, mentors, normalised({**programme.weights, **(weights or {})}),
        total=np.empty((len(mentees), len(mentors)), dtype=np.float32),
        feasible=np.empty((len(mentees), len(mentors)), dtype=bool),
        eligibility=eligibility.EligibilityTable(mentees, mentors),
        competences=competence.CompetenceTable(mentees, mentors),
        interests=interests.InterestTable(mentees, mentors),
        feedback=history,
        similarity=chemistry.Similarity(history, profiles[[everyone[m.id] for m in mentees]], profiles),
        availability=availability.AvailabilityTable(mentees, mentors, programme.slot_minutes, programme.weeks))
    scores._fill()
    return scores
