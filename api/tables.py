"""The stored records. Every record belongs to an organisation; times are naive UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

MENTOR, MENTEE = "mentor", "mentee"
ACTIVE, ENDED = "active", "ended"
BOOKED, CANCELLED = "booked", "cancelled"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON, datetime: DateTime()}


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    programme: Mapped[dict | None]                 # the scenario contract's programme block
    created_at: Mapped[datetime]


class Token(Base):
    """A bearer token of one organisation; only its SHA-256 digest is stored."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(128))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Person(Base):
    """A mentor or a mentee: `document` holds the contract's fields (the id is `ref`).
    Erasure clears the personal data and keeps only the role and the mentor kind."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("org_id", "role", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    ref: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str | None] = mapped_column(String(16))
    document: Mapped[dict | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    rating: Mapped[int | None]
    breakdown: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Person] = relationship(foreign_keys=[mentee_id])


class Match(Base):
    """A pair, active until it ends (breakdown, a move, erasure, or by hand)."""

    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default=ACTIVE)
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list | None]
    proposal_id: Mapped[str | None] = mapped_column(ForeignKey("proposals.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))

    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Person] = relationship(foreign_keys=[mentee_id])
    sessions: Mapped[list["Session"]] = relationship(back_populates="match", order_by="Session.start")


class Session(Base):
    """A booked session of a match; cancelled when the match ends before it."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id"), index=True)
    start: Mapped[datetime] = mapped_column(index=True)
    end: Mapped[datetime]
    flexible: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=BOOKED)

    match: Mapped[Match] = relationship(back_populates="sessions")


class Proposal(Base):
    """A solve requested over HTTP (`kind` proposal or rematch) and its result. `digest`
    identifies the inputs it was solved from: accepting it after they changed is refused."""

    __tablename__ = "proposals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default=QUEUED)
    options: Mapped[dict]
    digest: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[str | None] = mapped_column(String(128))


class Event(Base):
    """The audit trail: who did what, when (accepts, rematches, breakdowns, erasures)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    proposal_id: Mapped[str | None] = mapped_column(ForeignKey("proposals.id"))
    detail: Mapped[dict]
