"""/v1/proposals and /v1/rematches: ask for a proposal (solved in the background), follow
it, and accept it into matches and booked sessions, all in one transaction."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.context import caller, db, services
from api.db import now
from api.feedback import BREAKDOWN
from api.listing import UTC_TIME, StoredTime, paginated
from api.problems import fail, invalid
from api.records import active_matches, digest, end_match, owned, people, programme_of, record_event
from api.solve import SolveQuery, time_limit
from api.tables import (ACTIVE, BOOKED, DONE, FAILED, MENTEE, MENTOR, QUEUED, RUNNING, Feedback, Match,
                        Proposal)
from api.tables import Session as BookedSession
from api.worker import PROPOSAL, REMATCH, inputs
from matcher.errors import Problem
from matcher.fields import IsoDate
from matcher.schema import WeightsSchema

MOVED = "moved"

blp = Blueprint("proposals", __name__, url_prefix="/v1",
                description="Proposals solved in the background from the organisation's records, and "
                            "accepted into matches and booked sessions.")


class HorizonSchema(ma.Schema):
    start = IsoDate(required=True)
    weeks = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(
        min=1, max=104, error="must be between 1 and 104"))


class ProposalRequest(SolveQuery):
    mentees = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1)),
                             metadata={"description": "match only these waiting mentees (default: all)"})
    weights = ma.fields.Nested(WeightsSchema, metadata={"description": "over the programme's weights"})
    horizon = ma.fields.Nested(HorizonSchema, metadata={"description": "over the programme's start and weeks"})


class PairSchema(ma.Schema):
    mentor = ma.fields.String(required=True)
    mentee = ma.fields.String(required=True)


class RematchRequest(SolveQuery):
    breakdowns = ma.fields.List(ma.fields.Nested(PairSchema), required=True, validate=ma.validate.Length(
        min=1, error="name at least one broken-down match"))
    allow_moves = ma.fields.Boolean(load_default=False, metadata={
        "description": "other current matches may move when that matches more mentees"})


class ProposalSchema(ma.Schema):
    id = ma.fields.String()
    url = ma.fields.Function(lambda proposal: f"/v1/proposals/{proposal.id}")
    kind = ma.fields.String()
    status = ma.fields.String()
    options = ma.fields.Dict()
    created_by = ma.fields.String()
    created_at = StoredTime()
    started_at = StoredTime()
    finished_at = StoredTime()
    accepted_at = StoredTime()
    accepted_by = ma.fields.String()
    error = ma.fields.String(metadata={"description": "why it failed"})
    proposal = ma.fields.Dict(attribute="result", metadata={"description": "the proposal contract, once done"})

    @ma.post_dump
    def only_what_there_is(self, data, **kwargs):
        return {key: value for key, value in data.items() if value is not None or key not in ("error", "proposal")}


class QueuedSchema(ProposalSchema):
    """What a request for a proposal answers: where to follow it."""

    class Meta:
        fields = ("id", "status", "url")


class ProposalQuery(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf([QUEUED, RUNNING, DONE, FAILED]))
    kind = ma.fields.String(validate=ma.validate.OneOf([PROPOSAL, REMATCH]))


class EndedSchema(PairSchema):
    reason = ma.fields.String()


class AcceptedSchema(ma.Schema):
    proposal = ma.fields.String()
    matches_created = ma.fields.List(ma.fields.Nested(PairSchema))
    matches_ended = ma.fields.List(ma.fields.Nested(EndedSchema))
    sessions_booked = ma.fields.Integer()


def _queued(kind: str, options: dict):
    """Store the request, hand it to the worker, answer 202 with where to follow it."""
    record = Proposal(id=uuid.uuid4().hex, org_id=caller().org, kind=kind, status=QUEUED, options=options,
                      created_by=caller().actor, created_at=now())
    db().add(record)
    db().commit()
    services().worker.submit(record.id)
    return record, 202, {"Location": f"/v1/proposals/{record.id}"}


def _check_weights(programme: dict, weights: dict) -> None:
    if sum({**programme.get("weights", {}), **weights}.values()) <= 0:
        invalid([Problem("weights", "must not all be 0")])


def _check_mentees(refs: list[str]) -> None:
    known = {person.ref for person in people(db(), caller().org, MENTEE)}
    unknown = [Problem(f"mentees[{index}]", f"unknown mentee {ref!r}") for index, ref in enumerate(refs)
               if ref not in known]
    if unknown:
        invalid(unknown)


def _breakdown_problem(pair: dict, mentors: dict, mentees: dict, named: set[str]) -> str | None:
    """Why a breakdown cannot be rematched: it must name an active match, or one that ended by
    breakdown and whose mentee has no active match since."""
    mentor, mentee = mentors.get(pair[MENTOR]), mentees.get(pair[MENTEE])
    if mentor is None:
        return f"unknown mentor {pair[MENTOR]!r}"
    if mentee is None:
        return f"unknown mentee {pair[MENTEE]!r}"
    if mentee.ref in named:
        return f"{mentee.ref} is named in an earlier breakdown"
    matches = list(db().scalars(select(Match).where(Match.mentor_id == mentor.id, Match.mentee_id == mentee.id)))
    if any(match.status == ACTIVE for match in matches):
        return None
    if not any(match.end_reason == BREAKDOWN for match in matches):
        return f"{mentor.ref}/{mentee.ref} is not an active match, nor one that ended by breakdown"
    if db().scalar(select(Match.id).where(Match.mentee_id == mentee.id, Match.status == ACTIVE)):
        return f"{mentor.ref}/{mentee.ref} ended by breakdown, but {mentee.ref} has an active match since"
    return None


def _check_breakdowns(breakdowns: list[dict]) -> None:
    org = caller().org
    mentors = {person.ref: person for person in people(db(), org, MENTOR)}
    mentees = {person.ref: person for person in people(db(), org, MENTEE)}
    problems, named = [], set()
    for index, pair in enumerate(breakdowns):
        problem = _breakdown_problem(pair, mentors, mentees, named)
        named.add(pair["mentee"])
        if problem:
            problems.append(Problem(f"breakdowns[{index}]", problem))
    if problems:
        invalid(problems)


def _check_acceptable(record: Proposal) -> None:
    if record.accepted_at is not None:
        fail(409, f"proposal {record.id} was accepted already, at {record.accepted_at:{UTC_TIME}} "
                  f"by {record.accepted_by}", "already-accepted")
    if record.status in (QUEUED, RUNNING):
        fail(409, f"proposal {record.id} is {record.status}: accept it once it is done", "not-done")
    if record.status == FAILED:
        fail(409, f"proposal {record.id} failed ({record.error}); request a new one", "proposal-failed")


def _claim(record: Proposal, stamp: datetime) -> None:
    """Mark the record accepted, first thing in the transaction: the update locks the row
    (PostgreSQL) or the database (SQLite), so of two accepts at once the second finds it taken.
    Then the inputs must still be those it was solved from."""
    claimed = db().execute(update(Proposal).where(Proposal.id == record.id, Proposal.accepted_at.is_(None))
                           .values(accepted_at=stamp, accepted_by=caller().actor))
    if claimed.rowcount != 1:   # another accept came first
        db().rollback()
        db().refresh(record)
        _check_acceptable(record)
    if digest(inputs(db(), record)) != record.digest:
        db().rollback()
        fail(409, "the records changed since this proposal was made; request a new one", "stale-proposal")


def _utc(moment: str) -> datetime:
    """A proposal's aware local time as the naive UTC time stored."""
    return datetime.fromisoformat(moment).astimezone(UTC).replace(tzinfo=None)


