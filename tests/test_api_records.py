"""Feedback, matches, sessions and calendars over HTTP: what they read back, breakdowns and
ending a match freeing the sessions still to come, filters, and organisations kept apart."""
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from api.db import now
from api.records import to_utc
from api.tables import Event, Match, Person, Session

ZONE = "Europe/Copenhagen"
PAST = "2025-01-07T17:00"                    # before today: stays booked when a match ends
COMING = ("2027-01-05T17:00", "2027-01-12T17:00")
NAMES = ("Ane", "Bo", "Jonas", "Maja")


def store_match(app, mentor="m-01", mentee="y-01", starts=(), org="north", minutes=90) -> int:
    """Insert an active match of stored people with booked sessions starting at the local
    times `starts`, as accepting a proposal would; returns the match's id."""
    database = app.extensions["matcher"].database
    with database.session() as session:
        def person_id(role, ref):
            return session.scalar(select(Person.id).where(Person.org_id == org, Person.role == role,
                                                          Person.ref == ref))
        match = Match(org_id=org, mentor_id=person_id("mentor", mentor), mentee_id=person_id("mentee", mentee),
                      score=0.8, reasons=["shares football"], started_at=now())
        session.add(match)
        session.flush()
        for start in starts:
            begins = to_utc(datetime.fromisoformat(start), ZONE)
            session.add(Session(org_id=org, match_id=match.id, start=begins,
                                end=begins + timedelta(minutes=minutes)))
        session.commit()
        return match.id


def recent(stamp: str) -> bool:
    """An ISO time in UTC ("…Z") within a minute of now."""
    return stamp.endswith("Z") and abs(datetime.fromisoformat(stamp) - datetime.now(UTC)) < timedelta(minutes=1)


def events(app, action):
    with app.extensions["matcher"].database.session() as session:
        return [e.detail for e in session.scalars(select(Event).where(Event.action == action))]


def starts(client, query=""):
    return [s["start"] for s in client.get(f"/v1/sessions{query}").get_json()]


@pytest.fixture
def matched(seeded, app):
    """North with m-01/y-01 matched: one session in the past and two to come."""
    return store_match(app, starts=(PAST, *COMING))


# --- feedback ---------------------------------------------------------------------------

def test_a_rating_is_recorded_and_reads_back(seeded):
    response = seeded.post("/v1/feedback", json={"mentor": "m-01", "mentee": "y-01", "rating": 4})
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("mentor", "mentee", "rating", "breakdown")} == {
        "mentor": "m-01", "mentee": "y-01", "rating": 4, "breakdown": False}
    assert recent(body["created_at"])
    assert response.headers["Location"] == f"/v1/feedback/{body['id']}"
    assert seeded.get(f"/v1/feedback/{body['id']}").get_json() == body


def test_feedback_naming_unknown_people_is_422_naming_each_field(seeded):
    response = seeded.post("/v1/feedback", json={"mentor": "m-9", "mentee": "y-01", "rating": 3})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"path": "mentor", "reason": "unknown mentor 'm-9'"}]
    both = seeded.post("/v1/feedback", json={"mentor": "y-01", "mentee": "m-01", "rating": 3}).get_json()
    assert {e["path"] for e in both["errors"]} == {"mentor", "mentee"}
    assert seeded.get("/v1/feedback").get_json() == []


def test_feedback_on_an_erased_person_is_422(seeded):
    assert seeded.delete("/v1/mentees/y-01").status_code == 204
    response = seeded.post("/v1/feedback", json={"mentor": "m-01", "mentee": "y-01", "rating": 3})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"path": "mentee", "reason": "unknown mentee 'y-01'"}]


@pytest.mark.parametrize("body, path", [({"mentor": "m-01", "mentee": "y-01"}, "rating"),
                                        ({"mentor": "m-01", "mentee": "y-01", "rating": 6}, "rating"),
                                        ({"mentor": "m-01", "rating": 2}, "mentee")])
def test_feedback_fields_are_validated(seeded, body, path):
    response = seeded.post("/v1/feedback", json=body)
    assert response.status_code == 422
    assert {e["path"] for e in response.get_json()["errors"]} == {path}


