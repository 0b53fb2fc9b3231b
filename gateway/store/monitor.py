"""Read models of the message monitor: traffic counts, what failed, what is late, reference search, order chains."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from gateway.store.columns import as_utc
from gateway.store.documents import DocumentFilter
from gateway.store.enums import AS2Status, DeliveryStatus, Direction, DocType, DocumentStatus
from gateway.store.models import (
    Acknowledgement,
    AS2Message,
    Delivery,
    Document,
    FunctionalGroup,
    Interchange,
    TransactionSet,
)

ACK_TYPES = (DocType.FA_997, DocType.FA_999, DocType.TA1)
FAILED_DOCUMENTS = (DocumentStatus.FAILED, DocumentStatus.REJECTED)
FAILED_MESSAGES = (AS2Status.FAILED, AS2Status.MDN_FAILED, AS2Status.DEAD)
WAITING_FOR_MDN = (AS2Status.SENT, AS2Status.AWAITING_MDN)
WAITING_FOR_ACK = (DocumentStatus.SENT, DocumentStatus.MDN_RECEIVED)
SORT_COLUMNS: dict[str, Any] = {
    "created_at": Document.created_at,
    "partner": Document.partner_id,
    "doc_type": Document.doc_type,
    "direction": Document.direction,
    "reference": Document.po_number,
    "control": Document.isa13,
    "status": Document.status,
}


@dataclass(frozen=True, slots=True)
class TrafficCount:
    """How many documents of one partner, transaction set, direction and status were created in a window."""

    partner_id: str
    doc_type: str
    direction: str
    status: str
    count: int


def traffic(session: Session, since: datetime, until: datetime) -> list[TrafficCount]:
    """Document counts by partner, transaction set, direction and status for ``since <= created_at < until``."""
    partner, doc_type, direction, status = (
        col(Document.partner_id), col(Document.doc_type), col(Document.direction), col(Document.status)
    )
    keys = (partner, doc_type, direction, status)
    query = (
        sa_select(partner, doc_type, direction, status, func.count())
        .where(col(Document.created_at) >= since, col(Document.created_at) < until)
        .group_by(*keys)
        .order_by(*keys)
    )
    return [TrafficCount(p, str(t), str(d), str(s), int(n)) for p, t, d, s, n in session.execute(query).all()]


def failed_documents(session: Session, since: datetime, limit: int = 50) -> list[Document]:
    """Documents failed or rejected, last changed at or after ``since``, newest first."""
    query = select(Document).where(
        col(Document.status).in_(FAILED_DOCUMENTS), col(Document.updated_at) >= since
    )
    return list(session.exec(query.order_by(col(Document.updated_at).desc(), col(Document.id)).limit(limit)))


def dead_deliveries(session: Session, since: datetime, limit: int = 50) -> list[tuple[Delivery, Document]]:
    """Hand-offs to internal systems that ran out of attempts, with their document, newest first."""
    query = (
        select(Delivery, Document)
        .join(Document, col(Document.id) == col(Delivery.document_id))
        .where(Delivery.status == DeliveryStatus.DEAD, col(Delivery.updated_at) >= since)
        .order_by(col(Delivery.updated_at).desc(), col(Delivery.id))
        .limit(limit)
    )
    return [(delivery, document) for delivery, document in session.exec(query)]


def failed_messages(session: Session, since: datetime, limit: int = 50) -> list[AS2Message]:
    """AS2 messages failed, with a failed MDN, or dead, last changed at or after ``since``, newest first."""
    query = select(AS2Message).where(
        col(AS2Message.status).in_(FAILED_MESSAGES), col(AS2Message.updated_at) >= since
    )
    return list(session.exec(query.order_by(col(AS2Message.updated_at).desc(), col(AS2Message.id)).limit(limit)))


def _due(partner: Any, stamp: Any, cutoffs: Mapping[str, datetime], default: datetime | None) -> Any:
    """``stamp <= cutoff`` with the cutoff of the row's partner; partners without one use ``default`` (or none)."""
    per_partner = [and_(partner == p, stamp <= cutoff) for p, cutoff in cutoffs.items()]
    if default is not None:
        per_partner.append(and_(partner.notin_(list(cutoffs)), stamp <= default))
    return or_(*per_partner) if per_partner else false()


