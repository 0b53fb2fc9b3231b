"""AS2 messages and MDNs: record before answering, find duplicates by Message-ID, keep the MDN to answer them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from gateway.errors import NotFoundError
from gateway.store.blobs import BLOB_TABLE, NewBlob, insert_blobs, put_blob
from gateway.store.columns import new_id, utc_now
from gateway.store.enums import AS2Status, BlobKind, Direction, MdnMode, MdnStatus
from gateway.store.models import AS2Message, Mdn
from gateway.store.pagination import Page, keyset_page

AS2_TABLE: Any = AS2Message.__table__  # type: ignore[attr-defined]
MDN_TABLE: Any = Mdn.__table__  # type: ignore[attr-defined]
_UNIQUE_MESSAGE = ["partner_id", "direction", "message_id"]  # uq_as2_message_partner_direction_mid
# Hot-path statements are built once (per dialect for the upsert): SQLAlchemy then keeps their cache keys instead
# of recomputing them on every call (about 0.1 ms each for the upsert and the UPDATE).
_INSERT_MESSAGE = {
    name: insert(AS2_TABLE).on_conflict_do_nothing(index_elements=_UNIQUE_MESSAGE).returning(AS2_TABLE.c.id)
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_SET_MESSAGE = update(AS2_TABLE).where(AS2_TABLE.c.id == bindparam("message_ref"))
_INSERT_MDN = MDN_TABLE.insert()

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


def _writable(table: Any, changes: Mapping[str, Any], *, insert: bool = False) -> dict[str, Any]:
    """``changes`` checked against the table's columns (never the id; the creation time only on insert)."""
    for name in changes:
        if name not in table.c or name == "id" or (name == "created_at" and not insert):
            raise ValueError(f"{table.name} has no writable column {name!r}")
    return {name: safe_headers(value) if name == "headers" else value for name, value in changes.items()}


def insert_as2_message(
    session: Session,
    *,
    direction: Direction,
    message_id: str,
    partner_id: str | None,
    as2_from: str,
    as2_to: str,
    status: AS2Status,
    body: bytes | None = None,
    body_sha256: str | None = None,
    headers: Mapping[str, str] | None = None,
    **fields: Any,
) -> tuple[str, bool]:
    """Store a message and its raw body without ORM round trips: (new id, True), or (existing id, False) for a
    duplicate (partner, direction, Message-ID). ``fields`` are other AS2Message columns; the caller commits."""
    if partner_id is None:  # NULL partners never collide in the unique constraint: look first
        existing = find_as2_message(session, None, direction, message_id)
        if existing is not None:
            return existing.id, False
    now = utc_now()
    values = {
        "mdn_mode": MdnMode.NONE, "created_at": now, "updated_at": now, **_writable(AS2_TABLE, fields, insert=True),
        "id": new_id(), "direction": direction, "message_id": message_id, "partner_id": partner_id,
        "as2_from": as2_from, "as2_to": as2_to, "status": status, "headers": safe_headers(headers),
        "body_blob_id": insert_blobs(session, [NewBlob(BlobKind.AS2_BODY, body, body_sha256)])[0]
        if body is not None else None,
    }
    # Parameters apart from the statement (not .values()): the statement and its cache key are built once.
    connection = session.connection()
    statement = _INSERT_MESSAGE[connection.dialect.name]
    if connection.execute(statement, values).scalar_one_or_none() is not None:
        return values["id"], True
    # Another transaction stored the same Message-ID first: keep its row, drop the blob we just wrote.
    if values["body_blob_id"] is not None:
        connection.execute(delete(BLOB_TABLE).where(BLOB_TABLE.c.id == values["body_blob_id"]))
    existing = find_as2_message(session, partner_id, direction, message_id)
    if existing is None:
        raise NotFoundError(f"AS2 message {message_id!r} from partner {partner_id!r} conflicted but is not stored")
    return existing.id, False


def record_as2_message(session: Session, **fields: Any) -> tuple[AS2Message, bool]:
    """``insert_as2_message`` (same keyword arguments), returning the row: (existing, False) for a duplicate.

    The caller commits before any MDN leaves (durability rule).
    """
    ref, created = insert_as2_message(session, **fields)
    return get_as2_message(session, ref), created


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
    for name, value in _writable(AS2_TABLE, changes).items():
        setattr(message, name, value)
    message.updated_at = utc_now()
    session.add(message)
    session.flush()
    return message


def set_as2_message(session: Session, message_ref: str, status: AS2Status | None = None, **changes: Any) -> None:
    """``update_as2_message`` as one UPDATE, nothing read back (blob ids, not bytes: see ``insert_blobs``)."""
    values = {**_writable(AS2_TABLE, changes), "updated_at": utc_now()}
    if status is not None:
        values["status"] = status
    result = session.connection().execute(_SET_MESSAGE, {**values, "message_ref": message_ref})
    if result.rowcount != 1:
        raise NotFoundError(f"no AS2 message {message_ref!r}")


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


def insert_mdn(
    session: Session,
    as2_message_id: str,
    *,
    direction: Direction,
    disposition: str,
    status: MdnStatus,
    blob_id: str | None,
    headers: Mapping[str, str] | None = None,
    mdn_id: str | None = None,
    **fields: Any,
) -> str:
    """``store_mdn`` as one INSERT (the raw bytes already stored by ``insert_blobs``); returns the MDN id."""
    values = {
        "signed": False, "mic": None, "mic_algorithm": None, "mic_matched": None, "signature_verified": None,
        "created_at": utc_now(), **_writable(MDN_TABLE, fields, insert=True), "id": mdn_id or new_id(),
        "as2_message_id": as2_message_id, "direction": direction, "disposition": disposition, "status": status,
        "headers": safe_headers(headers), "blob_id": blob_id,
    }
    session.connection().execute(_INSERT_MDN, values)
    return str(values["id"])


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
