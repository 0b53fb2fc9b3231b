"""/metrics content from a real store: counts, queues, ages, MDN and 997 latency quantiles."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from gateway.api import metrics
from gateway.store import acks, as2, documents, jobs, stats
from gateway.store.columns import utc_now
from gateway.store.enums import AckKind, AckStatus, AS2Status, Direction, DocType, DocumentStatus, MdnStatus


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_quantile_is_nearest_rank() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert metrics.quantile(values, 0.5) == 3.0
    assert metrics.quantile(values, 0.9) == 10.0
    assert metrics.quantile(values, 1.0) == 10.0
    assert metrics.quantile([7.0], 0.5) == 7.0
    summary = metrics.summarise("mdn", [stats.Latency("b", 2), stats.Latency("a", 1), stats.Latency("b", 4)])
    assert [(s.partner, s.count, s.quantiles[1.0]) for s in summary] == [("a", 1, 1), ("b", 2, 4)]


def test_store_snapshot_renders_every_family(store) -> None:
    now = utc_now()
    with store.transaction() as session:
        for seconds in (5, 10, 40):
            message, _ = as2.record_as2_message(
                session, direction=Direction.OUTBOUND, message_id=f"<{seconds}@acorn>", partner_id="amazon",
                as2_from="ACORNVENDOR", as2_to="AMAZON", status=AS2Status.MDN_RECEIVED,
            )
            message.created_at = now - timedelta(seconds=seconds + 60)
            as2.store_mdn(session, message.id, direction=Direction.INBOUND, disposition="processed",
                          status=MdnStatus.RECEIVED, created_at=now - timedelta(seconds=60))
        document, _ = documents.create_document(
            session, partner_id="amazon", doc_type=DocType.PO_ACK_855, direction=Direction.OUTBOUND,
            status=DocumentStatus.ACKNOWLEDGED, sent_at=now - timedelta(seconds=300),
        )
        acks.record_acknowledgement(session, direction=Direction.INBOUND, kind=AckKind.FA_997, partner_id="amazon",
                                    status=AckStatus.ACCEPTED, document_id=document.id)
        jobs.enqueue_job(session, "as2.send", dedupe_key="x")
    with store.transaction() as session:
        snapshot = metrics.store_snapshot(session, utc_now() + timedelta(seconds=30))
    samples = _samples(metrics.render(lambda: snapshot).decode())
    doc = (("direction", "outbound"), ("document_type", "855"), ("partner", "amazon"), ("status", "acknowledged"))
    assert samples[("acorn_documents", doc)] == 1
    assert samples[("acorn_queue_depth", (("queue", "as2.send"),))] == 1
    assert samples[("acorn_queue_depth", (("queue", "jobs"),))] == 1
    assert samples[("acorn_queue_depth", (("queue", "pull"),))] == 0
    assert samples[("acorn_queue_depth", (("queue", "jobs_dead"),))] == 0
    assert 29 <= samples[("acorn_queue_oldest_pending_age_seconds", (("queue", "as2.send"),))] < 60
    assert samples[("acorn_mdn_latency_samples", (("partner", "amazon"),))] == 3
    assert abs(samples[("acorn_mdn_latency_seconds", (("partner", "amazon"), ("quantile", "0.5")))] - 10) < 0.5
    assert abs(samples[("acorn_mdn_latency_seconds", (("partner", "amazon"), ("quantile", "1.0")))] - 40) < 0.5
    ack = samples[("acorn_functional_ack_latency_seconds", (("partner", "amazon"), ("quantile", "1.0")))]
    assert 299 < ack < 360
