"""Lineage of one document: its envelope, AS2 message, MDNs, acknowledgements, deliveries and events."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, or_, select

from gateway.store.acks import acknowledgements_for
from gateway.store.deliveries import deliveries_of
from gateway.store.documents import get_document
from gateway.store.models import (
    Acknowledgement,
    AS2Message,
    Delivery,
    Document,
    FunctionalGroup,
    Interchange,
    Mdn,
    TransactionSet,
)
from gateway.store.models_ops import Event


@dataclass(slots=True)
class Lineage:
    document: Document
    transaction_set: TransactionSet | None = None
    group: FunctionalGroup | None = None
    interchange: Interchange | None = None
    as2_message: AS2Message | None = None
    mdns: list[Mdn] = field(default_factory=list)
    acknowledgements: list[Acknowledgement] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # of the document, its AS2 message and interchange, oldest first


def lineage(session: Session, document_id: str) -> Lineage:
    """Five queries whatever the document: document, envelope + message (one join), MDNs, acks, deliveries, events."""
    document = get_document(session, document_id)
    result = Lineage(document=document)
    if document.transaction_set_id is not None:
        row = session.exec(
            select(TransactionSet, FunctionalGroup, Interchange)
            .join(FunctionalGroup, col(FunctionalGroup.id) == col(TransactionSet.group_id))
            .join(Interchange, col(Interchange.id) == col(FunctionalGroup.interchange_id))
            .where(TransactionSet.id == document.transaction_set_id)
        ).first()
        if row is not None:
            result.transaction_set, result.group, result.interchange = row
    message_id = document.as2_message_id or (result.interchange.as2_message_id if result.interchange else None)
    if message_id is not None:
        result.as2_message = session.get(AS2Message, message_id)
        mdns = select(Mdn).where(Mdn.as2_message_id == message_id).order_by(col(Mdn.created_at), col(Mdn.id))
        result.mdns = list(session.exec(mdns))
    result.acknowledgements = acknowledgements_for(session, document_id)
    result.deliveries = deliveries_of(session, document_id)
    subjects = [document_id] + [d.id for d in result.deliveries]
    if result.interchange is not None:
        subjects.append(result.interchange.id)
    related = [col(Event.document_id) == document_id, col(Event.subject_id).in_(subjects)]
    if message_id is not None:
        related.append(col(Event.as2_message_id) == message_id)
    events = select(Event).where(or_(*related)).order_by(col(Event.occurred_at), col(Event.id))
    result.events = list(session.exec(events))
    return result
