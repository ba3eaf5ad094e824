"""Shared fixtures: a small scenario in the contract's own JSON form."""
import copy
import subprocess
import sys

import pytest

from matcher.solver.assign_dive import compile_kernels

EXAMPLE = {
    "programme": {
        "name": "Youth mentors, spring intake", "timezone": "Europe/Copenhagen",
        "start": "2027-01-04", "weeks": 12, "slot_minutes": 30,
        "daytime": {"start": "08:00", "end": "16:00"},
        "weights": {"competence": 0.35, "interests": 0.2, "chemistry": 0.3, "availability": 0.15},
    },
    "mentors": [
        {"id": "m-01", "name": "Ane", "kind": "volunteer", "competences": {"adhd": 3, "family": 2},
         "interests": ["football", "music"], "capacity": 3, "hours_per_week": 4, "min_hours_per_month": 10,
         "availability": [{"day": "tue", "start": "16:00", "end": "20:00"},
                          {"day": "sat", "start": "10:00", "end": "13:00", "flexible": True}],
         "max_flexible_per_week": 1, "unavailable": [{"from": "2027-02-08", "to": "2027-02-14"}]},
        {"id": "m-02", "name": "Bo", "kind": "professional", "competences": {"adhd": 2, "school": 3},
         "interests": ["chess"], "capacity": 2, "hours_per_week": 6,
         "availability": [{"day": "wed", "start": "15:00", "end": "19:00"},
                          {"day": "thu", "start": "15:00", "end": "19:00"}]},
    ],
    "mentees": [
        {"id": "y-01", "name": "Jonas", "needs": {"adhd": 2}, "kinds": ["professional", "volunteer"],
         "interests": ["football"], "sessions": {"per_week": 1, "minutes": 90, "min_days_apart": 3},
         "availability": [{"day": "tue", "start": "15:00", "end": "21:00"}],
         "unavailable": [], "waiting_since": "2026-12-20", "excluded_mentors": []},
        {"id": "y-02", "name": "Maja", "needs": {"school": 2}, "interests": ["chess", "music"],
         "sessions": {"per_week": 1, "minutes": 60}, "waiting_since": "2026-12-01",
         "availability": [{"day": "wed", "start": "16:00", "end": "18:00"}]},
    ],
    "feedback": [{"mentor": "m-02", "mentee": "y-02", "rating": 4}],
    "matches": [],
}


@pytest.fixture(scope="session", autouse=True)
def compiled_kernels():
    """numba's kernels compiled, or loaded from its cache, before any test times a solve or
    a bound (the first load takes 0.2 s, a compile after a change of their files seconds)."""
    compile_kernels()


@pytest.fixture
def fresh_python():
    """Runs Python code in a fresh interpreter, where nothing the session loaded or compiled
    is; returns what it printed."""
    def run(code: str) -> str:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return run


@pytest.fixture
def example():
    """A fresh, valid scenario dict to change in a test."""
    return copy.deepcopy(EXAMPLE)


@pytest.fixture
def crowded_wednesday(example):
    """The example with y-03, who like y-02 can only meet m-02 on Wednesdays 16-18 but for
    two hours a week: the assignment gives m-02 both (its hours allow it), its calendar
    holds only one of them."""
    example["mentees"].append({**copy.deepcopy(example["mentees"][1]), "id": "y-03", "name": "Ida", "interests": [],
                               "sessions": {"per_week": 1, "minutes": 120}})
    return example


from api_fixtures import (anonymous, app, coordinator, database_url, outsider,  # noqa: E402,F401
                          postgres_database, seeded, viewer)
