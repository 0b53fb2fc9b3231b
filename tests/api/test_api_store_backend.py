"""The bridge over the pipeline's flows (in-memory ports): idempotency, retry/reprocess, pull ack, replay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_memory import SECRET, mem, memory_runtime
from api_support import bearer
from api_walkthrough import blocks
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.api.examples import SUBMIT_EXAMPLES
from gateway.api.policy import Role
from gateway.api.store_backend import StoreBackend
from gateway.canonical import MODELS
from gateway.pipeline import outbound, webhooks
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import Channel, DeliveryStatus, DocumentStatus, PipelineJob
from gateway.settings import Settings
from gateway.worker import pipeline_jobs
from gateway.worker.registry import JobContext

INVOICE = SUBMIT_EXAMPLES["810"]["document"]


@dataclass
class Flow:
    app: FastAPI
    client: TestClient
    store: Any
    runtime: Runtime
    tokens: dict[str, str]
    sent: list[httpx.Request]


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    sent: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(503 if len(sent) == 1 else 204)  # the first push fails, the replay succeeds

    runtime, store, queries = memory_runtime(tmp_path, receiver)
    app = create_app(Settings(data_dir=tmp_path, environment="test"))
    app.state.bridge_backend = StoreBackend(runtime, queries)  # type: ignore[arg-type]
    tokens = {
        "integration": queries.create_token(Role.INTEGRATION, "amazon", "erp").token,
        "analyst": queries.create_token(Role.ANALYST, None, "analyst").token,
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Flow(app, client, store, runtime, tokens, sent)


def _submit(flow: Flow, key: str, document: dict[str, Any]) -> httpx.Response:
    headers = bearer(flow.tokens["integration"]) | {"Idempotency-Key": key}
    return flow.client.post("/api/v1/documents/810", json={"partner": "amazon", "document": document}, headers=headers)


def test_submit_commits_the_document_and_queues_preparation(flow: Flow) -> None:
    response = _submit(flow, "k-1", INVOICE)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "accepted" and body["po_number"] == "4500012345"
    assert response.headers["location"] == f"/api/v1/documents/{body['id']}"
    assert "idempotent-replayed" not in response.headers
    # Stored as the canonical model reads it (numbers as decimal strings), only the fields that were sent.
    expected = MODELS["810"].model_validate(INVOICE).model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert flow.store.documents[body["id"]].canonical == expected
    assert expected["items"][0]["invoicedQuantity"] == {"amount": "12", "unitOfMeasure": "EA"}
    assert [j.kind for j in flow.store.jobs] == [PipelineJob.PREPARE_OUTBOUND]


def test_same_key_and_body_returns_the_original(flow: Flow) -> None:
    first = _submit(flow, "k-2", INVOICE)
    again = _submit(flow, "k-2", dict(reversed(list(INVOICE.items()))))  # same JSON, other key order
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(flow.store.documents) == 1 and len(flow.store.jobs) == 1


def test_same_key_other_body_is_a_conflict(flow: Flow) -> None:
    first = _submit(flow, "k-3", INVOICE)
    response = _submit(flow, "k-3", INVOICE | {"invoiceNumber": "INV-2"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/idempotency-conflict")
    assert first.json()["id"] in problem["detail"]
    assert len(flow.store.documents) == 1


def test_unknown_partner_is_404_and_stores_nothing(flow: Flow) -> None:
    headers = bearer(flow.tokens["analyst"])
    response = flow.client.post(
        "/api/v1/translate",
        json={"partner": "nobody", "direction": "json-to-x12", "document_type": "810", "document": INVOICE},
        headers=headers,
    )
    assert response.status_code == 404 and "nobody" in response.json()["detail"]


def test_stateless_translate_allocates_no_control_numbers(flow: Flow) -> None:
    response = flow.client.post(
        "/api/v1/translate",
        json={"partner": "amazon", "direction": "json-to-x12", "document_type": "810", "document": INVOICE},
        headers=bearer(flow.tokens["integration"]),
    )
    assert response.status_code == 200, response.text
    assert response.json()["x12"].startswith("ISA..000000001~")
    assert flow.store.counters == {} and flow.store.documents == {}


def test_retry_and_reprocess_call_the_pipeline(flow: Flow) -> None:
    # Past the API's canonical check, the (fake) mapping still refuses a document without invoiceNumber.
    record, _ = outbound.submit(flow.runtime, "amazon", "810", {"purchaseOrderNumber": "PO-1"}, "api:k-4")
    doc_id = record.id
    pipeline_jobs.prepare_outbound(
        JobContext(runtime=flow.runtime, worker_id="t", now=lambda: flow.store.now),
        mem.MemJob(1, PipelineJob.PREPARE_OUTBOUND, {"document": doc_id}, "t"),
    )
    assert flow.store.documents[doc_id].status is DocumentStatus.FAILED
    analyst = bearer(flow.tokens["analyst"])
    retried = flow.client.post(f"/api/v1/documents/{doc_id}/retry", headers=analyst)
    assert retried.status_code == 200 and retried.json() == {
        "id": doc_id,
        "action": "retry",
        "status": "accepted",
        "detail": "",
    }
    flow.store.now += timedelta(seconds=1)
    reprocessed = flow.client.post(f"/api/v1/documents/{doc_id}/reprocess", headers=analyst)
    assert reprocessed.status_code == 200 and reprocessed.json()["status"] == "accepted"
    assert [j.kind for j in flow.store.jobs].count(PipelineJob.PREPARE_OUTBOUND) == 3
    assert (
        flow.client.post(f"/api/v1/documents/{doc_id}/retry", headers=bearer(flow.tokens["integration"])).status_code
        == 403
    )


def _inbound_document(flow: Flow) -> tuple[str, str, str]:
    from gateway.pipeline.ports import NewDocument
    from gateway.pipeline.statuses import Direction

    doc, _ = flow.store.create_document(
        NewDocument(
            partner_id="amazon",
            direction=Direction.INBOUND,
            document_type="850",
            status=DocumentStatus.TRANSLATED,
            idempotency_key="in:1",
            canonical={"purchaseOrderNumber": "PO-7"},
        )
    )
    webhook, _ = flow.store.create_delivery(doc.id, Channel.WEBHOOK, "erp")
    pull, _ = flow.store.create_delivery(doc.id, Channel.PULL, "poll")
    flow.store.update_delivery(pull.id, DeliveryStatus.AVAILABLE)
    return doc.id, webhook.id, pull.id


def test_pull_acknowledge_marks_the_pull_delivery(flow: Flow) -> None:
    doc_id, webhook_id, pull_id = _inbound_document(flow)
    headers = bearer(flow.tokens["integration"])
    response = flow.client.post(f"/api/v1/queue/{doc_id}/ack", headers=headers)
    assert response.status_code == 200, response.text
    assert flow.store.deliveries[pull_id].status is DeliveryStatus.ACKNOWLEDGED
    assert flow.store.deliveries[webhook_id].status is DeliveryStatus.PENDING
    assert flow.client.post(f"/api/v1/queue/{doc_id}/ack", headers=headers).status_code == 200  # harmless twice


def test_replayed_delivery_carries_a_valid_fresh_signature(flow: Flow) -> None:
    doc_id, webhook_id, _ = _inbound_document(flow)
    context = JobContext(runtime=flow.runtime, worker_id="t", now=lambda: flow.store.now)
    job = mem.MemJob(1, PipelineJob.DELIVER, {"delivery": webhook_id}, "t")
    with pytest.raises(Exception, match="HTTP 503"):
        pipeline_jobs.deliver(context, job)
    pipeline_jobs.delivery_dead(context, job, "HTTP 503 five times")
    assert flow.store.deliveries[webhook_id].status is DeliveryStatus.DEAD

    flow.store.now += timedelta(minutes=10)
    response = flow.client.post(f"/api/v1/deliveries/{webhook_id}/replay", headers=bearer(flow.tokens["analyst"]))
    assert response.status_code == 200, response.text
    assert flow.store.deliveries[webhook_id].status is DeliveryStatus.PENDING
    (queued,) = [j for j in flow.store.jobs if j.kind == PipelineJob.DELIVER and j.state == "queued"]
    pipeline_jobs.deliver(context, queued)
    assert flow.store.deliveries[webhook_id].status is DeliveryStatus.DELIVERED

    original, replayed = flow.sent
    assert replayed.headers["webhook-id"] == original.headers["webhook-id"] == doc_id
    assert int(replayed.headers["webhook-timestamp"]) - int(original.headers["webhook-timestamp"]) == 600
    now = int(flow.store.now.timestamp())
    headers = dict(replayed.headers)
    assert webhooks.verify(SECRET, headers, replayed.content, now=now)
    namespace: dict[str, Any] = {}
    exec(compile(blocks("python")[0], "docs/json-bridge.md", "exec"), namespace)  # the doc's receiver code
    assert namespace["verify"](SECRET, headers, replayed.content, tolerance=10**9)
    assert not namespace["verify"](SECRET, headers, replayed.content + b" ", tolerance=10**9)
    assert json.loads(replayed.content)["id"] == doc_id


def test_json_schema_of_every_canonical_type(flow: Flow) -> None:
    headers = bearer(flow.tokens["integration"])
    listed = flow.client.get("/api/v1/schemas", headers=headers).json()
    assert listed == ["180", "810", "850", "855", "856"]
    for document_type in listed:
        schema = flow.client.get(f"/api/v1/schemas/{document_type}", headers=headers).json()
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert set(schema["required"]) <= set(schema["properties"])
    assert "acknowledgementCode" in flow.client.get("/api/v1/schemas/855", headers=headers).json()["required"]
    assert flow.client.get("/api/v1/schemas/997", headers=headers).status_code == 404
