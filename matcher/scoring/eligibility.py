"""Who may be matched with whom at all, by the mentee's own limits."""
from __future__ import annotations

import numpy as np

from matcher.model import Mentee, Mentor
from matcher.scoring.blocks import Block, allowed_except


class EligibilityTable:
    """The kinds of mentor each mentee accepts, and the mentors each mentee excluded."""

    def __init__(self, mentees: tuple[Mentee, ...], mentors: tuple[Mentor, ...]):
        kinds = sorted({m.kind for m in mentors})
        self.mentors = len(mentors)
        self.mentor_kind = np.array([kinds.index(m.kind) for m in mentors], dtype=np.int64)
        self.accepts = np.array([[p.kinds is None or k in p.kinds for k in kinds] for p in mentees],
                                dtype=bool).reshape(len(mentees), len(kinds))
        column = {m.id: j for j, m in enumerate(mentors)}
        excluded = [(i, column[x]) for i, p in enumerate(mentees) for x in p.excluded_mentors if x in column]
        self.excluded_rows = np.array([i for i, _ in excluded], dtype=np.int64)
        self.excluded_cols = np.array([j for _, j in excluded], dtype=np.int64)


def allowed_kind(table: EligibilityTable, block: Block) -> np.ndarray:
    """Hard: the mentor is of a kind the mentee allows (volunteer or professional)."""
    return table.accepts[block.rows][:, table.mentor_kind]


def not_excluded(table: EligibilityTable, block: Block) -> np.ndarray:
    """Hard: the mentor is not on the mentee's list of excluded mentors."""
    return allowed_except(block, table.mentors, table.excluded_rows, table.excluded_cols)
