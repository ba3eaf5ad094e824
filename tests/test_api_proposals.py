"""Proposals over HTTP: solved in the background, followed, accepted into matches and booked
sessions in one transaction; rematches of broken-down matches; the audit trail."""
import logging
import threading
import uuid
from datetime import date, datetime, timedelta


from api import create_app
from api.db import now
from api.records import active_matches, scenario_document, to_local
from api.tables import BOOKED, CANCELLED, Event, Feedback, Match, Person, Proposal
from api_fixtures import ApiClient
from checker import violations

FAST = {"time_limit": 2}
NEW_MENTOR = {"id": "m-03", "name": "Cai", "kind": "volunteer", "competences": {"adhd": 2}, "capacity": 1,
              "hours_per_week": 3, "availability": [{"day": "tue", "start": "15:00", "end": "19:00"}]}


def records(app):
    """A database session of the app, to look at what is stored."""
    return app.extensions["matcher"].database.session()


def scenario_of(app) -> dict:
    with records(app) as session:
        return scenario_document(session, "north")


def solved(client, body=None, path="/v1/proposals") -> dict:
    """Request a proposal (or a rematch), wait for it, and return it done."""
    response = client.post(path, json={**FAST, **(body or {})})
    assert response.status_code == 202, response.get_json()
    proposal = client.wait(response.headers["Location"])
    assert proposal["status"] == "done", proposal
    return proposal


def accept(client, proposal: dict) -> dict:
    response = client.post(f"{proposal['url']}/accept")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def stored_plan(app, scenario: dict) -> dict:
    """The organisation's active matches and booked sessions in the proposal contract's form,
    each match kept or new against the scenario's current matches."""
    current = {(m["mentor"], m["mentee"]) for m in scenario["matches"]}
    zone = scenario["programme"]["timezone"]
    with records(app) as session:
        pairs = [(match, (match.mentor.ref, match.mentee.ref)) for match in active_matches(session, "north")]
        sessions = [{"mentor": pair[0], "mentee": pair[1], "flexible": s.flexible,
                     "start": to_local(s.start, zone).isoformat(timespec="seconds"),
                     "end": to_local(s.end, zone).isoformat(timespec="seconds")}
                    for match, pair in pairs for s in match.sessions if s.status == BOOKED]
    matched = {pair[1] for _, pair in pairs}
    return {"matches": [{"mentor": pair[0], "mentee": pair[1], "status": "kept" if pair in current else "new"}
                        for _, pair in pairs],
            "unmatched": [{"mentee": m["id"], "reason": "waiting"} for m in scenario["mentees"]
                          if m["id"] not in matched],
            "sessions": sessions}


def session_times(plan: dict, pair=None) -> list:
    return sorted((s["mentor"], s["mentee"], s["start"], s["end"], s["flexible"]) for s in plan["sessions"]
                  if pair is None or (s["mentor"], s["mentee"]) == pair)


def stored_proposal(app, status: str, kind: str = "proposal", minutes_ago: int = 0) -> str:
    """A proposal written straight to the database, as a request or a stopped process leaves it."""
    proposal_id = uuid.uuid4().hex
    with records(app) as session:
        session.add(Proposal(id=proposal_id, org_id="north", kind=kind, status=status, options=dict(FAST),
                             created_by="a test", created_at=now() - timedelta(minutes=minutes_ago)))
        session.commit()
    return proposal_id


def problem_paths(response) -> list[str]:
    assert response.status_code == 422, response.get_json()
    return [error["path"] for error in response.get_json()["errors"]]


