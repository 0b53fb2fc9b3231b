"""Append-only event log and the lineage of a document across both directions."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gateway.errors import NotFoundError, StoreError
from gateway.store import acks, as2, deliveries, documents, events, x12
from gateway.store.enums import (
    AckKind,
    AckStatus,
    AS2Status,
    ChannelKind,
    DeliveryStatus,
    Direction,
    DocType,
    DocumentStatus,
    MdnStatus,
    Outcome,
    SubjectType,
)
from gateway.store.lineage import lineage
from gateway.store.models_ops import Event


def test_events_append_and_list_in_order(store) -> None:
    with store.transaction() as session:
        first = events.append_event(session, "receive", Outcome.OK, "stored", as2_message_id="m1")
        events.append_event(session, "read", Outcome.ERROR, "bad ISA", as2_message_id="m1", detail={"offset": 3})
        events.append_event(session, "deliver", Outcome.OK, "other", document_id="d9")
    with store.transaction() as session:
        listed = events.list_events(session, as2_message_id="m1")
        assert [e.stage for e in listed] == ["receive", "read"]
        assert listed[1].detail == {"offset": 3} and listed[0].subject_type is SubjectType.AS2_MESSAGE
        assert first.id == listed[0].id
        assert [e.message for e in events.list_events(session, document_id="d9")] == ["other"]


def test_event_log_refuses_changes_through_the_orm(store) -> None:
    with store.transaction() as session:
        event = events.append_event(session, "receive", Outcome.OK, "stored")
    session = store.session()
    try:
        loaded = session.get(Event, event.id)
        loaded.message = "rewritten"
        with pytest.raises(StoreError, match="append-only"):
            session.flush()
        session.rollback()
        session.delete(session.get(Event, event.id))
        with pytest.raises(StoreError, match="append-only"):
            session.flush()
        session.rollback()
    finally:
        session.close()


def test_event_log_refuses_changes_in_the_database(store) -> None:
    with store.transaction() as session:
        events.append_event(session, "receive", Outcome.OK, "stored")
    for statement in ("UPDATE event SET message = 'x'", "DELETE FROM event"):
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as connection:
            connection.execute(text(statement))
    with store.transaction() as session:
        assert [e.message for e in events.list_events(session)] == ["stored"]


def test_no_update_or_delete_function_exists() -> None:
    public = {name for name in dir(events) if not name.startswith("_")}
    assert not {n for n in public if n.startswith(("update", "delete", "remove", "edit"))}


def _inbound_chain(session):
    message, _ = as2.record_as2_message(
        session, direction=Direction.INBOUND, message_id="<po@amazon>", partner_id="amazon", as2_from="AMAZON",
        as2_to="ACME", status=AS2Status.RECEIVED, body=b"body",
    )
    mdn = as2.store_mdn(session, message.id, direction=Direction.OUTBOUND, disposition="processed",
                        status=MdnStatus.SENT, raw=b"mdn")
    interchange = x12.record_interchange(
        session, direction=Direction.INBOUND, partner_id="amazon", isa13="000000101", sender_qualifier="ZZ",
        sender_id="AMAZON         ", receiver_qualifier="ZZ", receiver_id="ACME", version="00401",
        as2_message_id=message.id, raw=b"ISA*...",
    )
    group = x12.record_group(session, interchange.id, gs06="101", functional_id="PO", version="004010")
    tset = x12.record_transaction_set(session, group.id, st01="850", st02="0001", issues=[{"code": "I1"}])
    document, _ = documents.create_document(
        session, partner_id="amazon", doc_type=DocType.PO_850, direction=Direction.INBOUND,
        status=DocumentStatus.TRANSLATED, transaction_set_id=tset.id, canonical={"purchaseOrderNumber": "PO1"},
        po_number="PO1", isa13="000000101", gs06="101", st02="0001",
    )
    return message, mdn, interchange, group, tset, document


def test_lineage_of_an_inbound_purchase_order(store) -> None:
    with store.transaction() as session:
        message, mdn, interchange, group, tset, document = _inbound_chain(session)
        delivery, _ = deliveries.create_delivery(session, document.id, ChannelKind.WEBHOOK, "erp")
        our_997, _ = documents.create_document(session, partner_id="amazon", doc_type=DocType.FA_997,
                                               direction=Direction.OUTBOUND, status=DocumentStatus.QUEUED)
        ack = acks.record_acknowledgement(session, direction=Direction.OUTBOUND, kind=AckKind.FA_997,
                                          partner_id="amazon", status=AckStatus.ACCEPTED, for_isa13="000000101",
                                          for_gs06="101", document_id=document.id, ack_document_id=our_997.id)
        events.append_event(session, "receive", Outcome.OK, "AS2 stored", as2_message_id=message.id)
        events.append_event(session, "translate", Outcome.OK, "850 mapped", document_id=document.id)
        events.append_event(session, "deliver", Outcome.OK, "webhook 200", subject_type=SubjectType.DELIVERY,
                            subject_id=delivery.id)
        events.append_event(session, "translate", Outcome.OK, "unrelated", document_id="someone-else")
    with store.transaction() as session:
        found = lineage(session, document.id)
        assert found.document.id == document.id
        assert (found.transaction_set.id, found.group.id, found.interchange.id) == (tset.id, group.id, interchange.id)
        assert found.as2_message.id == message.id and [m.id for m in found.mdns] == [mdn.id]
        assert [a.id for a in found.acknowledgements] == [ack.id]
        assert [d.id for d in found.deliveries] == [delivery.id]
        assert [e.message for e in found.events] == ["AS2 stored", "850 mapped", "webhook 200"]
        with pytest.raises(NotFoundError):
            lineage(session, "missing")


def test_lineage_of_an_outbound_invoice_uses_a_fixed_number_of_queries(store) -> None:
    from sqlalchemy import event as sa_event

    with store.transaction() as session:
        message, _ = as2.record_as2_message(
            session, direction=Direction.OUTBOUND, message_id="<inv@acme>", partner_id="amazon", as2_from="ACME",
            as2_to="AMAZON", status=AS2Status.MDN_RECEIVED,
        )
        as2.store_mdn(session, message.id, direction=Direction.INBOUND, disposition="processed",
                      status=MdnStatus.RECEIVED, mic_matched=True)
        invoice, _ = documents.create_document(
            session, partner_id="amazon", doc_type=DocType.INVOICE_810, direction=Direction.OUTBOUND,
            status=DocumentStatus.MDN_RECEIVED, as2_message_id=message.id, idempotency_key="inv-1",
            canonical={"invoiceNumber": "I1"}, invoice_number="I1",
        )
        for i in range(5):
            events.append_event(session, "send", Outcome.OK, f"attempt {i}", document_id=invoice.id)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with store.transaction() as session:
        sa_event.listen(store.engine, "before_cursor_execute", record)
        try:
            found = lineage(session, invoice.id)
        finally:
            sa_event.remove(store.engine, "before_cursor_execute", record)
    assert found.as2_message.id == message.id and len(found.mdns) == 1 and len(found.events) == 5
    assert found.transaction_set is None
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 7, selects


def test_pull_queue_and_acknowledgement(store) -> None:
    with store.transaction() as session:
        *_, document = _inbound_chain(session)
        pull, created = deliveries.create_delivery(session, document.id, ChannelKind.PULL, "erp-pull")
        again, created_again = deliveries.create_delivery(session, document.id, ChannelKind.PULL, "erp-pull")
        assert created and not created_again and again.id == pull.id and pull.status is DeliveryStatus.AVAILABLE
    with store.transaction() as session:
        queue = deliveries.pull_queue(session, partner_id="amazon")
        assert [(d.id, doc.id) for d, doc in queue] == [(pull.id, document.id)]
        assert deliveries.pull_queue(session, partner_id="walmart") == []
        with pytest.raises(NotFoundError):
            deliveries.ack_pull(session, document.id, partner_id="walmart")
        acked = deliveries.ack_pull(session, document.id, partner_id="amazon")
        assert acked.status is DeliveryStatus.ACKNOWLEDGED and acked.acked_at is not None
        assert deliveries.ack_pull(session, document.id).acked_at == acked.acked_at  # idempotent
        assert deliveries.pull_queue(session) == []
        hook, _ = deliveries.create_delivery(session, document.id, ChannelKind.WEBHOOK, "erp")
        failed = deliveries.update_delivery(session, hook.id, DeliveryStatus.PENDING, error="HTTP 500", attempted=True)
        assert failed.attempts == 1 and failed.last_error == "HTTP 500"
        done = deliveries.update_delivery(session, hook.id, DeliveryStatus.DELIVERED, attempted=True)
        assert done.delivered_at is not None and done.last_error is None and done.attempts == 2
        page = deliveries.list_deliveries(session, document_id=document.id, limit=1)
        assert len(page.items) == 1 and page.next_cursor is not None
