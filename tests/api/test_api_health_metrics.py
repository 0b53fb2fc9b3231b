"""Health probes are open; /metrics needs the metrics permission and reads the backend at scrape time."""

from __future__ import annotations

from pathlib import Path

from api_support import FakeWorld, bearer
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from gateway.api.app import create_app
from gateway.api.metrics import CertificateExpiry, MetricsSnapshot
from gateway.api.schemas import HealthOut
from gateway.settings import Settings


def test_live_is_open(fake_world: FakeWorld) -> None:
    response = fake_world.client.get("/health/live")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_ready_reports_database_and_schema(fake_world: FakeWorld) -> None:
    body = fake_world.client.get("/health/ready").json()
    assert body == {"status": "ok", "database": "ok", "schema_version": "fake", "detail": ""}


def test_ready_is_503_when_not_ready(fake_world: FakeWorld) -> None:
    fake_world.backend.readiness = lambda: HealthOut(  # type: ignore[method-assign]
        status="unavailable", database="ok", schema_version="0001", detail="schema 0001 is behind 0002"
    )
    response = fake_world.client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["detail"] == "schema 0001 is behind 0002"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_are_read_at_scrape_time(fake_world: FakeWorld) -> None:
    headers = bearer(fake_world.tokens["analyst"])
    first = _samples(fake_world.client.get("/metrics", headers=headers).text)
    assert not [k for k in first if k[0] == "acorn_documents"]
    fake_world.backend.add("amazon", "850", "inbound", "delivered")
    fake_world.backend.add("amazon", "850", "inbound", "delivered")
    fake_world.backend.add("walmart", "855", "outbound", "failed")
    response = fake_world.client.get("/metrics", headers=headers)
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    second = _samples(response.text)
    key = (("direction", "inbound"), ("document_type", "850"), ("partner", "amazon"), ("status", "delivered"))
    assert second[("acorn_documents", key)] == 2
    key = (("direction", "outbound"), ("document_type", "855"), ("partner", "walmart"), ("status", "failed"))
    assert second[("acorn_documents", key)] == 1


def test_queue_and_certificate_gauges(fake_world: FakeWorld) -> None:
    fake_world.backend.metrics = lambda: MetricsSnapshot(  # type: ignore[method-assign]
        queue_depth={"outbox": 3, "pull": 0},
        oldest_pending_seconds={"outbox": 42.5},
        certificates=[CertificateExpiry("amazon", "signing", "AB:CD", 12.5)],
    )
    samples = _samples(fake_world.client.get("/metrics", headers=bearer(fake_world.tokens["admin"])).text)
    assert samples[("acorn_queue_depth", (("queue", "outbox"),))] == 3
    assert samples[("acorn_queue_depth", (("queue", "pull"),))] == 0
    assert samples[("acorn_queue_oldest_pending_age_seconds", (("queue", "outbox"),))] == 42.5
    cert = (("fingerprint", "AB:CD"), ("partner", "amazon"), ("usage", "signing"))
    assert samples[("acorn_certificate_days_to_expiry", cert)] == 12.5


def test_metrics_need_the_metrics_permission(fake_world: FakeWorld) -> None:
    assert fake_world.client.get("/metrics").status_code == 401
    assert fake_world.client.get("/metrics", headers=bearer(fake_world.tokens["integration"])).status_code == 403


def test_no_global_registry_is_touched(fake_world: FakeWorld) -> None:
    from prometheus_client import REGISTRY

    before = set(REGISTRY._names_to_collectors)  # noqa: SLF001 - checking the global stays untouched
    fake_world.client.get("/metrics", headers=bearer(fake_world.tokens["admin"]))
    assert set(REGISTRY._names_to_collectors) == before
    assert not any(name.startswith("acorn_") for name in before)


def test_unwired_gateway_answers_503_not_500(tmp_path: Path) -> None:
    """Without a runtime (none built at startup) the bridge says so instead of crashing."""
    app = create_app(Settings(data_dir=tmp_path, environment="test"))
    app.state.runtime_factory = None  # no runtime is built at startup
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/health/live").status_code == 200
        response = client.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable" and "runtime" in response.json()["detail"]
        response = client.get("/api/v1/partners", headers={"Authorization": "Bearer x"})
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
