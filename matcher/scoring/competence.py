"""Competence: needs are hard minimums; depth beyond a need and covered wishes score higher.

A mentor's levels become one-hot columns (competence × level 0–3), so any per-competence rule
f(wanted level, mentor level) summed over competences is one matrix product."""
from __future__ import annotations

import numpy as np

from matcher.model import Mentee, Mentor

LEVELS = np.arange(4)   # 0 (absent) to 3
MAX_LEVEL = 3


def level_matrix(people_levels: list[dict[str, int]], vocabulary: list[str]) -> np.ndarray:
    """(people × competences) int levels, 0 where a competence is absent."""
    column = {name: c for c, name in enumerate(vocabulary)}
    levels = np.zeros((len(people_levels), len(vocabulary)), dtype=np.int64)
    for row, mapping in enumerate(people_levels):
        for name, level in mapping.items():
            levels[row, column[name]] = level
    return levels


class CompetenceTable:
    """Mentor levels, mentee needs and wishes over one shared vocabulary of competences."""

    def __init__(self, mentees: tuple[Mentee, ...], mentors: tuple[Mentor, ...]):
        names = set()
        for person in mentees:
            names.update(person.needs, person.wishes)
        for person in mentors:
            names.update(person.competences)
        self.vocabulary = sorted(names)
        self.levels = level_matrix([m.competences for m in mentors], self.vocabulary)
        self.needs = level_matrix([m.needs for m in mentees], self.vocabulary)
        self.wishes = level_matrix([m.wishes for m in mentees], self.vocabulary)
        self.one_hot = (self.levels[:, :, None] == LEVELS).reshape(len(mentors), -1).astype(np.float32)

    def summed(self, wanted: np.ndarray, rule) -> np.ndarray:
        """(mentees × mentors): sum over the competences each mentee lists in `wanted` of
        rule(wanted level, mentor level)."""
        table = np.where(wanted[:, :, None] > 0, rule(wanted[:, :, None], LEVELS), 0.0)
        return table.reshape(len(wanted), -1).astype(np.float32) @ self.one_hot.T


def needs_covered(table: CompetenceTable) -> np.ndarray:
    """Hard: every need of the mentee is met by a mentor level at least as high."""
    return table.summed(table.needs, lambda need, level: level < need) == 0


def _depth(need, level):
    """1 for the top level; a bare cover of a low need scores less than a deep one."""
    return np.clip((1.0 + level - need) / (1.0 + MAX_LEVEL - need), 0.0, 1.0)


def _coverage(wish, level):
    return np.minimum(1.0, level / np.maximum(wish, 1))


def competence_fit(table: CompetenceTable) -> np.ndarray:
    """Soft: mean depth beyond each need (3/4) and mean coverage of wished-for competences
    (1/4); a mentee who lists neither is equally served by anyone (1)."""
    needs = (table.needs > 0).sum(axis=1).astype(np.float32)
    wishes = (table.wishes > 0).sum(axis=1).astype(np.float32)
    need_share = np.where(wishes > 0, 0.75, 1.0) * (needs > 0)
    wish_share = 1.0 - need_share
    score = table.summed(table.needs, _depth)
    score *= (need_share / np.maximum(needs, 1))[:, None]
    score += table.summed(table.wishes, _coverage) * (wish_share / np.maximum(wishes, 1))[:, None]
    score[(needs == 0) & (wishes == 0)] = 1.0
    return score
