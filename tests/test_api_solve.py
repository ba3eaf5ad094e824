"""POST /v1/solve: a scenario in, a proposal out, nothing stored; bad input and solver
failures as problems."""
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.tables import Base
from checker import violations
from matcher.pipeline import propose
from matcher.solver.assignment import InfeasibleAssignment

YOUTH = Path(__file__).parent.parent / "scenarios" / "youth-mentors.json"


def row_counts(app) -> dict:
    with app.extensions["matcher"].database.session() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


@pytest.fixture
def solve_calls(monkeypatch):
    """The options each solve is asked with; the solve itself answers with an empty proposal."""
    calls = []

    class Empty:
        def to_dict(self):
            return {"matches": [], "unmatched": [], "sessions": [], "unplaced": [], "stats": {}}

    def record(scenario, options):
        calls.append(options)
        return Empty()
    monkeypatch.setattr("api.solve.propose", record)
    return calls


def test_a_bundled_scenario_is_solved_within_the_hard_rules_and_nothing_is_stored(coordinator, app):
    data = json.loads(YOUTH.read_text())
    before = row_counts(app)
    response = coordinator.post("/v1/solve?time_limit=1", json=data)
    assert response.status_code == 200, response.get_json()
    proposal = response.get_json()
    assert proposal["matches"] and proposal["sessions"]
    assert violations(data, proposal) == []
    assert proposal["stats"]["bound"] >= proposal["stats"]["objective"] - 1e-6
    assert row_counts(app) == before


def test_a_viewer_may_solve_but_nobody_without_a_token(viewer, anonymous, example):
    response = viewer.post("/v1/solve?time_limit=0.5", json=example)
    assert response.status_code == 200
    assert {(m["mentor"], m["mentee"]) for m in response.get_json()["matches"]} <= {
        (mentor["id"], mentee["id"]) for mentor in example["mentors"] for mentee in example["mentees"]}
    refused = anonymous.post("/v1/solve", json=example)
    assert refused.status_code == 401 and refused.content_type == "application/problem+json"


def test_a_viewer_still_may_not_change_records(viewer, example):
    assert viewer.post("/v1/mentors", json=example["mentors"][0]).status_code == 403


def test_an_invalid_scenario_is_422_with_the_path_of_every_problem(coordinator, example):
    example["mentees"][0]["sessions"]["minutes"] = 0
    example["matches"] = [{"mentor": "m-99", "mentee": "y-01"}]
    del example["programme"]["timezone"]
    response = coordinator.post("/v1/solve", json=example)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("invalid-input")
    assert {"path": "mentees[0].sessions.minutes", "reason": "must be greater than 0"} in body["errors"]
    assert {"path": "programme.timezone", "reason": "is required"} in body["errors"]


def test_references_to_unknown_people_are_422_with_their_path(coordinator, example):
    example["matches"] = [{"mentor": "m-99", "mentee": "y-01"}]
    response = coordinator.post("/v1/solve", json=example)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"path": "matches[0].mentor", "reason": "unknown mentor 'm-99'"}]


@pytest.mark.parametrize("body", [[], "scenario", 3])
def test_a_body_that_is_not_an_object_is_422(coordinator, body):
    response = coordinator.post("/v1/solve", json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"path": "body", "reason": "must be an object"}]


def test_malformed_json_is_a_400_problem(coordinator):
    response = coordinator.post("/v1/solve", data='{"programme": ', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["type"].endswith("malformed-json")


@pytest.mark.parametrize("limit, reason", [("0", "must be greater than 0"), ("-1", "must be greater than 0"),
                                           ("121", "must be at most 120 seconds"), ("soon", "must be a number")])
def test_the_time_limit_is_checked(coordinator, example, solve_calls, limit, reason):
    response = coordinator.post(f"/v1/solve?time_limit={limit}", json=example)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"path": "query.time_limit", "reason": reason}]
    assert solve_calls == []


def test_the_time_limit_is_the_requests_or_the_servers_default(coordinator, example, solve_calls, app):
    assert coordinator.post("/v1/solve?time_limit=120", json=example).status_code == 200
    assert coordinator.post("/v1/solve", json=example).status_code == 200
    default = app.extensions["matcher"].settings.default_time_limit
    assert [options.time_limit for options in solve_calls] == [120, default]


@pytest.mark.parametrize("error, kind", [(InfeasibleAssignment("required mentees cannot all be matched"), "infeasible"),
                                         (RuntimeError("solver crashed"), "solve-failed")])
def test_a_solver_failure_is_a_problem_not_a_500(coordinator, example, monkeypatch, error, kind):
    def failing(scenario, options):
        raise error
    monkeypatch.setattr("api.solve.propose", failing)
    response = coordinator.post("/v1/solve", json=example)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith(kind) and str(error) in body["detail"]


def test_solves_run_on_the_solve_threads(coordinator, example, monkeypatch):
    threads = []

    def record(scenario, options):
        threads.append(threading.current_thread().name)
        return propose(scenario, options)

    monkeypatch.setattr("api.solve.propose", record)
    assert coordinator.post("/v1/solve?time_limit=1", json=example).status_code == 200
    assert threads and threads[0].startswith("matcher-solve")