def _apply(session: Session, record: Proposal, stamp: datetime) -> dict:
    """Turn the proposal into records: breakdowns recorded, matches that are no longer
    proposed ended, new matches created, every session not booked yet booked."""
    org, result = record.org_id, record.result
    mentors = {person.ref: person for person in people(session, org, MENTOR)}
    mentees = {person.ref: person for person in people(session, org, MENTEE)}
    breakdowns = {(pair[MENTOR], pair[MENTEE]) for pair in record.options.get("breakdowns", [])}
    recorded = {(f.mentor.ref, f.mentee.ref) for f in session.scalars(select(Feedback).where(
        Feedback.org_id == org, Feedback.breakdown.is_(True)))}
    for mentor, mentee in sorted(breakdowns - recorded):
        session.add(Feedback(org_id=org, mentor_id=mentors[mentor].id, mentee_id=mentees[mentee].id,
                             breakdown=True, created_at=stamp))
    proposed = {(m[MENTOR], m[MENTEE]): m for m in result["matches"]}
    live, ended = {}, []
    for match in active_matches(session, org):
        pair = (match.mentor.ref, match.mentee.ref)
        if pair in proposed:
            live[pair] = match
            continue
        reason = BREAKDOWN if pair in breakdowns | recorded else MOVED
        end_match(match, reason, stamp)
        ended.append({MENTOR: pair[0], MENTEE: pair[1], "reason": reason})
    created = []
    for pair, proposed_match in proposed.items():
        if proposed_match["status"] == "new":
            live[pair] = Match(org_id=org, mentor=mentors[pair[0]], mentee=mentees[pair[1]], status=ACTIVE,
                               score=proposed_match["score"], reasons=proposed_match["reasons"],
                               proposal_id=record.id, started_at=stamp)
            session.add(live[pair])
            created.append({MENTOR: pair[0], MENTEE: pair[1]})
    session.flush()
    booked = {(match.id, s.start) for match in live.values() for s in match.sessions if s.status == BOOKED}
    sessions = 0
    for planned in result["sessions"]:
        match, start = live[(planned[MENTOR], planned[MENTEE])], _utc(planned["start"])
        if (match.id, start) not in booked:
            session.add(BookedSession(org_id=org, match=match, start=start, end=_utc(planned["end"]),
                                      flexible=planned["flexible"], status=BOOKED))
            sessions += 1
    return {"matches_created": created, "matches_ended": ended, "sessions_booked": sessions}


