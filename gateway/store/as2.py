"""AS2 messages and MDNs: record before answering, find duplicates by Message-ID, keep the MDN to answer them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from gateway.errors import NotFoundError
from gateway.store.blobs import put_blob
from gateway.store.columns import utc_now
from gateway.store.enums import AS2Status, BlobKind, Direction, MdnStatus
from gateway.store.models import AS2Message, Mdn
from gateway.store.pagination import Page, keyset_page

# Never stored: credentials and session material a partner or proxy may send along.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})


def safe_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Headers without credentials (Authorization, cookies, API keys)."""
    return {k: v for k, v in (headers or {}).items() if k.lower() not in SECRET_HEADERS}


def find_as2_message(
    session: Session, partner_id: str | None, direction: Direction, message_id: str
) -> AS2Message | None:
    query = select(AS2Message).where(AS2Message.direction == direction, AS2Message.message_id == message_id)
    query = query.where(
        col(AS2Message.partner_id).is_(None) if partner_id is None else AS2Message.partner_id == partner_id
    )
    return session.exec(query).first()


def messages_by_message_id(session: Session, direction: Direction, message_id: str) -> list[AS2Message]:
    """Every message with this Message-ID in one direction, whatever the partner (e.g. an async MDN's
    Original-Message-ID before the partner is known)."""
    query = select(AS2Message).where(AS2Message.direction == direction, AS2Message.message_id == message_id)
    return list(session.exec(query.order_by(col(AS2Message.created_at), col(AS2Message.id))))


def record_as2_message(
    session: Session,
    *,
    direction: Direction,
    message_id: str,
    partner_id: str | None,
    as2_from: str,
    as2_to: str,
    status: AS2Status,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    **fields: Any,
) -> tuple[AS2Message, bool]:
    """Store a message and its raw body; returns (existing, False) for a duplicate (partner, direction, Message-ID).

    The caller commits before any MDN leaves (durability rule); ``fields`` are other AS2Message columns.
    """
    existing = find_as2_message(session, partner_id, direction, message_id)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            blob = put_blob(session, BlobKind.AS2_BODY, body) if body is not None else None
            message = AS2Message(
                direction=direction,
                message_id=message_id,
                partner_id=partner_id,
                as2_from=as2_from,
                as2_to=as2_to,
                status=status,
                headers=safe_headers(headers),
                body_blob_id=blob.id if blob else None,
                **fields,
            )
            session.add(message)
            session.flush()
    except IntegrityError:
        # Another transaction stored the same Message-ID between our look-up and insert.
        existing = find_as2_message(session, partner_id, direction, message_id)
        if existing is None:
            raise
        return existing, False
    return message, True


def get_as2_message(session: Session, message_ref: str) -> AS2Message:
    message = session.get(AS2Message, message_ref)
    if message is None:
        raise NotFoundError(f"no AS2 message {message_ref!r}")
    return message


def update_as2_message(
    session: Session, message_ref: str, status: AS2Status | None = None, *, payload: bytes | None = None, **changes: Any
) -> AS2Message:
    """Change status and other columns; ``payload`` stores the decrypted/verified content as a blob."""
    message = get_as2_message(session, message_ref)
    if status is not None:
        message.status = status
    if payload is not None:
        message.payload_blob_id = put_blob(session, BlobKind.AS2_PAYLOAD, payload).id
    for name, value in changes.items():
        if name == "headers":
            value = safe_headers(value)
        if not hasattr(AS2Message, name) or name in ("id", "created_at"):
            raise ValueError(f"AS2Message has no writable column {name!r}")
        setattr(message, name, value)
    message.updated_at = utc_now()
    session.add(message)
    session.flush()
    return message


def store_mdn(
    session: Session,
    as2_message_id: str,
    *,
    direction: Direction,
    disposition: str,
    status: MdnStatus,
    raw: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    **fields: Any,
) -> Mdn:
    """An MDN we built (direction outbound, for an inbound message) or received (inbound); raw bytes kept."""
    get_as2_message(session, as2_message_id)
    blob = put_blob(session, BlobKind.MDN, raw) if raw is not None else None
    mdn = Mdn(
        as2_message_id=as2_message_id,
        direction=direction,
        disposition=disposition,
        status=status,
        headers=safe_headers(headers),
        blob_id=blob.id if blob else None,
        **fields,
    )
    session.add(mdn)
    session.flush()
    return mdn


def update_mdn(session: Session, mdn_id: str, status: MdnStatus) -> Mdn:
    mdn = session.get(Mdn, mdn_id)
    if mdn is None:
        raise NotFoundError(f"no MDN {mdn_id!r}")
    mdn.status = status
    session.add(mdn)
    session.flush()
    return mdn


def mdn_for(session: Session, as2_message_id: str, direction: Direction | None = None) -> Mdn | None:
    """The latest MDN of a message (the one to resend when the partner repeats a Message-ID)."""
    query = select(Mdn).where(Mdn.as2_message_id == as2_message_id)
    if direction is not None:
        query = query.where(Mdn.direction == direction)
    return session.exec(query.order_by(col(Mdn.created_at).desc(), col(Mdn.id).desc())).first()


def search_as2_messages(
    session: Session,
    *,
    partner_id: str | None = None,
    direction: Direction | None = None,
    status: AS2Status | None = None,
    message_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AS2Message]:
    conditions: list[Any] = []
    if partner_id is not None:
        conditions.append(AS2Message.partner_id == partner_id)
    if direction is not None:
        conditions.append(AS2Message.direction == direction)
    if status is not None:
        conditions.append(AS2Message.status == status)
    if message_id is not None:
        conditions.append(AS2Message.message_id == message_id)
    if since is not None:
        conditions.append(col(AS2Message.created_at) >= since)
    if until is not None:
        conditions.append(col(AS2Message.created_at) < until)
    return keyset_page(session, AS2Message, conditions, cursor, limit)
