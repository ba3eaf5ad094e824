"""Competence: needs are hard minimums; depth beyond a need and covered wishes score higher.

A mentor's levels become one-hot columns (competence × level 0–3), so any per-competence rule
f(wanted level, mentor level) summed over competences is one matrix product."""
from __future__ import annotations

import numpy as np

from matcher.model import Mentee, Mentor
from matcher.scoring.blocks import Block

LEVELS = np.arange(4)   # 0 (absent) to 3
MAX_LEVEL = 3


def level_matrix(people_levels: list[dict[str, int]], vocabulary: list[str]) -> np.ndarray:
    """(people × competences) int levels, 0 where a competence is absent."""
    column = {name: c for c, name in enumerate(vocabulary)}
    levels = np.zeros((len(people_levels), len(vocabulary)), dtype=np.int64)
    rows = np.repeat(np.arange(len(people_levels)), [len(mapping) for mapping in people_levels])
    levels[rows, [column[name] for mapping in people_levels for name in mapping]] = \
        [level for mapping in people_levels for level in mapping.values()]
    return levels


def per_level(wanted: np.ndarray, rule) -> np.ndarray:
    """(people × competences·levels): rule(wanted level, mentor level) for each competence the
    person lists, 0 for the others."""
    table = np.where(wanted[:, :, None] > 0, rule(wanted[:, :, None], LEVELS), 0.0)
    return table.reshape(len(wanted), wanted.shape[1] * len(LEVELS))


def _shortfall(need, level):
    return level < need


def _depth(need, level):
    """1 for the top level; a bare cover of a low need scores less than a deep one."""
    return np.clip((1.0 + level - need) / (1.0 + MAX_LEVEL - need), 0.0, 1.0)


def _coverage(wish, level):
    return np.minimum(1.0, level / np.maximum(wish, 1))


class CompetenceTable:
    """Mentor levels one-hot, and per mentee the rule tables to multiply them with."""

    def __init__(self, mentees: tuple[Mentee, ...], mentors: tuple[Mentor, ...]):
        names = set()
        for person in mentees:
            names.update(person.needs, person.wishes)
        for person in mentors:
            names.update(person.competences)
        self.vocabulary = sorted(names)
        levels = level_matrix([m.competences for m in mentors], self.vocabulary)
        needs = level_matrix([m.needs for m in mentees], self.vocabulary)
        wishes = level_matrix([m.wishes for m in mentees], self.vocabulary)
        width = len(self.vocabulary) * len(LEVELS)  # named, so that no mentors at all still reshape
        self.one_hot = (levels[:, :, None] == LEVELS).reshape(len(mentors), width).astype(np.float32)
        self.shortfall = per_level(needs, _shortfall).astype(np.float32)
        need_count = (needs > 0).sum(axis=1)
        wish_count = (wishes > 0).sum(axis=1)
        need_share = np.where(wish_count > 0, 0.75, 1.0) * (need_count > 0)
        wish_share = 1.0 - need_share
        self.fit = (per_level(needs, _depth) * (need_share / np.maximum(need_count, 1))[:, None]
                    + per_level(wishes, _coverage) * (wish_share / np.maximum(wish_count, 1))[:, None]
                    ).astype(np.float32)
        self.lists_nothing = (need_count == 0) & (wish_count == 0)


def needs_covered(table: CompetenceTable, block: Block) -> np.ndarray:
    """Hard: every need of the mentee is met by a mentor level at least as high."""
    return table.shortfall[block.rows] @ table.one_hot.T == 0


def competence_fit(table: CompetenceTable, block: Block) -> np.ndarray:
    """Soft: mean depth beyond each need (3/4) and mean coverage of wished-for competences
    (1/4); a mentee who lists neither is equally served by anyone (1)."""
    score = table.fit[block.rows] @ table.one_hot.T
    score[table.lists_nothing[block.rows]] = 1.0
    return score
