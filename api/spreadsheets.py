"""/v1/mentors.csv and /v1/mentees.csv: the organisation's people as spreadsheets, out and in.
An import is all or nothing: rows whose id is stored replace that person, the others are
created; people missing from the file stay as they are."""
from __future__ import annotations

import marshmallow as ma
from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Caller
from api.context import caller, db
from api.csv_format import (BOM, DELIMITERS, LAYOUTS, CsvRejected, Row, by_line, decode, detect_role,
                            documents_to_csv, parse_rows)
from api.db import now
from api.people import capacity_problem
from api.problems import invalid
from api.records import people, record_event
from api.tables import MENTEE, MENTOR, Organisation, Person
from matcher.errors import Problem

CSV_MEDIA_TYPE = "text/csv"
COMMAND_LINE = "command line"

blp = Blueprint("spreadsheets", __name__, url_prefix="/v1",
                description="Mentors and mentees as CSV spreadsheets, one row per person: export, and import "
                            "that creates or replaces people by id. List cells separate values with ';' "
                            "(`football; music`, `adhd:3; family:2`, `tue 16:00-20:00; sat 10:00-13:00 "
                            "flexible`, `2027-02-08..2027-02-14`); an empty cell leaves the field out. The "
                            "delimiter may be ',' or ';' and a UTF-8 byte order mark is accepted.")


class ExportQuery(ma.Schema):
    delimiter = ma.fields.String(load_default="comma", validate=ma.validate.OneOf(list(DELIMITERS)), metadata={
        "description": "comma, or semicolon for spreadsheets in locales with a decimal comma (numbers are "
                       "then written with one)"})


class SpreadsheetImportSchema(ma.Schema):
    created = ma.fields.Integer(metadata={"description": "people added"})
    updated = ma.fields.Integer(metadata={"description": "stored people replaced by their row"})


def _stored_problems(session: Session, org: str, role: str, rows: list[Row], stored: dict[str, Person]) -> list:
    """What the stored records forbid: ids of erased people, capacity below a mentor's active
    matches, and excluded mentors the organisation does not have (only stored mentors count:
    import the mentors file first)."""
    problems = []
    mentor_refs = {person.ref for person in people(session, org, MENTOR)} if role == MENTEE else set()
    for row in rows:
        person = stored.get(row.document["id"])
        if person is not None and person.erased_at is not None:
            problems.append(Problem(row.at("id"), "is the id of an erased record; use another id"))
        elif person is not None and role == MENTOR:
            found = capacity_problem(session, person, row.document["capacity"])
            problems += [Problem(row.at("capacity"), found.reason)] if found else []
        problems += [Problem(row.at("excluded_mentors"), f"unknown mentor {ref!r}: only stored mentors may be "
                                                         f"excluded, so import the mentors first")
                     for ref in row.document.get("excluded_mentors", ()) if ref not in mentor_refs]
    return problems


def import_csv(session: Session, org: str, text: str, role: str | None = None, actor: str = COMMAND_LINE) -> dict:
    """Import a mentors or mentees spreadsheet (`role`; told from the header when None: a
    capacity column means mentors, sessions_minutes mentees) into the organisation, all or
    nothing; raises CsvRejected listing every problem. Returns {created: n, updated: m}."""
    if session.get(Organisation, org) is None:
        raise CsvRejected([Problem("organisation", f"no organisation {org!r}: create a token for it first")])
    role = role or detect_role(text)
    rows, problems = parse_rows(role, text)
    stored = {person.ref: person for person in session.scalars(select(Person).where(Person.org_id == org,
                                                                                    Person.role == role))}
    problems += _stored_problems(session, org, role, rows, stored)
    if problems:
        raise CsvRejected(by_line(problems))
    stamp, created = now(), 0
    for row in rows:
        document = dict(row.document)
        ref = document.pop("id")
        person = stored.get(ref)
        if person is None:
            session.add(Person(org_id=org, role=role, ref=ref, kind=document.get("kind"), document=document,
                               created_at=stamp, updated_at=stamp))
            created += 1
        else:
            person.document, person.kind, person.updated_at = document, document.get("kind"), stamp
    counts = {"created": created, "updated": len(rows) - created}
    record_event(session, Caller(org=org, role="coordinator", actor=actor), "import", {"role": role, **counts})
    session.commit()
    return counts


def _export(role: str, delimiter: str) -> Response:
    org = caller().org
    documents = [{**person.document, "id": person.ref} for person in people(db(), org, role)]
    text = BOM + documents_to_csv(role, documents, DELIMITERS[delimiter])
    return Response(text.encode(), mimetype=CSV_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{org}-{role}s.csv"'})


def _import(role: str) -> dict:
    try:
        text = decode(request.get_data(), request.mimetype_params.get("charset", "utf-8"))
        return import_csv(db(), caller().org, text, role, caller().actor)
    except CsvRejected as rejected:
        invalid(rejected.problems)


def _spreadsheet_view(role: str) -> None:
    plural = f"{role}s"
    columns = ", ".join(column.name for column in LAYOUTS[role].columns)
    example = documents_to_csv(role, [])

    @blp.route(f"/{plural}.csv", endpoint=f"{plural}_csv")
    class Spreadsheet(MethodView):
        @blp.arguments(ExportQuery, location="query")
        @blp.response(200, {"type": "string"}, content_type=CSV_MEDIA_TYPE,
                      description=f"every {role} of the organisation, one row each; columns: {columns}")
        def get(self, query):
            """Export as CSV"""
            return _export(role, query["delimiter"])

        @blp.doc(requestBody={"required": True, "description": f"the {plural} spreadsheet; columns: {columns}",
                              "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}, "example": example}}})
        @blp.response(200, SpreadsheetImportSchema)
        @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
        def post(self):
            """Import from CSV: create or replace by id, all or nothing (every problem is named with its
            line, id and column)"""
            return _import(role)


for _role in (MENTOR, MENTEE):
    _spreadsheet_view(_role)
