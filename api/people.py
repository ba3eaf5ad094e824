"""/v1/mentors and /v1/mentees: create, read, update, erase, list with filters. The fields
are the scenario contract's, loaded and dumped by the same schemas as scenario files."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from api.context import caller, db
from api.db import now
from api.listing import paginated
from api.problems import fail, invalid
from api.records import end_match, find_person, record_event
from api.tables import ACTIVE, MENTEE, MENTOR, Match, Person
from matcher.errors import Problem
from matcher.schema import MenteeSchema, MentorSchema


class PeopleQuery(ma.Schema):
    kind = ma.fields.String(validate=ma.validate.OneOf(["volunteer", "professional"]),
                            metadata={"description": "mentors of this kind only"})
    matched = ma.fields.Boolean(metadata={"description": "only people with (true) or without (false) an active match"})


def _matched(role: str):
    side = Match.mentor_id if role == MENTOR else Match.mentee_id
    return exists().where(side == Person.id, Match.status == ACTIVE)


def _loaded(schema: ma.Schema, person: Person):
    return schema.load({**person.document, "id": person.ref})


def stored_document(schema: ma.Schema, record) -> dict:
    """The record as stored: the contract's fields as the schema dumps them, without the id."""
    document = schema.dump(record)
    document.pop("id")
    return document


def _check_references(role: str, record) -> None:
    """A mentee may exclude only mentors the organisation has."""
    if role != MENTEE or not record.excluded_mentors:
        return
    known = set(db().scalars(select(Person.ref).where(Person.org_id == caller().org, Person.role == MENTOR,
                                                        Person.erased_at.is_(None))))
    unknown = [ref for ref in record.excluded_mentors if ref not in known]
    if unknown:
        invalid([Problem("excluded_mentors", f"unknown mentor {ref!r}") for ref in unknown])


def capacity_problem(session: Session, mentor: Person, capacity: int) -> Problem | None:
    """A mentor's capacity may not drop below their active matches: the problem, if it does."""
    current = session.scalar(select(func.count()).select_from(Match).where(Match.mentor_id == mentor.id,
                                                                             Match.status == ACTIVE))
    return Problem("capacity", f"{capacity} is below the {current} active matches") if capacity < current else None


def _check_capacity(person: Person, record) -> None:
    problem = capacity_problem(db(), person, record.capacity) if person.role == MENTOR else None
    if problem:
        invalid([problem])


def person_blueprint(role: str, schema_class: type[ma.Schema]) -> Blueprint:
    plural = f"{role}s"
    blp = Blueprint(plural, __name__, url_prefix=f"/v1/{plural}",
                    description=f"The organisation's {plural}, with the scenario contract's fields.")
    schema = schema_class()

    @blp.route("")
    class Collection(MethodView):
        @blp.arguments(PeopleQuery, location="query")
        @blp.response(200, schema_class(many=True))
        @blp.paginate()
        def get(self, query, pagination_parameters):
            """List, oldest first, with filters"""
            statement = select(Person).where(Person.org_id == caller().org, Person.role == role,
                                             Person.erased_at.is_(None))
            if "kind" in query:
                statement = statement.where(Person.kind == query["kind"])
            if "matched" in query:
                statement = statement.where(_matched(role) if query["matched"] else ~_matched(role))
            return [_loaded(schema, p) for p in paginated(statement, [Person.id], pagination_parameters)]

        @blp.arguments(schema_class)
        @blp.response(201, schema_class)
        def post(self, record):
            """Create"""
            org = caller().org
            if db().scalar(select(Person).where(Person.org_id == org, Person.role == role, Person.ref == record.id)):
                fail(409, f"{role} {record.id!r} exists already", "conflict")
            _check_references(role, record)
            stamp = now()
            db().add(Person(org_id=org, role=role, ref=record.id, kind=getattr(record, "kind", None),
                            document=stored_document(schema, record), created_at=stamp, updated_at=stamp))
            db().commit()
            return record, 201, {"Location": f"/v1/{plural}/{record.id}"}

    @blp.route("/<ref>")
    class Item(MethodView):
        @blp.response(200, schema_class)
        def get(self, ref):
            """Read"""
            return _loaded(schema, find_person(db(), caller().org, role, ref))

        @blp.arguments(schema_class)
        @blp.response(200, schema_class)
        def put(self, record, ref):
            """Replace every field (the id stays)"""
            person = find_person(db(), caller().org, role, ref)
            if record.id != ref:
                invalid([Problem("id", f"must stay {ref!r}")])
            _check_references(role, record)
            _check_capacity(person, record)
            person.document, person.updated_at = stored_document(schema, record), now()
            person.kind = getattr(record, "kind", None)
            db().commit()
            return record

        @blp.response(204)
        def delete(self, ref):
            """Erase: the personal data goes; matches end and their future sessions are freed;
            what aggregate statistics need (role, mentor kind, ratings, match history) stays"""
            person = find_person(db(), caller().org, role, ref)
            stamp = now()
            side = Match.mentor_id if role == MENTOR else Match.mentee_id
            ended = list(db().scalars(select(Match).where(side == person.id, Match.status == ACTIVE)))
            freed = sum(end_match(match, "erased", stamp) for match in ended)
            person.ref, person.document, person.erased_at = f"erased-{person.id}", None, stamp
            record_event(db(), caller(), "erase", {"role": role, "matches_ended": len(ended), "sessions_freed": freed})
            db().commit()

    return blp


mentors = person_blueprint(MENTOR, MentorSchema)
mentees = person_blueprint(MENTEE, MenteeSchema)
