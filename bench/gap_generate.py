"""Seeded generalised assignment instances of types C, D and E, written in the OR-Library format.

    python -m bench.gap_generate --types c d e --sizes 10x400 20x1600 [--seed S...] --out DIR
    python -m bench.gap_generate --type e --agents 20 --jobs 1600 --seed 1 --out DIR

The literature's generators, with m agents, n jobs, resource r[i, j] and cost c[i, j]:

- C (Chu & Beasley 1997, A genetic algorithm for the generalized assignment problem,
  Computers & Operations Research 24, 17-23): r integer U[5, 25], c integer U[10, 50],
  b[i] = floor(0.8 * sum_j r[i, j] / m).
- D (same paper): r integer U[1, 100], c = 111 - r + e with e integer U[-10, 10],
  b[i] = floor(0.8 * sum_j r[i, j] / m).
- E (Laguna, Kelly, Gonzalez-Velarde & Glover 1995, Tabu search for the multilevel generalized
  assignment problem, European Journal of Operational Research 82, 176-189; as stated by Yagiura,
  Ibaraki & Glover 2004, An ejection chain approach for the generalized assignment problem,
  INFORMS Journal on Computing 16, 133-151): r = 1 - 10 ln x, c = 1000 / r - 10 y with x
  uniform on (0, 1] and y uniform on [0, 1), b[i] = max(0.8 * sum_j r[i, j] / m, max_j r[i, j]);
  r is rounded down to an integer (so r >= 1) before c is computed, c and b are rounded down too,
  and every job fits every agent on its own.

Each instance draws from np.random.default_rng(seed) in the order listed (resources, then costs).
Files are named like e20x1600s1 (type, agents x jobs, seed) and read by bench.gap.read_instance;
no best-known costs exist for them, so bench.gap_peers judges them against the LP bound.
"""

import argparse
from fractions import Fraction
from pathlib import Path

import numpy as np

KINDS = ("c", "d", "e")
TIGHTNESS = Fraction(4, 5)  # b[i] = floor(TIGHTNESS * sum_j r[i, j] / m), the 0.8 above


def generate(kind: str, agents: int, jobs: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cost, resource, capacity) of one instance: int64 arrays, cost and resource (agents, jobs)."""
    rng = np.random.default_rng(seed)
    shape = (agents, jobs)
    if kind == "c":
        resource = rng.integers(5, 26, shape)
        cost = rng.integers(10, 51, shape)
    elif kind == "d":
        resource = rng.integers(1, 101, shape)
        cost = 111 - resource + rng.integers(-10, 11, shape)
    elif kind == "e":
        resource = np.floor(1 - 10 * np.log(1 - rng.random(shape))).astype(np.int64)
        cost = np.floor(1000 / resource - 10 * rng.random(shape)).astype(np.int64)
    else:
        raise ValueError(f"unknown instance type {kind!r}; expected one of {KINDS}")
    capacity = _share_of_total(resource)
    if kind == "e":
        capacity = np.maximum(capacity, resource.max(axis=1))
    return cost, resource, capacity


def _share_of_total(resource: np.ndarray) -> np.ndarray:
    """floor(TIGHTNESS * sum_j r[i, j] / m) per agent, in exact integer arithmetic."""
    return TIGHTNESS.numerator * resource.sum(axis=1) // (TIGHTNESS.denominator * resource.shape[0])


def instance_text(cost: np.ndarray, resource: np.ndarray, capacity: np.ndarray) -> str:
    """The OR-Library text: `m n`, the cost rows, the resource rows and the capacities."""
    rows = [f"{cost.shape[0]} {cost.shape[1]}", *_lines(cost), *_lines(resource), " ".join(map(str, capacity))]
    return "\n".join(rows) + "\n"


def _lines(matrix: np.ndarray) -> list[str]:
    return [" ".join(map(str, row)) for row in matrix]


def instance_name(kind: str, agents: int, jobs: int, seed: int) -> str:
    """Type, agents x jobs and seed, e.g. e20x1600s1."""
    return f"{kind}{agents}x{jobs}s{seed}"


def write(kind: str, agents: int, jobs: int, seed: int, out: Path) -> Path:
    """Generate one instance into `out` and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / instance_name(kind, agents, jobs, seed)
    path.write_text(instance_text(*generate(kind, agents, jobs, seed)))
    return path


def _count(text: str) -> int:
    """A positive whole number."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _size(text: str) -> tuple[int, int]:
    """`AGENTSxJOBS` as (agents, jobs)."""
    parts = text.lower().split("x")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"size {text!r} is not AGENTSxJOBS, e.g. 20x1600")
    return _count(parts[0]), _count(parts[1])


def main(argv: list[str] | None = None) -> None:
    """Write every type x size x seed combination and print the paths."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--type", "--types", dest="types", nargs="+", choices=KINDS, required=True)
    parser.add_argument("--sizes", nargs="+", type=_size, help="AGENTSxJOBS, e.g. 10x400 20x1600")
    parser.add_argument("--agents", type=_count)
    parser.add_argument("--jobs", type=_count)
    parser.add_argument("--seed", "--seeds", dest="seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if (args.agents is None) != (args.jobs is None):
        parser.error("--agents and --jobs go together")
    sizes = list(args.sizes or [])
    if args.agents:
        sizes.append((args.agents, args.jobs))
    if not sizes:
        parser.error("give --sizes or --agents and --jobs")
    for kind in args.types:
        for agents, jobs in sizes:
            for seed in args.seeds:
                print(write(kind, agents, jobs, seed, args.out), flush=True)


if __name__ == "__main__":
    main()
