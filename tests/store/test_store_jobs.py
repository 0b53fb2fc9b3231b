"""Job queue: dedupe, claiming without double claims, backoff, dead letters, lease expiry."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest

from gateway.errors import StoreError
from gateway.store import jobs
from gateway.store.columns import utc_now
from gateway.store.enums import JobStatus

LEASE = timedelta(minutes=5)


def test_enqueue_with_the_same_dedupe_key_returns_the_first_job(store) -> None:
    with store.transaction() as session:
        first, created = jobs.enqueue_job(session, "pipeline.deliver", payload={"delivery": "d1"}, dedupe_key="k1")
        again, created_again = jobs.enqueue_job(session, "pipeline.deliver", payload={"other": 1}, dedupe_key="k1")
        plain, _ = jobs.enqueue_job(session, "pipeline.deliver")
    assert created and not created_again and again.id == first.id and again.payload == {"delivery": "d1"}
    with store.transaction() as session:
        assert {j.id for j in jobs.list_jobs(session)} == {first.id, plain.id}


def test_claim_respects_kind_run_after_and_limit(store) -> None:
    now = utc_now()
    with store.transaction() as session:
        due = [jobs.enqueue_job(session, "a", dedupe_key=f"a{i}")[0].id for i in range(3)]
        jobs.enqueue_job(session, "a", dedupe_key="later", run_after=now + timedelta(hours=1))
        jobs.enqueue_job(session, "b", dedupe_key="b")
    with store.transaction() as session:
        claimed = jobs.claim_jobs(session, ["a"], "w1", 2, LEASE, now=now + timedelta(seconds=1))
        assert len(claimed) == 2 and all(j.status is JobStatus.RUNNING and j.locked_by == "w1" for j in claimed)
        rest = jobs.claim_jobs(session, ["a"], "w2", 10, LEASE, now=now + timedelta(seconds=1))
        assert {j.id for j in claimed + rest} == set(due)


def test_fail_backs_off_then_dead_letters(store) -> None:
    now = utc_now()
    with store.transaction() as session:
        job, _ = jobs.enqueue_job(session, "a", max_attempts=2, run_after=now)
    with store.transaction() as session:
        jobs.claim_jobs(session, ["a"], "w", 1, LEASE, now=now)
        failed = jobs.fail_job(session, job.id, "w", "HTTP 503 from partner", now=now)
        assert failed.status is JobStatus.FAILED and failed.attempts == 1
        assert now + timedelta(seconds=5) <= failed.run_after <= now + timedelta(seconds=10)
        assert jobs.claim_jobs(session, ["a"], "w", 1, LEASE, now=now) == []  # not due yet
        jobs.claim_jobs(session, ["a"], "w", 1, LEASE, now=now + timedelta(seconds=11))
        dead = jobs.fail_job(session, job.id, "w", "HTTP 503 again", now=now)
        assert dead.status is JobStatus.DEAD and dead.attempts == 2 and dead.last_error == "HTTP 503 again"
        assert jobs.claim_jobs(session, ["a"], "w", 1, LEASE, now=now + timedelta(days=1)) == []
        retried = jobs.retry_job(session, job.id, now=now)
        assert retried.status is JobStatus.PENDING and retried.attempts == 0


def test_waiting_does_not_use_up_attempts_and_permanent_goes_dead(store) -> None:
    now = utc_now()
    with store.transaction() as session:
        job, _ = jobs.enqueue_job(session, "a", run_after=now)
        jobs.claim_jobs(session, None, "w", 1, LEASE, now=now)
        waiting = jobs.fail_job(session, job.id, "w", "MDN not yet", retry_at=now + timedelta(minutes=1),
                                counts_as_failure=False, now=now)
        assert waiting.status is JobStatus.PENDING and waiting.attempts == 0
        jobs.claim_jobs(session, None, "w", 1, LEASE, now=now + timedelta(minutes=2))
        dead = jobs.fail_job(session, job.id, "w", "bad X12", permanent=True, now=now)
        assert dead.status is JobStatus.DEAD and dead.attempts == 1


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    delays = [jobs.backoff_delay(n, rng=rng).total_seconds() for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(3600.0, 10.0 * 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered, not identical


def test_expired_lease_is_reclaimed_and_the_old_worker_loses_it(store) -> None:
    now = utc_now()
    with store.transaction() as session:
        job, _ = jobs.enqueue_job(session, "a", max_attempts=2, run_after=now)
        jobs.claim_jobs(session, None, "crashed", 1, timedelta(seconds=30), now=now)
    with store.transaction() as session:
        assert jobs.reclaim_expired(session, now=now + timedelta(seconds=10)) == 0
        assert jobs.reclaim_expired(session, now=now + timedelta(seconds=31)) == 1
        reclaimed = jobs.get_job(session, job.id)
        assert reclaimed.status is JobStatus.FAILED and reclaimed.attempts == 1 and "crashed" in reclaimed.last_error
        [again] = jobs.claim_jobs(session, None, "w2", 1, LEASE, now=now + timedelta(seconds=31))
        assert again.id == job.id and again.locked_by == "w2"
        with pytest.raises(StoreError, match="not held by crashed"):
            jobs.complete_job(session, job.id, "crashed")
        assert jobs.complete_job(session, job.id, "w2").status is JobStatus.DONE
        # A second expiry at the attempt limit dead-letters.
        job2, _ = jobs.enqueue_job(session, "a", max_attempts=1, run_after=now)
        jobs.claim_jobs(session, None, "crashed", 1, timedelta(seconds=1), now=now)
        jobs.reclaim_expired(session, now=now + timedelta(seconds=5))
        assert jobs.get_job(session, job2.id).status is JobStatus.DEAD


def test_a_second_claimer_never_takes_rows_of_an_open_claim(store, db_backend: str) -> None:
    """PostgreSQL: SKIP LOCKED passes the locked rows at once. SQLite: the second claimer waits for the writer."""
    with store.transaction() as session:
        for i in range(6):
            jobs.enqueue_job(session, "a", dedupe_key=str(i))
    first = store.session()
    result: dict[str, list[str]] = {}

    def second_claimer() -> None:
        with store.transaction() as session:
            result["theirs"] = [j.id for j in jobs.claim_jobs(session, None, "w2", 10, LEASE)]

    try:
        mine = [j.id for j in jobs.claim_jobs(first, None, "w1", 3, LEASE)]  # transaction still open
        thread = threading.Thread(target=second_claimer)
        thread.start()
        thread.join(timeout=1.0)
        if db_backend == "postgresql":
            assert not thread.is_alive(), "SKIP LOCKED claimer blocked on locked rows"
        else:
            assert thread.is_alive(), "SQLite claimer ran while another transaction held the write lock"
        first.commit()
    finally:
        first.close()
    thread.join(timeout=30)
    assert len(mine) == 3 and len(result["theirs"]) == 3
    assert not set(mine) & set(result["theirs"])


def test_concurrent_claimers_never_double_claim(store) -> None:
    total = 60
    with store.transaction() as session:
        for i in range(total):
            jobs.enqueue_job(session, "a", dedupe_key=str(i))
    claimed: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def work(worker: str) -> None:
        try:
            start.wait()
            while True:
                with store.transaction() as session:
                    batch = jobs.claim_jobs(session, ["a"], worker, 4, LEASE)
                if not batch:
                    return
                with store.transaction() as session:
                    for job in batch:
                        jobs.complete_job(session, job.id, worker)
                with lock:
                    claimed.extend(job.id for job in batch)
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(claimed) == len(set(claimed)) == total
    with store.transaction() as session:
        assert jobs.count_jobs(session) == {JobStatus.DONE: total}
