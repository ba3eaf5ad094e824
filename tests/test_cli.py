"""The matcher command as a user runs it: a real process, real files, exit codes."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from checker import violations


def matcher(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "matcher.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.fixture
def scenario_file(tmp_path, example):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(example))
    return path


def test_validate_says_ok(scenario_file):
    done = matcher("validate", scenario_file)
    assert (done.returncode, done.stdout) == (0, "ok\n")


def test_validate_lists_every_problem(tmp_path, example):
    example["mentors"][0]["capacity"] = -1
    example["mentees"][0]["sessions"]["minutes"] = 0
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(example))
    done = matcher("validate", path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["mentees[0].sessions.minutes: must be greater than 0",
                                        "mentors[0].capacity: must be at least 0"]


def test_propose_prints_the_table_and_writes_the_contract(scenario_file, tmp_path, example):
    out = tmp_path / "proposal.json"
    done = matcher("propose", scenario_file, "--json", out, "--time-limit", "5")
    assert done.returncode == 0, done.stderr
    assert "MENTOR  MENTEE  STATUS  SCORE  WHY" in done.stdout
    assert "m-01    y-01    new" in done.stdout and "covers adhd 3 ≥ 2" in done.stdout
    assert "2 of 2 waiting mentees matched" in done.stdout
    proposal = json.loads(out.read_text())
    assert set(proposal) >= {"matches", "unmatched", "sessions", "unplaced", "stats"}
    assert violations(example, proposal) == []


def test_propose_on_bad_input_is_one_line_and_non_zero(tmp_path, example):
    example["mentees"][0]["sessions"]["minutes"] = 0
    example["mentors"][0]["kind"] = "robot"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(example))
    done = matcher("propose", path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"matcher: {path}: mentees[0].sessions.minutes: must be greater than 0 (and 1 more")


@pytest.mark.parametrize("content", ["", "{", "[]", "null"])
def test_propose_on_non_json_is_one_line(tmp_path, content):
    path = tmp_path / "x.json"
    path.write_text(content)
    done = matcher("propose", path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_propose_on_a_missing_file(tmp_path):
    done = matcher("propose", tmp_path / "nope.json")
    assert done.returncode == 2
    assert done.stderr == f"matcher: cannot read {tmp_path / 'nope.json'}: No such file or directory\n"


def test_propose_refuses_a_bad_time_limit(scenario_file):
    done = matcher("propose", scenario_file, "--time-limit", "-3")
    assert done.returncode == 2 and "must be greater than 0" in done.stderr


def test_rematch_prints_changes(tmp_path, example):
    example["matches"] = [{"mentor": "m-02", "mentee": "y-02"}]
    example["mentors"][0]["competences"]["school"] = 2
    example["mentors"][0]["availability"].append({"day": "wed", "start": "16:00", "end": "18:00"})
    path = tmp_path / "s.json"
    path.write_text(json.dumps(example))
    out = tmp_path / "p.json"
    done = matcher("rematch", path, "--breakdown", "m-02:y-02", "--json", out)
    assert done.returncode == 0, done.stderr
    assert "Changes (1)" in done.stdout
    assert json.loads(out.read_text())["changes"] == [{"mentee": "y-02", "from": "m-02", "to": "m-01"}]


@pytest.mark.parametrize("pair, message", [("m-01:y-02", "m-01:y-02 is not a current match"),
                                           ("m-01", "'m-01' is not MENTOR:MENTEE")])
def test_rematch_refuses_unknown_pairs(scenario_file, pair, message):
    done = matcher("rematch", scenario_file, "--breakdown", pair)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_generate_writes_a_valid_deterministic_scenario(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for path in (first, second):
        done = matcher("generate", "--mentees", 30, "--mentors", 8, "--seed", 3,
                       "--programme", "job-mentors", "-o", path)
        assert done.returncode == 0, done.stderr
    assert first.read_text() == second.read_text()
    data = json.loads(first.read_text())
    assert len(data["mentees"]) == 30 and len(data["mentors"]) == 8
    assert matcher("validate", first).stdout == "ok\n"


def test_generate_refuses_an_unknown_programme():
    done = matcher("generate", "--mentees", 3, "--mentors", 2, "--programme", "chess-club")
    assert done.returncode == 2 and "chess-club" in done.stderr and "Traceback" not in done.stderr


def test_propose_stdout_holds_only_the_report():
    bundled = Path(__file__).parent.parent / "scenarios" / "youth-mentors.json"
    done = matcher("propose", bundled, "--time-limit", "5")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Youth mentors")
    assert "Highs" not in done.stdout
