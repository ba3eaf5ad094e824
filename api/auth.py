"""Bearer tokens per organisation, with a role: coordinators read and write, viewers read.
Only a token's SHA-256 digest is stored; the token itself is shown once, when created."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import now
from api.problems import fail
from api.tables import Organisation, Token

ROLES = ("coordinator", "viewer")
READING = frozenset({"GET", "HEAD", "OPTIONS"})
ORG_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
PREFIX = "mt_"


@dataclass(frozen=True)
class Caller:
    """Who is asking: their organisation, role, and the token's label for the audit trail."""

    org: str
    role: str
    actor: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Session, org: str, role: str, label: str | None = None) -> str:
    """A new token for `org` (created if it does not exist yet); returns the token itself."""
    if not ORG_NAME.match(org):
        raise ValueError(f"organisation {org!r}: use 1-64 lower-case letters, digits, '-' or '_'")
    if role not in ROLES:
        raise ValueError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if db.get(Organisation, org) is None:
        db.add(Organisation(id=org, created_at=now()))
    token = PREFIX + secrets.token_urlsafe(32)
    record = Token(org_id=org, role=role, digest=digest(token), created_at=now(), label="")
    db.add(record)
    db.flush()
    record.label = label or f"{role} token {record.id}"
    db.commit()
    return token


def _changes_nothing() -> bool:
    """A reading method, or a view that declares it stores nothing (`open_to_viewers = True`)."""
    view = current_app.view_functions.get(request.endpoint)
    return request.method in READING or getattr(getattr(view, "view_class", None), "open_to_viewers", False)


def authenticate(db: Session) -> Caller:
    """The caller of the current request, or a 401 (no or unknown token) / 403 (a viewer
    asking to change something) problem."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="matcher"'}
    if scheme.lower() != "bearer" or not token.strip():
        fail(401, "send an organisation's token as 'Authorization: Bearer <token>'", "unauthenticated",
             headers=challenge)
    record = db.scalar(select(Token).where(Token.digest == digest(token.strip()), Token.revoked_at.is_(None)))
    if record is None:
        fail(401, "the token is not known or has been revoked", "unauthenticated", headers=challenge)
    if not _changes_nothing() and record.role != "coordinator":
        fail(403, f"a {record.role} token may read but not change records", "forbidden")
    return Caller(org=record.org_id, role=record.role, actor=record.label)


