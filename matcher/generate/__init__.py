"""Seeded generator of synthetic scenarios for the four mentor programmes.

`generate_scenario` returns a scenario dict in the contract of DESIGN.md. Each programme is
a preset (DOMAIN.md): who the mentors are and when they can meet, what the mentees need,
when they can meet and how often. A few mentees are hard cases on purpose: one needs a
level no mentor has, one can only meet when no mentor can. History (ratings, breakdowns,
current matches with booked sessions) comes from its own random stream, so the people are
the same with and without it.
"""
from matcher.generate.presets import PROGRAMMES
from matcher.generate.scenario import generate_scenario

__all__ = ["PROGRAMMES", "generate_scenario"]
