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
