"""The bridge backend over the Runtime: pipeline flows for every write, the store's queries for every read."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from typing import Any

from gateway.api import translation
from gateway.api.backend import DocumentQuery, MessageQuery, Submission, Submitted
from gateway.api.metrics import CertificateExpiry, MetricsSnapshot, own_certificates
from gateway.api.policy import Principal, Role
from gateway.api.queries import QUERIES_KEY, BridgeQueries
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
from gateway.errors import ConfigError, IdempotencyConflictError
from gateway.pipeline import as2_inbound, as2_outbound, deliveries, outbound
from gateway.pipeline.as2_context import service_for
from gateway.pipeline.ports import DeliveryRecord, DocumentRecord
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import DeliveryStatus
from gateway.pipeline.store_adapter import references

# Keys from the bridge live in their own namespace, apart from the keys the inbound flow derives.
_KEY_PREFIX = "api:"


def summary_of(record: DocumentRecord, po_number: str | None = None) -> DocumentSummary:
    """API view of a pipeline document record."""
    return DocumentSummary(
        id=record.id,
        partner=record.partner_id,
        document_type=record.document_type,
        direction=record.direction,
        status=record.status,
        stage=str(record.stage) if record.stage else None,
        error=record.error,
        po_number=po_number if po_number is not None else references(record.canonical).get("po_number"),
        isa13=record.isa13,
        gs06=record.gs06,
        st02=record.st02,
        created_at=record.created_at or record.sent_at or _epoch(),
    )


def delivery_of(record: DeliveryRecord) -> DeliveryOut:
    """API view of a pipeline delivery record."""
    return DeliveryOut(
        id=record.id,
        document_id=record.document_id,
        channel=str(record.channel),
        target=record.target,
        status=record.status,
        attempts=record.attempts,
        last_error=record.error,
    )


def _epoch() -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC)


def _same_json(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _default_queries(runtime: Runtime) -> BridgeQueries | None:
    """The bridge's own queries over gateway.store, when that adapter module is installed."""
    try:
        module = importlib.import_module("gateway.api.store_queries")
    except ModuleNotFoundError:
        return None
    queries: BridgeQueries = module.build(runtime)
    return queries


class StoreBackend:
    """Implements gateway.api.backend.Backend over one Runtime."""

    def __init__(self, runtime: Runtime, queries: BridgeQueries | None = None) -> None:
        self.runtime = runtime
        found = queries or runtime.extras.get(QUERIES_KEY) or _default_queries(runtime)
        if found is None:
            raise ConfigError(
                "the JSON bridge has no store queries: gateway.store repository functions are not wired "
                f"(Runtime.extras[{QUERIES_KEY!r}] is empty)"
            )
        self.queries: BridgeQueries = found

    # --- writes through the pipeline -------------------------------------------------------------------

    def submit(self, submission: Submission) -> Submitted:
        record, created = outbound.submit(
            self.runtime,
            submission.partner,
            submission.document_type,
            submission.document,
            _KEY_PREFIX + submission.idempotency_key,
        )
        if not created and not (
            record.partner_id == submission.partner
            and record.document_type == submission.document_type
            and _same_json(record.canonical, submission.document)
        ):
            raise IdempotencyConflictError(
                f"Idempotency-Key {submission.idempotency_key!r} was first used for document {record.id} "
                f"({record.partner_id} {record.document_type}) with a different body"
            )
        return Submitted(summary_of(record), replayed=not created)

    def retry(self, document_id: str) -> ActionResult:
        record = outbound.retry(self.runtime, document_id)
        return ActionResult(id=record.id, action="retry", status=str(record.status))

    def reprocess(self, document_id: str) -> ActionResult:
        record = outbound.reprocess(self.runtime, document_id)
        return ActionResult(id=record.id, action="reprocess", status=str(record.status))

    def replay_delivery(self, delivery_id: str) -> ActionResult:
        record = deliveries.replay(self.runtime, delivery_id, actor="bridge")
        return ActionResult(id=delivery_id, action="replay", status=str(record.status))

    def resend_message(self, message_id: str) -> ActionResult:
        as2_outbound.request_resend(service_for(self.runtime), message_id, actor="bridge")
        return ActionResult(id=message_id, action="resend", status="queued")

    def resend_mdn(self, message_id: str) -> ActionResult:
        as2_inbound.resend_mdn(service_for(self.runtime), message_id, actor="bridge")
        return ActionResult(id=message_id, action="resend-mdn", status="queued")

    def acknowledge(self, document_id: str, partner: str | None) -> ActionResult:
        self.queries.ack_pull(document_id, partner)
        return ActionResult(id=document_id, action="acknowledge", status=str(DeliveryStatus.ACKNOWLEDGED))

    # --- reads ----------------------------------------------------------------------------------------------

    def get_document(self, document_id: str) -> DocumentDetail:
        return self.queries.document_detail(document_id)

    def search_documents(self, query: DocumentQuery) -> Page[DocumentSummary]:
        return self.queries.search_documents(query)

    def search_messages(self, query: MessageQuery) -> Page[MessageOut]:
        return self.queries.search_messages(query)

    def get_message(self, message_id: str) -> MessageOut:
        return self.queries.get_message(message_id)

    def pull(self, partner: str | None, limit: int) -> list[DocumentDetail]:
        return self.queries.pull_queue(partner, limit)

    def list_deliveries(
        self, document_id: str | None, status: DeliveryStatus | None, cursor: str | None, limit: int
    ) -> Page[DeliveryOut]:
        return self.queries.list_deliveries(document_id, status, cursor, limit)

    def get_delivery(self, delivery_id: str) -> DeliveryOut:
        return delivery_of(self.runtime.store.get_delivery(delivery_id))

    def translate(self, request: TranslateRequest) -> TranslateResponse:
        return translation.translate(self.runtime, request)

    def partners(self) -> list[PartnerSummary]:
        return [translation.partner_summary(p) for p in self.runtime.partners]

    def document_types(self) -> list[str]:
        return sorted(translation.canonical_models())

    def canonical_schema(self, document_type: str) -> dict[str, Any]:
        return translation.canonical_schema(document_type)

    def readiness(self) -> HealthOut:
        return self.queries.readiness()

    def metrics(self) -> MetricsSnapshot:
        snapshot = self.queries.metrics()
        for partner in self.partners():
            for cert in partner.certificates:
                days = (cert.not_after - self.runtime.now()).total_seconds() / 86400
                snapshot.certificates.append(
                    CertificateExpiry(partner.id, cert.usage, cert.fingerprint_sha256, round(days, 3))
                )
        snapshot.certificates.extend(own_certificates(self.runtime, self.runtime.now()))
        return snapshot

    # --- tokens and users -------------------------------------------------------------------------------

    def verify_token(self, secret: str) -> Principal | None:
        return self.queries.verify_token(secret)

    def list_tokens(self) -> list[TokenOut]:
        return self.queries.list_tokens()

    def create_token(self, role: Role, partner: str | None, name: str) -> TokenIssued:
        return self.queries.create_token(role, partner, name)

    def revoke_token(self, token_id: str) -> ActionResult:
        token = self.queries.revoke_token(token_id)
        return ActionResult(id=token.id, action="revoke", status="revoked")
