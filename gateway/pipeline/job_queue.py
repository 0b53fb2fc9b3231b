"""The worker's job queue over gateway.store jobs (claim with a lease, complete, retry, dead-letter, recover).

Lives in the pipeline layer so ``wiring.build`` can put it on the Runtime; gateway.worker.runner only sees the
``JobQueue`` protocol. Every call is one short transaction, committed before the handler runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from gateway.errors import StoreError
from gateway.store import Session, Store
from gateway.store import jobs as store_jobs
from gateway.store.models_ops import Job

log = logging.getLogger("acorn.worker")


class StoreJobQueue:
    """Implements gateway.worker.runner.JobQueue over the store's ``job`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(self, worker_id: str, kinds: Sequence[str], limit: int, lease: timedelta) -> list[Job]:
        with self.store.transaction() as session:
            return store_jobs.claim_jobs(session, list(kinds), worker_id, limit, lease)

    def complete(self, job: Job, worker_id: str) -> None:
        self._settle(job, worker_id, "complete", lambda s: store_jobs.complete_job(s, job.id, worker_id))

    def retry(self, job: Job, worker_id: str, error: str, run_at: datetime, failed: bool) -> None:
        self._settle(job, worker_id, "retry", lambda s: store_jobs.fail_job(
            s, job.id, worker_id, error, retry_at=run_at, counts_as_failure=failed))

    def dead_letter(self, job: Job, worker_id: str, error: str) -> None:
        self._settle(job, worker_id, "dead-letter", lambda s: store_jobs.fail_job(
            s, job.id, worker_id, error, permanent=True))

    def recover_expired(self) -> int:
        with self.store.transaction() as session:
            return store_jobs.reclaim_expired(session)

    def _settle(self, job: Job, worker_id: str, what: str, action: Callable[[Session], object]) -> None:
        try:
            with self.store.transaction() as session:
                action(session)
        except StoreError as exc:
            # The lease ran out and another worker reclaimed the job: it runs again there (every handler is
            # idempotent), so this worker's outcome is only reported, not recorded.
            log.warning("job outcome not recorded", extra={"job": job.id, "kind": job.kind, "worker": worker_id,
                                                           "status": what, "error": str(exc)})

    def counts(self) -> dict[str, int]:
        """Jobs per status (benchmarks and tests wait for the queue to drain)."""
        with self.store.transaction() as session:
            return {str(k): v for k, v in store_jobs.count_jobs(session).items()}
