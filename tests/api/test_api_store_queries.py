"""The bridge's reads over the real store (SQLite and PostgreSQL): search filters, keyset pages, tokens, lineage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_memory import memory_runtime
from api_support import bearer
from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.api.store_backend import StoreBackend
from gateway.api.store_queries import StoreQueries
from gateway.settings import Settings
from gateway.store import acks, as2, auth, deliveries, documents, events, jobs
from gateway.store.enums import (
    AckKind,
    AckStatus,
    AS2Status,
    ChannelKind,
    Direction,
    DocType,
    DocumentStatus,
    MdnStatus,
    Outcome,
    Role,
)
from gateway.store.models_ops import ApiToken

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass
class Db:
    client: TestClient
    store: Any
    tokens: dict[str, str]
    ids: list[str]


def _seed(store: Any) -> list[str]:
    """Twelve documents; four share one timestamp so ties are broken by id."""
    ids = []
    with store.transaction() as s:
        for n in range(12):
            partner = "amazon" if n % 3 else "walmart"
            doc, _ = documents.create_document(
                s,
                partner_id=partner,
                doc_type=DocType.PO_850 if n % 2 else DocType.INVOICE_810,
                direction=Direction.INBOUND if n % 2 else Direction.OUTBOUND,
                status=DocumentStatus.FAILED if n == 5 else DocumentStatus.DELIVERED,
                canonical={"n": n},
                po_number=f"PO-{n % 4}",
                isa13=f"{n:09d}",
                gs06=str(100 + n),
                st02=f"{n:04d}",
                created_at=T0 + timedelta(hours=min(n, 8)),
            )
            ids.append(doc.id)
    return ids


@pytest.fixture
def db(store: Any, tmp_path: Path) -> Iterator[Db]:
    runtime, _, _ = memory_runtime(tmp_path, lambda request: httpx.Response(204))
    queries = StoreQueries(store)
    app = create_app(Settings(data_dir=tmp_path, environment="test"))
    app.state.bridge_backend = StoreBackend(runtime, queries)  # type: ignore[arg-type]
    tokens = {
        "integration": queries.create_token(Role.INTEGRATION, "amazon", "erp").token,
        "analyst": queries.create_token(Role.ANALYST, None, "analyst").token,
        "admin": queries.create_token(Role.ADMIN, None, "admin").token,
    }
    ids = _seed(store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Db(client, store, tokens, ids)


def _all_pages(db: Db, token: str, **params: Any) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        query = dict(params) | ({"cursor": cursor} if cursor else {})
        response = db.client.get("/api/v1/documents", params=query, headers=bearer(token))
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([d["id"] for d in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_pages_are_stable_newest_first_ties_by_id(db: Db) -> None:
    pages = _all_pages(db, db.tokens["analyst"], limit=5)
    assert [len(p) for p in pages] == [5, 5, 2]
    seen = [i for p in pages for i in p]
    assert sorted(seen) == sorted(db.ids)
    with db.store.transaction() as s:
        created = {i: documents.get_document(s, i).created_at for i in db.ids}
    expected = sorted(db.ids, key=lambda i: (created[i], i), reverse=True)
    assert seen == expected


def test_a_new_document_does_not_shift_later_pages(db: Db) -> None:
    token = db.tokens["analyst"]
    first = db.client.get("/api/v1/documents", params={"limit": 4}, headers=bearer(token)).json()
    with db.store.transaction() as s:
        documents.create_document(
            s,
            partner_id="amazon",
            doc_type=DocType.PO_850,
            direction=Direction.INBOUND,
            status=DocumentStatus.RECEIVED,
            created_at=T0 + timedelta(days=30),
        )
    rest = _all_pages(db, token, limit=4)  # from the start: includes the new one
    second = db.client.get(
        "/api/v1/documents", params={"limit": 4, "cursor": first["next_cursor"]}, headers=bearer(token)
    ).json()
    assert [d["id"] for d in second["items"]] == rest[1][1:] + rest[2][:1]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"partner": "walmart"}, {0, 3, 6, 9}),
        ({"document_type": "850"}, {1, 3, 5, 7, 9, 11}),
        ({"direction": "outbound"}, {0, 2, 4, 6, 8, 10}),
        ({"status": "failed"}, {5}),
        ({"po_number": "PO-2"}, {2, 6, 10}),
        ({"isa13": "000000007"}, {7}),
        ({"gs06": "104"}, {4}),
        ({"st02": "0011"}, {11}),
        ({"created_from": "2026-11-01T14:00:00Z", "created_to": "2026-11-01T17:00:00Z"}, {2, 3, 4}),
        ({"partner": "amazon", "document_type": "810", "po_number": "PO-0"}, {4, 8}),
        ({"document_type": "999"}, set()),
    ],
)
def test_search_filters(db: Db, params: dict[str, str], expected: set[int]) -> None:
    pages = _all_pages(db, db.tokens["analyst"], limit=500, **params)
    assert {db.ids.index(i) for p in pages for i in p} == expected


def test_integration_token_search_is_limited_to_its_partner(db: Db) -> None:
    token = db.tokens["integration"]
    mine = {db.ids.index(i) for p in _all_pages(db, token) for i in p}
    assert mine == {1, 2, 4, 5, 7, 8, 10, 11}
    assert _all_pages(db, token, partner="walmart") == [[]]
    walmart_doc = db.ids[0]
    assert db.client.get(f"/api/v1/documents/{walmart_doc}", headers=bearer(token)).status_code == 404


def test_bad_cursor_is_a_422_naming_the_parameter(db: Db) -> None:
    response = db.client.get("/api/v1/documents", params={"cursor": "!!nope"}, headers=bearer(db.tokens["admin"]))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["issues"][0]["location"] == "query.cursor"


def test_tokens_are_stored_hashed_and_revocable(db: Db) -> None:
    admin = bearer(db.tokens["admin"])
    created = db.client.post("/api/v1/tokens", json={"role": "analyst", "name": "dash"}, headers=admin)
    assert created.status_code == 201, created.text
    secret = created.json()["token"]
    with db.store.transaction() as s:
        rows = list(auth.list_tokens(s))
        stored = [r.token_hash for r in rows]
    assert secret not in stored and auth.token_hash(secret) in stored
    listed = db.client.get("/api/v1/tokens", headers=admin).json()
    assert all("token" not in row for row in listed) and len(listed) == 4
    assert db.client.get("/api/v1/partners", headers=bearer(secret)).status_code == 200
    token_id = created.json()["id"]
    assert db.client.delete(f"/api/v1/tokens/{token_id}", headers=admin).status_code == 200
    assert db.client.get("/api/v1/partners", headers=bearer(secret)).status_code == 401
    with db.store.transaction() as s:
        assert s.get(ApiToken, token_id).revoked_at is not None


def test_document_detail_shows_lineage_and_events(db: Db) -> None:
    with db.store.transaction() as s:
        message, _ = as2.record_as2_message(
            s,
            direction=Direction.INBOUND,
            message_id="<m1@amazon>",
            partner_id="amazon",
            as2_from="AMAZON",
            as2_to="ACORN",
            status=AS2Status.PROCESSED,
            body=b"raw",
        )
        as2.store_mdn(
            s,
            message.id,
            direction=Direction.OUTBOUND,
            disposition="automatic-action/MDN-sent-automatically; processed",
            status=MdnStatus.SENT,
        )
        doc, _ = documents.create_document(
            s,
            partner_id="amazon",
            doc_type=DocType.PO_850,
            direction=Direction.INBOUND,
            status=DocumentStatus.DELIVERED,
            canonical={"purchaseOrderNumber": "PO-77"},
            po_number="PO-77",
            as2_message_id=message.id,
            x12=b"ISA*00*...~",
        )
        acks.record_acknowledgement(
            s,
            direction=Direction.OUTBOUND,
            kind=AckKind.FA_997,
            partner_id="amazon",
            status=AckStatus.ACCEPTED,
            for_isa13="000000101",
            for_gs06="101",
            for_st02="0001",
            document_id=doc.id,
        )
        deliveries.create_delivery(s, doc.id, ChannelKind.PULL, "poll")
        events.append_event(s, "translate", Outcome.OK, "850 -> canonical", document_id=doc.id)
    body = db.client.get(f"/api/v1/documents/{doc.id}", headers=bearer(db.tokens["integration"])).json()
    assert body["canonical"] == {"purchaseOrderNumber": "PO-77"} and body["x12"] == "ISA*00*...~"
    assert body["lineage"]["message"]["message_id"] == "<m1@amazon>"
    assert body["lineage"]["mdn"]["disposition"].endswith("processed")
    assert [a["kind"] for a in body["lineage"]["acknowledgements"]] == ["997"]
    assert [(d["channel"], d["status"]) for d in body["lineage"]["deliveries"]] == [("pull", "available")]
    assert [e["stage"] for e in body["events"]] == ["translate"]

    pulled = db.client.get("/api/v1/queue", headers=bearer(db.tokens["integration"])).json()
    assert [d["id"] for d in pulled] == [doc.id]
    acked = db.client.post(f"/api/v1/queue/{doc.id}/ack", headers=bearer(db.tokens["integration"]))
    assert acked.status_code == 200
    assert db.client.get("/api/v1/queue", headers=bearer(db.tokens["integration"])).json() == []
    messages = db.client.get("/api/v1/messages", params={"partner": "amazon"}, headers=bearer(db.tokens["analyst"]))
    assert [m["message_id"] for m in messages.json()["items"]] == ["<m1@amazon>"]


def test_readiness_reports_the_schema_version(db: Db) -> None:
    body = db.client.get("/health/ready").json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["schema_version"]


def test_metrics_read_queue_depth_and_pull_age_at_scrape_time(db: Db) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    def scrape() -> dict[tuple[str, str], float]:
        text = db.client.get("/metrics", headers=bearer(db.tokens["analyst"])).text
        return {
            (s.name, s.labels.get("queue", "")): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    before = scrape()
    assert before[("acorn_queue_depth", "jobs")] == 0 and before[("acorn_queue_depth", "pull")] == 0
    assert ("acorn_queue_oldest_pending_age_seconds", "pull") not in before
    with db.store.transaction() as s:
        jobs.enqueue_job(s, "pipeline.deliver", payload={"delivery": "x"}, dedupe_key="m1")
        jobs.enqueue_job(s, "pipeline.deliver", payload={"delivery": "y"}, dedupe_key="m2")
        delivery, _ = deliveries.create_delivery(s, db.ids[1], ChannelKind.PULL, "poll")
        delivery.created_at = datetime.now(UTC) - timedelta(minutes=5)
        s.add(delivery)
    after = scrape()
    assert after[("acorn_queue_depth", "jobs")] == 2
    assert after[("acorn_queue_depth", "pull")] == 1
    assert 299 <= after[("acorn_queue_oldest_pending_age_seconds", "pull")] < 400


@pytest.mark.slow
@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_schemathesis_over_the_real_store(db: Db) -> None:
    """Bounded fuzzing of the read and token operations over the real store: no 500s, answers match the schema."""
    import time

    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_asgi("/openapi.json", db.client.app)
    headers = bearer(db.tokens["admin"])
    started = time.monotonic()
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(("/api/v1", "/health", "/metrics")):
            continue  # /as2 and the monitor have their own suites
        if operation.method.upper() != "GET" and not operation.path.startswith("/api/v1/queue"):
            continue  # writes go through the pipeline flows, fuzzed over the in-memory ports in test_openapi

        @settings(
            max_examples=5,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        run()
        count += 1
    assert count >= 12
    assert time.monotonic() - started < 60
