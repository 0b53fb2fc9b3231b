"""The AS2 handlers under the real worker Runner and registry, with the job queue in the store (both backends)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from gateway.errors import TransportError
from gateway.pipeline.as2_outbound import queue_message
from gateway.store import Store
from gateway.store.as2 import get_as2_message, mdn_for
from gateway.store.enums import AS2Status, Direction, JobKind, JobStatus, MdnStatus
from gateway.store.jobs import claim_jobs, complete_job, fail_job, list_jobs, reclaim_expired
from gateway.worker.jobs import build_registry
from gateway.worker.registry import JobContext
from gateway.worker.runner import Runner, RunnerConfig
from tests.as2_service.conftest import RecordingTransport
from tests.as2_service.test_as2_service_outbound import PAYLOAD, Gateways


class StoreQueue:
    """The runner's JobQueue over gateway.store.jobs (what the pipeline's store adapter provides)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(self, worker_id: str, kinds: Sequence[str], limit: int, lease: timedelta) -> list[Any]:
        with self.store.transaction() as session:
            return [SimpleNamespace(id=j.id, kind=j.kind, payload=dict(j.payload), attempts=j.attempts)
                    for j in claim_jobs(session, kinds, worker_id, limit, lease)]

    def complete(self, job: Any, worker_id: str) -> None:
        with self.store.transaction() as session:
            complete_job(session, job.id, worker_id)

    def retry(self, job: Any, worker_id: str, error: str, run_at: datetime, failed: bool) -> None:
        with self.store.transaction() as session:
            fail_job(session, job.id, worker_id, error, retry_at=run_at, counts_as_failure=failed)

    def dead_letter(self, job: Any, worker_id: str, error: str) -> None:
        with self.store.transaction() as session:
            fail_job(session, job.id, worker_id, error, permanent=True)

    def recover_expired(self) -> int:
        with self.store.transaction() as session:
            return reclaim_expired(session)


def runner_for(g: Gateways, service: Any) -> Runner:
    context = JobContext(runtime=SimpleNamespace(extras={"as2": service}), worker_id=f"w-{id(service)}",
                         now=service.now)
    return Runner(StoreQueue(service.store), build_registry(), context, RunnerConfig(batch=5))


def jobs_of(store: Store, kind: str) -> list[Any]:
    with store.transaction() as session:
        return list_jobs(session, kind=kind)


def test_send_retried_by_the_runner_then_delivered(gateways: Callable[..., Gateways]) -> None:
    g = gateways({"retry": {"max_attempts": 3, "base_delay_seconds": 0, "max_delay_seconds": 0}})
    g.ours.transport = RecordingTransport(TransportError("connection reset"), g.partner_answers())
    ref = queue_message(g.ours, "retailer", PAYLOAD, filename="po.edi")
    runner = runner_for(g, g.ours)
    assert runner.run_once() == 1
    [job] = jobs_of(g.ours.store, JobKind.AS2_SEND)
    assert job.status is JobStatus.FAILED and job.attempts == 1 and "connection reset" in (job.last_error or "")
    assert runner.run_once() == 1
    [job] = jobs_of(g.ours.store, JobKind.AS2_SEND)
    assert job.status is JobStatus.DONE
    with g.ours.store.transaction() as session:
        assert get_as2_message(session, ref).status is AS2Status.MDN_RECEIVED


def test_send_dead_lettered_after_profile_limit(gateways: Callable[..., Gateways]) -> None:
    g = gateways({"retry": {"max_attempts": 2, "base_delay_seconds": 0, "max_delay_seconds": 0}})
    g.ours.transport = RecordingTransport(503)
    ref = queue_message(g.ours, "retailer", PAYLOAD, filename="po.edi")
    runner = runner_for(g, g.ours)
    runner.run_once()
    runner.run_once()
    [job] = jobs_of(g.ours.store, JobKind.AS2_SEND)
    assert job.status is JobStatus.DEAD and "503" in (job.last_error or "")
    with g.ours.store.transaction() as session:
        row = get_as2_message(session, ref)
        assert row.status is AS2Status.DEAD and row.attempts == 2
    assert runner.run_once() == 0  # nothing left to do


def test_async_mdn_job_delivered_by_the_runner(gateways: Callable[..., Gateways]) -> None:
    g = gateways({"mdn": {"mode": "async", "signed": True, "async_url": "http://acorn.test/as2"}})
    g.ours.transport = RecordingTransport(g.partner_answers())
    ref = queue_message(g.ours, "retailer", PAYLOAD, filename="po.edi")
    runner_for(g, g.ours).run_once()  # our send (the deadline job is not due yet)
    with g.ours.store.transaction() as session:
        assert get_as2_message(session, ref).status is AS2Status.AWAITING_MDN
    # The partner's worker POSTs its MDN to our endpoint, simulated in-process by our async-MDN flow.
    from gateway.pipeline.as2_receipts import receive_async_mdn

    def to_us(url: str, headers: dict[str, str], body: bytes) -> Any:
        reply = receive_async_mdn(g.ours, headers, body)
        from gateway.as2 import TransportResponse

        return TransportResponse(reply.status_code, reply.headers, reply.body)

    g.peer.transport = RecordingTransport(503, to_us)
    peer_runner = runner_for(g, g.peer)
    peer_runner.run_once()  # first delivery attempt: HTTP 503, retried later
    [mdn_job] = jobs_of(g.peer.store, JobKind.AS2_SEND_MDN)
    assert mdn_job.status is JobStatus.FAILED
    with g.peer.store.transaction() as session:
        session.get(type(mdn_job), mdn_job.id).run_after = g.peer.now()  # make the retry due now
    peer_runner.run_once()
    [mdn_job] = jobs_of(g.peer.store, JobKind.AS2_SEND_MDN)
    assert mdn_job.status is JobStatus.DONE
    with g.ours.store.transaction() as session:
        assert get_as2_message(session, ref).status is AS2Status.MDN_RECEIVED
    with g.peer.store.transaction() as session:
        [inbound] = [j.subject_id for j in list_jobs(session, kind=JobKind.AS2_SEND_MDN)]
        sent = mdn_for(session, inbound, Direction.OUTBOUND)
        assert sent is not None and sent.status is MdnStatus.SENT