def awaiting_mdn(
    session: Session, cutoffs: Mapping[str, datetime], default: datetime | None, limit: int = 50
) -> list[AS2Message]:
    """Outbound AS2 messages still waiting for their MDN, sent at or before their partner's cutoff."""
    query = select(AS2Message).where(
        AS2Message.direction == Direction.OUTBOUND,
        col(AS2Message.status).in_(WAITING_FOR_MDN),
        _due(col(AS2Message.partner_id), col(AS2Message.updated_at), cutoffs, default),
    )
    return list(session.exec(query.order_by(col(AS2Message.updated_at), col(AS2Message.id)).limit(limit)))


def awaiting_functional_ack(
    session: Session, cutoffs: Mapping[str, datetime], default: datetime | None, limit: int = 50
) -> list[Document]:
    """Outbound documents without the partner's 997/999: overdue, or sent at or before their partner's cutoff."""
    late = and_(
        col(Document.status).in_(WAITING_FOR_ACK),
        _due(col(Document.partner_id), col(Document.sent_at), cutoffs, default),
    )
    query = select(Document).where(
        Document.direction == Direction.OUTBOUND,
        col(Document.doc_type).notin_(ACK_TYPES),
        or_(col(Document.status) == DocumentStatus.OVERDUE, late),
    )
    return list(session.exec(query.order_by(col(Document.sent_at), col(Document.id)).limit(limit)))


def orders_without(
    session: Session, reply: DocType, cutoffs: Mapping[str, datetime], since: datetime, limit: int = 50
) -> list[Document]:
    """Inbound 850s received between ``since`` and their partner's cutoff with no outbound ``reply`` for the PO.

    Only partners named in ``cutoffs`` are checked (those expected to send ``reply``); a failed reply does not count.
    """
    answer = aliased(Document, name="answer")
    has_reply = (
        select(col(answer.id))
        .where(
            col(answer.direction) == Direction.OUTBOUND,
            col(answer.doc_type) == reply,
            col(answer.status).notin_(FAILED_DOCUMENTS),
            col(answer.partner_id) == col(Document.partner_id),
            col(answer.po_number) == col(Document.po_number),
        )
        .exists()
    )
    query = select(Document).where(
        Document.direction == Direction.INBOUND,
        Document.doc_type == DocType.PO_850,
        col(Document.po_number).is_not(None),
        col(Document.status) != DocumentStatus.FAILED,
        col(Document.created_at) >= since,
        _due(col(Document.partner_id), col(Document.created_at), cutoffs, None),
        ~has_reply,
    )
    return list(session.exec(query.order_by(col(Document.created_at), col(Document.id)).limit(limit)))


def _variants(text: str) -> list[str]:
    """The forms a reference may be stored in: as typed, without <>, and zero-padded as ISA13 (9) or ST02 (4)."""
    value = text.strip().removeprefix("<").removesuffix(">")
    forms = {value}
    if value.isdigit():
        forms |= {value.zfill(9), value.zfill(4), value.lstrip("0") or "0"}
    return sorted(forms)


_EQUAL = ("partner_id", "doc_type", "direction", "status", "ack_status", "po_number", "shipment_id",
          "invoice_number", "isa13", "gs06", "st02")


def _search_conditions(where: DocumentFilter, text: str | None) -> list[Any]:
    conditions: list[Any] = [getattr(Document, n) == getattr(where, n) for n in _EQUAL if getattr(where, n) is not None]
    conditions += [col(Document.created_at) >= where.since] if where.since is not None else []
    conditions += [col(Document.created_at) < where.until] if where.until is not None else []
    if text:
        forms = _variants(text)
        columns = (Document.po_number, Document.shipment_id, Document.invoice_number, Document.isa13,
                   Document.gs06, Document.st02)
        by_message = select(AS2Message.id).where(col(AS2Message.message_id).in_(forms))
        conditions.append(or_(*(col(c).in_(forms) for c in columns), col(Document.as2_message_id).in_(by_message)))
    return conditions


