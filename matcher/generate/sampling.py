"""Random draws shared by the people generators: weighted choices, Zipf weights, rounding."""
from __future__ import annotations

import numpy as np


def choose(rng, chances, n: int) -> np.ndarray:
    """n indices drawn with the given chances."""
    return rng.choice(len(chances), size=n, p=np.asarray(chances) / np.sum(chances))


def popularity(n: int, exponent: float = 1.0) -> np.ndarray:
    """Zipf-like weights: the first is the most popular."""
    return 1.0 / np.arange(1, n + 1) ** exponent


def top_k(rng, weights: np.ndarray, n: int, k: int) -> np.ndarray:
    """(n × k) distinct indices per row, drawn by weight without replacement (Gumbel top-k)."""
    keys = np.log(weights) + rng.gumbel(size=(n, len(weights)))
    return np.argsort(-keys, axis=1)[:, :k]


def round_to(rng, values: np.ndarray, step: float) -> np.ndarray:
    """Round to multiples of step, up or down at random so that sums stay unbiased."""
    scaled = values / step
    low = np.floor(scaled)
    return (low + (rng.random(values.shape) < scaled - low)) * step
