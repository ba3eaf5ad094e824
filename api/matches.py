"""/v1/matches, /v1/sessions and each person's calendar: the pairs and the booked sessions
that accepted proposals made, read back, and a match ended by hand."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from api.context import caller, db
from api.db import now
from api.listing import StoredTime, paginated
from api.problems import fail
from api.records import end_match, find_person, owned, programme_of, record_event, to_local, to_utc
from api.tables import ACTIVE, BOOKED, CANCELLED, ENDED, MENTEE, MENTOR, Match, Person
from api.tables import Session as BookedSession
from matcher.fields import IsoDate
from matcher.ics import person_calendar

ICS_MEDIA_TYPE = "text/calendar"
DEFAULT_END_REASON = "by hand"


class PairQuery(ma.Schema):
    mentor = ma.fields.String(metadata={"description": "this mentor's id only"})
    mentee = ma.fields.String(metadata={"description": "this mentee's id only"})


class MatchQuery(PairQuery):
    status = ma.fields.String(validate=ma.validate.OneOf([ACTIVE, ENDED]))


class SessionQuery(PairQuery):
    first = IsoDate(data_key="from", metadata={"description": "on or after this local date"})
    last = IsoDate(data_key="to", metadata={"description": "on or before this local date"})
    status = ma.fields.String(load_default=BOOKED, validate=ma.validate.OneOf([BOOKED, CANCELLED]))

    @ma.validates_schema(skip_on_field_errors=True)
    def ordered(self, data, **kwargs):
        if "first" in data and "last" in data and data["last"] < data["first"]:
            raise ma.ValidationError("must not be before from", "to")


class MatchRecordSchema(ma.Schema):
    id = ma.fields.Integer()
    mentor = ma.fields.String(attribute="mentor.ref")
    mentee = ma.fields.String(attribute="mentee.ref")
    status = ma.fields.String(metadata={"description": "active or ended"})
    score = ma.fields.Float(allow_none=True)
    reasons = ma.fields.List(ma.fields.String(), allow_none=True)
    proposal = ma.fields.String(attribute="proposal_id", allow_none=True,
                                metadata={"description": "the accepted proposal that made the match"})
    started_at = StoredTime()
    ended_at = StoredTime(allow_none=True)
    end_reason = ma.fields.String(allow_none=True)


class MatchEndSchema(ma.Schema):
    reason = ma.fields.String(load_default=DEFAULT_END_REASON, validate=ma.validate.Length(min=1, max=32))


class SessionRecordSchema(ma.Schema):
    id = ma.fields.Integer()
    match = ma.fields.Integer()
    mentor = ma.fields.String()
    mentee = ma.fields.String()
    start = ma.fields.String(metadata={"description": "local time of the programme with its offset"})
    end = ma.fields.String()
    flexible = ma.fields.Boolean()
    status = ma.fields.String(metadata={"description": "booked or cancelled"})


def person_ids(role: str, ref: str):
    """The organisation's people with this role and id, as a subquery (at most one row)."""
    return select(Person.id).where(Person.org_id == caller().org, Person.role == role, Person.ref == ref)


def of_pair(statement, query: dict, mentor_column, mentee_column):
    """`statement` narrowed to the mentor and mentee the query names (by their ids), if any."""
    for role, column in ((MENTOR, mentor_column), (MENTEE, mentee_column)):
        if role in query:
            statement = statement.where(column.in_(person_ids(role, query[role])))
    return statement


def session_record(session: BookedSession, timezone: str) -> dict:
    """A stored session in the proposal contract's form, with its id, match and status."""
    return {"id": session.id, "match": session.match_id, "mentor": session.match.mentor.ref,
            "mentee": session.match.mentee.ref,
            "start": to_local(session.start, timezone).isoformat(timespec="seconds"),
            "end": to_local(session.end, timezone).isoformat(timespec="seconds"),
            "flexible": session.flexible, "status": session.status}


matches = Blueprint("matches", __name__, url_prefix="/v1/matches",
                    description="The pairs accepted proposals made: active until they end.")
sessions = Blueprint("sessions", __name__, url_prefix="/v1/sessions",
                     description="The booked sessions of the matches, in the programme's local time.")
calendars = Blueprint("calendars", __name__, url_prefix="/v1",
                      description="One person's booked sessions as an iCalendar file (ids only, no names).")


