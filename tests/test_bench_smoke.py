"""Smoke tests of the benchmarks: tiny sizes, a few seconds in all."""
import re
from pathlib import Path

import numpy as np
import pytest

from bench import gap, gap_peers, peers, proposals, scaling, time_limits
from matcher.solver.assign_problem import AssignmentProblem, match_worth

GAP_INSTANCE = Path(__file__).parents[2] / "shared/data/gap/c05100"
GAP_BEST_KNOWN = 1931
ROW = re.compile(r"^\| (matcher|greedy) \| \d+\.\d{2} \| \d+ \| -?\d+\.\d{3} \| (\d+\.\d{4}|-) "
                 r"\| 0 \| 0 \| \d+\.\d{2} \| \d+ \| [^|]* \|$")


@pytest.mark.parametrize("size, limit, longer", [("M", 0.5, True), ("M", 1.0, False), ("S", 0.5, False)])
def test_the_matcher_runs_again_with_the_default_time_limit_where_that_is_longer(monkeypatch, size, limit, longer):
    monkeypatch.setattr(peers, "SIZES", {size: (30, 8, limit)})
    monkeypatch.setattr(peers, "METHODS", {"matcher": peers.matcher, "greedy": peers.greedy,
                                           "highs-milp": peers.highs_milp})
    monkeypatch.setattr(peers, "DEFAULT_LIMIT", 1.0)
    monkeypatch.setattr(peers, "SLOW_PEER_FACTOR", 2)
    lines = peers.size_tables(size, None)
    methods = [line.split(" | ")[0].lstrip("| ") for line in lines if line.startswith("| ") and "---" not in line]
    results = methods[1:methods.index("peer")]
    extra = ["matcher, 1 s"] if longer else []
    assert results == ["matcher", "greedy", "highs-milp", "highs-milp, 2x time"] + extra
    assert methods[methods.index("peer") + 1:] == ["greedy", "highs-milp", "highs-milp, 2x time"] + extra


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


@pytest.mark.parametrize("method", ["highs-milp", "cp-sat"])
def test_peers_solve_the_matchers_goal_more_matches_first(method):
    # One mentor with 3 hours: the 3-hour mentee alone is worth more value (2.5) than the two
    # 1.5-hour mentees together (2.0), but the matcher's goal takes the two.
    problem = AssignmentProblem(value=np.array([[2.5], [1.0], [1.0]]), allowed=np.ones((3, 1), bool),
                                load=np.array([3.0, 1.5, 1.5]), capacity=np.array([2]), budget=np.array([3.0]))
    instance = peers.Instance(problem, np.arange(3))
    peer = peers.run(method, instance, time_limit=5.0).solution
    assert peer.mentor_of.tolist() == [-1, 0, 0], peer.note
    assert peers.run("matcher", instance, time_limit=5.0).solution.mentor_of.tolist() == [-1, 0, 0]
    assert match_worth(problem) > 2.5 and "same goal" in peer.note


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


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def test_gap_peers_one_checked_row_per_method():
    if not GAP_INSTANCE.exists():
        pytest.skip(f"OR-Library instance not found at {GAP_INSTANCE}")
    instance = gap_peers.load(GAP_INSTANCE)
    assert instance.best_known == GAP_BEST_KNOWN
    lines, costs = gap_peers.instance_rows(instance, time_limit=1.0)
    columns = _cells(gap_peers.HEADER)
    rows = [dict(zip(columns, _cells(line))) for line in lines]
    assert all(len(_cells(line)) == len(columns) for line in lines)
    assert [row["method"] for row in rows] == list(gap_peers.METHODS)
    for row in rows:
        cost = costs[row["method"]]
        assert cost is not None, row["note"]   # a cost is only reported once checked feasible
        assert row["cost"] == str(cost) and cost >= GAP_BEST_KNOWN
        assert row["lower bound"] == "-" or int(row["lower bound"]) <= GAP_BEST_KNOWN


SCALING_COLUMNS = ["mentees x mentors", "waiting", "scoring s", "assignment s", "method", "matched",
                   "objective / bound", "calendar s", "sessions placed / required"]


def test_scaling_row_has_the_columns():
    row = _cells(scaling.measure(30, 8, time_limit=1.0).row())
    assert _cells(scaling.HEADER) == SCALING_COLUMNS
    assert len(row) == len(SCALING_COLUMNS) and row[0] == "30 x 8"
    assert all(float(row[k]) >= 0 for k in (2, 3, 7))


def test_scaling_writes_table_and_plot(tmp_path):
    figure, docs = tmp_path / "scaling.png", tmp_path / "benchmarks.md"
    scaling.main(["--sizes", "30x8", "--time-limit", "1", "--plot", str(figure), "--docs", str(docs)])
    assert figure.read_bytes().startswith(b"\x89PNG")
    lines = docs.read_text().splitlines()
    header = lines.index(scaling.HEADER)
    assert _cells(lines[header + 2])[0] == "30 x 8"
    assert "![seconds per stage against size](scaling.png)" in lines


def test_whole_proposals_are_compared_with_the_coordinator_on_the_same_scenario():
    lines = proposals.rows("40x12", 1, 1.0, "job-mentors")
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    ours, peer, ratio = cells
    assert [ours[2], peer[2], ratio[2]] == ["matcher", "coordinator", "matcher / coordinator"]
    assert ours[:2] == peer[:2] == ratio[:2] and ours[0] == "job-mentors 40 x 12, seed 1"
    waiting = int(ours[1])
    for row in (ours, peer):
        placed, required = (int(part) for part in row[6].split(" / "))
        assert 0 < int(row[4]) <= waiting and placed <= required
    assert float(ratio[4]) == pytest.approx(int(ours[4]) / int(peer[4]), abs=1e-3)


def test_time_limits_prints_a_row_per_seed_and_limit_with_the_ratio_to_the_bound(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(time_limits, "SIZES", {"S": (30, 8, 1.0)})
    monkeypatch.setattr(time_limits, "DOCS", tmp_path / "benchmarks.md")
    time_limits.main(["--size", "S", "--seeds", "1", "2", "--time-limits", "0.5", "1", "--write-docs"])
    rows = [line for line in capsys.readouterr().out.splitlines() if re.match(r"^\| \d", line)]
    written = (tmp_path / "benchmarks.md").read_text()
    assert written.count("<!-- time-limits:") == 2 and all(row in written for row in rows)
    assert [row.split(" | ")[:2] for row in rows] == [["| 1", "0.5 s"], ["| 1", "1 s"], ["| 2", "0.5 s"], ["| 2", "1 s"]]
    for row in rows:
        cells = row.strip("| ").split(" | ")
        assert 0.0 < float(cells[5]) <= 1.0 + 1e-9
        assert float(cells[5]) == pytest.approx(float(cells[3]) / float(cells[4]), abs=1e-4)