def test_a_breakdown_ends_the_match_and_frees_only_its_sessions_to_come(seeded, matched, app):
    response = seeded.post("/v1/feedback", json={"mentor": "m-01", "mentee": "y-01", "breakdown": True})
    assert response.status_code == 201 and response.get_json()["rating"] is None
    match = seeded.get(f"/v1/matches/{matched}").get_json()
    assert (match["status"], match["end_reason"]) == ("ended", "breakdown") and recent(match["ended_at"])
    assert starts(seeded) == ["2025-01-07T17:00:00+01:00"]
    assert starts(seeded, "?status=cancelled") == ["2027-01-05T17:00:00+01:00", "2027-01-12T17:00:00+01:00"]
    assert events(app, "breakdown") == [{"mentor": "m-01", "mentee": "y-01", "match": matched, "sessions_freed": 2}]


def test_a_rating_leaves_the_match_and_its_sessions_alone(seeded, matched, app):
    assert seeded.post("/v1/feedback", json={"mentor": "m-01", "mentee": "y-01", "rating": 2}).status_code == 201
    assert seeded.get(f"/v1/matches/{matched}").get_json()["status"] == "active"
    assert len(starts(seeded)) == 3
    assert events(app, "breakdown") == []


def test_a_breakdown_of_another_pair_leaves_the_match_alone(seeded, matched, app):
    assert seeded.post("/v1/feedback", json={"mentor": "m-02", "mentee": "y-01", "breakdown": True}).status_code == 201
    assert seeded.get(f"/v1/matches/{matched}").get_json()["status"] == "active"
    assert events(app, "breakdown") == [{"mentor": "m-02", "mentee": "y-01", "match": None, "sessions_freed": 0}]


def test_feedback_lists_filter_by_person_and_paginate(seeded):
    for mentor, mentee, rating in (("m-01", "y-01", 5), ("m-02", "y-02", 4), ("m-02", "y-01", 3)):
        response = seeded.post("/v1/feedback", json={"mentor": mentor, "mentee": mentee, "rating": rating})
        assert response.status_code == 201
    assert [f["rating"] for f in seeded.get("/v1/feedback?mentor=m-02").get_json()] == [4, 3]
    assert [f["rating"] for f in seeded.get("/v1/feedback?mentee=y-01").get_json()] == [5, 3]
    assert [f["rating"] for f in seeded.get("/v1/feedback?mentor=m-02&mentee=y-01").get_json()] == [3]
    page = seeded.get("/v1/feedback?page_size=2&page=2")
    assert [f["rating"] for f in page.get_json()] == [3] and '"total": 3' in page.headers["X-Pagination"]


def test_a_viewer_reads_feedback_but_does_not_give_it(seeded, viewer):
    assert viewer.post("/v1/feedback", json={"mentor": "m-01", "mentee": "y-01", "rating": 4}).status_code == 403
    assert viewer.get("/v1/feedback").status_code == 200


# --- matches ----------------------------------------------------------------------------

def test_a_match_reads_back_with_its_record(seeded, matched):
    body = seeded.get(f"/v1/matches/{matched}").get_json()
    assert recent(body["started_at"])
    assert {k: v for k, v in body.items() if k != "started_at"} == {
        "id": matched, "mentor": "m-01", "mentee": "y-01", "status": "active", "score": 0.8,
        "reasons": ["shares football"], "proposal": None, "ended_at": None, "end_reason": None}
    assert seeded.get("/v1/matches").get_json() == [body]


def test_an_unknown_match_is_a_404_problem(seeded):
    response = seeded.get("/v1/matches/999")
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert response.get_json()["detail"] == "no match 999"
    assert seeded.post("/v1/matches/999/end", json={}).status_code == 404


