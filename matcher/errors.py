"""Errors that name what is wrong, where, and why."""
from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    """One reason an input was rejected: the path of the value and the reason."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class ScenarioError(ValueError):
    """A scenario that breaks the contract; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(map(str, self.problems)))
