"""An in-memory Backend for API-layer tests (auth matrix, problem shapes, OpenAPI conformance)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway import errors
from gateway.api.backend import DocumentQuery, MessageQuery, Submission, Submitted
from gateway.api.metrics import MessageCount, MetricsSnapshot
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

T0 = datetime(2026, 11, 1, tzinfo=UTC)


class FakeBackend:
    """Keeps documents in a dict; enough behaviour for the API layer to be exercised end to end."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.tokens: dict[str, tuple[TokenOut, str]] = {}
        self.documents: dict[str, DocumentDetail] = {}
        self.keys: dict[str, tuple[str, str]] = {}
        self.partner_ids = ["amazon", "walmart", "generic"]
        self.acked: set[str] = set()
        self.deliveries: dict[str, DeliveryOut] = {}
        self.messages: dict[str, MessageOut] = {}

    def _next(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    # tokens
    def create_token(self, role: Role, partner: str | None, name: str) -> TokenIssued:
        token_id = self._next("tok")
        secret = f"acorn_{token_id}_secret"
        row = TokenOut(id=token_id, name=name, role=role, partner=partner, created_at=T0)
        self.tokens[token_id] = (row, hashlib.sha256(secret.encode()).hexdigest())
        return TokenIssued(**row.model_dump(), token=secret)

    def list_tokens(self) -> list[TokenOut]:
        return [row for row, _ in self.tokens.values()]

    def revoke_token(self, token_id: str) -> ActionResult:
        if token_id not in self.tokens:
            raise errors.NotFoundError(f"no token {token_id}")
        row, digest = self.tokens[token_id]
        self.tokens[token_id] = (row.model_copy(update={"revoked_at": T0}), digest)
        return ActionResult(id=token_id, action="revoke", status="revoked")

    def verify_token(self, secret: str) -> Principal | None:
        digest = hashlib.sha256(secret.encode()).hexdigest()
        for row, stored in self.tokens.values():
            if stored == digest and row.revoked_at is None:
                return Principal(row.id, row.name, row.role, row.partner)
        return None

    # documents
    def add(self, partner: str, document_type: str, direction: str, status: str, **extra: Any) -> DocumentDetail:
        doc_id = self._next("doc")
        n = len(self.documents)
        detail = DocumentDetail(
            id=doc_id,
            partner=partner,
            document_type=document_type,
            direction=direction,
            status=status,
            created_at=T0 + timedelta(minutes=n),
            canonical={"purchaseOrderNumber": extra.get("po_number")},
            **extra,
        )
        self.documents[doc_id] = detail
        return detail

    def submit(self, submission: Submission) -> Submitted:
        if submission.partner not in self.partner_ids:
            raise errors.NotFoundError(f"no partner profile {submission.partner!r}")
        if submission.document.get("purchaseOrderNumber") == "MAP-FAIL":
            err = errors.MappingError("partner amazon, 855: BAK03 purchase order number is reserved")
            err.field = "/document/purchaseOrderNumber"  # type: ignore[attr-defined]
            raise err
        body = repr(sorted(submission.document.items())) + submission.partner + submission.document_type
        key = f"{submission.partner}:{submission.idempotency_key}"
        if key in self.keys:
            doc_id, seen = self.keys[key]
            if seen != body:
                raise errors.IdempotencyConflictError(f"Idempotency-Key {submission.idempotency_key!r} reused")
            return Submitted(DocumentSummary(**self.documents[doc_id].model_dump(include=_SUMMARY)), True)
        detail = self.add(
            submission.partner,
            submission.document_type,
            "outbound",
            "queued",
            po_number=submission.document.get("purchaseOrderNumber"),
        )
        self.keys[key] = (detail.id, body)
        return Submitted(DocumentSummary(**detail.model_dump(include=_SUMMARY)), False)

    def get_document(self, document_id: str) -> DocumentDetail:
        try:
            return self.documents[document_id]
        except KeyError:
            raise errors.NotFoundError(f"no document {document_id!r}") from None

    def search_documents(self, query: DocumentQuery) -> Page[DocumentSummary]:
        rows = [d for d in self.documents.values() if query.partner in (None, d.partner)]
        items = [DocumentSummary(**d.model_dump(include=_SUMMARY)) for d in rows][: query.limit]
        return Page[DocumentSummary](items=items)

    def add_message(self, partner: str) -> MessageOut:
        msg = MessageOut(
            id=self._next("msg"),
            partner=partner,
            direction="inbound",
            status="processed",
            message_id=f"<{len(self.messages)}@test>",
            created_at=T0,
        )
        self.messages[msg.id] = msg
        return msg

    def search_messages(self, query: MessageQuery) -> Page[MessageOut]:
        return Page[MessageOut](items=[m for m in self.messages.values() if query.partner in (None, m.partner)])

    def get_message(self, message_id: str) -> MessageOut:
        try:
            return self.messages[message_id]
        except KeyError:
            raise errors.NotFoundError(f"no message {message_id!r}") from None

    def pull(self, partner: str | None, limit: int) -> list[DocumentDetail]:
        return [
            d
            for d in self.documents.values()
            if d.direction == "inbound" and d.id not in self.acked and partner in (None, d.partner)
        ][:limit]

    def acknowledge(self, document_id: str, partner: str | None) -> ActionResult:
        doc = self.get_document(document_id)
        if partner not in (None, doc.partner):
            raise errors.NotFoundError(f"no document {document_id!r}")
        self.acked.add(document_id)
        return ActionResult(id=document_id, action="acknowledge", status="acknowledged")

    def retry(self, document_id: str) -> ActionResult:
        self.get_document(document_id)
        return ActionResult(id=document_id, action="retry", status="queued")

    def reprocess(self, document_id: str) -> ActionResult:
        self.get_document(document_id)
        return ActionResult(id=document_id, action="reprocess", status="queued")

    def add_delivery(self, document_id: str) -> DeliveryOut:
        dlv = DeliveryOut(id=self._next("dlv"), document_id=document_id, status="dead", attempts=3)
        self.deliveries[dlv.id] = dlv
        return dlv

    def list_deliveries(
        self, document_id: str | None, status: str | None, cursor: str | None, limit: int
    ) -> Page[DeliveryOut]:
        items = [d for d in self.deliveries.values() if document_id in (None, d.document_id)]
        return Page[DeliveryOut](items=items[:limit])

    def get_delivery(self, delivery_id: str) -> DeliveryOut:
        try:
            return self.deliveries[delivery_id]
        except KeyError:
            raise errors.NotFoundError(f"no delivery {delivery_id!r}") from None

    def replay_delivery(self, delivery_id: str) -> ActionResult:
        self.get_delivery(delivery_id)
        return ActionResult(id=delivery_id, action="replay", status="queued")

    def resend_message(self, message_id: str) -> ActionResult:
        self.get_message(message_id)
        return ActionResult(id=message_id, action="resend", status="queued")

    def resend_mdn(self, message_id: str) -> ActionResult:
        self.get_message(message_id)
        return ActionResult(id=message_id, action="resend-mdn", status="queued")

    def translate(self, request: TranslateRequest) -> TranslateResponse:
        if request.partner not in self.partner_ids:
            raise errors.NotFoundError(f"no partner profile {request.partner!r}")
        if request.direction == "json-to-x12":
            return TranslateResponse(partner=request.partner, x12="ISA*00*FAKE~")
        raise errors.X12ReadError("no ISA segment found", offset=0)

    def partners(self) -> list[PartnerSummary]:
        return [PartnerSummary(id=p, name=p.title()) for p in self.partner_ids]

    def document_types(self) -> list[str]:
        return ["850", "855"]

    def canonical_schema(self, document_type: str) -> dict[str, Any]:
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": document_type}

    def readiness(self) -> HealthOut:
        return HealthOut(status="ok", database="ok", schema_version="fake")

    def metrics(self) -> MetricsSnapshot:
        counts: dict[tuple[str, str, str, str], int] = {}
        for d in self.documents.values():
            k = (d.partner, d.document_type, d.direction, d.status)
            counts[k] = counts.get(k, 0) + 1
        return MetricsSnapshot(documents=[MessageCount(*k, count=v) for k, v in counts.items()])


_SUMMARY = set(DocumentSummary.model_fields)
