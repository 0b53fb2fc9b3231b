"""The inbound and outbound flows, stage by stage, over in-memory ports and the real job runner."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from pipeline_memory import T0, FakeMappings, FakePartners, FakeX12, MemoryStore, interchange

from gateway.pipeline import acks, inbound, outbound, webhooks
from gateway.pipeline.ports import DeliveryTarget, InboundPayload, PartnerView, TransactionAck
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import Channel, DeliveryStatus, DocumentStatus, Outcome, PipelineJob, Stage
from gateway.settings import Settings
from gateway.worker.backoff import Backoff
from gateway.worker.jobs import build_registry
from gateway.worker.registry import JobContext
from gateway.worker.runner import Runner, RunnerConfig
from gateway.x12.issues import Issue, Level

SECRET = "whsec_" + "c2VjcmV0LWZvci10ZXN0cw=="


class Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    fail_first = 0

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["content-length"]))
        cls = type(self)
        if cls.fail_first > 0:
            cls.fail_first -= 1
            self.send_response(503)
        else:
            cls.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def hook() -> Iterator[tuple[str, type[Hook]]]:
    handler = type("H", (Hook,), {"received": [], "fail_first": 0})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/edi", handler
    server.shutdown()
    server.server_close()


def _world(tmp_path: Path, url: str) -> tuple[Runtime, MemoryStore, FakeX12]:
    amazon = PartnerView(
        id="amazon", isa_qualifier="ZZ", isa_id="AMAZON", our_isa_qualifier="ZZ", our_isa_id="ACORN",
        ack_kind="997", ack_deadline=timedelta(hours=24),
        deliveries=(
            DeliveryTarget("erp", Channel.WEBHOOK, url=url, secret=SECRET, document_types=("850",)),
            DeliveryTarget("poll", Channel.PULL),
            DeliveryTarget("files", Channel.DIRECTORY, directory=str(tmp_path / "drop")),
        ),
    )
    store, x12 = MemoryStore(), FakeX12()
    runtime = Runtime(settings=Settings(data_dir=tmp_path), store=store, partners=FakePartners({"amazon": amazon}),
                      x12=x12, mappings=FakeMappings(), clock=lambda: store.now)
    return runtime, store, x12


def _run(runtime: Runtime, store: MemoryStore, **config: object) -> None:
    context = JobContext(runtime=runtime, worker_id="test", now=lambda: store.now)
    Runner(store, build_registry(), context, RunnerConfig(**config)).run_forever(idle_exit=True)  # type: ignore[arg-type]


def _accept_850(store: MemoryStore, x12: FakeX12, ref: str = "msg_1") -> None:
    body = f"850 body {ref}".encode()
    x12.bodies[body] = [interchange("AMAZON", "000000101", [
        ("PO", "101", [("850", "0001", ["BEG*00*NE*PO-1001**20261122"]),
                       ("850", "0002", ["BEG*00*NE*PO-1002**20261122"])]),
    ])]
    store.payloads[ref] = InboundPayload(ref, "amazon", f"<{ref}@amazon>", body)
    store.enqueue(PipelineJob.PROCESS_INBOUND, {"message": ref}, dedupe_key=f"in:{ref}")


def test_inbound_850_is_delivered_by_webhook_pull_and_file_with_997_queued(
    tmp_path: Path, hook: tuple[str, type[Hook]]
) -> None:
    url, handler = hook
    runtime, store, x12 = _world(tmp_path, url)
    store.now = T0.replace(year=2026)
    _accept_850(store, x12)
    _run(runtime, store)

    inbound_docs = [d for d in store.documents.values() if d.document_type == "850"]
    assert {d.canonical["purchaseOrderNumber"] for d in inbound_docs if d.canonical} == {"PO-1001", "PO-1002"}
    assert all(d.status is DocumentStatus.DELIVERED for d in inbound_docs)
    # webhook: one signed POST per document, webhook-id = document id
    assert sorted(h["webhook-id"] for h, _ in handler.received) == sorted(d.id for d in inbound_docs)
    for headers, body in handler.received:
        assert webhooks.verify(SECRET, headers, body, now=int(store.now.timestamp()))
        assert json.loads(body)["id"] == headers["webhook-id"]
    # pull queue: available until acknowledged
    pulls = [d for d in store.deliveries.values() if d.channel is Channel.PULL]
    assert len(pulls) == 2 and all(d.status is DeliveryStatus.AVAILABLE for d in pulls)
    # directory drop: one file per document, no temp files
    assert sorted(p.name for p in (tmp_path / "drop").iterdir()) == sorted(
        f"amazon_850_{d.id}.json" for d in inbound_docs)
    # one 997 for the group, queued for the AS2 service with our control numbers
    acks_out = [d for d in store.documents.values() if d.document_type == "997"]
    assert len(acks_out) == 1 and acks_out[0].isa13 == "000000001" and acks_out[0].status is DocumentStatus.QUEUED
    assert [j.payload for j in store.jobs if j.kind == "as2.send"] == [{"document": acks_out[0].id}]


def test_rerun_after_a_crash_creates_and_delivers_nothing_twice(tmp_path: Path, hook: tuple[str, type[Hook]]) -> None:
    url, handler = hook
    runtime, store, x12 = _world(tmp_path, url)
    _accept_850(store, x12)
    _run(runtime, store)
    before = (dict(store.documents), dict(store.deliveries), len(store.jobs), len(handler.received))
    inbound.process(runtime, "msg_1")  # the job runs again, as after a lost completion
    for delivery in list(store.deliveries.values()):
        store.enqueue(PipelineJob.DELIVER, {"delivery": delivery.id}, dedupe_key=f"again:{delivery.id}")
    _run(runtime, store)
    assert (dict(store.documents), dict(store.deliveries), len(handler.received)) == before[:2] + (before[3],)


def test_webhook_is_retried_then_succeeds_and_dead_letters_after_the_limit(
    tmp_path: Path, hook: tuple[str, type[Hook]]
) -> None:
    url, handler = hook
    runtime, store, x12 = _world(tmp_path, url)
    handler.fail_first = 1
    _accept_850(store, x12)
    fast = Backoff(base_seconds=1, max_attempts=3)
    _run(runtime, store, backoff=fast)
    store.now += timedelta(minutes=5)
    _run(runtime, store, backoff=fast)
    assert len(handler.received) == 2  # the 503 was retried, then both documents arrived once

    runtime2, store2, x12b = _world(tmp_path / "b", "http://127.0.0.1:9/closed")
    _accept_850(store2, x12b)
    for _ in range(4):
        _run(runtime2, store2, backoff=fast)
        store2.now += timedelta(minutes=5)
    webhook = [d for d in store2.deliveries.values() if d.channel is Channel.WEBHOOK]
    assert webhook and all(d.status is DeliveryStatus.DEAD for d in webhook)
    assert all("ConnectError" in (d.error or "") for d in webhook)


def test_invalid_set_fails_visibly_and_unmappable_set_keeps_its_error(tmp_path: Path) -> None:
    runtime, store, x12 = _world(tmp_path, "http://127.0.0.1:9/")
    x12.issues = [Issue(Level.ELEMENT, "1", "mandatory element missing", interchange="000000101", group="101",
                        transaction_set="0001", segment_id="BEG", element_position=3)]
    body = b"bad 850"
    x12.bodies[body] = [interchange("AMAZON", "000000101", [
        ("PO", "101", [("850", "0001", ["BEG*00*NE"]), ("850", "0002", ["REF*ZZ*no BEG"])]),
    ])]
    store.payloads["m"] = InboundPayload("m", "amazon", "<m>", body)
    docs = inbound.process(runtime, "m")
    assert [d.status for d in docs] == [DocumentStatus.FAILED, DocumentStatus.FAILED]
    assert docs[0].stage is Stage.VALIDATE and "BEG, element 03" in (docs[0].error or "")
    assert docs[1].stage is Stage.TRANSLATE and "BEG segment missing" in (docs[1].error or "")
    assert "ST02 0002" in (docs[1].error or "")


def test_isa_sender_must_match_the_as2_partner(tmp_path: Path) -> None:
    runtime, store, x12 = _world(tmp_path, "http://127.0.0.1:9/")
    x12.bodies[b"spoof"] = [interchange("WALMART", "000000007", [])]
    store.payloads["s"] = InboundPayload("s", "amazon", "<s>", b"spoof")
    store.enqueue(PipelineJob.PROCESS_INBOUND, {"message": "s"}, dedupe_key="s")
    _run(runtime, store)
    job = store.jobs[0]
    assert job.state == "dead" and "ISA05/ISA06 expected ZZ/AMAZON, found ZZ/WALMART" in job.error


def _send_810(runtime: Runtime, store: MemoryStore, key: str, number: str) -> str:
    doc, created = outbound.submit(runtime, "amazon", "810", {"invoiceNumber": number}, key)
    assert created
    _run(runtime, store)
    return doc.id


def test_outbound_810_moves_through_mdn_and_997(tmp_path: Path) -> None:
    runtime, store, x12 = _world(tmp_path, "http://127.0.0.1:9/")
    doc_id = _send_810(runtime, store, "key-1", "INV-1")
    doc = store.get_document(doc_id)
    assert doc.status is DocumentStatus.QUEUED and (doc.isa13, doc.gs06, doc.st02) == ("000000001", "1", "0001")
    assert any(j.kind == "as2.send" and j.payload == {"document": doc_id} for j in store.jobs)
    # replaying the Idempotency-Key returns the same document and queues nothing more
    again, created = outbound.submit(runtime, "amazon", "810", {"invoiceNumber": "INV-1"}, "key-1")
    assert (again.id, created) == (doc_id, False)

    assert outbound.record_sent(runtime, doc_id, "<m1@acorn>").status is DocumentStatus.SENT
    assert outbound.record_mdn(runtime, doc_id, positive=True, detail="processed").status is DocumentStatus.MDN_RECEIVED
    x12.bodies[b"997"] = [interchange("AMAZON", "000000555", [("FA", "9", [("997", "0001", [])])])]
    x12.acks["000000555"] = [TransactionAck(None, "1", "0001", "A")]
    store.payloads["ack"] = InboundPayload("ack", "amazon", "<ack>", b"997")
    inbound.process(runtime, "ack")
    assert store.get_document(doc_id).status is DocumentStatus.ACKNOWLEDGED
    assert not [d for d in store.documents.values() if d.document_type == "997" and d.direction == "outbound"]


def test_rejecting_997_marks_rejected_and_unknown_ack_is_reported(tmp_path: Path) -> None:
    runtime, store, x12 = _world(tmp_path, "http://127.0.0.1:9/")
    doc_id = _send_810(runtime, store, "key-2", "INV-2")
    outbound.record_sent(runtime, doc_id, "<m2@acorn>")
    x12.bodies[b"997R"] = [interchange("AMAZON", "000000556", [("FA", "10", [("997", "0001", [])])])]
    x12.acks["000000556"] = [TransactionAck(None, "1", "0001", "R", ("AK3*BIG*2**8",)),
                             TransactionAck(None, "77", "0077", "A")]
    store.payloads["r"] = InboundPayload("r", "amazon", "<r>", b"997R")
    inbound.process(runtime, "r")
    doc = store.get_document(doc_id)
    assert doc.status is DocumentStatus.REJECTED and "AK3*BIG*2**8" in (doc.error or "")
    assert any(o is Outcome.WARNING and "GS06 77 ST02 0077" in d for _, o, d, _ in store.events)


def test_overdue_after_the_partner_deadline(tmp_path: Path) -> None:
    runtime, store, x12 = _world(tmp_path, "http://127.0.0.1:9/")
    doc_id = _send_810(runtime, store, "key-3", "INV-3")
    outbound.record_sent(runtime, doc_id, "<m3@acorn>")
    store.now += timedelta(hours=23)
    assert acks.mark_overdue(runtime) == []
    store.now += timedelta(hours=2)
    assert [d.id for d in acks.mark_overdue(runtime)] == [doc_id]
    assert store.get_document(doc_id).status is DocumentStatus.OVERDUE


def test_mapping_failure_is_visible_and_retry_resends_it(tmp_path: Path) -> None:
    runtime, store, x12 = _world(tmp_path, "http://127.0.0.1:9/")
    doc, _ = outbound.submit(runtime, "amazon", "810", {"wrong": 1}, "key-4")
    _run(runtime, store)
    failed = store.get_document(doc.id)
    assert failed.status is DocumentStatus.FAILED and failed.stage is Stage.MAP
    assert "invoiceNumber missing" in (failed.error or "") and failed.canonical == {"wrong": 1}
    store.documents[doc.id].canonical = {"invoiceNumber": "INV-4"}  # as an analyst's corrected input
    outbound.retry(runtime, doc.id)
    _run(runtime, store)
    assert store.get_document(doc.id).status is DocumentStatus.QUEUED


def test_control_numbers_are_never_reused(tmp_path: Path) -> None:
    runtime, store, x12 = _world(tmp_path, "http://127.0.0.1:9/")
    for n in range(50):
        outbound.submit(runtime, "amazon", "810", {"invoiceNumber": f"INV-{n}"}, f"k{n}")
    _run(runtime, store, batch=7)
    sent = [d for d in store.documents.values() if d.document_type == "810"]
    assert len(sent) == 50 and len({d.isa13 for d in sent}) == 50 and len({d.st02 for d in sent}) == 50
    assert len(x12.written) == 50


def test_rerun_spends_no_control_numbers_on_a_second_997(tmp_path: Path) -> None:
    runtime, store, x12 = _world(tmp_path, "http://127.0.0.1:9/")
    _accept_850(store, x12)
    inbound.process(runtime, "msg_1")
    counters = dict(store.counters)
    inbound.process(runtime, "msg_1")
    assert store.counters == counters == {("amazon", "ISA13"): 1, ("amazon", "GS06"): 1, ("amazon", "ST02"): 1}


def test_our_own_997_never_becomes_overdue(tmp_path: Path) -> None:
    runtime, store, x12 = _world(tmp_path, "http://127.0.0.1:9/")
    _accept_850(store, x12)
    inbound.process(runtime, "msg_1")
    ack = next(d for d in store.documents.values() if d.document_type == "997")
    outbound.record_sent(runtime, ack.id, "<ack@acorn>")
    store.now += timedelta(days=3)
    assert acks.mark_overdue(runtime) == []
    assert outbound.record_mdn(runtime, ack.id, positive=True, detail="processed").status is DocumentStatus.ACKNOWLEDGED
