"""The seeded C, D and E generalised assignment instances and gap_peers on instances without a best-known cost."""
import math

import numpy as np
import pytest

from bench import gap, gap_generate, gap_peers

KINDS = gap_generate.KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_instance_other_seed_other_instance(kind):
    first, again, other = (gap_generate.generate(kind, 5, 40, seed) for seed in (1, 1, 2))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


@pytest.mark.parametrize("kind", KINDS)
def test_shapes_and_whole_numbers(kind):
    cost, resource, capacity = gap_generate.generate(kind, 7, 60, seed=3)
    assert cost.shape == resource.shape == (7, 60) and capacity.shape == (7,)
    assert all(array.dtype.kind == "i" for array in (cost, resource, capacity))


def _share(resource):
    return np.floor(0.8 * resource.sum(axis=1) / resource.shape[0])


def test_type_c_ranges():
    cost, resource, capacity = gap_generate.generate("c", 10, 400, seed=1)
    assert resource.min() == 5 and resource.max() == 25
    assert cost.min() == 10 and cost.max() == 50
    np.testing.assert_array_equal(capacity, _share(resource))


def test_type_d_ranges():
    cost, resource, capacity = gap_generate.generate("d", 10, 400, seed=1)
    assert resource.min() == 1 and resource.max() == 100
    noise = cost - (111 - resource)
    assert noise.min() == -10 and noise.max() == 10
    np.testing.assert_array_equal(capacity, _share(resource))


def test_type_e_ranges():
    cost, resource, capacity = gap_generate.generate("e", 10, 400, seed=1)
    assert resource.min() >= 1 and 8 < resource.mean() < 13     # 1 - 10 ln x rounded down: mean about 10.5
    assert (cost <= np.floor(1000 / resource)).all() and (cost >= np.floor(1000 / resource - 10)).all()
    np.testing.assert_array_equal(capacity, np.maximum(_share(resource), resource.max(axis=1)))


@pytest.mark.parametrize("kind", KINDS)
def test_lp_relaxation_is_feasible(kind):
    cost, resource, capacity = gap_generate.generate(kind, 5, 60, seed=4)
    instance = gap_peers.GapInstance("tiny", cost, resource, capacity, None)
    value, _ = gap_peers.lp_relaxation(instance)
    assert math.isfinite(value) and value >= np.min(cost, axis=0).sum() - 1e-6


def test_written_file_round_trips(tmp_path):
    path = gap_generate.write("e", 4, 25, 7, tmp_path)
    assert path.name == "e4x25s7"
    for written, read in zip(gap_generate.generate("e", 4, 25, 7), gap.read_instance(path)):
        np.testing.assert_array_equal(written, read)


def test_command_line_writes_every_combination(tmp_path, capsys):
    gap_generate.main(["--types", "c", "d", "--sizes", "3x10", "4x12", "--seed", "1", "2", "--out", str(tmp_path)])
    names = {path.name for path in tmp_path.iterdir()}
    assert names == {f"{kind}{size}s{seed}" for kind in "cd" for size in ("3x10", "4x12") for seed in (1, 2)}
    assert len(capsys.readouterr().out.split()) == 8


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def test_gap_peers_judges_against_the_lp_bound_without_best_known(tmp_path, capsys):
    path = gap_generate.write("d", 5, 30, 1, tmp_path)
    gap_peers.main([str(path), "--time-limit", "1"])
    out = capsys.readouterr().out.splitlines()
    columns = _cells(gap_peers.HEADER)
    rows = [dict(zip(columns, _cells(line))) for line in out if line.startswith(f"| {path.name} ")]
    assert rows and rows[0]["best known"] == "-" and rows[0]["above best known"] == "-"
    assert float(rows[0]["LP bound"]) > 0
    for method in gap_peers.METHODS:
        assert any(line.startswith(f"- {method}: at most 0.5% above the LP bound on ") for line in out), method
    assert any("1/1 instances have no best-known cost" in line and "valid lower bound" in line for line in out)


def test_gap_peers_writes_the_named_docs_section(tmp_path, monkeypatch, capsys):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n<!-- gap:start -->\nshared\n<!-- gap:end -->\n")
    monkeypatch.setattr(gap_peers, "DOCS", docs)
    path = gap_generate.write("d", 5, 30, 1, tmp_path)
    gap_peers.main([str(path), "--time-limit", "1", "--write-docs", "--section", "gap-generated",
                    "--title", "Generated instances"])
    text = docs.read_text()
    assert "shared" in text  # the other section stays
    section = text[text.index("<!-- gap-generated:start -->"):text.index("<!-- gap-generated:end -->")]
    assert section.count("### Generated instances, time limit 1 s per method") == 1
    assert f"| {path.name} | 5 x 30 | - |" in section
