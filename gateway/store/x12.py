"""The X12 envelope tree as stored: interchange (ISA13), functional group (GS06), transaction set (ST02)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from gateway.errors import NotFoundError
from gateway.store.blobs import put_blob
from gateway.store.enums import BlobKind, Direction, TransactionSetStatus
from gateway.store.models import FunctionalGroup, Interchange, TransactionSet


def record_interchange(
    session: Session,
    *,
    direction: Direction,
    partner_id: str | None,
    isa13: str,
    sender_qualifier: str,
    sender_id: str,
    receiver_qualifier: str,
    receiver_id: str,
    version: str,
    as2_message_id: str | None = None,
    raw: bytes | None = None,
) -> Interchange:
    blob = put_blob(session, BlobKind.X12, raw) if raw is not None else None
    interchange = Interchange(
        direction=direction,
        partner_id=partner_id,
        isa13=isa13,
        sender_qualifier=sender_qualifier,
        sender_id=sender_id.strip(),
        receiver_qualifier=receiver_qualifier,
        receiver_id=receiver_id.strip(),
        version=version,
        as2_message_id=as2_message_id,
        blob_id=blob.id if blob else None,
    )
    session.add(interchange)
    session.flush()
    return interchange


def record_group(
    session: Session, interchange_id: str, *, gs06: str, functional_id: str, version: str
) -> FunctionalGroup:
    group = FunctionalGroup(interchange_id=interchange_id, gs06=gs06, functional_id=functional_id, version=version)
    session.add(group)
    session.flush()
    return group


def record_transaction_set(
    session: Session,
    group_id: str,
    *,
    st01: str,
    st02: str,
    status: TransactionSetStatus = TransactionSetStatus.VALID,
    issues: Sequence[dict[str, Any]] = (),
) -> TransactionSet:
    """``issues`` are validation problems as JSON-ready dicts (gateway.x12.issues rendered by the caller)."""
    transaction_set = TransactionSet(group_id=group_id, st01=st01, st02=st02, status=status, issues=list(issues))
    session.add(transaction_set)
    session.flush()
    return transaction_set


def get_interchange(session: Session, interchange_id: str) -> Interchange:
    interchange = session.get(Interchange, interchange_id)
    if interchange is None:
        raise NotFoundError(f"no interchange {interchange_id!r}")
    return interchange


def interchanges_of_message(session: Session, as2_message_id: str) -> list[Interchange]:
    query = select(Interchange).where(Interchange.as2_message_id == as2_message_id)
    return list(session.exec(query.order_by(Interchange.created_at, Interchange.id)))  # type: ignore[arg-type]


def find_interchange(session: Session, partner_id: str, direction: Direction, isa13: str) -> list[Interchange]:
    """Interchanges of a partner by ISA13 (duplicate interchange check, TA1 reconciliation)."""
    query = select(Interchange).where(
        Interchange.partner_id == partner_id, Interchange.direction == direction, Interchange.isa13 == isa13
    )
    return list(session.exec(query))


def find_transaction_set(session: Session, as2_message_id: str, *, isa13: str, gs06: str, st02: str) -> str | None:
    """The id of the transaction set (ISA13, GS06, ST02) that arrived in one AS2 message, if it was recorded."""
    query = (
        select(TransactionSet.id)
        .join(FunctionalGroup, col(FunctionalGroup.id) == col(TransactionSet.group_id))
        .join(Interchange, col(Interchange.id) == col(FunctionalGroup.interchange_id))
        .where(Interchange.as2_message_id == as2_message_id, Interchange.isa13 == isa13,
               FunctionalGroup.gs06 == gs06, TransactionSet.st02 == st02)
    )
    return session.exec(query).first()
