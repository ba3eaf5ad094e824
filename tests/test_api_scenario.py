"""A whole scenario in and out of an organisation."""
import json
from pathlib import Path

import pytest

from matcher.schema import load_scenario

BUNDLED = sorted(Path("scenarios").glob("*.json"))


@pytest.mark.parametrize("path", BUNDLED[:2], ids=lambda p: p.stem)
def test_an_imported_scenario_exports_as_the_same_scenario(coordinator, path):
    data = json.loads(path.read_text())
    response = coordinator.post("/v1/scenario", json=data)
    assert response.status_code == 201, response.get_json()
    scenario = load_scenario(data)
    kept = scenario.kept_matches()
    assert response.get_json() == {"mentors": len(scenario.mentors), "mentees": len(scenario.mentees),
                                   "feedback": len(scenario.feedback), "matches": len(kept),
                                   "sessions": sum(len(m.sessions) for m in kept)}
    exported = load_scenario(coordinator.get("/v1/scenario").get_json())
    assert exported.programme == scenario.programme
    assert exported.mentors == scenario.mentors and exported.mentees == scenario.mentees
    assert sorted(exported.feedback, key=repr) == sorted(scenario.feedback, key=repr)
    assert exported.matches == kept


def test_import_goes_only_into_an_organisation_without_people(seeded, example):
    response = seeded.post("/v1/scenario", json=example)
    assert response.status_code == 409
    assert [m["id"] for m in seeded.get("/v1/mentors").get_json()] == ["m-01", "m-02"]


def test_an_invalid_scenario_is_rejected_whole_with_paths(coordinator, example):
    example["matches"] = [{"mentor": "m-01", "mentee": "y-99"}]
    response = coordinator.post("/v1/scenario", json=example)
    assert response.status_code == 422
    assert {"path": "matches[0].mentee", "reason": "unknown mentee 'y-99'"} in response.get_json()["errors"]
    assert coordinator.get("/v1/mentors").get_json() == []


def test_an_imported_booked_session_outside_firm_windows_is_flexible(coordinator, example, app):
    from api.tables import Session
    example["matches"] = [{"mentor": "m-01", "mentee": "y-01",
                           "sessions": ["2027-01-05T16:00", "2027-01-09T10:00"]}]
    example["mentees"][0]["availability"].append({"day": "sat", "start": "09:00", "end": "12:00"})
    assert coordinator.post("/v1/scenario", json=example).status_code == 201
    with app.extensions["matcher"].database.session() as session:
        assert [s.flexible for s in session.query(Session).order_by(Session.start)] == [False, True]
