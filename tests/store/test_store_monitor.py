"""The monitor's read models: traffic counts, failures, late items, reference search, order chains, last traffic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.store import acks, as2, deliveries, documents, monitor, x12
from gateway.store.enums import (
    AckKind,
    AckStatus,
    AS2Status,
    ChannelKind,
    DeliveryStatus,
    Direction,
    DocType,
    DocumentStatus,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _doc(session: Any, doc_type: DocType, direction: Direction, status: DocumentStatus, *, partner: str = "amazon",
         at: datetime = NOW, **fields: Any) -> Any:
    fields.setdefault("updated_at", at)
    document, _ = documents.create_document(
        session, partner_id=partner, doc_type=doc_type, direction=direction, status=status, created_at=at, **fields
    )
    return document


def _message(session: Any, message_id: str, direction: Direction, status: AS2Status, *, partner: str = "amazon",
             at: datetime = NOW) -> Any:
    row, _ = as2.record_as2_message(
        session, direction=direction, message_id=message_id, partner_id=partner, as2_from="A", as2_to="B",
        status=status, created_at=at, updated_at=at,
    )
    return row


def test_traffic_counts_documents_of_the_window_by_partner_type_direction_status(session: Any) -> None:
    _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED)
    _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, at=NOW - timedelta(hours=1))
    _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.FAILED)
    _doc(session, DocType.INVOICE_810, Direction.OUTBOUND, DocumentStatus.SENT, partner="walmart")
    _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, at=NOW - timedelta(days=2))
    counts = monitor.traffic(session, NOW - timedelta(days=1), NOW + timedelta(seconds=1))
    assert sorted((c.partner_id, c.doc_type, c.direction, c.status, c.count) for c in counts) == [
        ("amazon", "850", "inbound", "delivered", 2),
        ("amazon", "850", "inbound", "failed", 1),
        ("walmart", "810", "outbound", "sent", 1),
    ]


def test_failures_are_listed_newest_first_within_the_window(session: Any) -> None:
    old = _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.FAILED, at=NOW - timedelta(days=9))
    failed = _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.FAILED, at=NOW - timedelta(hours=2))
    rejected = _doc(session, DocType.INVOICE_810, Direction.OUTBOUND, DocumentStatus.REJECTED)
    _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED)
    since = NOW - timedelta(days=7)
    assert [d.id for d in monitor.failed_documents(session, since)] == [rejected.id, failed.id]
    assert old.id not in [d.id for d in monitor.failed_documents(session, since)]

    delivery, _ = deliveries.create_delivery(session, failed.id, ChannelKind.WEBHOOK, "erp")
    deliveries.update_delivery(session, delivery.id, DeliveryStatus.DEAD, error="HTTP 500")
    dead = monitor.dead_deliveries(session, since)
    assert [(d.id, doc.id, d.last_error) for d, doc in dead] == [(delivery.id, failed.id, "HTTP 500")]

    bad = _message(session, "m-failed@x", Direction.INBOUND, AS2Status.FAILED)
    _message(session, "m-ok@x", Direction.INBOUND, AS2Status.PROCESSED)
    assert [m.id for m in monitor.failed_messages(session, since)] == [bad.id]


def test_late_items_use_each_partners_deadline(session: Any) -> None:
    # MDN: amazon waits 10 minutes, walmart 1 hour; both messages were sent 30 minutes ago.
    late_mdn = _message(session, "m1@x", Direction.OUTBOUND, AS2Status.AWAITING_MDN, at=NOW - timedelta(minutes=30))
    _message(session, "m2@x", Direction.OUTBOUND, AS2Status.AWAITING_MDN, partner="walmart",
             at=NOW - timedelta(minutes=30))
    _message(session, "m3@x", Direction.OUTBOUND, AS2Status.MDN_RECEIVED, at=NOW - timedelta(hours=5))
    cutoffs = {"amazon": NOW - timedelta(minutes=10), "walmart": NOW - timedelta(hours=1)}
    assert [m.id for m in monitor.awaiting_mdn(session, cutoffs, None)] == [late_mdn.id]

    sent = NOW - timedelta(hours=30)
    no_ack = _doc(session, DocType.INVOICE_810, Direction.OUTBOUND, DocumentStatus.MDN_RECEIVED, sent_at=sent)
    overdue = _doc(session, DocType.ASN_856, Direction.OUTBOUND, DocumentStatus.OVERDUE, sent_at=NOW)
    _doc(session, DocType.INVOICE_810, Direction.OUTBOUND, DocumentStatus.SENT, sent_at=NOW - timedelta(hours=1))
    _doc(session, DocType.FA_997, Direction.OUTBOUND, DocumentStatus.MDN_RECEIVED, sent_at=sent)
    _doc(session, DocType.INVOICE_810, Direction.OUTBOUND, DocumentStatus.ACKNOWLEDGED, sent_at=sent)
    late = monitor.awaiting_functional_ack(session, {"amazon": NOW - timedelta(hours=24)}, None)
    assert {d.id for d in late} == {no_ack.id, overdue.id}
    # A partner without a configured deadline falls back to the default one.
    other = _doc(session, DocType.INVOICE_810, Direction.OUTBOUND, DocumentStatus.SENT, partner="generic",
                 sent_at=sent)
    fallback = monitor.awaiting_functional_ack(session, {}, NOW - timedelta(hours=24))
    assert other.id in {d.id for d in fallback}


def test_orders_without_their_reply_after_the_deadline(session: Any) -> None:
    day_old = NOW - timedelta(hours=25)
    waiting = _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, at=day_old, po_number="PO-1")
    answered = _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, at=day_old,
                    po_number="PO-2")
    _doc(session, DocType.PO_ACK_855, Direction.OUTBOUND, DocumentStatus.SENT, po_number="PO-2")
    failed_reply = _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, at=day_old,
                        po_number="PO-3")
    _doc(session, DocType.PO_ACK_855, Direction.OUTBOUND, DocumentStatus.FAILED, po_number="PO-3")
    _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, po_number="PO-4")  # still in time
    _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, at=day_old, po_number="PO-5",
         partner="generic")  # not expected to send 855s
    _doc(session, DocType.PO_ACK_855, Direction.OUTBOUND, DocumentStatus.SENT, po_number="PO-1", partner="walmart")
    found = monitor.orders_without(session, DocType.PO_ACK_855, {"amazon": NOW - timedelta(hours=24)},
                                   since=NOW - timedelta(days=30))
    assert {d.id for d in found} == {waiting.id, failed_reply.id}
    assert answered.id not in {d.id for d in found}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4500012345", "po"), ("SHIP-77", "asn"), ("INV-9", "invoice"), ("7", "isa13"), ("000000007", "isa13"),
     ("<mid-1@amazon>", "po"), ("mid-1@amazon", "po"), ("nothing", None)],
)
def test_search_finds_a_document_by_any_reference(session: Any, text: str, expected: str | None) -> None:
    message = _message(session, "mid-1@amazon", Direction.INBOUND, AS2Status.PROCESSED)
    made = {
        "po": _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, po_number="4500012345",
                   as2_message_id=message.id),
        "asn": _doc(session, DocType.ASN_856, Direction.OUTBOUND, DocumentStatus.SENT, shipment_id="SHIP-77"),
        "invoice": _doc(session, DocType.INVOICE_810, Direction.OUTBOUND, DocumentStatus.SENT, invoice_number="INV-9"),
        "isa13": _doc(session, DocType.PO_ACK_855, Direction.OUTBOUND, DocumentStatus.SENT, isa13="000000007",
                      gs06="70", st02="0070"),
    }
    rows, more = monitor.search_documents(session, documents.DocumentFilter(), text)
    assert [r.id for r in rows] == ([made[expected].id] if expected else [])
    assert not more


def test_search_filters_sorts_and_pages(session: Any) -> None:
    made = [
        _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, partner=p,
             at=NOW - timedelta(minutes=i))
        for i, p in enumerate(["walmart", "amazon", "generic", "amazon"])
    ]
    _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, at=NOW - timedelta(days=3))
    window = documents.DocumentFilter(since=NOW - timedelta(days=1))
    newest, more = monitor.search_documents(session, window, limit=3)
    assert [d.id for d in newest] == [made[0].id, made[1].id, made[2].id] and more
    rest, more = monitor.search_documents(session, window, offset=3, limit=3)
    assert [d.id for d in rest] == [made[3].id] and not more
    by_partner, _ = monitor.search_documents(session, window, sort="partner", descending=False)
    assert [d.partner_id for d in by_partner] == ["amazon", "amazon", "generic", "walmart"]
    assert [d.id for d in by_partner[:2]] == [made[1].id, made[3].id]  # ties: newest first
    amazon, _ = monitor.search_documents(
        session, documents.DocumentFilter(partner_id="amazon", direction=Direction.INBOUND))
    assert len(amazon) == 3
    with pytest.raises(ValueError, match="cannot sort documents by 'secret'"):
        monitor.search_documents(session, window, sort="secret")


def test_order_chain_and_documents_of_a_message(session: Any) -> None:
    message = _message(session, "chain@amazon", Direction.INBOUND, AS2Status.PROCESSED)
    interchange = x12.record_interchange(
        session, direction=Direction.INBOUND, partner_id="amazon", isa13="000000001", sender_qualifier="ZZ",
        sender_id="AMAZON", receiver_qualifier="ZZ", receiver_id="ACME", version="00401", as2_message_id=message.id,
    )
    group = x12.record_group(session, interchange.id, gs06="1", functional_id="PO", version="004010")
    tset = x12.record_transaction_set(session, group.id, st01="850", st02="0001")
    po = _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, po_number="PO-9",
              transaction_set_id=tset.id, at=NOW - timedelta(hours=3))
    ack = _doc(session, DocType.PO_ACK_855, Direction.OUTBOUND, DocumentStatus.ACKNOWLEDGED, po_number="PO-9",
               at=NOW - timedelta(hours=2))
    their_997 = _doc(session, DocType.FA_997, Direction.INBOUND, DocumentStatus.DELIVERED, at=NOW - timedelta(hours=1))
    acks.record_acknowledgement(session, direction=Direction.INBOUND, kind=AckKind.FA_997, partner_id="amazon",
                                status=AckStatus.ACCEPTED, document_id=ack.id, ack_document_id=their_997.id)
    _doc(session, DocType.PO_ACK_855, Direction.OUTBOUND, DocumentStatus.SENT, po_number="PO-9", partner="walmart")
    assert [d.id for d in monitor.order_chain(session, "amazon", "PO-9")] == [po.id, ack.id, their_997.id]
    assert [d.id for d in monitor.documents_of_message(session, message.id)] == [po.id]


def test_last_traffic_per_partner_and_direction(session: Any) -> None:
    _doc(session, DocType.PO_850, Direction.INBOUND, DocumentStatus.DELIVERED, at=NOW - timedelta(hours=5))
    _message(session, "late@x", Direction.INBOUND, AS2Status.PROCESSED, at=NOW - timedelta(hours=1))
    _doc(session, DocType.INVOICE_810, Direction.OUTBOUND, DocumentStatus.SENT, at=NOW - timedelta(hours=2))
    latest = monitor.last_traffic(session)
    assert latest[("amazon", "inbound")] == NOW - timedelta(hours=1)
    assert latest[("amazon", "outbound")] == NOW - timedelta(hours=2)
    assert ("walmart", "inbound") not in latest