def test_ending_a_match_frees_its_sessions_to_come_and_is_audited(seeded, matched, app):
    response = seeded.post(f"/v1/matches/{matched}/end", json={"reason": "moved away"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["end_reason"]) == ("ended", "moved away") and recent(body["ended_at"])
    assert starts(seeded) == ["2025-01-07T17:00:00+01:00"]
    assert len(starts(seeded, "?status=cancelled")) == 2
    assert events(app, "end") == [{"match": matched, "mentor": "m-01", "mentee": "y-01", "sessions_freed": 2}]


def test_a_match_ends_only_once(seeded, matched):
    assert seeded.post(f"/v1/matches/{matched}/end").status_code == 200
    again = seeded.post(f"/v1/matches/{matched}/end", json={"reason": "twice"})
    assert again.status_code == 409 and again.content_type == "application/problem+json"
    assert seeded.get(f"/v1/matches/{matched}").get_json()["end_reason"] == "by hand"


def test_an_end_reason_is_checked(seeded, matched):
    for reason in ("", "x" * 33, 7):
        response = seeded.post(f"/v1/matches/{matched}/end", json={"reason": reason})
        assert response.status_code == 422 and response.get_json()["errors"][0]["path"] == "reason"
    assert seeded.get(f"/v1/matches/{matched}").get_json()["status"] == "active"


def test_a_viewer_cannot_end_a_match(seeded, matched, viewer):
    assert viewer.post(f"/v1/matches/{matched}/end").status_code == 403
    assert viewer.get(f"/v1/matches/{matched}").get_json()["status"] == "active"


def test_matches_filter_by_person_and_status(seeded, app):
    first = store_match(app, "m-01", "y-01")
    second = store_match(app, "m-02", "y-02")
    assert seeded.post(f"/v1/matches/{first}/end").status_code == 200

    def ids(query):
        return [m["id"] for m in seeded.get(f"/v1/matches?{query}").get_json()]
    assert ids("status=active") == [second] and ids("status=ended") == [first]
    assert ids("mentor=m-01") == [first] and ids("mentee=y-02") == [second] and ids("mentor=y-01") == []
    assert seeded.get("/v1/matches?status=paused").status_code == 422


# --- sessions ---------------------------------------------------------------------------

def test_a_session_reads_back_in_the_programmes_local_time(seeded, app):
    match = store_match(app, starts=("2027-01-05T17:00", "2027-04-06T17:00"))
    winter, summer = seeded.get("/v1/sessions").get_json()
    assert seeded.get(f"/v1/sessions/{winter['id']}").get_json() == winter
    assert {k: v for k, v in winter.items() if k != "id"} == {
        "match": match, "mentor": "m-01", "mentee": "y-01", "start": "2027-01-05T17:00:00+01:00",
        "end": "2027-01-05T18:30:00+01:00", "flexible": False, "status": "booked"}
    assert (summer["start"], summer["end"]) == ("2027-04-06T17:00:00+02:00", "2027-04-06T18:30:00+02:00")
    assert seeded.get("/v1/sessions/999").status_code == 404


def test_session_dates_are_local_and_inclusive(seeded, app):
    store_match(app, starts=("2027-01-05T00:30", "2027-01-06T23:30", "2027-01-07T00:00"))
    assert starts(seeded, "?from=2027-01-05&to=2027-01-06") == ["2027-01-05T00:30:00+01:00",
                                                                  "2027-01-06T23:30:00+01:00"]
    assert starts(seeded, "?to=2027-01-04") == []
    assert starts(seeded, "?from=2027-01-07") == ["2027-01-07T00:00:00+01:00"]


def test_session_date_filters_are_validated(seeded):
    response = seeded.get("/v1/sessions?from=2027-01-06&to=2027-01-05")
    assert response.status_code == 422 and response.get_json()["errors"] == [
        {"path": "query.to", "reason": "must not be before from"}]
    assert seeded.get("/v1/sessions?from=tuesday").get_json()["errors"][0]["path"] == "query.from"
    assert seeded.get("/v1/sessions?status=moved").status_code == 422


def test_sessions_are_listed_in_the_time_zone_of_a_programme_that_must_be_set(coordinator):
    response = coordinator.get("/v1/sessions")
    assert response.status_code == 409 and response.get_json()["type"].endswith("no-programme")


def test_sessions_filter_by_person(seeded, app):
    store_match(app, "m-01", "y-01", starts=("2027-01-05T17:00",))
    store_match(app, "m-02", "y-02", starts=("2027-01-06T16:00",))
    assert starts(seeded, "?mentor=m-02") == ["2027-01-06T16:00:00+01:00"]
    assert starts(seeded, "?mentee=y-01") == ["2027-01-05T17:00:00+01:00"]
    assert starts(seeded, "?mentor=m-02&mentee=y-01") == []


# --- calendars --------------------------------------------------------------------------

def vevents(response):
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.data).walk("VEVENT")


def test_a_calendar_holds_one_event_per_booked_session_and_no_names(seeded, matched, app):
    other = store_match(app, "m-02", "y-02", starts=("2027-01-06T16:00",))
    assert seeded.post(f"/v1/matches/{other}/end").status_code == 200
    mentor = vevents(seeded.get("/v1/mentors/m-01/calendar.ics"))
    assert [e.decoded("dtstart").isoformat() for e in mentor] == [
        "2025-01-07T17:00:00+01:00", "2027-01-05T17:00:00+01:00", "2027-01-12T17:00:00+01:00"]
    assert len(vevents(seeded.get("/v1/mentees/y-01/calendar.ics"))) == 3
    assert vevents(seeded.get("/v1/mentees/y-02/calendar.ics")) == []
    text = b"".join(seeded.get(f"/v1/{path}/calendar.ics").data
                    for path in ("mentors/m-01", "mentees/y-01", "mentors/m-02")).decode()
    assert not [name for name in NAMES if name in text]


