"""Operational tables: the append-only event log, control counters, the job queue, API tokens and users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.store.enums import ControlLevel, Direction, JobStatus, Outcome, Role, SubjectType
from gateway.store.models import counter, enum, flag, id_field, json_field, stamp, text


class Event(SQLModel, table=True):
    """One step of a flow; rows are never updated or deleted (the ORM refuses it, so do triggers)."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_subject", "subject_type", "subject_id"),
        Index("ix_event_occurred", "occurred_at", "id"),
    )
    id: str = id_field()
    occurred_at: datetime = stamp()
    subject_type: SubjectType = enum(SubjectType)
    subject_id: str = text(36, nullable=False)
    document_id: str | None = text(36, index=True)  # correlation, so a document's timeline spans its messages
    as2_message_id: str | None = text(36, index=True)
    stage: str = text(32, nullable=False)
    outcome: Outcome = enum(Outcome)
    actor: str = text(100, nullable=False, default="system")
    message: str = text(nullable=False, default="")
    detail: dict[str, Any] | None = json_field()


class ControlCounter(SQLModel, table=True):
    """Last control number handed out per partner, direction and level (ISA13, GS06, ST02)."""

    __tablename__ = "control_counter"
    __table_args__ = (
        UniqueConstraint("partner_id", "direction", "level", name="uq_control_counter_partner_direction_level"),
    )
    id: str = id_field()
    partner_id: str = text(100, nullable=False)
    direction: Direction = enum(Direction)
    level: ControlLevel = enum(ControlLevel)
    last_value: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))


class Job(SQLModel, table=True):
    """The outbox / work queue; ``dedupe_key`` makes enqueueing idempotent."""

    __tablename__ = "job"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_job_dedupe_key"),
        Index("ix_job_claim", "status", "kind", "run_after"),
        Index("ix_job_lease", "status", "locked_until"),
    )
    id: str = id_field()
    kind: str = text(64, nullable=False)
    subject_id: str | None = text(36, index=True)
    payload: dict[str, Any] | None = json_field()
    status: JobStatus = enum(JobStatus)
    attempts: int = counter()
    max_attempts: int = counter(8)
    run_after: datetime = stamp()
    locked_by: str | None = text(200)
    locked_until: datetime | None = stamp(nullable=True, now=False)
    last_error: str | None = text()
    dedupe_key: str | None = text(255)
    created_at: datetime = stamp()
    updated_at: datetime = stamp()


class ApiToken(SQLModel, table=True):
    """A JSON-bridge bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: str = id_field()
    name: str = text(100, nullable=False, default="")
    role: Role = enum(Role)
    partner_id: str | None = text(100)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = stamp()
    revoked_at: datetime | None = stamp(nullable=True, now=False)
    last_used_at: datetime | None = stamp(nullable=True, now=False)


class User(SQLModel, table=True):
    """A monitor login; ``password_hash`` is salted scrypt."""

    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL
    id: str = id_field()
    username: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    password_hash: str = text(300, nullable=False)
    role: Role = enum(Role)
    disabled: bool = flag()
    created_at: datetime = stamp()
