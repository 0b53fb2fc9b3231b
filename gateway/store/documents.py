"""Documents: creation with idempotency keys, look-ups by control number and search with stable pages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from gateway.errors import IdempotencyConflictError, NotFoundError
from gateway.store.blobs import put_blob
from gateway.store.columns import utc_now
from gateway.store.enums import AckStatus, BlobKind, Direction, DocType, DocumentStatus
from gateway.store.models import Document
from gateway.store.pagination import Page, keyset_page

_READ_ONLY = frozenset({"id", "created_at", "partner_id", "direction", "idempotency_key", "request_sha256"})


def request_hash(body: Any) -> str:
    """SHA-256 of a JSON body in canonical form (sorted keys, no spaces), the idempotency fingerprint."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def find_by_idempotency_key(session: Session, partner_id: str, key: str) -> Document | None:
    query = select(Document).where(Document.partner_id == partner_id, Document.idempotency_key == key)
    return session.exec(query).first()


def _replay(existing: Document, request_sha256: str | None, key: str) -> tuple[Document, bool]:
    if request_sha256 is not None and existing.request_sha256 not in (None, request_sha256):
        raise IdempotencyConflictError(
            f"Idempotency-Key {key!r} of partner {existing.partner_id} was first used for document "
            f"{existing.id} with a different body"
        )
    return existing, False


def create_document(
    session: Session,
    *,
    partner_id: str,
    doc_type: DocType,
    direction: Direction,
    status: DocumentStatus,
    canonical: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    request_sha256: str | None = None,
    x12: bytes | None = None,
    **fields: Any,
) -> tuple[Document, bool]:
    """Create a document, or return (original, False) for a repeated idempotency key with the same body.

    ``request_sha256`` defaults to the hash of ``canonical``; the same key with another hash raises
    IdempotencyConflictError. Keys are unique per partner.
    """
    if request_sha256 is None and idempotency_key is not None and canonical is not None:
        request_sha256 = request_hash(canonical)
    if idempotency_key is not None:
        existing = find_by_idempotency_key(session, partner_id, idempotency_key)
        if existing is not None:
            return _replay(existing, request_sha256, idempotency_key)
    try:
        with session.begin_nested():
            blob = put_blob(session, BlobKind.X12, x12) if x12 is not None else None
            document = Document(
                partner_id=partner_id,
                doc_type=doc_type,
                direction=direction,
                status=status,
                canonical=canonical,
                idempotency_key=idempotency_key,
                request_sha256=request_sha256,
                x12_blob_id=blob.id if blob else None,
                **fields,
            )
            session.add(document)
            session.flush()
    except IntegrityError:
        if idempotency_key is None:
            raise
        existing = find_by_idempotency_key(session, partner_id, idempotency_key)
        if existing is None:
            raise
        return _replay(existing, request_sha256, idempotency_key)
    return document, True


def get_document(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"no document {document_id!r}")
    return document


def update_document(
    session: Session,
    document_id: str,
    status: DocumentStatus | None = None,
    *,
    x12: bytes | None = None,
    **changes: Any,
) -> Document:
    """Change status and columns; ``x12`` stores new X12 bytes as a blob. Identity and idempotency stay fixed."""
    document = get_document(session, document_id)
    if status is not None:
        document.status = status
    if x12 is not None:
        document.x12_blob_id = put_blob(session, BlobKind.X12, x12).id
    for name, value in changes.items():
        if name in _READ_ONLY or name not in Document.model_fields:
            raise ValueError(f"Document column {name!r} cannot be changed")
        setattr(document, name, value)
    document.updated_at = utc_now()
    session.add(document)
    session.flush()
    return document


def find_by_control_numbers(
    session: Session,
    partner_id: str,
    direction: Direction,
    *,
    isa13: str | None = None,
    gs06: str | None = None,
    st02: str | None = None,
) -> list[Document]:
    """Documents by any of ISA13 / GS06 / ST02 (e.g. our outbound sets a 997 AK1/AK2 acknowledges)."""
    query = select(Document).where(Document.partner_id == partner_id, Document.direction == direction)
    for column, value in ((Document.isa13, isa13), (Document.gs06, gs06), (Document.st02, st02)):
        if value is not None:
            query = query.where(column == value)
    return list(session.exec(query.order_by(col(Document.created_at), col(Document.id))))


def awaiting_ack(session: Session, due_before: datetime, limit: int = 500) -> list[Document]:
    """Outbound documents still waiting for the partner's 997/999 whose deadline is at or before ``due_before``."""
    query = select(Document).where(
        Document.direction == Direction.OUTBOUND,
        Document.ack_status == AckStatus.PENDING,
        col(Document.ack_due_at) <= due_before,
    )
    return list(session.exec(query.order_by(col(Document.ack_due_at), col(Document.id)).limit(limit)))


def sent_before(
    session: Session, statuses: Sequence[DocumentStatus], before: datetime, limit: int = 500
) -> list[Document]:
    """Outbound documents in one of ``statuses`` whose ``sent_at`` is at or before ``before`` (deadline checks)."""
    query = select(Document).where(
        Document.direction == Direction.OUTBOUND,
        col(Document.status).in_(list(statuses)),
        col(Document.sent_at) <= before,
    )
    return list(session.exec(query.order_by(col(Document.sent_at), col(Document.id)).limit(limit)))


@dataclass(slots=True)
class DocumentFilter:
    partner_id: str | None = None
    doc_type: DocType | None = None
    direction: Direction | None = None
    status: DocumentStatus | None = None
    ack_status: AckStatus | None = None
    po_number: str | None = None
    shipment_id: str | None = None
    invoice_number: str | None = None
    isa13: str | None = None
    gs06: str | None = None
    st02: str | None = None
    since: datetime | None = None  # created_at >= since
    until: datetime | None = None  # created_at < until


def search_documents(
    session: Session, where: DocumentFilter | None = None, *, cursor: str | None = None, limit: int = 50
) -> Page[Document]:
    """Documents matching every given filter, newest first (created_at, then id), ``limit`` per page."""
    where = where or DocumentFilter()
    conditions: list[Any] = []
    for name in ("partner_id", "doc_type", "direction", "status", "ack_status", "po_number", "shipment_id",
                 "invoice_number", "isa13", "gs06", "st02"):
        value = getattr(where, name)
        if value is not None:
            conditions.append(getattr(Document, name) == value)
    if where.since is not None:
        conditions.append(col(Document.created_at) >= where.since)
    if where.until is not None:
        conditions.append(col(Document.created_at) < where.until)
    return keyset_page(session, Document, conditions, cursor, limit)
