"""Mentors and mentees as CSV over HTTP: export of the stored records, import that creates and
replaces all or nothing, every problem named by line, organisations kept apart."""
import pytest
from sqlalchemy import select

from api.csv_format import MENTEE, MENTOR, CsvRejected, documents_to_csv, rows_to_documents
from api.db import now
from api.spreadsheets import import_csv
from api.tables import ACTIVE, Event, Match, Person

MENTORS_CSV = "/v1/mentors.csv"
MENTEES_CSV = "/v1/mentees.csv"
HEADER = "id,name,kind,capacity,hours_per_week,availability"


def post_csv(client, path, text, content_type="text/csv"):
    return client.post(path, data=text.encode("utf-8"), content_type=content_type)


def exported(client, path, role):
    response = client.get(path)
    assert response.status_code == 200
    return rows_to_documents(role, response.data.decode("utf-8"))


def add_active_match(app, mentor_ref, mentee_ref):
    with app.extensions["matcher"].database.session() as session:
        mentor, mentee = (session.scalar(select(Person).where(Person.org_id == "north", Person.ref == ref))
                          for ref in (mentor_ref, mentee_ref))
        session.add(Match(org_id="north", mentor_id=mentor.id, mentee_id=mentee.id, status=ACTIVE, started_at=now()))
        session.commit()


@pytest.mark.parametrize("path, role", [(MENTORS_CSV, MENTOR), (MENTEES_CSV, MENTEE)])
def test_the_export_holds_the_stored_records(seeded, path, role):
    response = seeded.get(path)
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="north-{role}s.csv"'
    assert response.data.startswith("\ufeff".encode())   # so that Excel reads the file as UTF-8
    stored = seeded.get(f"/v1/{role}s").get_json()
    assert rows_to_documents(role, response.data.decode()) == stored and len(stored) == 2


def test_a_semicolon_export_reads_back_the_same(seeded):
    response = seeded.get(f"{MENTORS_CSV}?delimiter=semicolon")
    assert response.data.decode().splitlines()[0].count(";") == 10
    assert rows_to_documents(MENTOR, response.data.decode()) == seeded.get("/v1/mentors").get_json()
    bad = seeded.get(f"{MENTORS_CSV}?delimiter=tab")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["path"] == "query.delimiter"


def test_erased_people_are_not_exported(seeded):
    assert seeded.delete("/v1/mentees/y-01").status_code == 204
    assert [m["id"] for m in exported(seeded, MENTEES_CSV, MENTEE)] == ["y-02"]


def test_import_creates_new_people_and_replaces_stored_ones(seeded, example):
    mentors = exported(seeded, MENTORS_CSV, MENTOR)
    mentors[0].update(capacity=1, interests=["chess"])
    mentors.append({**mentors[1], "id": "m-03", "name": "Cy"})
    response = post_csv(seeded, MENTORS_CSV, documents_to_csv(MENTOR, [mentors[0], mentors[2]]))
    assert response.status_code == 200
    assert response.get_json() == {"created": 1, "updated": 1}
    assert seeded.get("/v1/mentors/m-01").get_json() == mentors[0]
    assert seeded.get("/v1/mentors/m-03").get_json() == mentors[2]
    assert seeded.get("/v1/mentors/m-02").get_json() == mentors[1]   # not in the file: left as it was
    assert [m["id"] for m in seeded.get("/v1/mentors?kind=professional").get_json()] == ["m-02", "m-03"]


def test_a_bad_file_stores_nothing_and_lists_every_problem_by_line(seeded):
    before = seeded.get(MENTORS_CSV).data
    text = (f"{HEADER}\nm-01,Ane,volunteer,1,4,tue 16:00-20:00\nm-03,Cy,volunteer,2,3,\n"
            "m-04,Di,volunteer,x,3,\nm-05,Ed,robot,1,3,tus 10:00-12:00\n")
    response = post_csv(seeded, MENTORS_CSV, text)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["errors"] == [
        {"path": "line 4 (m-04).capacity", "reason": "must be a whole number, got 'x'"},
        {"path": "line 5 (m-05).kind", "reason": "must be volunteer or professional"},
        {"path": "line 5 (m-05).availability",
         "reason": "unknown day 'tus'; use one of mon, tue, wed, thu, fri, sat, sun (in 'tus 10:00-12:00')"},
    ]
    assert body["detail"] == "line 4 (m-04).capacity: must be a whole number, got 'x' (and 2 more)"
    assert seeded.get(MENTORS_CSV).data == before
    assert seeded.get("/v1/mentors/m-03").status_code == 404


def test_a_mentee_may_exclude_only_stored_mentors(seeded):
    header = "id,sessions_per_week,sessions_minutes,availability,excluded_mentors"
    response = post_csv(seeded, MENTEES_CSV, f"{header}\ny-03,1,60,,m-01; m-02\n")
    assert response.status_code == 200 and response.get_json() == {"created": 1, "updated": 0}
    response = post_csv(seeded, MENTEES_CSV, f"{header}\ny-04,1,60,,m-01\ny-05,1,60,,m-09\n")
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{
        "path": "line 3 (y-05).excluded_mentors",
        "reason": "unknown mentor 'm-09': only stored mentors may be excluded, so import the mentors first"}]
    assert seeded.get("/v1/mentees/y-04").status_code == 404


