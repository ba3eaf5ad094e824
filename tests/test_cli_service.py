"""The service's commands as an operator runs them: token create, import, demo."""
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from api import cli as service_cli, commands
from api.auth import digest
from api.commands import serving
from matcher import cli as engine_cli


def matcher(*args):
    """The installed command with the service's subcommands, as a real process."""
    return subprocess.run([sys.executable, "-m", "api.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def _database(tmp_path):
    return f"sqlite:///{tmp_path / 'matcher.db'}"


def test_token_create_prints_a_token_whose_digest_alone_is_stored(tmp_path):
    done = matcher("token", "create", "--org", "north", "--role", "viewer", "--database", _database(tmp_path))
    token = done.stdout.strip()
    assert done.returncode == 0 and token.startswith("mt_")
    with create_engine(_database(tmp_path)).connect() as connection:
        rows = connection.execute(text("select org_id, role, digest from tokens")).all()
    assert rows == [("north", "viewer", digest(token))]


def test_token_create_refuses_a_bad_organisation_name_in_one_line(tmp_path):
    done = matcher("token", "create", "--org", "North Side", "--role", "viewer", "--database", _database(tmp_path))
    assert done.returncode == 2
    assert done.stderr == ("matcher: organisation 'North Side': use 1-64 lower-case letters, digits, '-' or '_'\n")


def test_import_stores_a_spreadsheet_and_rejects_a_bad_one_whole(tmp_path):
    database = _database(tmp_path)
    matcher("token", "create", "--org", "north", "--role", "coordinator", "--database", database)
    good = tmp_path / "mentors.csv"
    good.write_text("id,kind,capacity,hours_per_week,availability\n"
                    "m-01,volunteer,2,4,tue 16:00-20:00\nm-02,professional,3,6,wed 15:00-19:00\n")
    done = matcher("import", "north", good, "--database", database)
    assert (done.returncode, done.stdout) == (0, f"{good}: 2 created, 0 updated\n")
    bad = tmp_path / "more.csv"
    bad.write_text("id,kind,capacity,hours_per_week,availability\n"
                   "m-03,volunteer,2,4,tue 16:00-20:00\nm-04,robot,-1,6,wed 15:00-19:00\n")
    done = matcher("import", "north", bad, "--database", database)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "nothing imported" in done.stderr and "line 3 (m-04).kind" in done.stderr
    with create_engine(database).connect() as connection:
        assert connection.execute(text("select ref from people order by id")).scalars().all() == ["m-01", "m-02"]


def test_import_of_a_missing_file_is_one_line(tmp_path):
    done = matcher("import", "north", tmp_path / "absent.csv", "--database", _database(tmp_path))
    assert done.returncode == 2 and done.stderr.startswith("matcher: cannot read")


def test_demo_runs_the_flow_over_http_and_accepts_the_proposal():
    done = matcher("demo", "scenarios/youth-mentors.json", "--time-limit", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    accepted = next(line for line in lines if line.startswith("Accepted: "))
    assert int(accepted.split()[1]) > 0
    start = next(n for n, line in enumerate(lines) if line.startswith("Over HTTP to http://127.0.0.1:"))
    requests = lines[start + 1:]
    assert requests[0] == "POST /v1/scenario → 201" and requests[1] == "POST /v1/proposals → 202"
    assert requests[-1].startswith("POST /v1/proposals/") and requests[-1].endswith("/accept → 200")


def test_the_demo_server_stops_its_threads_and_port_without_an_error(monkeypatch):
    errors = []
    monkeypatch.setattr(threading, "excepthook", lambda failure: errors.append(failure.exc_value))
    app = Flask("echo")
    app.add_url_rule("/", "page", lambda: "x" * 100_000)
    before = set(threading.enumerate())
    for _ in range(20):
        with serving(app) as base:
            for _ in range(3):
                assert len(urllib.request.urlopen(base + "/", timeout=10).read()) == 100_000
        assert set(threading.enumerate()) == before
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(base + "/", timeout=10)
    assert errors == []


@pytest.mark.parametrize("command", ["demo", "propose"])
def test_what_native_solvers_print_goes_to_standard_error(monkeypatch, capfd, command):
    # HiGHS can print a stray line on the process's own standard output while it solves;
    # standard output is the report's alone.
    def solving(*_):
        os.write(1, b"native solver line\n")
        return "the report" if command == "demo" else None

    if command == "demo":
        monkeypatch.setattr(commands, "demo", solving)
        code = service_cli.cmd_demo(SimpleNamespace(file="scenarios/youth-mentors.json", time_limit=1.0))
    else:
        monkeypatch.setattr(engine_cli, "render", lambda scenario, proposal: "the report")
        args = SimpleNamespace(file="scenarios/youth-mentors.json", time_limit=1.0, json=None)
        code = engine_cli._solve_and_show(args, solving)
    captured = capfd.readouterr()
    assert code == 0 and captured.out == "the report\n" and "native solver line" in captured.err
