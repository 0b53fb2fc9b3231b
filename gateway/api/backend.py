"""The one seam between the JSON bridge and the services: what the routes need, nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from gateway.api.metrics import MetricsSnapshot
from gateway.api.policy import Principal, Role
from gateway.api.schemas import (
    ActionResult,
    DeliveryOut,
    DocumentDetail,
    DocumentSummary,
    HealthOut,
    MessageOut,
    Page,
    PartnerSummary,
    TokenIssued,
    TokenOut,
    TranslateRequest,
    TranslateResponse,
)
from gateway.pipeline.statuses import DeliveryStatus, Direction, DocumentStatus


@dataclass(frozen=True, slots=True)
class DocumentQuery:
    """Filters of a document search; ``partner`` is forced to the caller's scope by the route."""

    partner: str | None = None
    document_type: str | None = None
    direction: Direction | None = None
    status: DocumentStatus | None = None
    po_number: str | None = None
    shipment_id: str | None = None  # 856 BSN02
    invoice_number: str | None = None  # 810 BIG02
    isa13: str | None = None
    gs06: str | None = None
    st02: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class MessageQuery:
    """Filters of an AS2 message search."""

    partner: str | None = None
    direction: Direction | None = None
    status: str | None = None
    message_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class Submission:
    """One outbound canonical document handed in by an internal system."""

    partner: str
    document_type: str
    document: dict[str, Any]
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class Submitted:
    """The document a submission created, and whether it is a replay of an earlier identical call."""

    document: DocumentSummary
    replayed: bool


class Backend(Protocol):
    """Implemented over the store and pipeline; routes call only these."""

    def verify_token(self, secret: str) -> Principal | None: ...

    def submit(self, submission: Submission) -> Submitted: ...

    def get_document(self, document_id: str) -> DocumentDetail: ...

    def search_documents(self, query: DocumentQuery) -> Page[DocumentSummary]: ...

    def search_messages(self, query: MessageQuery) -> Page[MessageOut]: ...

    def get_message(self, message_id: str) -> MessageOut: ...

    def pull(self, partner: str | None, limit: int) -> list[DocumentDetail]: ...

    def acknowledge(self, document_id: str, partner: str | None) -> ActionResult: ...

    def retry(self, document_id: str) -> ActionResult: ...

    def reprocess(self, document_id: str) -> ActionResult: ...

    def list_deliveries(
        self, document_id: str | None, status: DeliveryStatus | None, cursor: str | None, limit: int
    ) -> Page[DeliveryOut]: ...

    def get_delivery(self, delivery_id: str) -> DeliveryOut: ...

    def replay_delivery(self, delivery_id: str) -> ActionResult: ...

    def resend_message(self, message_id: str) -> ActionResult: ...

    def resend_mdn(self, message_id: str) -> ActionResult: ...

    def translate(self, request: TranslateRequest) -> TranslateResponse: ...

    def partners(self) -> list[PartnerSummary]: ...

    def document_types(self) -> list[str]: ...

    def canonical_schema(self, document_type: str) -> dict[str, Any]: ...

    def readiness(self) -> HealthOut: ...

    def metrics(self) -> MetricsSnapshot: ...

    def list_tokens(self) -> list[TokenOut]: ...

    def create_token(self, role: Role, partner: str | None, name: str) -> TokenIssued: ...

    def revoke_token(self, token_id: str) -> ActionResult: ...
