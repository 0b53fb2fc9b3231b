"""The job queue (outbox): enqueue with a dedupe key, claim with a lease, complete, retry with backoff, dead-letter.

Claims use SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers on several machines never take
the same job; on SQLite every transaction is BEGIN IMMEDIATE (one writer at a time), which gives the same result
for the threads of one process.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from gateway.errors import NotFoundError, StoreError
from gateway.store.columns import new_id, utc_now
from gateway.store.enums import JobStatus
from gateway.store.models_ops import Job

CLAIMABLE = (JobStatus.PENDING, JobStatus.FAILED)
_JOB_TABLE: Any = Job.__table__  # type: ignore[attr-defined]
# Built once per dialect: SQLAlchemy keeps the statement's cache key instead of recomputing it per job.
_INSERT_JOB = {
    name: insert(_JOB_TABLE).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_JOB_TABLE.c.id)
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def backoff_delay(
    failures: int, *, base: float = 10.0, cap: float = 3600.0, rng: random.Random | None = None
) -> timedelta:
    """Exponential backoff with jitter: a random delay in [ceiling/2, ceiling], ceiling = base * 2^(failures-1)."""
    ceiling = min(cap, base * 2 ** max(failures - 1, 0))
    return timedelta(seconds=ceiling * (rng or random).uniform(0.5, 1.0))


def _job_values(kind: str, payload: dict[str, Any] | None, subject_id: str | None, dedupe_key: str | None,
                run_after: datetime | None, max_attempts: int) -> dict[str, Any]:
    now = utc_now()
    return {
        "id": new_id(), "kind": str(kind), "subject_id": subject_id, "payload": payload or {},
        "status": JobStatus.PENDING.value, "attempts": 0, "max_attempts": max_attempts,
        "run_after": run_after or now, "dedupe_key": dedupe_key, "created_at": now, "updated_at": now,
    }


def _insert_deduped(session: Session, values: dict[str, Any]) -> bool:
    # A Core execution with the values apart: no ORM bulk-insert path, and a statement built once.
    connection = session.connection()
    return connection.execute(_INSERT_JOB[connection.dialect.name], values).scalar_one_or_none() is not None


def enqueue_job(
    session: Session,
    kind: str,
    *,
    payload: dict[str, Any] | None = None,
    subject_id: str | None = None,
    dedupe_key: str | None = None,
    run_after: datetime | None = None,
    max_attempts: int = 8,
) -> tuple[Job, bool]:
    """Queue a job in the caller's transaction; the same ``dedupe_key`` again returns (existing, False)."""
    values = _job_values(kind, payload, subject_id, dedupe_key, run_after, max_attempts)
    if dedupe_key is None:
        job = Job(**values)
        session.add(job)
        session.flush()
        return job, True
    created = _insert_deduped(session, values)
    job = session.exec(select(Job).where(Job.dedupe_key == dedupe_key)).one()
    return job, created


def add_job(
    session: Session,
    kind: str,
    *,
    dedupe_key: str,
    payload: dict[str, Any] | None = None,
    subject_id: str | None = None,
    run_after: datetime | None = None,
    max_attempts: int = 8,
) -> bool:
    """``enqueue_job`` without reading the job back (hot paths): True when queued, False when the key exists."""
    return _insert_deduped(session, _job_values(kind, payload, subject_id, dedupe_key, run_after, max_attempts))


def reclaim_expired(session: Session, now: datetime | None = None) -> int:
    """Running jobs whose lease ran out (the worker died): count the attempt, then retry or dead-letter."""
    now = now or utc_now()
    query = select(Job).where(Job.status == JobStatus.RUNNING, col(Job.locked_until) < now)
    count = 0
    for job in session.exec(query.with_for_update(skip_locked=True)):
        job.attempts += 1
        job.last_error = f"lease of {job.locked_by} expired at {job.locked_until}"
        job.status = JobStatus.DEAD if job.attempts >= job.max_attempts else JobStatus.FAILED
        job.run_after = now
        job.locked_by, job.locked_until, job.updated_at = None, None, now
        session.add(job)
        count += 1
    session.flush()
    return count


