"""Operational aggregates: document counts, queue depths and ages, MDN and 997 latencies."""

from __future__ import annotations

from datetime import timedelta

from gateway.store import acks, as2, deliveries, documents, events, jobs, stats
from gateway.store.columns import utc_now
from gateway.store.enums import (
    AckKind,
    AckStatus,
    AS2Status,
    ChannelKind,
    Direction,
    DocType,
    DocumentStatus,
    JobStatus,
    MdnStatus,
    Outcome,
)


def _doc(session, partner: str, doc_type: DocType, direction: Direction, status: DocumentStatus, **fields):
    document, _ = documents.create_document(
        session, partner_id=partner, doc_type=doc_type, direction=direction, status=status, **fields
    )
    return document


def test_document_counts_group_by_partner_type_direction_status(store) -> None:
    with store.transaction() as session:
        for _ in range(3):
            _doc(session, "amazon", DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED)
        _doc(session, "amazon", DocType.PO_850, Direction.INBOUND, DocumentStatus.FAILED)
        _doc(session, "walmart", DocType.INVOICE_810, Direction.OUTBOUND, DocumentStatus.SENT)
    with store.transaction() as session:
        counts = stats.document_counts(session)
    assert [(c.partner, c.document_type, c.direction, c.status, c.count) for c in counts] == [
        ("amazon", "850", "inbound", "delivered", 3),
        ("amazon", "850", "inbound", "failed", 1),
        ("walmart", "810", "outbound", "sent", 1),
    ]


def test_job_queues_count_due_jobs_and_oldest(store) -> None:
    with store.transaction() as session:
        first, _ = jobs.enqueue_job(session, "as2.send", dedupe_key="s1")
        jobs.enqueue_job(session, "as2.send", dedupe_key="s2")
        jobs.enqueue_job(session, "as2.mdn_deadline", dedupe_key="later", run_after=utc_now() + timedelta(hours=1))
        jobs.enqueue_job(session, "pipeline.deliver", dedupe_key="d1")
        done, _ = jobs.enqueue_job(session, "pipeline.deliver", dedupe_key="d2")
        dead, _ = jobs.enqueue_job(session, "pipeline.deliver", dedupe_key="d3", max_attempts=1)
    with store.transaction() as session:
        claimed = jobs.claim_jobs(session, ["pipeline.deliver"], "w", 10, timedelta(minutes=1))
        for job in claimed:
            if job.id == done.id:
                jobs.complete_job(session, job.id, "w")
            elif job.id == dead.id:
                assert jobs.fail_job(session, job.id, "w", "boom").status is JobStatus.DEAD
            else:
                jobs.fail_job(session, job.id, "w", "retry later")  # FAILED: due again after its backoff
    with store.transaction() as session:
        assert [q.queue for q in stats.job_queues(session, utc_now())] == ["as2.send"]  # the retry is not due yet
        queues = {q.queue: q for q in stats.job_queues(session, utc_now() + timedelta(minutes=5))}
        assert stats.dead_jobs(session) == 1
    assert set(queues) == {"as2.send", "pipeline.deliver"}
    assert queues["as2.send"].depth == 2 and queues["pipeline.deliver"].depth == 1
    oldest = queues["as2.send"].oldest
    assert oldest is not None and abs((oldest - first.run_after).total_seconds()) < 1
    assert oldest.tzinfo is not None


def test_empty_queues(store) -> None:
    with store.transaction() as session:
        assert stats.job_queues(session, utc_now()) == []
        pull = stats.pull_queue_stat(session)
    assert pull.depth == 0 and pull.oldest is None


def test_pull_queue_stat(store) -> None:
    with store.transaction() as session:
        a = _doc(session, "amazon", DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED)
        b = _doc(session, "amazon", DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED)
        deliveries.create_delivery(session, a.id, ChannelKind.PULL, "pull")
        deliveries.create_delivery(session, b.id, ChannelKind.PULL, "pull")
        deliveries.create_delivery(session, b.id, ChannelKind.WEBHOOK, "erp")
    with store.transaction() as session:
        deliveries.ack_pull(session, b.id)
        pull = stats.pull_queue_stat(session)
    assert pull.depth == 1 and pull.oldest is not None


