"""Regenerate the bundled scenarios: `python scenarios/build.py` rewrites the four files."""
from __future__ import annotations

import json
from pathlib import Path

from matcher.generate import generate_scenario

HERE = Path(__file__).resolve().parent

# programme: (name, mentees, mentors, seed)
BUNDLED = {
    "patient-peers": ("MS patient peer mentors, spring 2027", 40, 12, 11),
    "youth-mentors": ("Youth mentors (ADHD), spring intake 2027", 60, 20, 12),
    "recovery-mentors": ("Recovery mentors, psychiatric outpatients, spring 2027", 50, 8, 13),
    "job-mentors": ("Job mentors, six-month grants from January 2027", 50, 12, 14),
}


def bundled_scenario(programme: str) -> dict:
    """The bundled scenario of one programme, with its descriptive name."""
    name, mentees, mentors, seed = BUNDLED[programme]
    scenario = generate_scenario(mentees, mentors, seed, programme=programme)
    scenario["programme"]["name"] = name
    return scenario


def render(scenario: dict) -> str:
    """The file text: pretty-printed JSON, UTF-8, ending in a newline."""
    return json.dumps(scenario, indent=2, ensure_ascii=False) + "\n"


def path_of(programme: str) -> Path:
    return HERE / f"{programme}.json"


def main() -> None:
    for programme in BUNDLED:
        path_of(programme).write_text(render(bundled_scenario(programme)), encoding="utf-8")
        print(f"wrote {path_of(programme)}")


if __name__ == "__main__":
    main()
