"""Scoring works through blocks of mentee rows, small enough that a block's (rows × mentors)
intermediates stay in cache."""
from __future__ import annotations

import numpy as np

ROWS_PER_BLOCK = 256


class Block:
    """Some mentee rows (a slice or an array of distinct indices) out of `size`, and where
    each mentee sits in the block."""

    def __init__(self, rows: slice | np.ndarray, size: int):
        self.rows = rows
        self.index = np.arange(size)[rows]
        self.position = np.full(size, -1, dtype=np.int64)
        self.position[self.index] = np.arange(len(self.index))

    def __len__(self) -> int:
        return len(self.index)

    def pairs(self, pair_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Of pairs given by their mentee rows: which fall in the block, and their block rows."""
        local = self.position[pair_rows]
        which = np.flatnonzero(local >= 0)
        return which, local[which]


def blocks(size: int):
    """Consecutive row blocks covering `size` mentees."""
    for first in range(0, size, ROWS_PER_BLOCK):
        yield Block(slice(first, min(first + ROWS_PER_BLOCK, size)), size)


def allowed_except(block: Block, mentors: int, pair_rows: np.ndarray, pair_cols: np.ndarray) -> np.ndarray:
    """Bool (block × mentors): True everywhere but at the given (mentee, mentor) pairs."""
    allowed = np.ones((len(block), mentors), dtype=bool)
    which, rows = block.pairs(pair_rows)
    allowed[rows, pair_cols[which]] = False
    return allowed
