"""Hand-offs of documents to internal systems: webhook pushes, directory drops and the pull queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from gateway.errors import NotFoundError
from gateway.store.columns import utc_now
from gateway.store.enums import ChannelKind, DeliveryStatus
from gateway.store.models import Delivery, Document
from gateway.store.pagination import Page, keyset_page


def _find(session: Session, document_id: str, target_kind: ChannelKind, target: str) -> Delivery | None:
    query = select(Delivery).where(
        Delivery.document_id == document_id, Delivery.target_kind == target_kind, Delivery.target == target
    )
    return session.exec(query).first()


def create_delivery(
    session: Session, document_id: str, target_kind: ChannelKind, target: str
) -> tuple[Delivery, bool]:
    """One delivery per (document, kind, target); a pull delivery starts ``available``, others ``pending``."""
    existing = _find(session, document_id, target_kind, target)
    if existing is not None:
        return existing, False
    status = DeliveryStatus.AVAILABLE if target_kind is ChannelKind.PULL else DeliveryStatus.PENDING
    try:
        with session.begin_nested():
            delivery = Delivery(document_id=document_id, target_kind=target_kind, target=target, status=status)
            session.add(delivery)
            session.flush()
    except IntegrityError:
        existing = _find(session, document_id, target_kind, target)
        if existing is None:
            raise
        return existing, False
    return delivery, True


def get_delivery(session: Session, delivery_id: str) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFoundError(f"no delivery {delivery_id!r}")
    return delivery


def update_delivery(
    session: Session,
    delivery_id: str,
    status: DeliveryStatus,
    *,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
    attempted: bool = False,
) -> Delivery:
    """Record a status; ``attempted`` counts one delivery attempt; delivered_at / acked_at are set once."""
    delivery = get_delivery(session, delivery_id)
    now = utc_now()
    delivery.status = status
    delivery.last_error = error
    delivery.next_attempt_at = next_attempt_at
    if attempted:
        delivery.attempts += 1
    if status is DeliveryStatus.DELIVERED and delivery.delivered_at is None:
        delivery.delivered_at = now
    if status is DeliveryStatus.ACKNOWLEDGED and delivery.acked_at is None:
        delivery.acked_at = now
    delivery.updated_at = now
    session.add(delivery)
    session.flush()
    return delivery


def deliveries_of(session: Session, document_id: str) -> list[Delivery]:
    query = select(Delivery).where(Delivery.document_id == document_id)
    return list(session.exec(query.order_by(col(Delivery.created_at), col(Delivery.id))))


def list_deliveries(
    session: Session,
    *,
    document_id: str | None = None,
    status: DeliveryStatus | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Delivery]:
    conditions: list[Any] = []
    if document_id is not None:
        conditions.append(Delivery.document_id == document_id)
    if status is not None:
        conditions.append(Delivery.status == status)
    return keyset_page(session, Delivery, conditions, cursor, limit)


def pull_queue(session: Session, *, partner_id: str | None = None, limit: int = 50) -> list[tuple[Delivery, Document]]:
    """Documents waiting in the pull queue (oldest first), optionally for one partner."""
    query = (
        select(Delivery, Document)
        .join(Document, col(Document.id) == col(Delivery.document_id))
        .where(Delivery.target_kind == ChannelKind.PULL, Delivery.status == DeliveryStatus.AVAILABLE)
    )
    if partner_id is not None:
        query = query.where(Document.partner_id == partner_id)
    query = query.order_by(col(Delivery.created_at), col(Delivery.id)).limit(limit)
    return [(delivery, document) for delivery, document in session.exec(query)]


def ack_pull(session: Session, document_id: str, *, partner_id: str | None = None) -> Delivery:
    """Acknowledge a pulled document; repeating the acknowledgement is harmless."""
    query = (
        select(Delivery, Document)
        .join(Document, col(Document.id) == col(Delivery.document_id))
        .where(Delivery.document_id == document_id, Delivery.target_kind == ChannelKind.PULL)
    )
    if partner_id is not None:
        query = query.where(Document.partner_id == partner_id)
    row = session.exec(query).first()
    if row is None:
        raise NotFoundError(f"document {document_id} is not in the pull queue")
    delivery = row[0]
    if delivery.status is DeliveryStatus.ACKNOWLEDGED:
        return delivery
    return update_delivery(session, delivery.id, DeliveryStatus.ACKNOWLEDGED)
