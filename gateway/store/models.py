"""The tables (SQLModel): raw bytes, AS2 messages and MDNs, the X12 envelope tree, documents and hand-offs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.store.columns import EnumString, UTCDateTime, new_id, utc_now
from gateway.store.enums import (
    AckKind,
    AckStatus,
    AS2Status,
    BlobKind,
    ChannelKind,
    DeliveryStatus,
    Direction,
    DocType,
    DocumentStatus,
    MdnMode,
    MdnStatus,
    TransactionSetStatus,
)


def id_field() -> Any:
    return Field(default_factory=new_id, sa_column=Column(String(36), primary_key=True))


def fk(target: str, *, nullable: bool = True, index: bool = True) -> Any:
    return Field(default=None, sa_column=Column(String(36), ForeignKey(target), nullable=nullable, index=index))


def enum(cls: Any, *, nullable: bool = False, index: bool = False, default: Any = None) -> Any:
    return Field(default=default, sa_column=Column(EnumString(cls), nullable=nullable, index=index))


def text(length: int | None = None, *, nullable: bool = True, index: bool = False, default: Any = None) -> Any:
    kind = String(length) if length else Text()
    return Field(default=default, sa_column=Column(kind, nullable=nullable, index=index))


def stamp(*, nullable: bool = False, index: bool = False, now: bool = True) -> Any:
    if now:
        return Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def json_field(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSON(), nullable=nullable))


def flag(default: bool = False) -> Any:
    return Field(default=default, sa_column=Column(Boolean(), nullable=False, default=default))


def counter(default: int = 0) -> Any:
    return Field(default=default, sa_column=Column(Integer(), nullable=False, default=default))


class Blob(SQLModel, table=True):
    """Raw bytes with their SHA-256; ``content`` becomes NULL when retention purges it, the hash stays."""

    __tablename__ = "blob"
    id: str = id_field()
    kind: BlobKind = enum(BlobKind)
    sha256: str = text(64, nullable=False, index=True)
    size: int = counter()
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary(), nullable=True))
    created_at: datetime = stamp(index=True)
    purged_at: datetime | None = stamp(nullable=True, now=False)


class AS2Message(SQLModel, table=True):
    """One AS2 message either way; (partner, direction, Message-ID) is unique, which is how duplicates are found."""

    __tablename__ = "as2_message"
    __table_args__ = (
        UniqueConstraint("partner_id", "direction", "message_id", name="uq_as2_message_partner_direction_mid"),
        Index("ix_as2_message_status_next", "status", "next_attempt_at"),
    )
    id: str = id_field()
    direction: Direction = enum(Direction)
    partner_id: str | None = text(100, index=True)
    as2_from: str = text(128, nullable=False, default="")
    as2_to: str = text(128, nullable=False, default="")
    message_id: str = text(998, nullable=False, index=True)
    subject: str | None = text(998)
    headers: dict[str, Any] | None = json_field()
    body_blob_id: str | None = fk("blob.id")
    payload_blob_id: str | None = fk("blob.id")
    status: AS2Status = enum(AS2Status, index=True)
    disposition: str | None = text(200)
    error: str | None = text()
    mic: str | None = text(200)
    mic_algorithm: str | None = text(32)
    signed: bool = flag()
    signature_algorithm: str | None = text(32)
    encrypted: bool = flag()
    encryption_algorithm: str | None = text(32)
    compressed: bool = flag()
    mdn_mode: MdnMode = enum(MdnMode, default=MdnMode.NONE)
    mdn_url: str | None = text(2000)
    attempts: int = counter()
    next_attempt_at: datetime | None = stamp(nullable=True, now=False)
    created_at: datetime = stamp(index=True)
    updated_at: datetime = stamp()


class Mdn(SQLModel, table=True):
    """An MDN we sent (inbound message) or received (outbound message); a stored inbound MDN answers duplicates."""

    __tablename__ = "mdn"
    id: str = id_field()
    as2_message_id: str = fk("as2_message.id", nullable=False)
    direction: Direction = enum(Direction)
    disposition: str = text(200, nullable=False, default="")
    status: MdnStatus = enum(MdnStatus)
    mic: str | None = text(200)
    mic_algorithm: str | None = text(32)
    mic_matched: bool | None = Field(default=None, sa_column=Column(Boolean(), nullable=True))
    signed: bool = flag()
    signature_verified: bool | None = Field(default=None, sa_column=Column(Boolean(), nullable=True))
    headers: dict[str, Any] | None = json_field()
    blob_id: str | None = fk("blob.id")
    created_at: datetime = stamp()


class Interchange(SQLModel, table=True):
    __tablename__ = "interchange"
    __table_args__ = (Index("ix_interchange_partner_isa13", "partner_id", "direction", "isa13"),)
    id: str = id_field()
    isa13: str = text(9, nullable=False)
    sender_qualifier: str = text(2, nullable=False)
    sender_id: str = text(15, nullable=False)
    receiver_qualifier: str = text(2, nullable=False)
    receiver_id: str = text(15, nullable=False)
    version: str = text(5, nullable=False)  # ISA12
    direction: Direction = enum(Direction)
    partner_id: str | None = text(100)
    as2_message_id: str | None = fk("as2_message.id")
    blob_id: str | None = fk("blob.id")
    created_at: datetime = stamp()


class FunctionalGroup(SQLModel, table=True):
    __tablename__ = "functional_group"
    id: str = id_field()
    interchange_id: str = fk("interchange.id", nullable=False)
    gs06: str = text(9, nullable=False, index=True)
    functional_id: str = text(2, nullable=False)  # GS01
    version: str = text(12, nullable=False)  # GS08
    created_at: datetime = stamp()


class TransactionSet(SQLModel, table=True):
    __tablename__ = "transaction_set"
    id: str = id_field()
    group_id: str = fk("functional_group.id", nullable=False)
    st01: str = text(3, nullable=False)
    st02: str = text(9, nullable=False, index=True)
    status: TransactionSetStatus = enum(TransactionSetStatus, default=TransactionSetStatus.VALID)
    issues: list[dict[str, Any]] | None = json_field()
    created_at: datetime = stamp()


class Document(SQLModel, table=True):
    """A business document (850, 810, ... or an acknowledgement); ``id`` is the id carried in deliveries."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("partner_id", "idempotency_key", name="uq_document_partner_idempotency_key"),
        Index("ix_document_created", "created_at", "id"),
        Index("ix_document_partner_type", "partner_id", "doc_type", "direction"),
    )
    id: str = id_field()
    doc_type: DocType = enum(DocType)
    direction: Direction = enum(Direction)
    partner_id: str = text(100, nullable=False)
    transaction_set_id: str | None = fk("transaction_set.id")
    as2_message_id: str | None = fk("as2_message.id")
    status: DocumentStatus = enum(DocumentStatus, index=True)
    stage: str | None = text(32)
    error: str | None = text()
    canonical: dict[str, Any] | None = json_field()
    po_number: str | None = text(64, index=True)
    shipment_id: str | None = text(64, index=True)
    invoice_number: str | None = text(64, index=True)
    isa13: str | None = text(9, index=True)
    gs06: str | None = text(9)
    st02: str | None = text(9)
    idempotency_key: str | None = text(255)
    request_sha256: str | None = text(64)
    x12_blob_id: str | None = fk("blob.id")
    ack_status: AckStatus | None = enum(AckStatus, nullable=True)
    ack_due_at: datetime | None = stamp(nullable=True, now=False)
    sent_at: datetime | None = stamp(nullable=True, now=False)
    created_at: datetime = stamp()
    updated_at: datetime = stamp()


