"""API response and request bodies of the JSON bridge; separate from the store tables on purpose."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from gateway.api.policy import Role
from gateway.pipeline.statuses import DeliveryStatus, Direction, DocumentStatus

T = TypeVar("T")

_DOC_EXAMPLE: dict[str, Any] = {
    "id": "doc_01HZX3K6",
    "partner": "amazon",
    "document_type": "855",
    "direction": "outbound",
    "status": "queued",
    "po_number": "4500012345",
    "isa13": "000000101",
    "gs06": "101",
    "st02": "0001",
    "created_at": "2026-11-22T10:00:00Z",
    "updated_at": "2026-11-22T10:00:01Z",
}


class ApiModel(BaseModel):
    """Base of every API body: no unknown fields on input."""

    model_config = ConfigDict(extra="forbid")


class DocumentSummary(ApiModel):
    """One document as it appears in lists."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DOC_EXAMPLE]})

    id: str
    partner: str
    document_type: str = Field(description="X12 transaction set identifier, e.g. 855.")
    direction: Direction
    status: DocumentStatus
    stage: str | None = Field(default=None, description="The stage that failed, when status is failed.")
    error: str | None = None
    po_number: str | None = None
    isa13: str | None = None
    gs06: str | None = None
    st02: str | None = None
    created_at: datetime
    updated_at: datetime | None = None


class EventOut(ApiModel):
    """One stage a document or message went through."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"at": "2026-11-22T10:00:00Z", "stage": "mapped", "status": "ok", "detail": ""}]
        }
    )

    at: datetime
    stage: str
    status: str
    detail: str = ""


class MessageOut(ApiModel):
    """An AS2 message (inbound or outbound) and its MDN state."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "msg_01",
                    "partner": "amazon",
                    "direction": "outbound",
                    "status": "mdn_received",
                    "message_id": "<acorn-1@example>",
                    "mic": "sha256, 6zM1tGR8...=",
                    "mdn_disposition": "processed",
                    "created_at": "2026-11-22T10:00:00Z",
                }
            ]
        }
    )

    id: str
    partner: str | None = None
    direction: Direction
    status: str
    message_id: str | None = None
    mic: str | None = None
    mdn_disposition: str | None = None
    created_at: datetime


class AcknowledgementOut(ApiModel):
    """A 997/999/TA1 linked to a document."""

    id: str
    kind: str
    status: str
    control_number: str | None = None
    created_at: datetime | None = None


class DeliveryOut(ApiModel):
    """One webhook delivery of a document to an internal system."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "dlv_01",
                    "document_id": "doc_01HZX3K6",
                    "target": "erp-webhook",
                    "channel": "webhook",
                    "status": "delivered",
                    "attempts": 1,
                    "last_status_code": 204,
                    "last_error": None,
                    "created_at": "2026-11-22T10:00:00Z",
                    "updated_at": "2026-11-22T10:00:01Z",
                }
            ]
        }
    )

    id: str
    document_id: str | None = None
    channel: str | None = None
    target: str | None = None
    status: DeliveryStatus
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Lineage(ApiModel):
    """Where a document came from and where it went."""

    message: MessageOut | None = None
    mdn: dict[str, Any] | None = None
    acknowledgements: list[AcknowledgementOut] = Field(default_factory=list)
    deliveries: list[DeliveryOut] = Field(default_factory=list)
    related_documents: list[DocumentSummary] = Field(default_factory=list)


class DocumentDetail(DocumentSummary):
    """A document with its canonical JSON, X12, lineage and events."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_DOC_EXAMPLE,
                    "canonical": {"purchaseOrderNumber": "4500012345"},
                    "x12": "ISA*00*...~",
                    "lineage": {"message": None, "mdn": None, "acknowledgements": [], "deliveries": []},
                    "events": [{"at": "2026-11-22T10:00:00Z", "stage": "accepted", "status": "ok"}],
                }
            ]
        }
    )

    canonical: dict[str, Any] | None = None
    x12: str | None = None
    lineage: Lineage = Field(default_factory=Lineage)
    events: list[EventOut] = Field(default_factory=list)


class Page(ApiModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None


class ActionResult(ApiModel):
    """What a retry, reprocess or replay did."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": "doc_01HZX3K6", "action": "retry", "status": "queued"}]}
    )

    id: str
    action: str
    status: str
    detail: str = ""


class TranslateRequest(ApiModel):
    """Stateless translation input: X12 text to JSON, or canonical JSON to X12."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"partner": "amazon", "direction": "x12-to-json", "x12": "ISA*00*          *00*...~"},
                {
                    "partner": "amazon",
                    "direction": "json-to-x12",
                    "document_type": "855",
                    "document": {"purchaseOrderNumber": "4500012345"},
                },
            ]
        },
    )

    partner: str
    direction: str = Field(pattern="^(x12-to-json|json-to-x12)$")
    x12: str | None = None
    document_type: str | None = None
    document: dict[str, Any] | None = None


class TranslateResponse(ApiModel):
    """Stateless translation output."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"partner": "amazon", "documents": [{"document_type": "850", "document": {}}]}]}
    )

    partner: str
    x12: str | None = None
    documents: list[dict[str, Any]] = Field(default_factory=list)


class CertificateOut(ApiModel):
    """A certificate of a partner profile: never the key, only what an analyst needs."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "usage": "signing",
                    "subject": "CN=amazon-as2",
                    "fingerprint_sha256": "AB:CD:...",
                    "not_before": "2026-01-01T00:00:00Z",
                    "not_after": "2027-01-01T00:00:00Z",
                    "days_to_expiry": 40,
                }
            ]
        }
    )

    usage: str
    subject: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    days_to_expiry: int


class PartnerSummary(ApiModel):
    """A read-only view of a partner profile."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "amazon",
                    "name": "Amazon Vendor Central",
                    "isa_id": "ZZ:AMAZON",
                    "as2_id": "AMAZON",
                    "document_types": ["850", "855", "856", "810"],
                    "certificates": [],
                }
            ]
        }
    )

    id: str
    name: str
    isa_id: str | None = None
    as2_id: str | None = None
    document_types: list[str] = Field(default_factory=list)
    certificates: list[CertificateOut] = Field(default_factory=list)


class HealthOut(ApiModel):
    """Liveness or readiness."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "ok", "database": "ok", "schema_version": "0003"}]}
    )

    status: str
    database: str | None = None
    schema_version: str | None = None
    detail: str = ""


class TokenOut(ApiModel):
    """A token as listed: never the secret."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "tok_1",
                    "name": "erp",
                    "role": "integration",
                    "partner": "amazon",
                    "created_at": "2026-11-22T10:00:00Z",
                    "revoked_at": None,
                }
            ]
        }
    )

    id: str
    name: str
    role: Role
    partner: str | None = None
    created_at: datetime | None = None
    revoked_at: datetime | None = None


class TokenIssued(TokenOut):
    """A token as created: ``token`` is shown this once."""

    token: str