def test_a_proposal_is_solved_in_the_background_and_accepted_into_matches_and_sessions(seeded, app):
    before = scenario_of(app)
    response = seeded.post("/v1/proposals", json=FAST)
    assert response.status_code == 202
    queued = response.get_json()
    assert queued["status"] == "queued" and set(queued) == {"id", "status", "url"}
    assert response.headers["Location"] == queued["url"] == f"/v1/proposals/{queued['id']}"
    done = seeded.wait(queued["url"])
    assert done["status"] == "done" and done["kind"] == "proposal" and "error" not in done
    assert done["created_by"].startswith("coordinator token") and done["options"] == FAST
    assert done["created_at"].endswith("Z") and done["started_at"] <= done["finished_at"]
    assert done["accepted_at"] is None and done["accepted_by"] is None
    contract = done["proposal"]
    assert {(m["mentor"], m["mentee"], m["status"]) for m in contract["matches"]} == {
        ("m-01", "y-01", "new"), ("m-02", "y-02", "new")}
    assert violations(before, contract) == []

    summary = accept(seeded, done)
    assert summary == {"proposal": done["id"], "matches_created": [{"mentor": "m-01", "mentee": "y-01"},
                                                                    {"mentor": "m-02", "mentee": "y-02"}],
                       "matches_ended": [], "sessions_booked": len(contract["sessions"])}
    stored = stored_plan(app, before)
    assert violations(before, stored) == []
    assert session_times(stored) == session_times(contract)
    with records(app) as session:
        match = session.query(Match).filter_by(proposal_id=done["id"]).first()
        assert match.score == next(m["score"] for m in contract["matches"] if m["mentor"] == match.mentor.ref)
        assert match.reasons
    after = seeded.get(done["url"]).get_json()
    assert after["accepted_at"].endswith("Z") and after["accepted_by"] == done["created_by"]


def test_the_request_options_shape_the_proposal_and_it_still_accepts(seeded, app):
    body = {"mentees": ["y-02"], "horizon": {"start": "2027-03-01", "weeks": 2}, "weights": {"competence": 1}}
    done = solved(seeded, body)
    assert done["options"] == {**body, **FAST}
    contract = done["proposal"]
    assert [(m["mentor"], m["mentee"]) for m in contract["matches"]] == [("m-02", "y-02")]
    assert contract["unmatched"] == [{"mentee": "y-01", "reason": "not part of this request"}]
    days = {date.fromisoformat(s["start"][:10]) for s in contract["sessions"]}
    assert len(days) == 2 and min(days) >= date(2027, 3, 1) and max(days) < date(2027, 3, 15)
    assert accept(seeded, done)["sessions_booked"] == 2


def test_a_request_without_a_body_takes_the_servers_default_time_limit(seeded, app):
    response = seeded.post("/v1/proposals")
    assert response.status_code == 202
    options = seeded.get(response.headers["Location"]).get_json()["options"]
    assert options == {"time_limit": app.extensions["matcher"].settings.default_time_limit}


def test_a_proposal_is_accepted_only_once_it_is_done(seeded, app):
    for status in ("queued", "running"):
        response = seeded.post(f"/v1/proposals/{stored_proposal(app, status)}/accept")
        assert response.status_code == 409
        assert response.get_json()["type"].endswith(":not-done") and status in response.get_json()["detail"]


def test_a_failed_solve_names_the_problems_and_cannot_be_accepted(seeded, app):
    with records(app) as session:
        mentor = session.query(Person).filter_by(ref="m-01").one()
        mentor.document = {**mentor.document, "capacity": "many"}
        session.commit()
    response = seeded.post("/v1/proposals", json=FAST)
    failed = seeded.wait(response.headers["Location"])
    assert failed["status"] == "failed" and "proposal" not in failed
    assert "mentors[0].capacity: must be a whole number" in failed["error"] and "\n" not in failed["error"]
    refused = seeded.post(f"{failed['url']}/accept")
    assert refused.status_code == 409 and refused.get_json()["type"].endswith(":proposal-failed")


def test_an_internal_error_fails_the_proposal_and_logs_no_personal_data(seeded, monkeypatch, caplog):
    def broken(scenario, options):
        raise KeyError(scenario.mentees[0].name)

    monkeypatch.setattr("api.worker.propose", broken)
    with caplog.at_level(logging.ERROR, logger="matcher"):
        failed = seeded.wait(seeded.post("/v1/proposals", json=FAST).headers["Location"])
    assert failed["status"] == "failed" and "KeyError" in failed["error"] and "Jonas" not in failed["error"]
    assert "KeyError" in caplog.text and failed["id"] in caplog.text and "Jonas" not in caplog.text


