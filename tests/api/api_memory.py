"""An in-memory Runtime (the pipeline's own in-memory ports) and the bridge's store queries over it, for tests."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

import httpx

from gateway.api.backend import DocumentQuery
from gateway.api.policy import Principal, Role
from gateway.api.schemas import DeliveryOut, DocumentDetail, DocumentSummary, Page, TokenIssued, TokenOut
from gateway.api.store_backend import delivery_of, summary_of
from gateway.errors import NotFoundError
from gateway.pipeline.ports import DeliveryTarget, PartnerView
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import Channel, DeliveryStatus
from gateway.settings import Settings

_MEMORY = Path(__file__).resolve().parents[1] / "pipeline" / "pipeline_memory.py"
_spec = importlib.util.spec_from_file_location("pipeline_memory_for_api_tests", _MEMORY)
assert _spec is not None and _spec.loader is not None
mem = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = mem
_spec.loader.exec_module(mem)

SECRET = "whsec_" + base64.b64encode(b"bridge-test-secret-32-bytes-long").decode()


class MemoryQueries:
    """Token, document, pull-queue and delivery reads over the pipeline's MemoryStore."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.tokens: dict[str, tuple[TokenOut, str]] = {}

    def create_token(self, role: Role, partner: str | None, name: str) -> TokenIssued:
        row = TokenOut(id=f"tok_{len(self.tokens) + 1}", name=name, role=role, partner=partner)
        secret = f"acorn_{hashlib.sha256(row.id.encode()).hexdigest()[:24]}"
        self.tokens[row.id] = (row, hashlib.sha256(secret.encode()).hexdigest())
        return TokenIssued(**row.model_dump(), token=secret)

    def verify_token(self, secret: str) -> Principal | None:
        digest = hashlib.sha256(secret.encode()).hexdigest()
        for row, stored in self.tokens.values():
            if stored == digest and row.revoked_at is None:
                return Principal(row.id, row.name, row.role, row.partner)
        return None

    def ack_pull(self, document_id: str, partner: str | None) -> DeliveryOut:
        for d in self.store.deliveries.values():
            if d.document_id == document_id and d.channel is Channel.PULL:
                if partner not in (None, self.store.get_document(document_id).partner_id):
                    break
                if d.status is not DeliveryStatus.ACKNOWLEDGED:
                    self.store.update_delivery(d.id, DeliveryStatus.ACKNOWLEDGED)
                return delivery_of(self.store.deliveries[d.id])
        raise NotFoundError(f"document {document_id} is not in the pull queue")

    def document_detail(self, document_id: str) -> DocumentDetail:
        record = self.store.get_document(document_id)
        return DocumentDetail(**summary_of(record).model_dump(), canonical=record.canonical)

    def search_documents(self, query: DocumentQuery) -> Page[DocumentSummary]:
        rows = [summary_of(d) for d in self.store.documents.values()]
        wanted = {"partner": query.partner, "document_type": query.document_type, "po_number": query.po_number}
        rows = [r for r in rows if all(v is None or getattr(r, k) == v for k, v in wanted.items())]
        return Page[DocumentSummary](items=rows[: query.limit])

    def pull_queue(self, partner: str | None, limit: int) -> list[DocumentDetail]:
        out = []
        for d in self.store.deliveries.values():
            if d.channel is Channel.PULL and d.status is DeliveryStatus.AVAILABLE:
                detail = self.document_detail(d.document_id)
                if partner in (None, detail.partner):
                    out.append(detail)
        return out[:limit]

    def list_deliveries(
        self, document_id: str | None, status: DeliveryStatus | None, cursor: str | None, limit: int
    ) -> Page[DeliveryOut]:
        rows = [
            delivery_of(d)
            for d in self.store.deliveries.values()
            if document_id in (None, d.document_id) and status in (None, d.status)
        ]
        return Page[DeliveryOut](items=rows[:limit])

    def get_message(self, message_id: str) -> Any:
        raise NotFoundError(f"no AS2 message {message_id!r}")


def memory_runtime(tmp_path: Path, receiver: Any) -> tuple[Runtime, Any, MemoryQueries]:
    """A runtime with one partner (webhook + pull targets) whose webhooks go to ``receiver``."""
    amazon = PartnerView(
        id="amazon",
        isa_qualifier="ZZ",
        isa_id="AMAZON",
        our_isa_qualifier="ZZ",
        our_isa_id="ACORN",
        deliveries=(
            DeliveryTarget("erp", Channel.WEBHOOK, url="https://erp.test/hooks", secret=SECRET),
            DeliveryTarget("poll", Channel.PULL),
        ),
    )
    store = mem.MemoryStore()
    runtime = Runtime(
        settings=Settings(data_dir=tmp_path),
        store=store,
        partners=mem.FakePartners({"amazon": amazon}),
        x12=mem.FakeX12(),
        mappings=mem.FakeMappings(),
        clock=lambda: store.now,
    )
    runtime.extras["webhook_client"] = httpx.Client(transport=httpx.MockTransport(receiver))
    return runtime, store, MemoryQueries(store)
