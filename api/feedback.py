"""/v1/feedback: ratings after sessions, and breakdowns. A breakdown ends the pair's active
match, frees its sessions from then on, and keeps the pair out of every later proposal."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from api.context import caller, db
from api.db import now
from api.listing import StoredTime, paginated
from api.matches import PairQuery, of_pair, person_ids
from api.problems import invalid
from api.records import end_match, owned, record_event
from api.tables import ACTIVE, MENTEE, MENTOR, Feedback, Match, Person
from matcher import model
from matcher.errors import Problem
from matcher.schema import FeedbackSchema

BREAKDOWN = "breakdown"

blp = Blueprint("feedback", __name__, url_prefix="/v1/feedback",
                description="Ratings of pairs after sessions, and breakdowns that end a match for good.")


class FeedbackRecordSchema(ma.Schema):
    id = ma.fields.Integer()
    mentor = ma.fields.String(attribute="mentor.ref")
    mentee = ma.fields.String(attribute="mentee.ref")
    rating = ma.fields.Integer(allow_none=True)
    breakdown = ma.fields.Boolean()
    created_at = StoredTime()


def _known_people(record: model.Feedback) -> tuple[Person, Person]:
    """The mentor and mentee the feedback names, or a 422 naming each one the organisation
    does not have (or has erased)."""
    found, problems = [], []
    for role, ref in ((MENTOR, record.mentor), (MENTEE, record.mentee)):
        person = db().scalar(select(Person).where(Person.id.in_(person_ids(role, ref)), Person.erased_at.is_(None)))
        found.append(person)
        if person is None:
            problems.append(Problem(role, f"unknown {role} {ref!r}"))
    if problems:
        invalid(problems)
    return found[0], found[1]


def _break_down(mentor: Person, mentee: Person, at) -> None:
    """End the pair's active match (if any) and record the breakdown in the audit trail."""
    match = db().scalar(select(Match).where(Match.mentor_id == mentor.id, Match.mentee_id == mentee.id,
                                            Match.status == ACTIVE))
    freed = end_match(match, BREAKDOWN, at) if match is not None else 0
    record_event(db(), caller(), BREAKDOWN, {"mentor": mentor.ref, "mentee": mentee.ref,
                                             "match": match.id if match is not None else None,
                                             "sessions_freed": freed})


@blp.route("")
class FeedbackCollection(MethodView):
    @blp.arguments(PairQuery, location="query")
    @blp.response(200, FeedbackRecordSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List, oldest first, with filters"""
        statement = of_pair(select(Feedback).where(Feedback.org_id == caller().org), query, Feedback.mentor_id,
                            Feedback.mentee_id)
        return paginated(statement, [Feedback.id], pagination_parameters)

    @blp.arguments(FeedbackSchema)
    @blp.response(201, FeedbackRecordSchema)
    def post(self, record):
        """Record a rating or a breakdown (which ends the pair's active match and frees its
        sessions from now on)"""
        mentor, mentee = _known_people(record)
        stamp = now()
        feedback = Feedback(org_id=caller().org, mentor=mentor, mentee=mentee, rating=record.rating,
                            breakdown=record.breakdown, created_at=stamp)
        db().add(feedback)
        if record.breakdown:
            _break_down(mentor, mentee, stamp)
        db().commit()
        return feedback, 201, {"Location": f"/v1/feedback/{feedback.id}"}


@blp.route("/<int:feedback_id>")
class FeedbackItem(MethodView):
    @blp.response(200, FeedbackRecordSchema)
    def get(self, feedback_id):
        """Read"""
        return owned(db(), Feedback, feedback_id, caller().org, "feedback")
