"""The job runner: claim from the database, run the handler, then complete, retry with backoff or dead-letter."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any, Protocol

from gateway.worker.backoff import Backoff
from gateway.worker.registry import PERMANENT_ERRORS, Job, JobContext, Registry, RetryLater

log = logging.getLogger("acorn.worker")


class JobQueue(Protocol):
    """The store operations the runner needs (implemented over gateway.store in gateway.pipeline.job_queue)."""

    def claim(self, worker_id: str, kinds: Sequence[str], limit: int, lease: timedelta) -> list[Job]: ...

    def complete(self, job: Job, worker_id: str) -> None: ...

    def retry(self, job: Job, worker_id: str, error: str, run_at: datetime, failed: bool) -> None: ...

    def dead_letter(self, job: Job, worker_id: str, error: str) -> None: ...

    def recover_expired(self) -> int: ...


@dataclass(slots=True)
class Periodic:
    """A task the runner calls every ``interval`` (e.g. marking overdue acknowledgements)."""

    name: str
    interval: timedelta
    run: Callable[[JobContext], object]
    last: float = float("-inf")


@dataclass(slots=True)
class RunnerConfig:
    batch: int = 10
    lease: timedelta = timedelta(minutes=5)
    poll_seconds: float = 1.0
    recover_every_seconds: float = 30.0
    backoff: Backoff = field(default_factory=Backoff)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Runner:
    """One worker loop; several runners (threads, processes, machines) can share one PostgreSQL queue."""

    def __init__(
        self,
        queue: JobQueue,
        registry: Registry,
        context: JobContext,
        config: RunnerConfig | None = None,
        periodic: Sequence[Periodic] = (),
    ) -> None:
        self.queue = queue
        self.registry = registry
        self.context = context
        self.config = config or RunnerConfig()
        self.periodic = list(periodic)
        self.stop_event = threading.Event()
        self._last_recovery = float("-inf")

    @property
    def worker_id(self) -> str:
        return self.context.worker_id

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT finish the job in hand, then stop (call from the main thread)."""

        def _stop(signum: int, _frame: FrameType | None) -> None:
            log.info("stopping after current job", extra={"signal": signum, "worker": self.worker_id})
            self.stop_event.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    def run_forever(self, *, idle_exit: bool = False) -> None:
        """Loop until stopped; with ``idle_exit`` return as soon as a pass finds no work (tests, one-shot runs)."""
        while not self.stop_event.is_set():
            done = self.run_once()
            if done == 0:
                if idle_exit:
                    return
                self.stop_event.wait(self.config.poll_seconds)

    def run_once(self) -> int:
        """Recover expired leases and due periodic tasks, then claim and run one batch; returns jobs run."""
        self._housekeeping()
        jobs = self.queue.claim(self.worker_id, self.registry.kinds, self.config.batch, self.config.lease)
        for job in jobs:
            if self.stop_event.is_set():
                # Not started: give it back at once rather than waiting for the lease to expire.
                self.queue.retry(job, self.worker_id, "worker stopping", self.context.now(), failed=False)
                continue
            self.run_job(job)
        return len(jobs)

    def run_job(self, job: Job) -> None:
        handler = self.registry.get(job.kind)
        fields: dict[str, Any] = {"job": str(job.id), "kind": str(job.kind), "worker": self.worker_id}
        if handler is None:
            self.queue.dead_letter(job, self.worker_id, f"no handler registered for job kind {job.kind!r}")
            log.error("no handler", extra=fields)
            return
        try:
            handler(self.context, job)
        except RetryLater as wait:
            run_at = self.context.now() + wait.delay
            self.queue.retry(job, self.worker_id, str(wait), run_at, failed=wait.counts_as_failure)
            log.info("waiting", extra={**fields, "reason": str(wait)})
        except PERMANENT_ERRORS as exc:
            self._dead(job, _describe(exc))
            log.error("dead letter", extra={**fields, "error": _describe(exc)})
        except Exception as exc:  # any other failure is retried: HTTP, database, partner downtime, bugs
            failures = job.attempts + 1
            error = _describe(exc)
            if self.config.backoff.exhausted(failures):
                self._dead(job, f"{error} (after {failures} attempts)")
                log.error("dead letter after retries", extra={**fields, "error": error})
            else:
                run_at = self.context.now() + self.config.backoff.delay(failures)
                self.queue.retry(job, self.worker_id, error, run_at, failed=True)
                log.warning("retry scheduled", extra={**fields, "error": error, "run_at": run_at.isoformat()})
                log.debug("traceback", extra={**fields, "traceback": traceback.format_exc()})
        else:
            self.queue.complete(job, self.worker_id)

    def _dead(self, job: Job, error: str) -> None:
        """Dead-letter the job, then let its kind record the failure on the item (e.g. the delivery row)."""
        self.queue.dead_letter(job, self.worker_id, error)
        hook = self.registry.on_dead(job.kind)
        if hook is not None:
            hook(self.context, job, error)

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_recovery >= self.config.recover_every_seconds:
            self._last_recovery = now
            recovered = self.queue.recover_expired()
            if recovered:
                log.warning("recovered jobs with expired leases", extra={"count": recovered})
        for task in self.periodic:
            if now - task.last >= task.interval.total_seconds():
                task.last = now
                try:
                    task.run(self.context)
                except Exception as exc:  # a failing periodic task must not stop the job loop; it is logged
                    log.error("periodic task failed", extra={"task": task.name, "error": _describe(exc)})


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
