"""The job runner's decisions (complete, retry with backoff, dead letter, graceful stop) over an in-memory queue."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from pipeline_memory import T0, MemJob, MemoryStore

from gateway.errors import DeliveryError, MappingError
from gateway.worker.backoff import Backoff
from gateway.worker.registry import Job, JobContext, Registry, RetryLater
from gateway.worker.runner import Periodic, Runner, RunnerConfig


def FakeJob(id: int, kind: str) -> MemJob:  # noqa: N802 - reads like the record it builds
    return MemJob(id, kind, {}, dedupe_key=f"job-{id}")


def FakeQueue(jobs: list[MemJob]) -> MemoryStore:  # noqa: N802
    return MemoryStore(jobs=jobs)


def _runner(queue: MemoryStore, registry: Registry, **config: Any) -> Runner:
    context = JobContext(runtime=None, worker_id="w1", now=lambda: queue.now)
    return Runner(queue, registry, context, RunnerConfig(**config))


def test_success_completes_and_unknown_kind_is_never_claimed() -> None:
    seen: list[int] = []
    registry = Registry()
    registry.add("ok", lambda ctx, job: seen.append(job.id))
    queue = FakeQueue([FakeJob(1, "ok"), FakeJob(2, "other")])
    _runner(queue, registry).run_forever(idle_exit=True)
    assert seen == [1]
    assert [j.state for j in queue.jobs] == ["done", "queued"]


def test_retryable_failure_backs_off_then_dead_letters_at_the_limit() -> None:
    def failing(ctx: JobContext, job: Job) -> None:
        raise DeliveryError("webhook to http://erp: HTTP 503")

    registry = Registry()
    registry.add("push", failing)
    queue = FakeQueue([FakeJob(1, "push")])
    runner = _runner(queue, registry, backoff=Backoff(base_seconds=10, max_attempts=3))
    runner.run_once()
    job = queue.jobs[0]
    assert job.state == "queued" and job.attempts == 1
    assert timedelta(seconds=5) <= job.run_at - T0 <= timedelta(seconds=10)
    assert "HTTP 503" in job.error
    assert runner.run_once() == 0  # not due yet
    queue.now = job.run_at
    runner.run_once()
    assert job.attempts == 2 and job.state == "queued"
    queue.now = job.run_at
    runner.run_once()
    assert job.state == "dead" and "after 3 attempts" in job.error


def test_permanent_error_dead_letters_at_once_with_the_reason() -> None:
    def bad(ctx: JobContext, job: Job) -> None:
        raise MappingError("partner amazon, 850 PO 123: BEG03 missing")

    registry = Registry()
    registry.add("map", bad)
    queue = FakeQueue([FakeJob(1, "map")])
    _runner(queue, registry).run_once()
    assert queue.jobs[0].state == "dead"
    assert queue.jobs[0].error == "MappingError: partner amazon, 850 PO 123: BEG03 missing"


def test_retry_later_waits_without_counting_a_failure() -> None:
    def waiting(ctx: JobContext, job: Job) -> None:
        raise RetryLater("async MDN not yet received", timedelta(minutes=1))

    registry = Registry()
    registry.add("wait", waiting)
    queue = FakeQueue([FakeJob(1, "wait")])
    _runner(queue, registry).run_once()
    assert queue.jobs[0].attempts == 0 and queue.jobs[0].run_at == T0 + timedelta(minutes=1)


def test_stop_returns_unstarted_jobs_and_periodic_tasks_run() -> None:
    ticks: list[str] = []
    registry = Registry()
    runner_box: list[Runner] = []

    def first(ctx: JobContext, job: Job) -> None:
        runner_box[0].stop_event.set()  # as SIGTERM would, mid-batch

    registry.add("k", first)
    queue = FakeQueue([FakeJob(1, "k"), FakeJob(2, "k")])
    runner = _runner(queue, registry)
    runner.periodic.append(Periodic("tick", timedelta(seconds=60), lambda ctx: ticks.append("t")))
    runner_box.append(runner)
    runner.run_forever()
    assert [j.state for j in queue.jobs] == ["done", "queued"]
    assert queue.jobs[1].attempts == 0
    assert ticks == ["t"]


def test_registry_refuses_duplicates_and_missing_handler_dead_letters() -> None:
    registry = Registry()
    registry.add("k", lambda ctx, job: None)
    with pytest.raises(Exception, match="two handlers"):
        registry.add("k", lambda ctx, job: None)
    queue = FakeQueue([FakeJob(1, "ghost")])
    _runner(queue, registry).run_job(queue.jobs[0])
    assert queue.jobs[0].state == "dead" and "no handler" in queue.jobs[0].error


def test_backoff_grows_and_is_capped() -> None:
    backoff = Backoff(base_seconds=1, factor=2, cap_seconds=30, max_attempts=5)
    rng = random.Random(1)
    delays = [backoff.delay(n, rng).total_seconds() for n in range(1, 9)]
    for n, d in enumerate(delays, start=1):
        ceiling = min(30, 2 ** (n - 1))
        assert ceiling / 2 <= d <= ceiling
    assert backoff.exhausted(5) and not backoff.exhausted(4)
