"""Smoke tests of the benchmarks: tiny sizes, a few seconds in all."""
import re
from pathlib import Path

import numpy as np
import pytest

from bench import gap, peers

GAP_INSTANCE = Path(__file__).parents[2] / "shared/data/gap/c05100"
GAP_BEST_KNOWN = 1931
ROW = re.compile(r"^\| (matcher|greedy) \| \d+\.\d{2} \| \d+ \| -?\d+\.\d{3} \| (\d+\.\d{4}|-) "
                 r"\| 0 \| 0 \| \d+\.\d{2} \| \d+ \| [^|]* \|$")


@pytest.mark.parametrize("method", ["matcher", "greedy"])
def test_peer_row_respects_capacity_and_budget(method):
    instance = peers.scenario_instance(30, 8)
    problem = instance.problem
    outcome = peers.run(method, instance, time_limit=1.0)
    mentor_of = outcome.solution.mentor_of
    assert mentor_of is not None, outcome.solution.note
    taken = mentor_of >= 0
    assert problem.allowed[taken.nonzero()[0], mentor_of[taken]].all()
    count = np.bincount(mentor_of[taken], minlength=problem.shape[1])
    hours = np.bincount(mentor_of[taken], problem.load[taken], minlength=problem.shape[1])
    assert (count <= problem.capacity).all()
    assert (hours <= problem.budget + 1e-9).all()
    assert ROW.match(peers.row(outcome, problem, bound=1.0))


def test_gap_line(capsys):
    if not GAP_INSTANCE.exists():
        pytest.skip(f"OR-Library instance not found at {GAP_INSTANCE}")
    gap.main([str(GAP_INSTANCE), "--time-limit", "2"])
    line = capsys.readouterr().out.strip()
    found = re.fullmatch(r"c05100 cost=(\d+) bound=(\d+) seconds=\d+\.\d+", line)
    assert found, line
    cost, bound = int(found[1]), int(found[2])
    assert cost >= bound
    assert cost >= GAP_BEST_KNOWN