def test_mdn_and_ack_latencies(store) -> None:
    now = utc_now()
    with store.transaction() as session:
        sent, _ = as2.record_as2_message(
            session, direction=Direction.OUTBOUND, message_id="<m1@acorn>", partner_id="amazon",
            as2_from="ACORNVENDOR", as2_to="AMAZON", status=AS2Status.MDN_RECEIVED,
        )
        sent.created_at = now - timedelta(seconds=30)
        as2.store_mdn(session, sent.id, direction=Direction.INBOUND, disposition="processed",
                      status=MdnStatus.RECEIVED, created_at=now - timedelta(seconds=18))
        waiting, _ = as2.record_as2_message(
            session, direction=Direction.OUTBOUND, message_id="<m2@acorn>", partner_id="amazon",
            as2_from="ACORNVENDOR", as2_to="AMAZON", status=AS2Status.AWAITING_MDN,
        )
        received, _ = as2.record_as2_message(
            session, direction=Direction.INBOUND, message_id="<m3@amazon>", partner_id="amazon",
            as2_from="AMAZON", as2_to="ACORNVENDOR", status=AS2Status.PROCESSED,
        )
        as2.store_mdn(session, received.id, direction=Direction.OUTBOUND, disposition="processed",
                      status=MdnStatus.SENT)  # our own MDN is no latency of the partner's
        old, _ = as2.record_as2_message(
            session, direction=Direction.OUTBOUND, message_id="<m0@acorn>", partner_id="amazon",
            as2_from="ACORNVENDOR", as2_to="AMAZON", status=AS2Status.MDN_RECEIVED,
        )
        old.created_at = now - timedelta(days=3)
        as2.store_mdn(session, old.id, direction=Direction.INBOUND, disposition="processed", status=MdnStatus.RECEIVED)
        invoice = _doc(session, "amazon", DocType.INVOICE_810, Direction.OUTBOUND, DocumentStatus.ACCEPTED,
                       sent_at=now - timedelta(minutes=10))
        _doc(session, "amazon", DocType.ASN_856, Direction.OUTBOUND, DocumentStatus.SENT, sent_at=now)
        acks.record_acknowledgement(session, direction=Direction.INBOUND, kind=AckKind.FA_997, partner_id="amazon",
                                    status=AckStatus.ACCEPTED, document_id=invoice.id)
        # Reconciled through the pipeline's event only (no Acknowledgement row): counted when the stage is named.
        notice = _doc(session, "walmart", DocType.ASN_856, Direction.OUTBOUND, DocumentStatus.ACKNOWLEDGED,
                      sent_at=now - timedelta(minutes=5))
        for seconds in (90, 60):
            events.append_event(session, "reconcile", Outcome.OK, "997 A", document_id=notice.id,
                                occurred_at=now - timedelta(minutes=5) + timedelta(seconds=seconds))
    since = now - timedelta(days=1)
    with store.transaction() as session:
        mdn = stats.mdn_latencies(session, since)
        ack = stats.ack_latencies(session, since)
        both = sorted(stats.ack_latencies(session, since, reconcile_stage="reconcile"), key=lambda a: a.partner)
    assert [m.partner for m in mdn] == ["amazon"] and abs(mdn[0].seconds - 12) < 0.5
    assert waiting.id != sent.id
    assert [a.partner for a in ack] == ["amazon"] and 590 < ack[0].seconds < 700
    assert [a.partner for a in both] == ["amazon", "walmart"] and abs(both[1].seconds - 60) < 0.5


def test_partner_traffic_counts_one_partners_messages_mdns_and_acks(store) -> None:
    with store.transaction() as session:
        order = _doc(session, "amazon", DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED)
        _doc(session, "walmart", DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED)
        for n, partner in enumerate(("amazon", "amazon", "walmart")):
            message, _ = as2.record_as2_message(
                session, direction=Direction.INBOUND, message_id=f"<{n}@x>", partner_id=partner,
                as2_from="A", as2_to="B", status=AS2Status.PROCESSED,
            )
            as2.store_mdn(session, message.id, direction=Direction.OUTBOUND, disposition="processed",
                          status=MdnStatus.SENT)
        acks.record_acknowledgement(session, direction=Direction.OUTBOUND, kind=AckKind.FA_997, partner_id="amazon",
                                    status=AckStatus.ACCEPTED, document_id=order.id)
    with store.transaction() as session:
        traffic = stats.partner_traffic(session, "amazon")
    assert [d.id for d in traffic.documents] == [order.id]
    assert traffic.messages == {("inbound", "processed"): 2}
    assert traffic.mdns == {("outbound", "sent"): 2}
    assert traffic.acknowledgements == {("outbound", "accepted"): 1}
