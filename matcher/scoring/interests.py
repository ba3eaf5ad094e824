"""Interests: the share of the mentee's interests the mentor shares, rare ones weighing more."""
from __future__ import annotations

import numpy as np

from matcher.model import Mentee, Mentor

NO_INTERESTS_GIVEN = 0.5


class InterestTable:
    """Binary interest matrices and the rarity weight of each interest."""

    def __init__(self, mentees: tuple[Mentee, ...], mentors: tuple[Mentor, ...]):
        self.vocabulary = sorted({i for p in (*mentees, *mentors) for i in p.interests})
        column = {name: k for k, name in enumerate(self.vocabulary)}
        self.mentee = _binary([p.interests for p in mentees], column)
        self.mentor = _binary([p.interests for p in mentors], column)
        people = len(mentees) + len(mentors)
        holders = self.mentee.sum(axis=0) + self.mentor.sum(axis=0)
        self.rarity = np.log((1.0 + people) / (1.0 + holders)).astype(np.float32) + 1.0


def _binary(lists, column) -> np.ndarray:
    matrix = np.zeros((len(lists), len(column)), dtype=np.float32)
    for row, names in enumerate(lists):
        matrix[row, [column[name] for name in names]] = 1.0
    return matrix


def shared_interests(table: InterestTable) -> np.ndarray:
    """Soft: rarity-weighted share of the mentee's interests that the mentor shares."""
    weighted = table.mentee * table.rarity
    shared = weighted @ table.mentor.T
    total = weighted.sum(axis=1, keepdims=True)
    return np.divide(shared, total, out=np.full_like(shared, NO_INTERESTS_GIVEN), where=total > 0)