def test_a_proposal_is_accepted_once(seeded, app):
    done = solved(seeded)
    accept(seeded, done)
    again = seeded.post(f"{done['url']}/accept")
    assert again.status_code == 409 and again.get_json()["type"].endswith(":already-accepted")
    with records(app) as session:
        assert session.query(Match).count() == 2


def test_of_two_accepts_at_once_one_wins(seeded, app):
    done = solved(seeded)
    start, answers = threading.Barrier(2), []

    def accept_now():
        client = ApiClient(app, None)
        client.headers = seeded.headers
        start.wait()
        answers.append(client.post(f"{done['url']}/accept").status_code)

    threads = [threading.Thread(target=accept_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 409]
    with records(app) as session:
        assert session.query(Match).count() == 2
        assert session.query(Event).filter_by(action="accept").count() == 1


def test_a_proposal_goes_stale_when_the_records_change(seeded, app, example):
    done = solved(seeded)
    mentor = {**example["mentors"][0], "interests": ["chess"]}
    assert seeded.put("/v1/mentors/m-01", json=mentor).status_code == 200
    stale = seeded.post(f"{done['url']}/accept")
    assert stale.status_code == 409
    assert stale.get_json()["type"].endswith(":stale-proposal")
    assert "request a new one" in stale.get_json()["detail"]
    assert seeded.get(done["url"]).get_json()["accepted_at"] is None
    with records(app) as session:
        assert session.query(Match).count() == 0
    assert accept(seeded, solved(seeded))["matches_created"]


def test_a_programme_is_needed_before_a_proposal(coordinator):
    response = coordinator.post("/v1/proposals", json=FAST)
    assert response.status_code == 409 and response.get_json()["type"].endswith(":no-programme")


def test_unknown_mentees_are_named_by_position(seeded):
    assert problem_paths(seeded.post("/v1/proposals", json={"mentees": ["y-01", "y-99"]})) == ["mentees[1]"]


def test_weights_follow_the_programme_rules(seeded):
    zero = dict.fromkeys(["competence", "interests", "chemistry", "availability"], 0)
    for weights, path in (({"competence": -1}, "weights.competence"), ({"humour": 1}, "weights.humour"),
                          ({"competence": "lots"}, "weights.competence"), (zero, "weights")):
        assert problem_paths(seeded.post("/v1/proposals", json={"weights": weights})) == [path], weights
    assert seeded.post("/v1/proposals", json={**FAST, "weights": {"chemistry": 0, "interests": 2}}).status_code == 202


def test_other_invalid_requests_are_named(seeded):
    for body, path in (({"time_limit": 121}, "time_limit"), ({"time_limit": 0}, "time_limit"),
                       ({"horizon": {"start": "2027-03-01", "weeks": 0}}, "horizon.weeks"),
                       ({"horizon": {"start": "March"}}, "horizon.start"), ({"colour": "blue"}, "colour")):
        assert path in problem_paths(seeded.post("/v1/proposals", json=body)), body


def test_the_time_limit_may_reach_the_servers_maximum(seeded, app):
    maximum = app.extensions["matcher"].settings.max_time_limit
    response = seeded.post("/v1/proposals", json={"time_limit": maximum})
    assert response.status_code == 202
    assert seeded.wait(response.headers["Location"])["options"]["time_limit"] == maximum


def test_a_rematch_moves_the_broken_down_mentee_and_leaves_the_rest(seeded, app):
    first = solved(seeded)
    accept(seeded, first)
    assert seeded.post("/v1/mentors", json=NEW_MENTOR).status_code == 201
    with records(app) as session:
        kept = session.query(Match).join(Match.mentee).filter(Person.ref == "y-02").one()
        kept_id, kept_sessions = kept.id, [(s.id, s.status) for s in kept.sessions]
    before = scenario_of(app)

    response = seeded.post("/v1/rematches", json={**FAST, "breakdowns": [{"mentor": "m-01", "mentee": "y-01"}]})
    assert response.status_code == 202
    done = seeded.wait(response.headers["Location"])
    assert done["status"] == "done" and done["kind"] == "rematch" and done["url"] == response.headers["Location"]
    contract = done["proposal"]
    assert contract["changes"] == [{"mentee": "y-01", "from": "m-01", "to": "m-03"}]
    new_pair = ("m-03", "y-01")

    summary = accept(seeded, done)
    assert summary["matches_ended"] == [{"mentor": "m-01", "mentee": "y-01", "reason": "breakdown"}]
    assert summary["matches_created"] == [{"mentor": "m-03", "mentee": "y-01"}]
    assert summary["sessions_booked"] == len(session_times(contract, new_pair)) > 0
    before["feedback"].append({"mentor": "m-01", "mentee": "y-01", "breakdown": True})
    stored = stored_plan(app, before)
    assert violations(before, stored) == []
    assert session_times(stored) == session_times(contract)
    with records(app) as session:
        old = session.query(Match).filter_by(proposal_id=first["id"]).join(Match.mentee).filter(
            Person.ref == "y-01").one()
        assert (old.status, old.end_reason) == ("ended", "breakdown")
        assert {s.status for s in old.sessions} == {CANCELLED}
        assert session.query(Feedback).filter_by(breakdown=True, mentor_id=old.mentor_id,
                                                 mentee_id=old.mentee_id).count() == 1
        kept = session.get(Match, kept_id)
        assert kept.status == "active" and [(s.id, s.status) for s in kept.sessions] == kept_sessions
    events = seeded.get("/v1/events?action=rematch-accept").get_json()
    assert [e["proposal"] for e in events] == [done["id"]]


def test_a_breakdown_recorded_as_feedback_is_rematched_and_not_recorded_twice(seeded, app):
    accept(seeded, solved(seeded))
    assert seeded.post("/v1/mentors", json=NEW_MENTOR).status_code == 201
    pair = {"mentor": "m-01", "mentee": "y-01"}
    assert seeded.post("/v1/feedback", json={**pair, "breakdown": True}).status_code == 201
    digest_inputs = scenario_of(app)
    done = solved(seeded, {"breakdowns": [pair]}, "/v1/rematches")
    assert done["proposal"]["changes"] == [{"mentee": "y-01", "from": "m-01", "to": "m-03"}]
    with records(app) as session:
        from api.records import digest
        assert session.get(Proposal, done["id"]).digest == digest(digest_inputs)
    summary = accept(seeded, done)
    assert summary["matches_ended"] == [] and summary["matches_created"] == [{"mentor": "m-03", "mentee": "y-01"}]
    with records(app) as session:
        assert session.query(Feedback).filter_by(breakdown=True).count() == 1
    again = seeded.post("/v1/rematches", json={"breakdowns": [pair]})
    assert problem_paths(again) == ["breakdowns[0]"]
    assert "y-01 has an active match since" in again.get_json()["errors"][0]["reason"]


def test_a_breakdown_must_name_a_match_of_the_organisation(seeded):
    accept(seeded, solved(seeded))
    not_a_match = "m-02/y-01 is not an active match, nor one that ended by breakdown"
    for breakdowns, reason in (
            ([{"mentor": "m-02", "mentee": "y-01"}], not_a_match),
            ([{"mentor": "m-99", "mentee": "y-01"}], "unknown mentor 'm-99'"),
            ([{"mentor": "m-01", "mentee": "y-01"}, {"mentor": "m-02", "mentee": "y-01"}],
             "y-01 is named in an earlier breakdown")):
        response = seeded.post("/v1/rematches", json={"breakdowns": breakdowns})
        assert problem_paths(response) == [f"breakdowns[{len(breakdowns) - 1}]"]
        assert response.get_json()["errors"][0]["reason"] == reason
    assert seeded.post("/v1/rematches", json={"breakdowns": [{"mentor": "m-01", "mentee": "y-01"}]}).status_code == 202


def test_a_rematch_names_at_least_one_breakdown(seeded):
    assert problem_paths(seeded.post("/v1/rematches", json={"breakdowns": []})) == ["breakdowns"]
    assert problem_paths(seeded.post("/v1/rematches", json={})) == ["breakdowns"]


def test_proposals_are_listed_newest_first_with_filters(seeded, app):
    older = stored_proposal(app, "failed", minutes_ago=5)
    newer = stored_proposal(app, "done", kind="rematch", minutes_ago=1)
    listed = seeded.get("/v1/proposals")
    assert [p["id"] for p in listed.get_json()] == [newer, older]
    assert '"total": 2' in listed.headers["X-Pagination"]
    assert [p["id"] for p in seeded.get("/v1/proposals?status=failed").get_json()] == [older]
    assert [p["id"] for p in seeded.get("/v1/proposals?kind=rematch").get_json()] == [newer]
    assert seeded.get("/v1/proposals?status=lost").status_code == 422


def test_another_organisations_proposal_is_not_found(seeded, outsider):
    done = solved(seeded)
    assert outsider.get(done["url"]).status_code == 404
    assert outsider.post(f"{done['url']}/accept").status_code == 404
    assert outsider.get("/v1/proposals").get_json() == []
    assert seeded.get(done["url"]).status_code == 200


def test_a_viewer_follows_proposals_but_does_not_request_or_accept_them(seeded, viewer):
    done = solved(seeded)
    assert viewer.get(done["url"]).get_json()["status"] == "done"
    assert [p["id"] for p in viewer.get("/v1/proposals").get_json()] == [done["id"]]
    assert viewer.post("/v1/proposals", json=FAST).status_code == 403
    assert viewer.post("/v1/rematches", json={"breakdowns": [{"mentor": "m-01", "mentee": "y-01"}]}).status_code == 403
    assert viewer.post(f"{done['url']}/accept").status_code == 403
    assert seeded.get(done["url"]).get_json()["accepted_at"] is None


def test_events_tell_who_did_what_and_when(seeded, viewer, outsider):
    done = solved(seeded)
    summary = accept(seeded, done)
    assert seeded.delete("/v1/mentees/y-02").status_code == 204
    events = viewer.get("/v1/events").get_json()
    assert [e["action"] for e in events] == ["erase", "accept"]
    accepted = events[1]
    assert accepted["actor"] == done["created_by"] and accepted["proposal"] == done["id"]
    assert datetime.strptime(accepted["at"], "%Y-%m-%dT%H:%M:%SZ") <= datetime.strptime(events[0]["at"],
                                                                                         "%Y-%m-%dT%H:%M:%SZ")
    assert accepted["detail"] == {k: v for k, v in summary.items() if k != "proposal"}
    assert [e["action"] for e in viewer.get("/v1/events?action=accept").get_json()] == ["accept"]
    text = viewer.get("/v1/events").get_data(as_text=True)
    assert "Jonas" not in text and "Maja" not in text
    assert outsider.get("/v1/events").get_json() == []


def test_a_restarted_server_solves_what_a_stopped_one_left(seeded, app, database_url):
    interrupted = stored_proposal(app, "running")
    waiting = stored_proposal(app, "queued")
    restarted = create_app({"database_url": database_url, "TESTING": True})
    try:
        for proposal_id in (interrupted, waiting):
            assert seeded.wait(f"/v1/proposals/{proposal_id}")["status"] == "done"
    finally:
        restarted.extensions["matcher"].worker.shutdown()
        restarted.extensions["matcher"].database.engine.dispose()


def test_the_worker_leaves_no_thread_behind(seeded, app):
    solved(seeded)
    app.extensions["matcher"].worker.shutdown()
    assert not [t for t in threading.enumerate() if t.name.startswith("matcher-solve")]