def test_capacity_may_not_drop_below_the_active_matches_by_import_or_by_hand(seeded, app, example):
    add_active_match(app, "m-02", "y-02")
    add_active_match(app, "m-02", "y-01")
    response = post_csv(seeded, MENTORS_CSV, f"{HEADER}\nm-02,Bo,professional,1,6,\n")
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"path": "line 2 (m-02).capacity",
                                              "reason": "1 is below the 2 active matches"}]
    by_hand = seeded.put("/v1/mentors/m-02", json={**example["mentors"][1], "capacity": 1})
    assert by_hand.status_code == 422
    assert by_hand.get_json()["errors"] == [{"path": "capacity", "reason": "1 is below the 2 active matches"}]
    assert post_csv(seeded, MENTORS_CSV, f"{HEADER}\nm-02,Bo,professional,2,6,\n").status_code == 200


def test_a_viewer_exports_but_does_not_import(seeded, viewer):
    assert viewer.get(MENTORS_CSV).status_code == 200
    response = post_csv(viewer, MENTORS_CSV, f"{HEADER}\nm-09,Ny,volunteer,1,2,\n")
    assert response.status_code == 403
    assert seeded.get("/v1/mentors/m-09").status_code == 404


def test_another_organisation_neither_sees_nor_touches_north(seeded, outsider):
    assert exported(outsider, MENTORS_CSV, MENTOR) == []
    assert exported(outsider, MENTEES_CSV, MENTEE) == []
    response = post_csv(outsider, MENTORS_CSV, f"{HEADER}\nm-01,Other,volunteer,1,2,\n")
    assert response.get_json() == {"created": 1, "updated": 0}
    assert seeded.get("/v1/mentors/m-01").get_json()["name"] == "Ane"
    assert [m["name"] for m in exported(outsider, MENTORS_CSV, MENTOR)] == ["Other"]


def test_the_body_must_be_utf8_unless_the_charset_says_otherwise(coordinator):
    text = f"{HEADER}\nm-01,Søren,volunteer,1,2,\n"
    response = coordinator.post(MENTORS_CSV, data=text.encode("cp1252"), content_type="text/csv")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["path"] == "line 2"
    response = coordinator.post(MENTORS_CSV, data=text.encode("cp1252"), content_type="text/csv; charset=windows-1252")
    assert response.status_code == 200
    assert coordinator.get("/v1/mentors/m-01").get_json()["name"] == "Søren"
    unknown = coordinator.post(MENTORS_CSV, data=b"id", content_type="text/csv; charset=martian")
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["path"] == "charset"


@pytest.mark.parametrize("text, path", [("", "line 1"), ("id,sessions_minutes,availability\n", "line 1")])
def test_an_empty_file_or_one_of_the_other_role_is_rejected(coordinator, text, path):
    response = post_csv(coordinator, MENTORS_CSV, text)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["path"] == path


def test_import_csv_tells_the_role_from_the_header_and_records_the_import(seeded, app):
    database = app.extensions["matcher"].database
    with database.session() as session:
        counts = import_csv(session, "north", "\ufeffid;sessions_count;sessions_minutes;availability\ny-09;3;45;\n")
        assert counts == {"created": 1, "updated": 0}
        event = session.scalar(select(Event).where(Event.action == "import"))
        assert event.detail == {"role": MENTEE, "created": 1, "updated": 0} and event.actor == "command line"
    assert seeded.get("/v1/mentees/y-09").get_json()["sessions"] == {"count": 3, "minutes": 45, "min_days_apart": 0}
    with database.session() as session, pytest.raises(CsvRejected) as rejected:
        import_csv(session, "nowhere", f"{HEADER}\n")
    assert rejected.value.problems[0].path == "organisation"


def test_an_id_taken_by_an_erased_record_is_refused(seeded, app):
    assert seeded.delete("/v1/mentors/m-02").status_code == 204
    with app.extensions["matcher"].database.session() as session:
        erased_ref = session.scalar(select(Person.ref).where(Person.erased_at.is_not(None)))
    response = post_csv(seeded, MENTORS_CSV, f"{HEADER}\n{erased_ref},Ny,volunteer,1,2,\n")
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"path": f"line 2 ({erased_ref}).id",
                                              "reason": "is the id of an erased record; use another id"}]


def test_the_openapi_document_describes_the_csv_bodies(anonymous):
    paths = anonymous.get("/openapi.json").get_json()["paths"]
    for path in (MENTORS_CSV, MENTEES_CSV):
        assert "text/csv" in paths[path]["get"]["responses"]["200"]["content"]
        assert "text/csv" in paths[path]["post"]["requestBody"]["content"]
        assert "application/json" in paths[path]["post"]["responses"]["200"]["content"]
