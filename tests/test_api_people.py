"""Mentors, mentees and the programme over HTTP: the contract's fields, every rejection as a
problem, filters, organisations kept apart, erasure."""
import pytest

MENTOR_PATHS = ("/v1/mentors/m-01", "/v1/mentees/y-01")


def test_a_created_mentor_reads_back_with_the_contract_fields(seeded, example):
    response = seeded.get("/v1/mentors/m-01")
    assert response.status_code == 200
    body = response.get_json()
    assert body["availability"][1] == {"day": "sat", "start": "10:00", "end": "13:00", "flexible": True}
    assert body["unavailable"] == [{"from": "2027-02-08", "to": "2027-02-14"}]
    assert {k: body[k] for k in ("id", "name", "kind", "capacity", "competences")} == {
        k: example["mentors"][0][k] for k in ("id", "name", "kind", "capacity", "competences")}


def test_create_answers_201_with_the_location(coordinator, example):
    response = coordinator.post("/v1/mentors", json=example["mentors"][1])
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/v1/mentors/m-02")


def test_a_second_record_with_the_same_id_is_a_conflict(seeded, example):
    response = seeded.post("/v1/mentees", json=example["mentees"][0])
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"


def test_invalid_fields_are_named_with_their_reason(coordinator, example):
    mentee = example["mentees"][0]
    mentee["sessions"]["minutes"] = 0
    mentee["availability"][0]["day"] = "someday"
    response = coordinator.post("/v1/mentees", json=mentee)
    assert response.status_code == 422
    body = response.get_json()
    assert response.content_type == "application/problem+json"
    assert body["type"].endswith("invalid-input") and body["status"] == 422 and body["title"]
    assert {"path": "sessions.minutes", "reason": "must be greater than 0"} in body["errors"]
    assert any(e["path"] == "availability[0].day" for e in body["errors"])


def test_malformed_json_is_a_400_problem(coordinator):
    response = coordinator.post("/v1/mentors", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["type"].endswith("malformed-json")


def test_wrong_types_are_a_422_naming_the_field(coordinator, example):
    response = coordinator.post("/v1/mentors", json={**example["mentors"][0], "capacity": "three"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"path": "capacity", "reason": "must be a whole number"}]


def test_a_mentee_may_exclude_only_known_mentors(seeded, example):
    mentee = {**example["mentees"][1], "excluded_mentors": ["m-01"]}
    assert seeded.put("/v1/mentees/y-02", json=mentee).status_code == 200
    mentee["excluded_mentors"] = ["m-99"]
    response = seeded.put("/v1/mentees/y-02", json=mentee)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"path": "excluded_mentors", "reason": "unknown mentor 'm-99'"}]


def test_update_replaces_the_fields_and_keeps_the_id(seeded, example):
    mentor = {**example["mentors"][0], "capacity": 1, "interests": ["chess"]}
    assert seeded.put("/v1/mentors/m-01", json=mentor).status_code == 200
    assert seeded.get("/v1/mentors/m-01").get_json()["interests"] == ["chess"]
    response = seeded.put("/v1/mentors/m-01", json={**mentor, "id": "m-77"})
    assert response.status_code == 422 and response.get_json()["errors"][0]["path"] == "id"


def test_filters_by_kind(seeded):
    volunteers = seeded.get("/v1/mentors?kind=volunteer").get_json()
    assert [m["id"] for m in volunteers] == ["m-01"]
    assert seeded.get("/v1/mentors?kind=robot").status_code == 422


def test_lists_are_paginated(seeded):
    response = seeded.get("/v1/mentees?page_size=1&page=2")
    assert [m["id"] for m in response.get_json()] == ["y-02"]
    assert '"total": 2' in response.headers["X-Pagination"]


def test_the_programme_reads_back_and_is_validated(seeded, example):
    assert seeded.get("/v1/programme").get_json()["weeks"] == example["programme"]["weeks"]
    response = seeded.put("/v1/programme", json={**example["programme"], "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["path"] == "timezone"


def test_a_programme_is_needed_before_it_is_read(coordinator):
    response = coordinator.get("/v1/programme")
    assert response.status_code == 409 and "PUT /v1/programme" in response.get_json()["detail"]


def test_no_token_or_a_wrong_one_is_401(anonymous, app):
    from api_fixtures import ApiClient
    for client in (anonymous, ApiClient(app, "mt_wrong")):
        response = client.get("/v1/mentors")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.content_type == "application/problem+json"


def test_a_viewer_reads_but_does_not_write(seeded, viewer, example):
    assert viewer.get("/v1/mentors/m-01").status_code == 200
    assert viewer.put("/v1/mentors/m-01", json=example["mentors"][0]).status_code == 403
    assert viewer.delete("/v1/mentors/m-01").status_code == 403
    assert viewer.post("/v1/mentors", json={**example["mentors"][0], "id": "m-09"}).status_code == 403


@pytest.mark.parametrize("path", MENTOR_PATHS)
def test_another_organisations_records_are_not_found_by_any_method(seeded, outsider, example, path):
    record = example["mentors"][0] if "mentors" in path else example["mentees"][0]
    assert outsider.get(path).status_code == 404
    assert outsider.put(path, json=record).status_code == 404
    assert outsider.delete(path).status_code == 404
    assert outsider.get(path.rsplit("/", 1)[0]).get_json() == []
    assert seeded.get(path).status_code == 200


def test_erasure_removes_the_personal_data(seeded, app):
    from api.tables import Person
    assert seeded.delete("/v1/mentees/y-01").status_code == 204
    assert seeded.get("/v1/mentees/y-01").status_code == 404
    assert [m["id"] for m in seeded.get("/v1/mentees").get_json()] == ["y-02"]
    with app.extensions["matcher"].database.session() as session:
        erased = session.query(Person).filter(Person.erased_at.is_not(None)).one()
        assert erased.document is None and erased.ref != "y-01"
        assert "Jonas" not in repr([p.document for p in session.query(Person)])


def test_openapi_and_docs_are_served_without_a_token(anonymous):
    spec = anonymous.get("/openapi.json").get_json()
    assert "/v1/mentors/{ref}" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    page = anonymous.get("/docs")
    assert page.status_code == 200 and b"/docs/assets/swagger-ui-bundle.js" in page.data
    assert anonymous.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_an_unexpected_error_is_a_500_problem_logged_without_its_message(database_url, monkeypatch, caplog):
    from api import create_app
    from api_fixtures import ApiClient, token
    app = create_app({"database_url": database_url})   # not testing: errors are handled, not raised

    def broken(*args):
        raise RuntimeError("Jonas Jensen")

    monkeypatch.setattr("api.people.find_person", broken)
    response = ApiClient(app, token(app, "north", "viewer")).get("/v1/mentees/y-01")
    assert response.status_code == 500 and response.content_type == "application/problem+json"
    assert "Jonas" not in response.get_data(as_text=True)
    assert "RuntimeError" in caplog.text and "Jonas" not in caplog.text
    app.extensions["matcher"].worker.shutdown()
