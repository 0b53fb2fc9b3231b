"""AS2 message actions through the bridge (resend a failed outbound message, resend our async MDN) on a real store.

The seeded runtime (tests/ui/seed.py: an 850 in with a sync MDN, an 810 out) runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import bearer
from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.api.policy import Role
from gateway.api.store_backend import StoreBackend
from gateway.pipeline import as2_outbound
from gateway.pipeline.as2_context import service_for
from gateway.settings import Settings
from gateway.store import as2 as store_as2
from gateway.store import jobs as store_jobs
from gateway.store.enums import AS2Status, JobStatus
from tests.ui.seed import Seeded, seeded_runtime

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def seeded(tmp_path: Path, migrated_url: str) -> Iterator[Seeded]:
    data = seeded_runtime(tmp_path, migrated_url)
    yield data
    data.runtime.close()


@pytest.fixture
def bridge(seeded: Seeded, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    backend = StoreBackend(seeded.runtime)
    app = create_app(Settings(data_dir=tmp_path / "app", environment="test"))
    app.state.bridge_backend = backend
    tokens = {role: backend.create_token(role, partner, role.value).token
              for role, partner in ((Role.ANALYST, None), (Role.INTEGRATION, "amazon"))}
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, {str(k): v for k, v in tokens.items()}


def _post(bridge: tuple[TestClient, dict[str, str]], path: str, who: str = "analyst") -> Any:
    client, tokens = bridge
    return client.post(f"/api/v1/messages/{path}", headers=bearer(tokens[who]))


def test_a_dead_outbound_message_is_queued_to_be_sent_again(seeded: Seeded, bridge: Any) -> None:
    ref, _ = as2_outbound.message_for_document(service_for(seeded.runtime), seeded.invoice_id)
    with seeded.database.transaction() as session:
        store_as2.update_as2_message(session, ref, AS2Status.DEAD, error="HTTP 503 six times")
    response = _post(bridge, f"{ref}/resend")
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in ("id", "action", "status")} == {"id": ref, "action": "resend",
                                                                          "status": "queued"}
    with seeded.database.transaction() as session:
        assert store_as2.get_as2_message(session, ref).status is AS2Status.QUEUED
        queued = [j for j in store_jobs.list_jobs(session, status=JobStatus.PENDING) if j.subject_id == ref]
    assert queued and all(j.kind == "as2.send" for j in queued)
    again = _post(bridge, f"{ref}/resend")  # queued now: not a failed message any more
    assert again.status_code == 409 and "only outbound messages in mdn_failed or dead" in again.json()["detail"]


def test_refusals_say_why_with_409(seeded: Seeded, bridge: Any) -> None:
    mdn = _post(bridge, f"{seeded.message_ref}/resend-mdn")
    assert mdn.status_code == 409 and mdn.headers["content-type"].startswith("application/problem+json")
    assert "only asynchronous MDNs can be sent again" in mdn.json()["detail"]
    inbound = _post(bridge, f"{seeded.message_ref}/resend")
    assert inbound.status_code == 409 and "is inbound" in inbound.json()["detail"]


def test_integration_tokens_may_not_and_unknown_messages_are_404(seeded: Seeded, bridge: Any) -> None:
    refused = _post(bridge, f"{seeded.message_ref}/resend-mdn", "integration")  # no retry permission
    assert refused.status_code == 403 and "retry" in refused.json()["detail"]
    assert _post(bridge, "no-such-message/resend").status_code == 404