def claim_jobs(
    session: Session,
    kinds: Sequence[str] | None,
    worker_id: str,
    limit: int,
    lease: timedelta,
    now: datetime | None = None,
) -> list[Job]:
    """Take up to ``limit`` due jobs (oldest due first) for ``worker_id`` until ``now + lease``; commit promptly.

    One statement (UPDATE ... RETURNING over a SKIP LOCKED pick): an empty poll or a claim costs one round trip.
    """
    now = now or utc_now()
    table: Any = Job.__table__  # type: ignore[attr-defined]
    pick = select(table.c.id).where(table.c.status.in_([s.value for s in CLAIMABLE]), table.c.run_after <= now)
    if kinds:
        pick = pick.where(table.c.kind.in_([str(k) for k in kinds]))
    picked = pick.order_by(table.c.run_after, table.c.id).limit(limit).with_for_update(skip_locked=True).cte("picked")
    claim = (
        update(table)
        .where(table.c.id.in_(select(picked.c.id)))
        .values(status=JobStatus.RUNNING.value, locked_by=worker_id, locked_until=now + lease, updated_at=now)
        .returning(*table.c)
    )
    rows = session.scalars(select(Job).from_statement(claim).execution_options(populate_existing=True)).all()
    return sorted(rows, key=lambda job: (job.run_after, job.id))


def _owned(session: Session, job_id: str, worker_id: str) -> Job:
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        raise NotFoundError(f"no job {job_id!r}")
    if job.status is not JobStatus.RUNNING or job.locked_by != worker_id:
        raise StoreError(f"job {job_id} ({job.kind}) is not held by {worker_id} (status {job.status}, "
                         f"held by {job.locked_by}): its lease expired and it was reclaimed")
    return job


def complete_job(session: Session, job_id: str, worker_id: str) -> Job:
    """Mark a job done in one statement when ``worker_id`` still holds it; otherwise say why not."""
    table: Any = Job.__table__  # type: ignore[attr-defined]
    done = (
        update(table)
        .where(table.c.id == job_id, table.c.status == JobStatus.RUNNING.value, table.c.locked_by == worker_id)
        .values(status=JobStatus.DONE.value, locked_by=None, locked_until=None, updated_at=utc_now())
        .returning(*table.c)
    )
    job = session.scalars(select(Job).from_statement(done).execution_options(populate_existing=True)).one_or_none()
    if job is None:
        _owned(session, job_id, worker_id)  # raises NotFoundError or StoreError with the job's actual state
        raise StoreError(f"job {job_id} could not be completed by {worker_id}")
    return job


def fail_job(
    session: Session,
    job_id: str,
    worker_id: str,
    error: str,
    *,
    retry_at: datetime | None = None,
    permanent: bool = False,
    counts_as_failure: bool = True,
    now: datetime | None = None,
) -> Job:
    """Record a failed run: dead when permanent or out of attempts, else retried at ``retry_at`` (default backoff).

    ``counts_as_failure=False`` is for a handler that is only waiting (an async MDN): no attempt is used up.
    """
    now = now or utc_now()
    job = _owned(session, job_id, worker_id)
    if counts_as_failure:
        job.attempts += 1
    job.last_error = error
    job.locked_by, job.locked_until, job.updated_at = None, None, now
    if permanent or job.attempts >= job.max_attempts:
        job.status = JobStatus.DEAD
    else:
        job.status = JobStatus.FAILED if counts_as_failure else JobStatus.PENDING
        job.run_after = retry_at or now + backoff_delay(job.attempts)
    session.add(job)
    session.flush()
    return job


def retry_job(session: Session, job_id: str, now: datetime | None = None) -> Job:
    """An analyst's retry of a dead or failed job: due at once with a fresh attempt budget."""
    job = get_job(session, job_id)
    if job.status in (JobStatus.RUNNING, JobStatus.DONE):
        raise StoreError(f"job {job_id} is {job.status}; only failed or dead jobs can be retried")
    now = now or utc_now()
    job.status, job.attempts, job.run_after, job.updated_at = JobStatus.PENDING, 0, now, now
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"no job {job_id!r}")
    return job


def list_jobs(
    session: Session, *, status: JobStatus | None = None, kind: str | None = None, limit: int = 100
) -> list[Job]:
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == status)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return list(session.exec(query.order_by(col(Job.created_at).desc(), col(Job.id).desc()).limit(limit)))


def count_jobs(session: Session) -> dict[JobStatus, int]:
    from sqlalchemy import func

    rows = session.exec(select(Job.status, func.count()).group_by(Job.status))
    return {JobStatus(status): int(n) for status, n in rows}
