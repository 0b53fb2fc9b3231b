"""Our 997/999 rows linked to the inbound documents they acknowledge: per set (AK2/AK5) or per group (AK9 alone)."""

from __future__ import annotations

from gateway.store.acks import acknowledgements_for, link_our_acknowledgements, record_acknowledgement
from gateway.store.documents import create_document
from gateway.store.enums import AckKind, AckStatus, Direction, DocType, DocumentStatus


def _document(session, n: int) -> str:
    doc, _ = create_document(session, partner_id="amazon", doc_type=DocType.PO_850, direction=Direction.INBOUND,
                             status=DocumentStatus.RECEIVED, idempotency_key=f"850-{n}")
    return str(doc.id)


def _link(session, st02: str, document_id: str) -> int:
    return link_our_acknowledgements(session, "amazon", isa13="000000101", gs06="101", st02=st02,
                                     document_id=document_id)


def test_an_ak9_only_acknowledgement_reaches_every_document_of_its_group(store) -> None:
    with store.transaction() as session:
        ack_doc = _document(session, 0)
        record_acknowledgement(session, direction=Direction.OUTBOUND, kind=AckKind.FA_997, partner_id="amazon",
                               status=AckStatus.ACCEPTED, for_isa13="000000101", for_gs06="101",
                               ack_document_id=ack_doc)
        docs = [_document(session, n) for n in (1, 2, 3)]
        assert [_link(session, f"000{n}", d) for n, d in enumerate(docs, 1)] == [1, 1, 1]
        assert _link(session, "0003", docs[2]) == 0  # linking again adds nothing
        for doc in docs:
            (row,) = [a for a in acknowledgements_for(session, doc) if a.document_id == doc]
            assert (row.status, row.for_gs06, row.for_st02, row.ack_document_id) == (
                AckStatus.ACCEPTED, "101", None, ack_doc)


def test_a_set_level_acknowledgement_goes_to_its_own_set_only(store) -> None:
    with store.transaction() as session:
        for st02, status in (("0001", AckStatus.ACCEPTED), ("0002", AckStatus.REJECTED)):
            record_acknowledgement(session, direction=Direction.OUTBOUND, kind=AckKind.FA_997, partner_id="amazon",
                                   status=status, for_isa13="000000101", for_gs06="101", for_st02=st02)
        first, second, third = (_document(session, n) for n in (1, 2, 3))
        assert (_link(session, "0002", second), _link(session, "0001", first), _link(session, "0003", third)) == (
            1, 1, 0)
        assert [a.status for a in acknowledgements_for(session, first)] == [AckStatus.ACCEPTED]
        assert [a.status for a in acknowledgements_for(session, second)] == [AckStatus.REJECTED]
        assert acknowledgements_for(session, third) == []
