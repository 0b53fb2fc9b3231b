"""Over the real Runtime (SQLite and PostgreSQL): reference search, acknowledgement links, replay and MDN resend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.api.backend import DocumentQuery, Submission
from gateway.api.store_backend import StoreBackend
from gateway.errors import StateConflictError
from gateway.pipeline import as2_inbound, inbound, outbound
from gateway.pipeline.as2_context import service_for
from gateway.pipeline.runtime import Runtime, build_runtime
from gateway.pipeline.statuses import DocumentStatus
from gateway.store import Store
from gateway.store import as2 as store_as2
from gateway.store import deliveries as store_deliveries
from gateway.store import events as store_events
from gateway.store import jobs as store_jobs
from gateway.store.enums import AS2Status, ChannelKind, Direction, JobKind, JobStatus, MdnMode, MdnStatus
from gateway.ui.actions import AUDIT_STAGE
from gateway.ui.store_monitor import StoreMonitor
from gateway.ui.views import Filters
from tests.pipeline.wiring_support import (
    GOLDEN,
    SECRET_ENV,
    WEBHOOK_SECRET,
    accepted_message,
    golden_850,
    invoice_810,
    settings_for,
    write_partners,
)

pytestmark = pytest.mark.timeout(180)

PO = "4500012345"
ASN = "ASN-20260118-01"
INVOICE = "INV-88001"
THEIR_ISA = "ZZ*AMAZON         *ZZ*ACORNVENDOR    "


@pytest.fixture
def runtime(tmp_path: Path, migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.setenv(SECRET_ENV, WEBHOOK_SECRET)
    built = build_runtime(settings_for(tmp_path, migrated_url, write_partners(tmp_path)))
    yield built
    built.close()


def _database(runtime: Runtime) -> Store:
    assert isinstance(runtime.database, Store)
    return runtime.database


def _golden_json(document_type: str) -> dict[str, Any]:
    data = dict(json.loads((GOLDEN / f"{document_type}.json").read_text())[0])
    data.pop("envelope", None)
    data.pop("unmapped", None)
    return data


def _from_amazon(x12: bytes) -> bytes:
    """A golden document we send, as if Amazon had sent it to us (sender and receiver swapped)."""
    text = x12.decode()
    text = text.replace("ZZ*ACORNVENDOR    *ZZ*AMAZON         ", THEIR_ISA, 1)
    return text.replace("*ACORNVENDOR*AMAZON*", "*AMAZON*ACORNVENDOR*", 1).encode()


def _their_997(gs06: str, st02: str, code: str = "A") -> bytes:
    """Amazon's 997 for one of our 810s."""
    segments = [
        f"ISA*00*          *00*          *{THEIR_ISA}*260116*0900*U*00401*000000777*0*P*>",
        "GS*FA*AMAZON*ACORNVENDOR*20260116*0900*777*X*004010", "ST*997*0001", f"AK1*IN*{gs06}",
        f"AK2*810*{st02}", f"AK5*{code}", f"AK9*{code}*1*1*{1 if code == 'A' else 0}", "SE*6*0001", "GE*1*777",
        "IEA*1*000000777",
    ]
    return ("~".join(segments) + "~").encode()


def _inbound(runtime: Runtime, x12: bytes) -> list[Any]:
    return inbound.process(runtime, accepted_message(runtime, x12))


def _search(monitor: StoreMonitor, text: str) -> set[str]:
    rows, _ = monitor.search_documents(Filters(q=text), None, 50)
    return {r.id for r in rows}


def test_documents_are_found_by_po_shipment_and_invoice_number_both_ways(runtime: Runtime) -> None:
    backend, monitor = StoreBackend(runtime), StoreMonitor(runtime)
    asn = backend.submit(Submission("amazon", "856", _golden_json("856"), "asn-1")).document
    invoice = backend.submit(Submission("amazon", "810", invoice_810(), "inv-1")).document
    [po] = _inbound(runtime, golden_850())
    [their_invoice] = _inbound(runtime, _from_amazon((GOLDEN / "810.x12").read_bytes()))
    assert their_invoice.status is DocumentStatus.TRANSLATED, their_invoice.error

    assert _search(monitor, ASN) == {asn.id}
    assert _search(monitor, INVOICE) == {invoice.id, their_invoice.id}
    assert _search(monitor, PO) == {asn.id, invoice.id, po.id, their_invoice.id}  # the 856 by its first order

    def bridge(**where: str) -> set[str]:
        return {d.id for d in backend.search_documents(DocumentQuery(**where)).items}

    assert bridge(shipment_id=ASN) == {asn.id}
    assert bridge(invoice_number=INVOICE) == {invoice.id, their_invoice.id}
    assert bridge(invoice_number=INVOICE, direction=Direction.INBOUND) == {their_invoice.id}
    assert bridge(po_number=PO) == {asn.id, invoice.id, po.id, their_invoice.id}
    assert bridge(shipment_id="ASN-NONE") == set()


