"""/v1/scenario: an organisation's records as one scenario file, out and in. Import brings a
whole programme (people, feedback, current matches with their booked sessions) into an
organisation that has no people yet, as when it starts using the service."""
from __future__ import annotations

from datetime import timedelta

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from api.context import caller, db
from api.db import now
from api.people import stored_document
from api.problems import fail
from api.records import programme_of, record_event, scenario_document, to_utc
from api.tables import MENTEE, MENTOR, Feedback, Match, Organisation, Person, Session
from matcher.model import Mentee, Mentor, Scenario
from matcher.schema import MenteeSchema, MentorSchema, ProgrammeSchema, ScenarioSchema

blp = Blueprint("scenario", __name__, url_prefix="/v1/scenario",
                description="The organisation's records as one scenario in the contract of DESIGN.md.")


def _firm(mentor: Mentor, mentee: Mentee, start, minutes: int) -> bool:
    """Whether a session lies inside a window of each that is not flexible."""
    first = start.hour * 60 + start.minute
    return all(any(not w.flexible and w.day == start.weekday() and w.start <= first and first + minutes <= w.end
                   for w in person.availability) for person in (mentor, mentee))


class ImportedSchema(ma.Schema):
    mentors = ma.fields.Integer()
    mentees = ma.fields.Integer()
    feedback = ma.fields.Integer()
    matches = ma.fields.Integer()
    sessions = ma.fields.Integer()


@blp.route("")
class ScenarioView(MethodView):
    @blp.response(200, ScenarioSchema)
    def get(self):
        """Export: programme, people, feedback and active matches with their booked sessions"""
        return ScenarioSchema().load(scenario_document(db(), caller().org, programme_of(db(), caller().org)))

    @blp.arguments(ScenarioSchema)
    @blp.response(201, ImportedSchema)
    def post(self, scenario: Scenario):
        """Import into an organisation with no mentors or mentees yet"""
        org, stamp = caller().org, now()
        if db().scalar(select(func.count()).select_from(Person).where(Person.org_id == org)):
            fail(409, "the organisation has mentors or mentees already; import only into an empty one", "conflict")
        db().get(Organisation, org).programme = ProgrammeSchema().dump(scenario.programme)
        stored = {}
        groups = ((MENTOR, MentorSchema(), scenario.mentors), (MENTEE, MenteeSchema(), scenario.mentees))
        for role, schema, group in groups:
            for record in group:
                stored[role, record.id] = Person(org_id=org, role=role, ref=record.id,
                                                 document=stored_document(schema, record),
                                                 kind=getattr(record, "kind", None), created_at=stamp, updated_at=stamp)
        db().add_all(stored.values())
        db().add_all(Feedback(org_id=org, mentor=stored[MENTOR, f.mentor], mentee=stored[MENTEE, f.mentee],
                              rating=f.rating, breakdown=f.breakdown, created_at=stamp) for f in scenario.feedback)
        zone = scenario.programme.timezone
        mentors, mentees = {m.id: m for m in scenario.mentors}, {m.id: m for m in scenario.mentees}
        for current in scenario.kept_matches():
            mentor, mentee = mentors[current.mentor], mentees[current.mentee]
            minutes = mentee.sessions.minutes
            match = Match(org_id=org, mentor=stored[MENTOR, mentor.id], mentee=stored[MENTEE, mentee.id],
                          started_at=stamp, status="active")
            match.sessions = [Session(org_id=org, start=to_utc(start, zone),
                                      end=to_utc(start + timedelta(minutes=minutes), zone),
                                      flexible=not _firm(mentor, mentee, start, minutes)) for start in current.sessions]
            db().add(match)
        summary = {"mentors": len(scenario.mentors), "mentees": len(scenario.mentees),
                   "feedback": len(scenario.feedback), "matches": len(scenario.kept_matches()),
                   "sessions": sum(len(m.sessions) for m in scenario.kept_matches())}
        record_event(db(), caller(), "import", summary)
        db().commit()
        return summary
