"""Chemistry, learned from feedback: the pair's own ratings, the mentor's record shrunk toward
the programme mean, and how mentees similar to this one rated the mentor."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from matcher.model import Feedback, Mentee
from matcher.scoring.blocks import Block, allowed_except

MENTOR_PRIOR_WEIGHT = 3.0     # ratings a mentor needs before their own mean counts half
SIMILAR_PRIOR_WEIGHT = 2.0    # similarity mass before similar mentees' ratings count half
PAIR_PRIOR_WEIGHT = 1.0       # one own rating of a returning pair counts half
NEUTRAL = 0.5


def _unit(rating: float) -> float:
    return (rating - 1.0) / 4.0


@dataclass
class FeedbackTable:
    """Ratings on a 0–1 scale, by mentor and by pair, and who broke down with whom."""

    mean: float
    mentor_count: np.ndarray
    mentor_mean: np.ndarray
    pair_rows: np.ndarray
    pair_cols: np.ndarray
    pair_count: np.ndarray
    pair_mean: np.ndarray
    broken_rows: np.ndarray
    broken_cols: np.ndarray
    rater_rows: np.ndarray
    rater_cols: np.ndarray
    rater_values: np.ndarray

    @classmethod
    def build(cls, feedback: tuple[Feedback, ...], mentee_index: dict[str, int],
              mentor_index: dict[str, int], rater_index: dict[str, int]) -> FeedbackTable:
        """`rater_index` places every mentee who ever rated, including ones not in the pool."""
        ratings = [f for f in feedback if f.rating is not None and f.mentor in mentor_index]
        values = np.array([_unit(f.rating) for f in ratings], dtype=np.float64)
        mentors = np.array([mentor_index[f.mentor] for f in ratings], dtype=np.int64)
        m = len(mentor_index)
        count = np.bincount(mentors, minlength=m).astype(np.float64)
        total = np.bincount(mentors, weights=values, minlength=m)
        mean = float(values.mean()) if len(values) else NEUTRAL
        in_pool = np.array([f.mentee in mentee_index for f in ratings], dtype=bool)
        pair_keys = np.array([[mentee_index[f.mentee], mentor_index[f.mentor]]
                              for f in ratings if f.mentee in mentee_index], dtype=np.int64).reshape(-1, 2)
        pairs, which = np.unique(pair_keys, axis=0, return_inverse=True)
        which = which.reshape(-1)
        pair_count = np.bincount(which, minlength=len(pairs)).astype(np.float64)
        pair_total = np.bincount(which, weights=values[in_pool], minlength=len(pairs))
        broken = [(mentee_index[f.mentee], mentor_index[f.mentor]) for f in feedback
                  if f.breakdown and f.mentee in mentee_index and f.mentor in mentor_index]
        return cls(
            mean=mean, mentor_count=count,
            mentor_mean=np.divide(total, count, out=np.full(m, mean), where=count > 0),
            pair_rows=pairs[:, 0], pair_cols=pairs[:, 1], pair_count=pair_count,
            pair_mean=np.divide(pair_total, np.maximum(pair_count, 1)),
            broken_rows=np.array([b[0] for b in broken], dtype=np.int64),
            broken_cols=np.array([b[1] for b in broken], dtype=np.int64),
            rater_rows=np.array([rater_index[f.mentee] for f in ratings], dtype=np.int64),
            rater_cols=mentors, rater_values=values)

    def shrunk_mentor_mean(self) -> np.ndarray:
        """Each mentor's mean rating pulled toward the programme mean when ratings are few."""
        return ((self.mentor_mean * self.mentor_count + MENTOR_PRIOR_WEIGHT * self.mean)
                / (self.mentor_count + MENTOR_PRIOR_WEIGHT))


def no_breakdown(table: FeedbackTable, block: Block) -> np.ndarray:
    """Hard: a pair that broke down is never proposed again."""
    return allowed_except(block, len(table.mentor_count), table.broken_rows, table.broken_cols)


def mentee_profiles(people: list[Mentee]) -> np.ndarray:
    """Unit-length feature vectors (needs by level, interests) used to find similar mentees."""
    names = sorted({f"need:{k}" for p in people for k in p.needs}
                   | {f"interest:{k}" for p in people for k in p.interests})
    column = {name: c for c, name in enumerate(names)}
    features = np.zeros((len(people), len(names)), dtype=np.float32)
    for row, person in enumerate(people):
        for need, level in person.needs.items():
            features[row, column[f"need:{need}"]] = level / 3.0
        for interest in person.interests:
            features[row, column[f"interest:{interest}"]] = 1.0
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return np.divide(features, norms, out=features, where=norms > 0)


class Similarity:
    """Each pool mentee's profile, and per mentor the ratings (and the number of them) of every
    mentee who rated them, summed by profile feature. A last feature, 1 for everyone, carries
    the mentor's shrunk mean as SIMILAR_PRIOR_WEIGHT ratings."""

    def __init__(self, table: FeedbackTable, mentee_features: np.ndarray, rater_features: np.ndarray):
        mentors = len(table.mentor_count)
        prior = table.shrunk_mentor_mean()
        ratings = sparse.csr_matrix((table.rater_values, (table.rater_cols, table.rater_rows)),
                                    shape=(mentors, rater_features.shape[0]), dtype=np.float32)
        counts = sparse.csr_matrix((np.ones_like(table.rater_values), (table.rater_cols, table.rater_rows)),
                                   shape=ratings.shape, dtype=np.float32)
        self.profiles = np.hstack([mentee_features, np.ones((len(mentee_features), 1), dtype=np.float32)])
        self.rated = np.vstack([np.asarray((ratings @ rater_features).T),
                                SIMILAR_PRIOR_WEIGHT * prior[None, :]]).astype(np.float32)
        self.rated_by = np.vstack([np.asarray((counts @ rater_features).T),
                                   np.full((1, mentors), SIMILAR_PRIOR_WEIGHT)]).astype(np.float32)


def chemistry(table: FeedbackTable, similarity: Similarity, block: Block) -> np.ndarray:
    """Soft: expected rating of the pair, from the pair's own ratings, similar mentees'
    ratings of the mentor, and the mentor's shrunk mean, in that order of trust."""
    profiles = similarity.profiles[block.rows]
    score = profiles @ similarity.rated
    score /= profiles @ similarity.rated_by
    which, rows = block.pairs(table.pair_rows)
    cols, count = table.pair_cols[which], table.pair_count[which]
    own = table.pair_mean[which] * count
    score[rows, cols] = (own + PAIR_PRIOR_WEIGHT * score[rows, cols]) / (count + PAIR_PRIOR_WEIGHT)
    return score
