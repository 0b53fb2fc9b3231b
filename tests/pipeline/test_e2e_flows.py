"""End to end over loopback: AS2 in -> JSON at a webhook, pull queue, 997 back; JSON in -> X12 out, MDN, 997."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import Gateway, partner_997, running_gateway
from wiring_support import golden_850, invoice_810

from gateway.pipeline.statuses import DocumentStatus
from gateway.store.lineage import Lineage, lineage
from gateway.x12.ack_parse import AckStatus, parse_acknowledgements
from gateway.x12.reader import read

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def gateway(tmp_path: Path, migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    with running_gateway(tmp_path, migrated_url, monkeypatch) as gw:
        yield gw


def test_the_server_is_ready(gateway: Gateway) -> None:
    import httpx

    response = httpx.get(f"{gateway.server.url}/health/ready", timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


def test_850_by_as2_reaches_the_webhook_and_the_pull_queue_and_its_997_goes_back(gateway: Gateway) -> None:
    response = gateway.partner.send(golden_850(), "po.x12")
    assert response.status_code == 200
    assert b"processed" in response.content.lower()  # the sync MDN's disposition (signed, so in clear text)

    gateway.work_until(lambda: bool(gateway.hooks.received) and bool(gateway.partner.received()),
                       "the webhook push and the 997 at the partner")
    [envelope] = gateway.hooks.received
    assert envelope["type"] == "document.850" and envelope["partner"] == "amazon"
    assert envelope["data"]["purchaseOrderNumber"] == "4500012345"
    assert envelope["control"] == {"isa13": "000000101", "gs06": "101", "st02": "0101"}
    assert gateway.hooks.counts == {envelope["id"]: 1} and gateway.hooks.bad_signatures == 0

    pulled = gateway.api("GET", "/api/v1/queue").json()
    assert [d["id"] for d in pulled] == [envelope["id"]]
    assert gateway.api("POST", f"/api/v1/queue/{envelope['id']}/ack").status_code == 200
    assert gateway.api("GET", "/api/v1/queue").json() == []

    [ack] = gateway.partner.received()
    [ic] = read(ack)
    assert ic.sender == ("ZZ", "ACORNVENDOR") and ic.receiver == ("ZZ", "AMAZON")
    [group] = parse_acknowledgements(ic).groups
    assert (group.functional_id, group.control_number, group.status) == ("PO", "101", AckStatus.ACCEPTED)
    assert [(s.code, s.control_number, s.status) for s in group.sets] == [("850", "0101", AckStatus.ACCEPTED)]
    with gateway.worker_runtime.database.transaction() as session:
        trail = lineage(session, envelope["id"])
        [our_997] = trail.acknowledgements if trail.acknowledgements else [None]
    assert trail.transaction_set is not None and trail.as2_message is not None and trail.mdns
    assert {d.target: d.status.value for d in trail.deliveries} == {"erp": "delivered", "pull": "acknowledged"}
    # our 997 is linked to the 850 it acknowledges (and to its own document): the lineage shows it
    assert our_997 is not None and our_997.direction.value == "outbound" and our_997.kind.value == "997"
    assert (our_997.for_gs06, our_997.for_st02, our_997.status.value) == ("101", "0101", "accepted")


def _submit(gateway: Gateway, key: str) -> str:
    response = gateway.api("POST", "/api/v1/documents/810", json={"partner": "amazon", "document": invoice_810()},
                           headers={"Idempotency-Key": key})
    assert response.status_code in (200, 201, 202), response.text
    return str(response.json()["id"])


def _status(gateway: Gateway, document_id: str) -> DocumentStatus:
    return gateway.worker_runtime.store.get_document(document_id).status


def test_810_as_json_leaves_as_x12_gets_its_mdn_then_its_997(gateway: Gateway) -> None:
    document_id = _submit(gateway, "invoice-1")
    gateway.work_until(lambda: _status(gateway, document_id) is DocumentStatus.MDN_RECEIVED, "the MDN")
    [x12] = gateway.partner.received()
    [ic] = read(x12)
    sent = gateway.worker_runtime.store.get_document(document_id)
    assert ic.control_number == sent.isa13 and ic.groups[0].transaction_sets[0].code == "810"

    response = gateway.partner.send(partner_997(x12, isa13=501), "997.x12")
    assert response.status_code == 200
    gateway.work_until(lambda: _status(gateway, document_id) is DocumentStatus.ACKNOWLEDGED, "the 997")
    assert gateway.api("GET", f"/api/v1/documents/{document_id}").json()["status"] == "acknowledged"
    trail = _lineage(gateway, document_id)
    assert [(a.direction.value, a.kind.value, a.status.value, a.for_st02) for a in trail.acknowledgements] == [
        ("inbound", "997", "accepted", sent.st02)]
    stages = [e.stage for e in trail.events if e.document_id == document_id]
    expected = ["map", "envelope", "as2.queue", "send", "mdn", "reconcile"]  # in this order, among others
    positions = [stages.index(stage) for stage in expected]
    assert positions == sorted(positions), stages


def _lineage(gateway: Gateway, document_id: str) -> Lineage:
    with gateway.worker_runtime.database.transaction() as session:
        return lineage(session, document_id)


def test_a_rejecting_997_marks_the_810_rejected(gateway: Gateway) -> None:
    document_id = _submit(gateway, "invoice-2")
    gateway.work_until(lambda: _status(gateway, document_id) is DocumentStatus.MDN_RECEIVED, "the MDN")
    [x12] = gateway.partner.received()
    st02 = read(x12)[0].groups[0].transaction_sets[0].control_number
    assert gateway.partner.send(partner_997(x12, isa13=502, reject_st02=st02)).status_code == 200
    gateway.work_until(lambda: _status(gateway, document_id) is DocumentStatus.REJECTED, "the rejecting 997")
    document = gateway.worker_runtime.store.get_document(document_id)
    assert document.error is not None and f"ST02 {st02}: R -> rejected" in document.error
    assert [a.status.value for a in _lineage(gateway, document_id).acknowledgements] == ["rejected"]
