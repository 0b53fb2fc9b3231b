"""What the bridge reads from the store beyond the pipeline's ports (searches, lineage, tokens, health, metrics)."""

from __future__ import annotations

from typing import Protocol

from gateway.api.backend import DocumentQuery, MessageQuery
from gateway.api.metrics import MetricsSnapshot
from gateway.api.policy import Principal, Role
from gateway.api.schemas import (
    DeliveryOut,
    DocumentDetail,
    DocumentSummary,
    HealthOut,
    MessageOut,
    Page,
    TokenIssued,
    TokenOut,
)
from gateway.pipeline.statuses import DeliveryStatus


class BridgeQueries(Protocol):
    """Read models and token/user records, implemented over gateway.store repository functions."""

    def document_detail(self, document_id: str) -> DocumentDetail: ...

    def search_documents(self, query: DocumentQuery) -> Page[DocumentSummary]: ...

    def search_messages(self, query: MessageQuery) -> Page[MessageOut]: ...

    def get_message(self, message_id: str) -> MessageOut: ...

    def pull_queue(self, partner: str | None, limit: int) -> list[DocumentDetail]: ...

    def ack_pull(self, document_id: str, partner: str | None) -> DeliveryOut: ...

    def list_deliveries(
        self, document_id: str | None, status: DeliveryStatus | None, cursor: str | None, limit: int
    ) -> Page[DeliveryOut]: ...

    def readiness(self) -> HealthOut: ...

    def metrics(self) -> MetricsSnapshot: ...

    def verify_token(self, secret: str) -> Principal | None: ...

    def list_tokens(self) -> list[TokenOut]: ...

    def create_token(self, role: Role, partner: str | None, name: str) -> TokenIssued: ...

    def revoke_token(self, token_id: str) -> TokenOut: ...


QUERIES_KEY = "bridge_queries"  # where the wiring puts the implementation in Runtime.extras
