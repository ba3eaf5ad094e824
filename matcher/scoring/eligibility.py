"""Who may be matched with whom at all, by the mentee's own limits."""
from __future__ import annotations

import numpy as np

from matcher.model import Mentee, Mentor


def allowed_kind(mentees: tuple[Mentee, ...], mentors: tuple[Mentor, ...]) -> np.ndarray:
    """Hard: the mentor is of a kind the mentee allows (volunteer or professional)."""
    kinds = sorted({m.kind for m in mentors})
    mentor_kind = np.array([kinds.index(m.kind) for m in mentors], dtype=np.int64)
    accepts = np.array([[p.kinds is None or k in p.kinds for k in kinds] for p in mentees],
                       dtype=bool).reshape(len(mentees), len(kinds))
    return accepts[:, mentor_kind]


def not_excluded(mentees: tuple[Mentee, ...], mentors: tuple[Mentor, ...]) -> np.ndarray:
    """Hard: the mentor is not on the mentee's list of excluded mentors."""
    column = {m.id: j for j, m in enumerate(mentors)}
    allowed = np.ones((len(mentees), len(mentors)), dtype=bool)
    for i, mentee in enumerate(mentees):
        allowed[i, [column[x] for x in mentee.excluded_mentors if x in column]] = False
    return allowed