@blp.route("/proposals")
class Proposals(MethodView):
    @blp.arguments(ProposalQuery, location="query")
    @blp.response(200, ProposalSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List, newest first, with filters"""
        statement = select(Proposal).where(Proposal.org_id == caller().org)
        for name in ("status", "kind"):
            if name in query:
                statement = statement.where(getattr(Proposal, name) == query[name])
        return paginated(statement, [Proposal.created_at.desc(), Proposal.id], pagination_parameters)

    @blp.arguments(ProposalRequest)
    @blp.response(202, QueuedSchema)
    def post(self, request):
        """Request a proposal for the waiting mentees; follow it at the Location"""
        programme = programme_of(db(), caller().org)
        _check_weights(programme, request.get("weights", {}))
        _check_mentees(request.get("mentees", []))
        return _queued(PROPOSAL, {**ProposalRequest().dump(request), "time_limit": time_limit(request, "time_limit")})


@blp.route("/rematches")
class Rematches(MethodView):
    @blp.arguments(RematchRequest)
    @blp.response(202, QueuedSchema)
    def post(self, request):
        """Request a rematch of broken-down matches; follow it at the Location (a proposal
        with `changes`)"""
        programme_of(db(), caller().org)
        _check_breakdowns(request["breakdowns"])
        return _queued(REMATCH, {**RematchRequest().dump(request), "time_limit": time_limit(request, "time_limit")})


@blp.route("/proposals/<proposal_id>")
class ProposalItem(MethodView):
    @blp.response(200, ProposalSchema)
    def get(self, proposal_id):
        """Read: its state, and the proposal contract once done"""
        return owned(db(), Proposal, proposal_id, caller().org, "proposal")


@blp.route("/proposals/<proposal_id>/accept")
class Accept(MethodView):
    @blp.response(200, AcceptedSchema)
    def post(self, proposal_id):
        """Accept a done proposal: matches, breakdowns and booked sessions, in one transaction"""
        record = owned(db(), Proposal, proposal_id, caller().org, "proposal")
        _check_acceptable(record)
        stamp = now()
        _claim(record, stamp)
        summary = _apply(db(), record, stamp)
        action = "rematch-accept" if record.kind == REMATCH else "accept"
        record_event(db(), caller(), action, summary, record.id)
        db().commit()
        return {"proposal": record.id, **summary}
