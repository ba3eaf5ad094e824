"""An assignment problem and its result: the solver's input and output, validated."""

from dataclasses import dataclass

import numpy as np

from matcher.solver.assign_matrix import feasible_mask, load_rows, pair_load

MATCH_WORTH = 1.0  # in large solves a match is worth this many times (1 + the largest pair value)


@dataclass(frozen=True)
class AssignmentProblem:
    """Values, feasibility and limits of one assignment; validated on construction."""

    value: np.ndarray
    allowed: np.ndarray
    load: np.ndarray
    capacity: np.ndarray
    budget: np.ndarray
    required: np.ndarray | None = None
    target_hours: np.ndarray | None = None
    shortfall_penalty: float = 0.0
    conflicts: tuple[tuple[int, tuple[int, ...]], ...] = ()  # (mentor, mentees): not all of them with it

    def __post_init__(self):
        _validate(self)

    @property
    def shape(self) -> tuple[int, int]:
        """(mentees, mentors)."""
        return self.value.shape

    def feasible(self) -> np.ndarray:
        """Mask of the pairs that are allowed and fit an empty mentor on their own."""
        return feasible_mask(self.allowed, self.load, np.asarray(self.capacity, float), np.asarray(self.budget, float))

    def hours_given(self, mentor_of: np.ndarray) -> np.ndarray:
        """(m,) the load each mentor carries in an assignment."""
        matched = np.flatnonzero(mentor_of >= 0)
        return np.bincount(mentor_of[matched], pair_load(self.load, matched, mentor_of[matched]),
                           minlength=self.shape[1])

    def room_left(self, mentor_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(capacity, budget) each mentor has left in an assignment."""
        taken = mentor_of[mentor_of >= 0]
        return (self.capacity - np.bincount(taken, minlength=self.shape[1]),
                self.budget - self.hours_given(mentor_of))

    def room_for(self, mentor_of: np.ndarray, rows) -> np.ndarray:
        """Mask over the mentors (a row per mentee of `rows`, an index array or a slice; one
        row for a single index) of those with a place and the hours left for the mentee in
        an assignment."""
        capacity, budget = self.room_left(mentor_of)
        return (capacity >= 1) & (budget >= load_rows(self.load, rows) - 1e-9)

    def broken_conflicts(self, mentor_of: np.ndarray) -> list[int]:
        """The conflicts (indices into `conflicts`) whose mentees all have their mentor in an
        assignment."""
        return [k for k, (mentor, mentees) in enumerate(self.conflicts) if (mentor_of[list(mentees)] == mentor).all()]

    def without_broken_conflicts(self, mentor_of: np.ndarray) -> np.ndarray:
        """An assignment that keeps every conflict: of each broken one, the member worth least
        (a mentee who may wait before a required one) waits."""
        mentor_of = mentor_of.copy()
        required = np.zeros(self.shape[0], bool) if self.required is None else self.required
        for k in self.broken_conflicts(mentor_of):
            mentor, mentees = self.conflicts[k]
            if (mentor_of[list(mentees)] == mentor).all():
                members = np.array(mentees)
                mentor_of[members[np.lexsort((self.value[members, mentor], required[members]))[0]]] = -1
        return mentor_of

    def objective(self, mentor_of: np.ndarray) -> float:
        """Value of the matched pairs minus the shortfall penalty of an assignment."""
        matched = np.flatnonzero(mentor_of >= 0)
        total = float(self.value[matched, mentor_of[matched]].sum())
        if self.target_hours is not None and self.shortfall_penalty > 0:
            shortfall = np.maximum(self.target_hours - self.hours_given(mentor_of), 0)
            total -= self.shortfall_penalty * float(shortfall.sum())
        return total


@dataclass(frozen=True)
class AssignmentResult:
    """An assignment with its objective and proven bounds (see solve_assignment)."""

    mentor_of: np.ndarray
    objective: float
    bound: float
    matched: int
    matched_bound: int
    seconds: float
    method: str
    optimal: bool


def match_worth(problem: AssignmentProblem, feasible: np.ndarray | None = None) -> float:
    """What one match adds to the combined goal of large solves: MATCH_WORTH times one more
    than the largest value of a feasible pair (`feasible`: the problem's mask, when known)."""
    if feasible is None:
        feasible = problem.feasible()
    return MATCH_WORTH * (1.0 + float(np.max(problem.value, initial=0.0, where=feasible)))


class InfeasibleAssignment(ValueError):
    """The required mentees cannot all be matched."""


def _validate(problem: AssignmentProblem) -> None:
    """Raise ValueError naming the first array with a wrong shape, type or value."""
    value = np.asarray(problem.value)
    if value.ndim != 2:
        raise ValueError(f"value: expected a 2-D (mentees, mentors) array, got shape {value.shape}")
    n, m = value.shape
    expected = {"value": [(n, m)], "allowed": [(n, m)], "load": [(n,), (n, m)],
                "capacity": [(m,)], "budget": [(m,)], "required": [(n,)],
                "target_hours": [(m,)]}
    for name, shapes in expected.items():
        array = getattr(problem, name)
        if array is None and name in ("required", "target_hours"):
            continue
        if not isinstance(array, np.ndarray):
            raise ValueError(f"{name}: expected a numpy array, got {type(array).__name__}")
        if array.shape not in shapes:
            raise ValueError(f"{name}: expected shape {' or '.join(map(str, shapes))}, "
                             f"got {array.shape}")
        if name in ("allowed", "required"):
            if array.dtype != bool:
                raise ValueError(f"{name}: expected a bool array, got dtype {array.dtype}")
            continue
        if array.dtype.kind not in "iuf":
            raise ValueError(f"{name}: expected a numeric array, got dtype {array.dtype}")
        if not np.isfinite(array).all():
            raise ValueError(f"{name}: contains NaN or infinite entries")
        if (array < 0).any():
            raise ValueError(f"{name}: contains negative entries")
        if name == "capacity" and (array != np.round(array)).any():
            raise ValueError("capacity: contains non-integer entries")
    penalty = problem.shortfall_penalty
    if not (np.isfinite(penalty) and penalty >= 0):
        raise ValueError(f"shortfall_penalty: expected a finite number >= 0, got {penalty}")
    for k, (mentor, mentees) in enumerate(problem.conflicts):
        if not (0 <= mentor < m and mentees and all(0 <= i < n for i in mentees) and len(set(mentees)) == len(mentees)):
            raise ValueError(f"conflicts[{k}]: expected a mentor below {m} and distinct mentees below {n}, "
                             f"got {mentor} and {mentees}")
