"""Combine the components into one weighted score and one feasibility mask."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.model import COMPONENTS, Mentee, Mentor, Scenario
from matcher.scoring import availability, chemistry, competence, eligibility, interests

# Hard rules in the order a coordinator reads them when explaining an unmatched mentee.
HARD_RULES = ("kind", "needs", "excluded", "breakdown", "common time")


@dataclass
class Scores:
    """Everything scoring knows about the pool: matrices are (mentees × mentors)."""

    mentees: tuple[Mentee, ...]
    mentors: tuple[Mentor, ...]
    weights: dict[str, float]
    components: dict[str, np.ndarray]
    hard: dict[str, np.ndarray]
    total: np.ndarray
    feasible: np.ndarray
    competences: competence.CompetenceTable
    interests: interests.InterestTable
    feedback: chemistry.FeedbackTable
    availability: availability.AvailabilityResult


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
    chosen = normalised({**programme.weights, **(weights or {})})

    skills = competence.CompetenceTable(mentees, mentors)
    liking = interests.InterestTable(mentees, mentors)
    everyone = {m.id: i for i, m in enumerate(scenario.mentees)}
    history = chemistry.FeedbackTable.build(
        scenario.feedback, {m.id: i for i, m in enumerate(mentees)},
        {m.id: j for j, m in enumerate(mentors)}, everyone)
    profiles = chemistry.mentee_profiles(list(scenario.mentees))
    time = availability.AvailabilityResult(mentees, mentors, programme.slot_minutes, programme.weeks)

    components = {
        "competence": competence.competence_fit(skills),
        "interests": interests.shared_interests(liking),
        "chemistry": chemistry.chemistry(history, profiles[[everyone[m.id] for m in mentees]],
                                         profiles, len(mentors)),
        "availability": availability.availability_fit(time),
    }
    hard = {
        "kind": eligibility.allowed_kind(mentees, mentors),
        "needs": competence.needs_covered(skills),
        "excluded": eligibility.not_excluded(mentees, mentors),
        "breakdown": chemistry.no_breakdown(history, (len(mentees), len(mentors))),
        "common time": availability.common_time(time),
    }
    feasible = np.ones((len(mentees), len(mentors)), dtype=bool)
    for allowed in hard.values():
        feasible &= allowed
    total = np.zeros((len(mentees), len(mentors)), dtype=np.float32)
    term = np.empty_like(total)
    for name, weight in chosen.items():
        if weight > 0:
            total += np.multiply(components[name], np.float32(weight), out=term)
    np.multiply(total, feasible, out=total)
    return Scores(mentees, mentors, chosen, components, hard, total, feasible,
                  skills, liking, history, time)
