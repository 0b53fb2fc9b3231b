"""The outbound AS2 flow: store, send with retries, sync/async MDN, MIC reconciliation (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from gateway.as2 import TransportResponse
from gateway.errors import TransportError
from gateway.pipeline.as2_context import As2Service
from gateway.pipeline.as2_inbound import deliver_mdn
from gateway.pipeline.as2_outbound import SendOutcome, queue_message
from gateway.pipeline.as2_receipts import expire_mdn_wait
from gateway.store import Store
from gateway.store.as2 import get_as2_message, mdn_for
from gateway.store.documents import create_document, get_document
from gateway.store.enums import AS2Status, Direction, DocType, DocumentStatus, JobKind
from gateway.store.events import list_events
from gateway.store.jobs import list_jobs
from gateway.worker import as2_jobs
from gateway.worker.jobs import build_registry
from gateway.worker.registry import JobContext, PermanentJobError, RetryLater
from tests.as2_service.conftest import OUTBOUND_PAYLOAD as PAYLOAD
from tests.as2_service.conftest import Gateways, Keys, RecordingTransport


def status(service: As2Service, ref: str) -> AS2Status:
    with service.store.transaction() as session:
        return get_as2_message(session, ref).status


def send_events(service: As2Service, ref: str) -> list[tuple[str, str, Any]]:
    with service.store.transaction() as session:
        return [(e.stage, str(e.outcome), (e.detail or {}).get("attempt")) for e in list_events(
            session, as2_message_id=ref)]


def test_sync_signed_mdn_reconciled(gateways: Callable[..., Gateways]) -> None:
    g = gateways()
    g.ours.transport = RecordingTransport(g.partner_answers())
    ref, report = g.send()
    assert report.outcome is SendOutcome.DONE and report.status is AS2Status.MDN_RECEIVED
    with g.ours.store.transaction() as session:
        row = get_as2_message(session, ref)
        mdn = mdn_for(session, ref, Direction.INBOUND)
        assert mdn is not None and mdn.mic_matched is True and mdn.signed and mdn.signature_verified
        assert row.signed and row.encrypted and row.attempts == 1
        [job] = list_jobs(session, kind=JobKind.AS2_SEND)
        assert job.payload["message"] == ref
    assert [s for s, _, _ in send_events(g.ours, ref)] == [
        "as2.queue", "as2.send", "as2.send", "as2.mdn_received"]


def test_transport_failures_retried_with_backoff_same_message_id(gateways: Callable[..., Gateways]) -> None:
    g = gateways({"retry": {"max_attempts": 4, "base_delay_seconds": 10, "max_delay_seconds": 100}})
    transport = RecordingTransport(TransportError("connection refused"), 503, g.partner_answers())
    g.ours.transport = transport
    ref = queue_message(g.ours, "retailer", PAYLOAD, filename="po.edi")
    job = {"message": ref, "filename": "po.edi"}
    first = as2_jobs.run_send_job(g.ours, job)
    second = as2_jobs.run_send_job(g.ours, job)
    assert (first.outcome, second.outcome) == (SendOutcome.RETRY, SendOutcome.RETRY)
    assert first.delay is not None and 0 <= first.delay.total_seconds() <= 10
    assert second.delay is not None and 0 <= second.delay.total_seconds() <= 20
    assert status(g.ours, ref) is AS2Status.QUEUED
    third = as2_jobs.run_send_job(g.ours, job)
    assert third.status is AS2Status.MDN_RECEIVED
    ids = {headers["Message-ID"] for _, headers, _ in transport.calls}
    assert len(transport.calls) == 3 and len(ids) == 1  # RFC 4130bis: a resend keeps the Message-ID
    attempts = [(o, a) for s, o, a in send_events(g.ours, ref) if s == "as2.send"]
    assert attempts == [("ok", 1), ("warning", 1), ("ok", 2), ("warning", 2), ("ok", 3), ("ok", 3)]


def test_resend_with_new_message_id_when_profile_says_so(gateways: Callable[..., Gateways]) -> None:
    g = gateways({"resend_keeps_message_id": False})
    transport = RecordingTransport(503, g.partner_answers())
    g.ours.transport = transport
    ref = queue_message(g.ours, "retailer", PAYLOAD, filename="po.edi")
    as2_jobs.run_send_job(g.ours, {"message": ref})
    assert as2_jobs.run_send_job(g.ours, {"message": ref}).status is AS2Status.MDN_RECEIVED
    first, second = (headers["Message-ID"] for _, headers, _ in transport.calls)
    assert first != second
    with g.ours.store.transaction() as session:
        assert f"<{get_as2_message(session, ref).message_id}>" == second


def test_dead_after_profile_limit_and_job_handler_signals(gateways: Callable[..., Gateways]) -> None:
    g = gateways({"retry": {"max_attempts": 2, "base_delay_seconds": 1, "max_delay_seconds": 1}})
    g.ours.transport = RecordingTransport(502)
    ref = queue_message(g.ours, "retailer", PAYLOAD, filename="po.edi")
    ctx = JobContext(runtime=SimpleNamespace(extras={"as2": g.ours}), worker_id="t", now=g.ours.now)
    job = SimpleNamespace(id="j", kind=JobKind.AS2_SEND, payload={"message": ref}, attempts=0)
    with pytest.raises(RetryLater) as wait:
        as2_jobs.send(ctx, job)
    assert wait.value.counts_as_failure and wait.value.delay.total_seconds() <= 1
    with pytest.raises(PermanentJobError):
        as2_jobs.send(ctx, job)
    assert status(g.ours, ref) is AS2Status.DEAD


def test_not_retryable_status_is_dead_at_once(gateways: Callable[..., Gateways]) -> None:
    g = gateways()
    g.ours.transport = RecordingTransport(403)
    ref, report = g.send()
    assert report.outcome is SendOutcome.DEAD and status(g.ours, ref) is AS2Status.DEAD


def test_mic_mismatch_is_a_failure_state(gateways: Callable[..., Gateways]) -> None:
    plain = {"outbound": {"encryption": None, "signature": None},
             "inbound": {"require_signed": False, "require_encrypted": False},
             "mdn": {"mode": "sync", "signed": False}}
    g = gateways(plain)
    # A proxy that alters the content: the partner computes the MIC over what it received.
    g.ours.transport = RecordingTransport(g.partner_answers(lambda b: b.replace(b"000000007", b"000000008")))
    ref, report = g.send()
    assert report.status is AS2Status.MDN_FAILED
    with g.ours.store.transaction() as session:
        row = get_as2_message(session, ref)
        mdn = mdn_for(session, ref, Direction.INBOUND)
        assert mdn is not None and mdn.mic_matched is False
        assert "does not match" in (row.error or "")


def test_negative_mdn_is_a_failure_state(gateways: Callable[..., Gateways], keys: Keys) -> None:
    g = gateways({}, {"their_certificates": [{"path": str(keys.stranger.cert_pem)}]})  # they do not know our cert
    g.ours.transport = RecordingTransport(g.partner_answers())
    ref, report = g.send()
    assert report.status is AS2Status.MDN_FAILED
    with g.ours.store.transaction() as session:
        assert get_as2_message(session, ref).disposition.endswith("processed/error: authentication-failed")


def test_async_mdn_matched_on_another_node(gateways: Callable[..., Gateways], client_for: Any,
                                           migrated_url: str) -> None:
    mdn = {"mode": "async", "signed": True, "async_url": "http://node-b.test/as2"}
    g = gateways({"mdn": mdn})
    g.ours.transport = RecordingTransport(g.partner_answers())
    ref, report = g.send()
    assert report.status is AS2Status.AWAITING_MDN
    # Node B: another process with its own engine on the same database; it never saw the send.
    node_b_store = Store.from_url(migrated_url)
    try:
        node_b = As2Service(settings=g.ours.settings, store=node_b_store, directory=g.ours.directory)
        client = client_for(node_b)
        posted: list[int] = []

        def to_node_b(url: str, headers: dict[str, str], body: bytes) -> TransportResponse:
            response = client.post("/as2", content=body, headers=headers)
            posted.append(response.status_code)
            return TransportResponse(response.status_code, dict(response.headers), response.content)

        g.peer.transport = RecordingTransport(to_node_b)
        with g.peer.store.transaction() as session:
            [job] = list_jobs(session, kind=JobKind.AS2_SEND_MDN)
        deliver_mdn(g.peer, job.payload["mdn"], job.payload["url"], attempt=1)
        assert posted == [200]
    finally:
        node_b_store.dispose()
    assert status(g.ours, ref) is AS2Status.MDN_RECEIVED
    with g.ours.store.transaction() as session:
        received = mdn_for(session, ref, Direction.INBOUND)
        assert received is not None and received.mic_matched is True and received.signed


def test_async_mdn_deadline(gateways: Callable[..., Gateways]) -> None:
    g = gateways({"mdn": {"mode": "async", "signed": True, "async_url": "http://node-b.test/as2"}})
    g.ours.transport = RecordingTransport(200)  # accepted, MDN never comes
    ref, report = g.send()
    assert report.status is AS2Status.AWAITING_MDN
    with g.ours.store.transaction() as session:
        [deadline] = list_jobs(session, kind="as2.mdn_deadline")
        message_id = get_as2_message(session, ref).message_id
    assert deadline.run_after > g.ours.now()
    assert expire_mdn_wait(g.ours, ref, message_id)
    assert status(g.ours, ref) is AS2Status.MDN_FAILED


def test_pipeline_document_sent(gateways: Callable[..., Gateways]) -> None:
    g = gateways()
    g.ours.transport = RecordingTransport(g.partner_answers())
    with g.ours.store.transaction() as session:
        doc, _ = create_document(session, partner_id="retailer", doc_type=DocType.ASN_856,
                                 direction=Direction.OUTBOUND, status=DocumentStatus.QUEUED, x12=PAYLOAD,
                                 isa13="000000007")
    report = as2_jobs.run_send_job(g.ours, {"document": doc.id})
    assert report.status is AS2Status.MDN_RECEIVED
    with g.ours.store.transaction() as session:
        ref = get_document(session, doc.id).as2_message_id
        assert ref is not None and get_as2_message(session, ref).status is AS2Status.MDN_RECEIVED
    # The same job again (at-least-once) sends nothing new.
    assert as2_jobs.run_send_job(g.ours, {"document": doc.id}).outcome is SendOutcome.DONE


def test_handlers_registered() -> None:
    kinds = build_registry().kinds
    assert {"as2.send", "as2.send_mdn", "as2.mdn_deadline"} <= set(kinds)


class RecordingPipeline:
    """A pipeline Runtime stand-in recording what the AS2 service reports about outbound documents."""

    def __init__(self, service: As2Service) -> None:
        from contextlib import nullcontext
        from datetime import timedelta

        self.updates: list[tuple[str, str, dict[str, Any]]] = []
        self.events: list[str] = []
        self.store = SimpleNamespace(
            transaction=nullcontext,
            get_document=lambda doc_id: SimpleNamespace(id=doc_id, partner_id="retailer", document_type="856",
                                                        status="sent", sent_at=None),
            update_document=lambda doc_id, status, **changes: self.updates.append((doc_id, str(status), changes)),
            add_event=lambda stage, outcome, detail, **kw: self.events.append(f"{stage}:{outcome}"),
        )
        self.partners = SimpleNamespace(get=lambda _pid: SimpleNamespace(ack_deadline=timedelta(hours=24)))
        self.now = service.now


@pytest.mark.parametrize("answer", ["mdn", "down"])
def test_pipeline_told_where_its_document_stands(answer: str, gateways: Callable[..., Gateways]) -> None:
    g = gateways({"retry": {"max_attempts": 1, "base_delay_seconds": 0, "max_delay_seconds": 0}})
    g.ours.transport = RecordingTransport(g.partner_answers() if answer == "mdn" else TransportError("refused"))
    pipeline = RecordingPipeline(g.ours)
    g.ours.runtime = pipeline
    with g.ours.store.transaction() as session:
        doc, _ = create_document(session, partner_id="retailer", doc_type=DocType.ASN_856,
                                 direction=Direction.OUTBOUND, status=DocumentStatus.QUEUED, x12=PAYLOAD)
    as2_jobs.run_send_job(g.ours, {"document": doc.id})
    [(doc_id, new_status, changes)] = pipeline.updates
    assert doc_id == doc.id
    if answer == "mdn":
        assert new_status == "mdn_received" and pipeline.events == ["mdn:ok"]
    else:
        assert new_status == "failed" and changes["stage"] == "send" and "refused" in changes["error"]
        assert pipeline.events == ["send:error"]


def test_async_mdn_before_a_failed_post_is_not_resent(gateways: Callable[..., Gateways]) -> None:
    from gateway.pipeline.as2_receipts import receive_async_mdn

    g = gateways({"mdn": {"mode": "async", "signed": True, "async_url": "http://acorn.test/as2"}})

    def delivered_then_timeout(url: str, headers: dict[str, str], body: bytes) -> TransportResponse:
        g.partner_answers()(url, headers, body)  # the partner processes it and queues its MDN...
        with g.peer.store.transaction() as session:
            [job] = list_jobs(session, kind=JobKind.AS2_SEND_MDN)
        g.peer.transport = RecordingTransport(
            lambda u, h, b: TransportResponse(receive_async_mdn(g.ours, h, b).status_code, {}, b""))
        deliver_mdn(g.peer, job.payload["mdn"], job.payload["url"], attempt=1)  # ...which reaches us first
        raise TransportError("read timeout")  # while our POST never saw its answer

    g.ours.transport = RecordingTransport(delivered_then_timeout)
    ref, report = g.send()
    assert report.outcome is SendOutcome.DONE and report.status is AS2Status.MDN_RECEIVED
    assert status(g.ours, ref) is AS2Status.MDN_RECEIVED


def test_resend_of_a_failed_message_keeps_message_id_and_filename(gateways: Callable[..., Gateways]) -> None:
    from gateway.errors import StateConflictError
    from gateway.pipeline.as2_outbound import request_resend

    g = gateways({"retry": {"max_attempts": 1, "base_delay_seconds": 0, "max_delay_seconds": 0}})
    transport = RecordingTransport(503, g.partner_answers())
    g.ours.transport = transport
    ref, report = g.send()
    assert report.status is AS2Status.DEAD
    assert request_resend(g.ours, ref, actor="test") == ref
    with g.ours.store.transaction() as session:
        job = next(j for j in list_jobs(session, kind=JobKind.AS2_SEND) if j.payload.get("filename"))
        assert job.payload["filename"] == "po.edi" and job.status.value == "pending"
    assert as2_jobs.run_send_job(g.ours, job.payload).status is AS2Status.MDN_RECEIVED
    first, second = (headers["Message-ID"] for _, headers, _ in transport.calls)
    assert first == second
    with g.peer.store.transaction() as session:
        stored = [e.detail for e in list_events(session) if e.stage == "as2.store"]
    assert stored and stored[-1]["filename"] == "po.edi"  # the partner got the original filename again
    with pytest.raises(StateConflictError, match="only outbound messages in mdn_failed or dead"):
        request_resend(g.ours, ref)


def test_pipeline_retry_of_a_rejected_document_sends_again(gateways: Callable[..., Gateways], keys: Keys) -> None:
    g = gateways({}, {"their_certificates": [{"path": str(keys.stranger.cert_pem)}]})
    g.ours.transport = RecordingTransport(g.partner_answers())
    with g.ours.store.transaction() as session:
        doc, _ = create_document(session, partner_id="retailer", doc_type=DocType.ASN_856,
                                 direction=Direction.OUTBOUND, status=DocumentStatus.QUEUED, x12=PAYLOAD)
    assert as2_jobs.run_send_job(g.ours, {"document": doc.id}).status is AS2Status.MDN_FAILED
    # At-least-once: the same job again does not resend while the document is not queued.
    with g.ours.store.transaction() as session:
        from gateway.store.documents import update_document

        update_document(session, doc.id, DocumentStatus.REJECTED)
    assert as2_jobs.run_send_job(g.ours, {"document": doc.id}).status is AS2Status.MDN_FAILED
    assert len(g.ours.transport.calls) == 1
    # The analyst fixes the partner's profile and retries: the pipeline puts the document back to queued.
    fixed = Gateways(keys, g.ours.store, g.ours.settings.database_url, g.ours.settings.data_dir, {})
    g.peer.directory = fixed.peer.directory
    with g.ours.store.transaction() as session:
        update_document(session, doc.id, DocumentStatus.QUEUED)
    assert as2_jobs.run_send_job(g.ours, {"document": doc.id}).status is AS2Status.MDN_RECEIVED
    assert len(g.ours.transport.calls) == 2
