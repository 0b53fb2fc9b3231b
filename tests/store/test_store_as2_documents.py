"""AS2 messages (duplicate Message-ID, secrets stripped, MDN reuse) and documents (idempotency, search pages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from gateway.errors import IdempotencyConflictError, NotFoundError
from gateway.store import as2, documents
from gateway.store.blobs import blob_content, get_blob
from gateway.store.enums import AS2Status, Direction, DocType, DocumentStatus, MdnStatus
from gateway.store.models import Document


def _inbound(session, message_id: str = "<m1@amazon>", body: bytes = b"encrypted body"):
    return as2.record_as2_message(
        session,
        direction=Direction.INBOUND,
        message_id=message_id,
        partner_id="amazon",
        as2_from="AMAZON",
        as2_to="ACME",
        status=AS2Status.RECEIVED,
        body=body,
        headers={"Message-ID": message_id, "Authorization": "Basic c2VjcmV0", "Cookie": "s=1", "AS2-From": "AMAZON"},
    )


def test_inbound_message_is_stored_with_its_body_and_without_secrets(store) -> None:
    with store.transaction() as session:
        message, created = _inbound(session)
    assert created
    with store.transaction() as session:
        stored = as2.get_as2_message(session, message.id)
        assert stored.status is AS2Status.RECEIVED
        assert stored.headers == {"Message-ID": "<m1@amazon>", "AS2-From": "AMAZON"}
        assert stored.created_at.tzinfo is not None
        assert blob_content(session, stored.body_blob_id) == b"encrypted body"
        blob = get_blob(session, stored.body_blob_id)
        assert blob.size == 14 and len(blob.sha256) == 64


def test_duplicate_message_id_returns_the_original_and_its_mdn(store) -> None:
    with store.transaction() as session:
        message, _ = _inbound(session)
        mdn = as2.store_mdn(
            session, message.id, direction=Direction.OUTBOUND, disposition="automatic-action/MDN-sent-automatically;"
            " processed", status=MdnStatus.SENT, raw=b"signed mdn", mic="abc=, sha-256",
        )
    with store.transaction() as session:
        again, created = _inbound(session, body=b"a resend")
        assert not created and again.id == message.id
        found = as2.mdn_for(session, again.id, Direction.OUTBOUND)
        assert found is not None and found.id == mdn.id
        assert blob_content(session, found.blob_id) == b"signed mdn"
        # The same Message-ID from another partner, or outbound, is not a duplicate.
        other, created_other = as2.record_as2_message(
            session, direction=Direction.INBOUND, message_id="<m1@amazon>", partner_id="walmart",
            as2_from="W", as2_to="ACME", status=AS2Status.RECEIVED,
        )
        assert created_other and other.id != message.id


def test_duplicate_insert_race_is_caught_by_the_unique_constraint(store) -> None:
    first = store.session()
    second = store.session()
    try:
        _inbound(first)
        first.commit()
        # The second session looked before the first committed: simulate by inserting the row directly.
        from gateway.store.models import AS2Message

        second.add(AS2Message(direction=Direction.INBOUND, message_id="<m1@amazon>", partner_id="amazon",
                              status=AS2Status.RECEIVED))
        with pytest.raises(Exception, match="(?i)unique|duplicate"):
            second.flush()
        second.rollback()
    finally:
        first.close()
        second.close()


def test_update_as2_message_records_payload_and_status(store) -> None:
    with store.transaction() as session:
        message, _ = _inbound(session)
        as2.update_as2_message(session, message.id, AS2Status.PROCESSED, payload=b"ISA*00*...", mic="x, sha-256",
                               signed=True, encrypted=True, signature_algorithm="sha-256")
    with store.transaction() as session:
        stored = as2.get_as2_message(session, message.id)
        assert stored.status is AS2Status.PROCESSED and stored.signed and stored.encrypted
        assert blob_content(session, stored.payload_blob_id) == b"ISA*00*..."
        with pytest.raises(ValueError, match="no writable column"):
            as2.update_as2_message(session, message.id, bogus=1)
        with pytest.raises(NotFoundError):
            as2.get_as2_message(session, "nope")


def _order(session, key: str | None, body: dict, partner: str = "amazon"):
    return documents.create_document(
        session, partner_id=partner, doc_type=DocType.PO_ACK_855, direction=Direction.OUTBOUND,
        status=DocumentStatus.ACCEPTED, canonical=body, idempotency_key=key, po_number=body.get("purchaseOrderNumber"),
    )


def test_idempotency_same_body_returns_original_different_body_conflicts(store) -> None:
    body = {"purchaseOrderNumber": "PO1", "items": [{"amount": 1}]}
    with store.transaction() as session:
        original, created = _order(session, "key-1", body)
        assert created
    with store.transaction() as session:
        # Same JSON in another key order is the same body.
        replay, created = _order(session, "key-1", {"items": [{"amount": 1}], "purchaseOrderNumber": "PO1"})
        assert not created and replay.id == original.id
        with pytest.raises(IdempotencyConflictError, match="key-1.*different body"):
            _order(session, "key-1", {"purchaseOrderNumber": "PO2"})
        # Keys are per partner.
        other, created = _order(session, "key-1", {"purchaseOrderNumber": "PO2"}, partner="walmart")
        assert created and other.id != original.id


def test_update_document_keeps_identity_fixed(store) -> None:
    with store.transaction() as session:
        document, _ = _order(session, "k", {"purchaseOrderNumber": "PO1"})
        updated = documents.update_document(session, document.id, DocumentStatus.ENVELOPED, x12=b"ISA...",
                                            isa13="000000001", gs06="1", st02="0001")
        assert updated.x12_blob_id is not None
        with pytest.raises(ValueError, match="cannot be changed"):
            documents.update_document(session, document.id, idempotency_key="other")
        found = documents.find_by_control_numbers(session, "amazon", Direction.OUTBOUND, gs06="1", st02="0001")
        assert [d.id for d in found] == [document.id]


def test_search_filters_and_pages_are_stable(store) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with store.transaction() as session:
        for i in range(25):
            documents.create_document(
                session, partner_id="amazon" if i % 5 else "walmart", doc_type=DocType.PO_850,
                direction=Direction.INBOUND, status=DocumentStatus.TRANSLATED, po_number=f"PO{i:03}",
                # Several documents share a timestamp so the id tie-break matters.
                created_at=base + timedelta(minutes=i // 3),
            )
    with store.transaction() as session:
        seen: list[str] = []
        cursor = None
        while True:
            page = documents.search_documents(session, documents.DocumentFilter(partner_id="amazon"),
                                              cursor=cursor, limit=7)
            seen += [d.id for d in page.items]
            # A document created meanwhile (newer than everything) must not disturb the following pages.
            documents.create_document(session, partner_id="amazon", doc_type=DocType.PO_850,
                                      direction=Direction.INBOUND, status=DocumentStatus.RECEIVED)
            cursor = page.next_cursor
            if cursor is None:
                break
        expected = session.exec(
            select(Document).where(Document.partner_id == "amazon", Document.created_at < base + timedelta(days=1))
        ).all()
        assert len(seen) == len(set(seen)) == 20 == len(expected)
        one = documents.search_documents(session, documents.DocumentFilter(po_number="PO007"))
        assert [d.po_number for d in one.items] == ["PO007"]
        window = documents.search_documents(session, documents.DocumentFilter(
            since=base + timedelta(minutes=2), until=base + timedelta(minutes=4)))
        assert sorted(d.po_number for d in window.items) == [f"PO{i:03}" for i in range(6, 12)]


def _race(store, action):
    """Run ``action`` in an open transaction, start the same action in a second thread, then commit the first."""
    import threading

    first = store.session()
    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            with store.transaction() as session:
                outcome["second"] = action(session)
        except BaseException as exc:  # reported by the assertion below
            outcome["error"] = exc

    try:
        outcome["first"] = action(first)
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)  # the second insert now waits on the first's unique key (or the SQLite lock)
        first.commit()
    finally:
        first.close()
    thread.join(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    return outcome["first"], outcome["second"]


def test_concurrent_duplicate_message_id_yields_one_row(store) -> None:
    (a, created_a), (b, created_b) = _race(store, lambda session: _inbound(session))
    assert created_a and not created_b and a.id == b.id


def test_concurrent_same_idempotency_key_yields_one_document(store) -> None:
    body = {"purchaseOrderNumber": "PO9"}
    (a, created_a), (b, created_b) = _race(store, lambda session: _order(session, "race-key", body))
    assert created_a and not created_b and a.id == b.id


def test_deadline_queries_find_only_due_outbound_documents(store) -> None:
    from gateway.store.enums import AckStatus

    now = datetime.now(UTC)
    with store.transaction() as session:
        due, _ = _order(session, "due", {"purchaseOrderNumber": "A"})
        documents.update_document(session, due.id, DocumentStatus.SENT, sent_at=now - timedelta(hours=30),
                                  ack_status=AckStatus.PENDING, ack_due_at=now - timedelta(hours=6))
        fresh, _ = _order(session, "fresh", {"purchaseOrderNumber": "B"})
        documents.update_document(session, fresh.id, DocumentStatus.SENT, sent_at=now,
                                  ack_status=AckStatus.PENDING, ack_due_at=now + timedelta(hours=24))
        done, _ = _order(session, "done", {"purchaseOrderNumber": "C"})
        documents.update_document(session, done.id, DocumentStatus.ACKNOWLEDGED, sent_at=now - timedelta(days=2),
                                  ack_status=AckStatus.ACCEPTED, ack_due_at=now - timedelta(days=1))
    with store.transaction() as session:
        assert [d.id for d in documents.awaiting_ack(session, now)] == [due.id]
        statuses = [DocumentStatus.SENT, DocumentStatus.MDN_RECEIVED]
        assert [d.id for d in documents.sent_before(session, statuses, now - timedelta(hours=24))] == [due.id]


def test_messages_by_message_id_spans_partners(store) -> None:
    with store.transaction() as session:
        a, _ = _inbound(session, "<same>")
        b, _ = as2.record_as2_message(session, direction=Direction.INBOUND, message_id="<same>", partner_id=None,
                                      as2_from="?", as2_to="ACME", status=AS2Status.FAILED)
        assert {m.id for m in as2.messages_by_message_id(session, Direction.INBOUND, "<same>")} == {a.id, b.id}
        assert as2.find_as2_message(session, None, Direction.INBOUND, "<same>").id == b.id
        assert as2.messages_by_message_id(session, Direction.OUTBOUND, "<same>") == []
