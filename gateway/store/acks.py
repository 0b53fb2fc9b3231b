"""Acknowledgements (997/999/TA1) either way, linked to the documents they acknowledge."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from gateway.store.blobs import put_blob
from gateway.store.enums import AckKind, AckStatus, BlobKind, Direction
from gateway.store.models import Acknowledgement


def record_acknowledgement(
    session: Session,
    *,
    direction: Direction,
    kind: AckKind,
    partner_id: str,
    status: AckStatus,
    for_isa13: str | None = None,
    for_gs06: str | None = None,
    for_st02: str | None = None,
    raw: bytes | None = None,
    document_id: str | None = None,
    ack_document_id: str | None = None,
) -> Acknowledgement:
    blob = put_blob(session, BlobKind.ACK, raw) if raw is not None else None
    ack = Acknowledgement(
        direction=direction,
        kind=kind,
        partner_id=partner_id,
        status=status,
        for_isa13=for_isa13,
        for_gs06=for_gs06,
        for_st02=for_st02,
        blob_id=blob.id if blob else None,
        document_id=document_id,
        ack_document_id=ack_document_id,
    )
    session.add(ack)
    session.flush()
    return ack


def acknowledgements_for(session: Session, document_id: str) -> list[Acknowledgement]:
    """Acknowledgements of a document, and those it is itself (when the document is a 997/999)."""
    query = select(Acknowledgement).where(
        or_(Acknowledgement.document_id == document_id, Acknowledgement.ack_document_id == document_id)
    )
    return list(session.exec(query.order_by(col(Acknowledgement.created_at), col(Acknowledgement.id))))


def link_our_acknowledgements(
    session: Session, partner_id: str, *, isa13: str, gs06: str, st02: str, document_id: str
) -> int:
    """Link our 997/999 rows for an inbound set (written before its document existed) to that document.

    The inbound flow acknowledges a group before it creates the group's documents, in the same transaction, so
    the newest rows naming this ISA13/GS06/ST02 are that set's. A group acknowledged by AK9 alone (no ST02) covers
    every set in it: its row goes to the first document, and each further document gets a row of its own.
    """
    query = (
        select(Acknowledgement)
        .where(
            Acknowledgement.direction == Direction.OUTBOUND,
            Acknowledgement.partner_id == partner_id,
            Acknowledgement.for_isa13 == isa13,
            Acknowledgement.for_gs06 == gs06,
            or_(col(Acknowledgement.for_st02) == st02, col(Acknowledgement.for_st02).is_(None)),
        )
        .order_by(col(Acknowledgement.created_at).desc(), col(Acknowledgement.id).desc())
    )
    rows = list(session.exec(query))
    exact = [r for r in rows if r.for_st02 == st02 and r.document_id is None][:1]
    if not exact:
        group = next((r for r in rows if r.for_st02 is None), None)
        if group is None:
            return 0
        if group.document_id is not None:  # an earlier set of the group has it: this set's own copy
            if any(r.for_st02 is None and r.document_id == document_id for r in rows):
                return 0
            group = Acknowledgement(direction=group.direction, kind=group.kind, partner_id=partner_id,
                                    status=group.status, for_isa13=isa13, for_gs06=gs06, blob_id=group.blob_id,
                                    ack_document_id=group.ack_document_id)
        exact = [group]
    for row in exact:
        row.document_id = document_id
        session.add(row)
    session.flush()
    return len(exact)
