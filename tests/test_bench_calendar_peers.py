"""Smoke tests of bench.calendar_peers on a tiny generated scenario."""
from bench import calendar_peers

TINY = (30, 10)
TIME_LIMIT = 2.0


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def test_both_methods_place_sessions_the_checker_accepts():
    lines, outcomes = calendar_peers.size_section("tiny", *TINY, TIME_LIMIT)
    assert [outcome.method for outcome in outcomes] == ["matcher", "cp-sat"]
    for outcome in outcomes:
        assert outcome.placed.sessions, outcome.placed.note
        assert not outcome.violations, outcome.violations
    peer = outcomes[1].placed
    assert peer.bound is not None
    assert len(peer.sessions) <= peer.bound

    table = [line for line in lines if line.startswith("|")]
    assert table[0] == calendar_peers.HEADER
    rows = [dict(zip(_cells(calendar_peers.HEADER), _cells(line))) for line in table[2:]]
    assert [row["method"] for row in rows] == ["matcher", "cp-sat"]
    for row, outcome in zip(rows, outcomes):
        placed, required = map(int, row["sessions placed / required"].split(" / "))
        assert placed == len(outcome.placed.sessions) <= required
        assert row["violations"] == "0"
    assert any(line.startswith("Ratio ours / cp-sat: time ") for line in lines)


def test_write_docs_replaces_the_calendar_section(tmp_path, monkeypatch):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n<!-- calendar:start -->\nold\n<!-- calendar:end -->\n\nafter\n")
    monkeypatch.setattr(calendar_peers, "DOCS", docs)
    monkeypatch.setattr(calendar_peers, "SIZES", {"S": TINY})
    calendar_peers.main(["--sizes", "S", "--time-limit", str(TIME_LIMIT), "--write-docs"])
    text = docs.read_text()
    assert "old" not in text and text.endswith("after\n")
    section = text[text.index("<!-- calendar:start -->"):text.index("<!-- calendar:end -->")]
    assert "#### S: 30 x 10 scenario" in section
    assert "Command: `python -m bench.calendar_peers --sizes S --time-limit 2.0 --write-docs`" in section
    assert "Machine: " in section and "| cp-sat |" in section