def test_a_calendar_drops_the_sessions_an_ended_match_freed(seeded, matched):
    assert seeded.post(f"/v1/matches/{matched}/end").status_code == 200
    assert [e.decoded("dtstart").year for e in vevents(seeded.get("/v1/mentors/m-01/calendar.ics"))] == [2025]


def test_a_calendar_of_an_unknown_or_erased_person_is_a_404_problem(seeded, matched):
    assert seeded.get("/v1/mentors/m-77/calendar.ics").status_code == 404
    assert seeded.delete("/v1/mentees/y-01").status_code == 204
    response = seeded.get("/v1/mentees/y-01/calendar.ics")
    assert response.status_code == 404 and response.content_type == "application/problem+json"


# --- organisations kept apart -----------------------------------------------------------

@pytest.fixture
def both_organisations(matched, outsider, example, app):
    """North's match (with its sessions and feedback) and south's own, of people with the same ids."""
    assert outsider.put("/v1/programme", json=example["programme"]).status_code == 200
    for group, record in (("mentors", example["mentors"][0]), ("mentees", example["mentees"][0])):
        assert outsider.post(f"/v1/{group}", json=record).status_code == 201
    south = store_match(app, org="south", starts=("2027-03-02T17:00",))
    assert outsider.post("/v1/feedback", json={"mentor": "m-01", "mentee": "y-01", "rating": 1}).status_code == 201
    return south


def north_items(seeded, matched):
    feedback = seeded.post("/v1/feedback", json={"mentor": "m-01", "mentee": "y-01", "rating": 5}).get_json()
    session = seeded.get("/v1/sessions").get_json()[0]
    return {"feedback": f"/v1/feedback/{feedback['id']}", "match": f"/v1/matches/{matched}",
            "session": f"/v1/sessions/{session['id']}"}


@pytest.mark.parametrize("item", ["feedback", "match", "session"])
def test_another_organisations_item_is_not_found(seeded, matched, both_organisations, outsider, item):
    path = north_items(seeded, matched)[item]
    response = outsider.get(path)
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert seeded.get(path).status_code == 200


def test_another_organisations_match_cannot_be_ended(seeded, matched, both_organisations, outsider):
    assert outsider.post(f"/v1/matches/{matched}/end", json={"reason": "not yours"}).status_code == 404
    assert seeded.get(f"/v1/matches/{matched}").get_json()["status"] == "active"
    assert outsider.post(f"/v1/matches/{both_organisations}/end").status_code == 200


@pytest.mark.parametrize("path", ["/v1/feedback", "/v1/matches", "/v1/sessions",
                                  "/v1/feedback?mentor=m-01", "/v1/matches?mentee=y-01", "/v1/sessions?mentor=m-01"])
def test_lists_hold_only_the_organisations_own_records(seeded, matched, both_organisations, outsider, path):
    north_items(seeded, matched)
    mine, theirs = seeded.get(path).get_json(), outsider.get(path).get_json()
    assert mine and theirs and not {r["id"] for r in mine} & {r["id"] for r in theirs}


@pytest.mark.parametrize("role", ["mentors", "mentees"])
def test_another_organisations_calendar_is_not_found(seeded, outsider, role):
    ref = "m-01" if role == "mentors" else "y-01"
    assert outsider.get(f"/v1/{role}/{ref}/calendar.ics").status_code == 404
    assert seeded.get(f"/v1/{role}/{ref}/calendar.ics").status_code == 200


def test_feedback_may_not_name_another_organisations_people(seeded, outsider):
    response = outsider.post("/v1/feedback", json={"mentor": "m-01", "mentee": "y-01", "breakdown": True})
    assert response.status_code == 422
    assert [e["path"] for e in response.get_json()["errors"]] == ["mentor", "mentee"]


def test_the_same_ids_in_another_organisation_are_other_people(seeded, matched, both_organisations, outsider):
    theirs = vevents(outsider.get("/v1/mentors/m-01/calendar.ics"))
    assert [e.decoded("dtstart").isoformat() for e in theirs] == ["2027-03-02T17:00:00+01:00"]
    assert len(vevents(seeded.get("/v1/mentors/m-01/calendar.ics"))) == 3