class Delivery(SQLModel, table=True):
    """One hand-off of a document to an internal system (webhook push, pull queue or directory drop)."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("document_id", "target_kind", "target", name="uq_delivery_document_target"),
        Index("ix_delivery_status_next", "status", "next_attempt_at"),
    )
    id: str = id_field()
    document_id: str = fk("document.id", nullable=False)
    target_kind: ChannelKind = enum(ChannelKind)
    target: str = text(200, nullable=False)
    status: DeliveryStatus = enum(DeliveryStatus)
    attempts: int = counter()
    next_attempt_at: datetime | None = stamp(nullable=True, now=False)
    last_error: str | None = text()
    delivered_at: datetime | None = stamp(nullable=True, now=False)
    acked_at: datetime | None = stamp(nullable=True, now=False)
    created_at: datetime = stamp()
    updated_at: datetime = stamp()


class Acknowledgement(SQLModel, table=True):
    """A 997/999/TA1 either way, with what it acknowledges (ISA13, GS06, ST02) and the documents it covers."""

    __tablename__ = "acknowledgement"
    id: str = id_field()
    direction: Direction = enum(Direction)
    kind: AckKind = enum(AckKind)
    partner_id: str = text(100, nullable=False, index=True)
    for_isa13: str | None = text(9, index=True)
    for_gs06: str | None = text(9)
    for_st02: str | None = text(9)
    status: AckStatus = enum(AckStatus)
    blob_id: str | None = fk("blob.id")
    document_id: str | None = fk("document.id")  # the acknowledged document
    ack_document_id: str | None = fk("document.id")  # the 997/999 itself, when stored as a document
    created_at: datetime = stamp()
