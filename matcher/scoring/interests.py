"""Interests: the share of the mentee's interests the mentor shares, rare ones weighing more."""
from __future__ import annotations

import numpy as np

from matcher.model import Mentee, Mentor
from matcher.scoring.blocks import Block

NO_INTERESTS_GIVEN = 0.5


class InterestTable:
    """Binary interest matrices, the rarity weight of each interest, and each mentee's
    interests weighted by rarity as shares of their whole."""

    def __init__(self, mentees: tuple[Mentee, ...], mentors: tuple[Mentor, ...]):
        self.vocabulary = sorted({i for p in (*mentees, *mentors) for i in p.interests})
        column = {name: k for k, name in enumerate(self.vocabulary)}
        self.mentee = _binary([p.interests for p in mentees], column)
        self.mentor = _binary([p.interests for p in mentors], column)
        people = len(mentees) + len(mentors)
        holders = self.mentee.sum(axis=0) + self.mentor.sum(axis=0)
        self.rarity = np.log((1.0 + people) / (1.0 + holders)).astype(np.float32) + 1.0
        # an interest is called rare from the rarest quarter's weight, when there are more than 3
        self.rare_from = float(np.quantile(self.rarity, 0.75)) if len(self.rarity) > 3 else np.inf
        weighted = self.mentee * self.rarity
        total = weighted.sum(axis=1, keepdims=True)
        self.share = np.divide(weighted, total, out=np.zeros_like(weighted), where=total > 0)
        self.none_given = total[:, 0] == 0


def _binary(lists, column) -> np.ndarray:
    matrix = np.zeros((len(lists), len(column)), dtype=np.float32)
    rows = np.repeat(np.arange(len(lists)), [len(names) for names in lists])
    matrix[rows, [column[name] for names in lists for name in names]] = 1.0
    return matrix


def shared_interests(table: InterestTable, block: Block) -> np.ndarray:
    """Soft: rarity-weighted share of the mentee's interests that the mentor shares."""
    score = table.share[block.rows] @ table.mentor.T
    score[table.none_given[block.rows]] = NO_INTERESTS_GIVEN
    return score
