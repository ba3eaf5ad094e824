"""What mentors and mentees alike are drawn with: weekly windows, absences, interests, names."""
from __future__ import annotations

import numpy as np

from matcher.generate.presets import LAST_SLOT, SLOT, Pattern
from matcher.generate.sampling import choose, popularity, top_k

SHORTEST_WINDOW = 60

# Leisure interests, most popular first; popularity falls off like Zipf's law.
INTERESTS = (
    "football", "music", "gaming", "films", "cooking", "walking", "fitness", "reading",
    "dogs", "handball", "swimming", "cycling", "drawing", "fishing", "photography",
    "dancing", "board games", "baking", "theatre", "gardening", "horses", "climbing",
    "chess", "knitting", "sailing",
)
NAMES = (
    "Ane", "Jonas", "Mikkel", "Freja", "Ida", "Emma", "Sofie", "Laura", "Mathilde", "Clara",
    "Alma", "Ella", "Karla", "Maja", "Josefine", "Anna", "Agnes", "Asta", "Lærke", "Signe",
    "Frida", "Liva", "Nora", "Olivia", "Isabella", "Cecilie", "Camilla", "Mette", "Hanne",
    "Lone", "Susanne", "Birgitte", "Kirsten", "Lene", "Pia", "Trine", "Marianne", "Helle",
    "Rikke", "Louise", "Line", "Sara", "Julie", "Dorthe", "Gitte", "Inge", "Karen", "Bodil",
    "Emil", "William", "Noah", "Oscar", "Lucas", "Victor", "Malthe", "Alfred", "Oliver",
    "Carl", "Valdemar", "Magnus", "Frederik", "August", "Elias", "Aksel", "Anton",
    "Christian", "Rasmus", "Mads", "Søren", "Jens", "Lars", "Niels", "Peter", "Henrik",
    "Thomas", "Morten", "Anders", "Jesper", "Martin", "Kasper", "Jakob", "Simon", "Tobias",
    "Mathias", "Nikolaj", "Villads", "Bjørn", "Poul", "Knud", "Bent", "Torben", "Ole", "Esben",
)


def draw_windows(rng, patterns: tuple[Pattern, ...], n: int) -> list[list[tuple]]:
    """Each person's weekly windows as sorted, non-overlapping (day, start, end, flexible)."""
    drawn = []
    for p in patterns:
        most = p.count[1]
        first, last = (_minutes(clock) // SLOT for clock in p.starts)
        drawn.append((
            (rng.random(n) < p.share).tolist(),
            rng.integers(p.count[0], most + 1, n).tolist(),
            np.asarray(p.days)[np.argsort(rng.random((n, len(p.days))), axis=1)[:, :most]].tolist(),
            (rng.integers(first, last + 1, (n, most)) * SLOT).tolist(),
            (rng.integers(round(p.hours[0] * 60 / SLOT), round(p.hours[1] * 60 / SLOT) + 1, (n, most))
             * SLOT).tolist(),
            (rng.random((n, most)) < p.flexible).tolist(),
        ))
    people = []
    for i in range(n):
        raw = [(days[i][j], starts[i][j], lengths[i][j], flexible[i][j])
               for has, count, days, starts, lengths, flexible in drawn if has[i] for j in range(count[i])]
        if not raw:  # everybody can meet at some time
            _, count, days, starts, lengths, flexible = drawn[0]
            raw = [(days[i][j], starts[i][j], lengths[i][j], flexible[i][j]) for j in range(max(count[i], 1))]
        people.append(_tidy(raw))
    return people


def _tidy(raw: list[tuple]) -> list[tuple]:
    """Sort windows and cut each one to start where the one before it ends."""
    windows = []
    for day, start, length, flexible in sorted(raw):
        end = min(start + length, LAST_SLOT * SLOT)
        if windows and windows[-1][0] == day:
            start = max(start, windows[-1][2])
        if end - start >= SHORTEST_WINDOW:
            windows.append((day, start, end, flexible))
    return windows


def draw_unavailable(rng, n: int, weeks: int) -> list[list[tuple[int, int]]]:
    """Absences as inclusive (first, last) day offsets: a holiday week or a few days away."""
    ranges = choose(rng, (0.7, 0.25, 0.05), n).tolist()
    holiday = (rng.random((n, 2)) < 0.5).tolist()
    week = rng.integers(1, weeks, (n, 2)).tolist()
    first = rng.integers(0, 7 * weeks - 4, (n, 2)).tolist()
    length = rng.integers(1, 5, (n, 2)).tolist()
    people = []
    for i in range(n):
        spans = [(7 * week[i][j], 7 * week[i][j] + 6) if holiday[i][j]
                 else (first[i][j], first[i][j] + length[i][j] - 1) for j in range(ranges[i])]
        people.append(sorted(spans))
    return people


def draw_interests(rng, n: int, count: tuple[int, int]) -> list[list[str]]:
    picks = top_k(rng, popularity(len(INTERESTS), 1.1), n, count[1]).tolist()
    sizes = rng.integers(count[0], count[1] + 1, n).tolist()
    return [[INTERESTS[k] for k in sorted(picks[i][:sizes[i]])] for i in range(n)]


def draw_names(rng, n: int) -> list[str]:
    return [NAMES[k] for k in rng.integers(0, len(NAMES), n).tolist()]


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)