@matches.route("")
class MatchCollection(MethodView):
    @matches.arguments(MatchQuery, location="query")
    @matches.response(200, MatchRecordSchema(many=True))
    @matches.paginate()
    def get(self, query, pagination_parameters):
        """List, oldest first, with filters"""
        statement = of_pair(select(Match).where(Match.org_id == caller().org), query, Match.mentor_id,
                            Match.mentee_id)
        if "status" in query:
            statement = statement.where(Match.status == query["status"])
        return paginated(statement, [Match.id], pagination_parameters)


@matches.route("/<int:match_id>")
class MatchItem(MethodView):
    @matches.response(200, MatchRecordSchema)
    def get(self, match_id):
        """Read"""
        return owned(db(), Match, match_id, caller().org, "match")


@matches.route("/<int:match_id>/end")
class MatchEnd(MethodView):
    @matches.arguments(MatchEndSchema)
    @matches.response(200, MatchRecordSchema)
    def post(self, body, match_id):
        """End now: its booked sessions from now on are cancelled"""
        match = owned(db(), Match, match_id, caller().org, "match")
        if match.status == ENDED:
            fail(409, f"match {match_id} ended already ({match.end_reason})", "conflict")
        freed = end_match(match, body["reason"], now())
        record_event(db(), caller(), "end", {"match": match.id, "mentor": match.mentor.ref,
                                             "mentee": match.mentee.ref, "sessions_freed": freed})
        db().commit()
        return match


def _day_start(day, timezone: str) -> datetime:
    return to_utc(datetime.combine(day, time()), timezone)


@sessions.route("")
class SessionCollection(MethodView):
    @sessions.arguments(SessionQuery, location="query")
    @sessions.response(200, SessionRecordSchema(many=True))
    @sessions.paginate()
    def get(self, query, pagination_parameters):
        """List by start, with filters (booked only unless status says otherwise)"""
        timezone = programme_of(db(), caller().org)["timezone"]
        statement = (select(BookedSession).join(BookedSession.match)
                     .where(BookedSession.org_id == caller().org, BookedSession.status == query["status"]))
        statement = of_pair(statement, query, Match.mentor_id, Match.mentee_id)
        if "first" in query:
            statement = statement.where(BookedSession.start >= _day_start(query["first"], timezone))
        if "last" in query:
            statement = statement.where(BookedSession.start < _day_start(query["last"] + timedelta(days=1), timezone))
        page = paginated(statement, [BookedSession.start, BookedSession.id], pagination_parameters)
        return [session_record(s, timezone) for s in page]


@sessions.route("/<int:session_id>")
class SessionItem(MethodView):
    @sessions.response(200, SessionRecordSchema)
    def get(self, session_id):
        """Read"""
        session = owned(db(), BookedSession, session_id, caller().org, "session")
        return session_record(session, programme_of(db(), caller().org)["timezone"])


def _booked_sessions(person: Person) -> list[BookedSession]:
    """The person's booked sessions over all their matches, ended ones included, by start."""
    side = Match.mentor_id if person.role == MENTOR else Match.mentee_id
    return list(db().scalars(select(BookedSession).join(BookedSession.match)
                             .where(side == person.id, BookedSession.status == BOOKED)
                             .order_by(BookedSession.start, BookedSession.id)))


def _calendar(role: str, ref: str) -> Response:
    person = find_person(db(), caller().org, role, ref)
    timezone = programme_of(db(), caller().org)["timezone"]
    # The person is named in `matches` too, so that someone without sessions gets an empty calendar.
    shaped = {"sessions": [session_record(s, timezone) for s in _booked_sessions(person)],
              "matches": [{role: person.ref}]}
    return Response(person_calendar(shaped, person.ref, role, timezone), mimetype=ICS_MEDIA_TYPE)


def _calendar_view(role: str) -> None:
    @calendars.route(f"/{role}s/<ref>/calendar.ics", endpoint=f"{role}_calendar")
    class PersonCalendar(MethodView):
        @calendars.response(200, content_type=ICS_MEDIA_TYPE, description=f"the {role}'s booked sessions")
        def get(self, ref):
            """Booked sessions as iCalendar"""
            return _calendar(role, ref)


for _role in (MENTOR, MENTEE):
    _calendar_view(_role)
