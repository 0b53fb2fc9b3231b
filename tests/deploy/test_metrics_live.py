"""/metrics on the wired application: what the operator's Prometheus sees after one document is submitted."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from gateway.api.app import create_app
from gateway.store import Store, auth
from gateway.store.enums import Role
from tests.pipeline.wiring_support import SECRET_ENV, WEBHOOK_SECRET, invoice_810, settings_for, write_partners


def test_metrics_from_a_running_gateway(migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, WEBHOOK_SECRET)
    settings = settings_for(tmp_path, migrated_url, write_partners(tmp_path))
    store = Store.from_url(migrated_url)
    with store.transaction() as session:
        _, analyst = auth.create_token(session, name="prometheus", role=Role.ANALYST)
        _, erp = auth.create_token(session, name="erp", role=Role.INTEGRATION, partner_id="amazon")
    store.dispose()
    with TestClient(create_app(settings)) as client:
        submitted = client.post(
            "/api/v1/documents/810", json={"partner": "amazon", "document": invoice_810()},
            headers={"Authorization": f"Bearer {erp}", "Idempotency-Key": "inv-1"},
        )
        assert submitted.status_code == 201, submitted.text
        assert client.get("/metrics", headers={"Authorization": f"Bearer {erp}"}).status_code == 403
        text = client.get("/metrics", headers={"Authorization": f"Bearer {analyst}"}).text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    document = (("direction", "outbound"), ("document_type", "810"), ("partner", "amazon"), ("status", "accepted"))
    assert samples[("acorn_documents", document)] == 1
    assert samples[("acorn_queue_depth", (("queue", "jobs"),))] >= 1  # no worker runs here: the job waits
    assert ("acorn_queue_oldest_pending_age_seconds", (("queue", "jobs"),)) in samples
    expiry = {dict(labels)["usage"]: v for (name, labels), v in samples.items()
              if name == "acorn_certificate_days_to_expiry" and ("partner", "amazon") in labels}
    # the partner's certificate (labelled in the profile) and our own signing and decryption certificates
    assert {"development", "our signing", "our decryption"} <= set(expiry)
    assert all(days > 30 for days in expiry.values())