def search_documents(
    session: Session, where: DocumentFilter, text: str | None = None, *, sort: str = "created_at",
    descending: bool = True, offset: int = 0, limit: int = 50,
) -> tuple[list[Document], bool]:
    """One page of documents matching ``where`` and ``text`` (a PO/ASN/invoice number, ISA13/GS06/ST02 or AS2
    Message-ID), sorted by any sortable column (ties: newest first); True when more follow."""
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise ValueError(f"cannot sort documents by {sort!r}; sortable: {', '.join(SORT_COLUMNS)}")
    order = [col(column).desc() if descending else col(column).asc()]
    if sort != "created_at":
        order.append(col(Document.created_at).desc())
    order.append(col(Document.id).desc())
    query = select(Document).where(*_search_conditions(where, text)).order_by(*order).offset(max(offset, 0))
    rows = list(session.exec(query.limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def documents_of_message(session: Session, as2_message_id: str) -> list[Document]:
    """Documents carried by one AS2 message: linked directly or through the interchanges it carried."""
    through_envelope = (
        select(TransactionSet.id)
        .join(FunctionalGroup, col(FunctionalGroup.id) == col(TransactionSet.group_id))
        .join(Interchange, col(Interchange.id) == col(FunctionalGroup.interchange_id))
        .where(Interchange.as2_message_id == as2_message_id)
    )
    query = select(Document).where(
        or_(col(Document.as2_message_id) == as2_message_id, col(Document.transaction_set_id).in_(through_envelope))
    )
    return list(session.exec(query.order_by(col(Document.created_at), col(Document.id))))


def order_chain(session: Session, partner_id: str, po_number: str, limit: int = 100) -> list[Document]:
    """Every document of one order (850, 855, 856, 810 by PO number), each followed by the 997/999s (stored as
    documents) that acknowledge it: our 997 is built before the 850's document, yet it answers that 850."""
    members = select(Document).where(Document.partner_id == partner_id, Document.po_number == po_number)
    documents = list(session.exec(members.order_by(col(Document.created_at), col(Document.id)).limit(limit)))
    ids = [d.id for d in documents]
    answers: dict[str, list[Document]] = {}
    if ids:
        acks = (
            select(Document, Acknowledgement.document_id)
            .join(Acknowledgement, col(Acknowledgement.ack_document_id) == col(Document.id))
            .where(col(Acknowledgement.document_id).in_(ids), col(Document.id).notin_(ids))
            .order_by(col(Document.created_at), col(Document.id))
            .limit(limit)
        )
        seen: set[str] = set()
        for ack, acknowledged in session.exec(acks):
            if ack.id not in seen and acknowledged is not None:
                seen.add(ack.id)
                answers.setdefault(acknowledged, []).append(ack)
    return [entry for d in documents for entry in (d, *answers.get(d.id, []))]


def partner_acknowledgements(session: Session, document_ids: list[str], limit: int = 100) -> list[Acknowledgement]:
    """The partner's 997/999/TA1s of these documents: kept as acknowledgement rows only, never as documents."""
    if not document_ids:
        return []
    query = select(Acknowledgement).where(
        Acknowledgement.direction == Direction.INBOUND,
        col(Acknowledgement.ack_document_id).is_(None),
        col(Acknowledgement.document_id).in_(document_ids),
    )
    return list(session.exec(query.order_by(col(Acknowledgement.created_at), col(Acknowledgement.id)).limit(limit)))


def last_traffic(session: Session) -> dict[tuple[str, str], datetime]:
    """The latest document or AS2 message per (partner, direction)."""
    latest: dict[tuple[str, str], datetime] = {}
    sources: Iterable[tuple[Any, Any, Any]] = (
        (Document.partner_id, Document.direction, Document.created_at),
        (AS2Message.partner_id, AS2Message.direction, AS2Message.created_at),
    )
    for partner, direction, created in sources:
        query = select(partner, direction, func.max(created)).where(col(partner).is_not(None))
        for p, d, at in session.exec(query.group_by(partner, direction)):
            key = (str(p), str(d))
            if at is not None and (key not in latest or as_utc(at) > latest[key]):
                latest[key] = as_utc(at)
    return latest