def test_acknowledgements_link_850_to_our_997_and_our_810_to_their_997(runtime: Runtime) -> None:
    backend, monitor = StoreBackend(runtime), StoreMonitor(runtime)
    [po] = _inbound(runtime, golden_850())
    [ours] = backend.get_document(po.id).lineage.acknowledgements
    assert (ours.kind, ours.status, ours.control_number) == ("997", "accepted", "0101")

    invoice = backend.submit(Submission("amazon", "810", invoice_810(), "inv-ack")).document
    prepared = outbound.prepare(runtime, invoice.id)
    assert prepared.gs06 and prepared.st02
    runtime.store.update_document(invoice.id, DocumentStatus.SENT, sent_at=runtime.now())
    _inbound(runtime, _their_997(prepared.gs06, prepared.st02))
    detail = backend.get_document(invoice.id)
    assert detail.status == DocumentStatus.ACKNOWLEDGED
    [theirs] = detail.lineage.acknowledgements
    assert (theirs.kind, theirs.status, theirs.control_number) == ("997", "accepted", prepared.st02)

    view = monitor.document(invoice.id)
    assert view is not None
    chain = [(row.doc_type, row.direction, row.status) for row in view.chain]
    assert chain == [("850", "inbound", "translated"), ("997", "outbound", "queued"),
                     ("810", "outbound", "acknowledged"), ("997", "inbound", "accepted")]
    assert view.chain[-1].id.startswith(f"{invoice.id}#ack-")  # their 997 is no document: it links to the 810
    po_view = monitor.document(po.id)
    assert po_view is not None and [a["direction"] for a in po_view.acks] == ["outbound"]
    assert po_view.acks[0]["href"] == f"/documents/{view.chain[1].id}"


def _jobs(runtime: Runtime, kind: str) -> list[Any]:
    with _database(runtime).transaction() as session:
        return [j for j in store_jobs.list_jobs(session, status=JobStatus.PENDING, kind=kind)]


def _events(runtime: Runtime, **where: str) -> list[Any]:
    with _database(runtime).transaction() as session:
        return list(store_events.list_events(session, **where))


def test_replay_is_one_pipeline_function_for_the_bridge_and_the_monitor(runtime: Runtime) -> None:
    [po] = _inbound(runtime, golden_850())
    with _database(runtime).transaction() as session:
        rows = {d.target_kind: d.id for d in store_deliveries.deliveries_of(session, po.id)}
    webhook, pull = rows[ChannelKind.WEBHOOK], rows[ChannelKind.PULL]
    before = len(_jobs(runtime, "pipeline.deliver"))

    result = StoreBackend(runtime).replay_delivery(webhook)
    assert (result.action, result.status) == ("replay", "pending")
    assert StoreBackend(runtime).replay_delivery(pull).status == "available"
    outcome = StoreMonitor(runtime).act("redeliver", po.id, "ana")
    assert outcome == f"delivery of document {po.id} to erp, pull queued again"

    queued = _jobs(runtime, "pipeline.deliver")
    assert len(queued) == before + 2  # bridge and monitor each queued the push once; pull entries get no job
    assert all(j.payload == {"delivery": webhook} for j in queued[before:])
    replays = [e.detail for e in _events(runtime, document_id=po.id) if e.detail and e.detail.get("action") == "replay"]
    assert [(d["actor"], d["delivery"]) for d in replays] == [("bridge", webhook), ("bridge", pull), ("ana", webhook),
                                                              ("ana", pull)]
    audit = [(e.actor, str(e.outcome), e.message) for e in _events(runtime, document_id=po.id)
             if e.stage == AUDIT_STAGE]
    assert audit == [("ana", "ok", outcome)]


def _inbound_message(runtime: Runtime, mode: MdnMode, url: str | None) -> str:
    with _database(runtime).transaction() as session:
        row, _ = store_as2.record_as2_message(
            session, direction=Direction.INBOUND, message_id=f"resend-{mode}@amazon-sim", partner_id="amazon",
            as2_from="AMAZON-SIM", as2_to="ACORNVENDOR", status=AS2Status.PROCESSED, mdn_mode=mode, mdn_url=url)
        store_as2.store_mdn(session, row.id, direction=Direction.OUTBOUND, status=MdnStatus.SENT,
                            disposition="automatic-action/MDN-sent-automatically; processed", raw=b"(MDN)")
        return str(row.id)


def test_mdn_resend_is_one_pipeline_function_with_audit_events(runtime: Runtime) -> None:
    url = "http://127.0.0.1:9/as2/mdn"
    ref = _inbound_message(runtime, MdnMode.ASYNC, url)
    outcome = StoreMonitor(runtime).act("resend-mdn", ref, "ana")
    assert outcome.endswith(f"queued to {url} again") and "refused" not in outcome
    assert as2_inbound.resend_mdn(service_for(runtime), ref, actor="ops") == url
    queued = _jobs(runtime, JobKind.AS2_SEND_MDN)
    assert len(queued) == 2 and all(j.payload["url"] == url for j in queued)
    events = _events(runtime, as2_message_id=ref)
    asked = [e.detail["actor"] for e in events if e.stage == "as2.mdn_delivery" and e.detail]
    assert asked == ["ana", "ops"]
    assert [(e.actor, str(e.outcome)) for e in events if e.stage == AUDIT_STAGE] == [("ana", "ok")]

    sync = _inbound_message(runtime, MdnMode.SYNC, None)
    with pytest.raises(StateConflictError, match="only asynchronous MDNs"):
        as2_inbound.resend_mdn(service_for(runtime), sync)
    assert len(_jobs(runtime, JobKind.AS2_SEND_MDN)) == 2
