"""Stored records in and out: people by their ids, ending matches, the audit trail, and the
scenario (the contract of DESIGN.md) that an organisation's records make."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Caller
from api.db import now
from api.problems import fail
from api.tables import ACTIVE, BOOKED, CANCELLED, ENDED, MENTEE, MENTOR, Event, Feedback, Match, Organisation, Person


def find_person(db: Session, org: str, role: str, ref: str) -> Person:
    """The organisation's mentor or mentee `ref`, or a 404 problem (also for another
    organisation's record or an erased one)."""
    person = db.scalar(select(Person).where(Person.org_id == org, Person.role == role, Person.ref == ref,
                                            Person.erased_at.is_(None)))
    if person is None:
        fail(404, f"no {role} {ref!r}", "not-found")
    return person


def owned(db: Session, table, key, org: str, label: str):
    """The organisation's record of `table` with id `key`, or a 404 problem (also for another
    organisation's record)."""
    record = db.scalar(select(table).where(table.id == key, table.org_id == org))
    if record is None:
        fail(404, f"no {label} {key!r}", "not-found")
    return record


def people(db: Session, org: str, role: str) -> list[Person]:
    """Every mentor or mentee of the organisation that is not erased, oldest first."""
    return list(db.scalars(select(Person).where(Person.org_id == org, Person.role == role,
                                                Person.erased_at.is_(None)).order_by(Person.id)))


def active_matches(db: Session, org: str) -> list[Match]:
    return list(db.scalars(select(Match).where(Match.org_id == org, Match.status == ACTIVE).order_by(Match.id)))


def end_match(match: Match, reason: str, at: datetime) -> int:
    """End the match at `at` (naive UTC) and free its sessions from then on; returns how many."""
    match.status, match.ended_at, match.end_reason = ENDED, at, reason
    freed = [s for s in match.sessions if s.status == BOOKED and s.start >= at]
    for session in freed:
        session.status = CANCELLED
    return len(freed)


def record_event(db: Session, who: Caller, action: str, detail: dict, proposal_id: str | None = None) -> Event:
    """Add to the audit trail what `who` did (ids only, never names)."""
    event = Event(org_id=who.org, at=now(), actor=who.actor, action=action, proposal_id=proposal_id,
                  detail=detail)
    db.add(event)
    return event


def programme_of(db: Session, org: str) -> dict:
    """The organisation's programme block, or a 409 problem when none is set yet."""
    organisation = db.get(Organisation, org)
    if organisation is None or organisation.programme is None:
        fail(409, "the organisation has no programme yet: PUT /v1/programme first", "no-programme")
    return organisation.programme


def to_utc(local: datetime, timezone: str) -> datetime:
    """A naive local time of the programme as naive UTC, for storage."""
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC).replace(tzinfo=None)


def to_local(stored: datetime, timezone: str) -> datetime:
    """A stored naive UTC time as an aware time in the programme's zone."""
    return stored.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))


def _horizon(programme: dict) -> tuple[date, date]:
    start = date.fromisoformat(programme["start"])
    return start, start + timedelta(weeks=programme["weeks"])


def scenario_document(db: Session, org: str, programme: dict | None = None) -> dict:
    """The organisation's records as a scenario: its programme (or `programme`), every mentor
    and mentee not erased, their feedback, and the active matches with the booked sessions
    inside the horizon. Ordered by when records were made, so equal records give equal text."""
    programme = programme or programme_of(db, org)
    mentors, mentees = people(db, org, MENTOR), people(db, org, MENTEE)
    mentor_refs = {m.ref for m in mentors}
    first, end = _horizon(programme)
    zone = programme["timezone"]
    feedback = db.scalars(select(Feedback).where(Feedback.org_id == org).order_by(Feedback.id))
    matches = []
    for match in active_matches(db, org):
        booked = [to_local(s.start, zone) for s in match.sessions if s.status == BOOKED]
        matches.append({"mentor": match.mentor.ref, "mentee": match.mentee.ref,
                        "sessions": [t.strftime("%Y-%m-%dT%H:%M") for t in booked if first <= t.date() < end]})
    return {
        "programme": programme,
        "mentors": [{**m.document, "id": m.ref} for m in mentors],
        "mentees": [{**m.document, "id": m.ref,
                     "excluded_mentors": [x for x in m.document.get("excluded_mentors", []) if x in mentor_refs]}
                    for m in mentees],
        "feedback": [{"mentor": f.mentor.ref, "mentee": f.mentee.ref, "breakdown": f.breakdown,
                      **({"rating": f.rating} if f.rating is not None else {})}
                     for f in feedback if f.mentor.erased_at is None and f.mentee.erased_at is None],
        "matches": matches,
    }


def digest(document: dict) -> str:
    """A fingerprint of a scenario: equal exactly when the inputs are equal."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
