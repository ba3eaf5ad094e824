"""Benchmark of scoring: every mentee × mentor matrix of a generated scenario.

    python -m bench.scoring [--sizes 10000x2000 ...] [--repeat R]

Prints, per size, the best of R timings of score_pairs (generation and loading excluded) and
its ratio to the target of 2 s at 10,000 × 2,000.
"""
import argparse
import time

from matcher.generate import generate_scenario
from matcher.schema import load_scenario
from matcher.scoring import score_pairs

TARGET_SECONDS = 2.0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["2000x500", "10000x2000"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--programme", default="youth-mentors")
    args = parser.parse_args(argv)
    for size in args.sizes:
        n, m = map(int, size.split("x"))
        scenario = load_scenario(generate_scenario(n, m, seed=1, programme=args.programme))
        timings = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            scores = score_pairs(scenario)
            timings.append(time.perf_counter() - began)
        best = min(timings)
        print(f"{size:>11} pairs={n * m:>11,} feasible={scores.feasible.mean():6.1%} "
              f"seconds={best:6.2f} target={TARGET_SECONDS:.1f} ratio={best / TARGET_SECONDS:5.2f}")


if __name__ == "__main__":
    main()
