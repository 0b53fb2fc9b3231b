"""Fixtures for the JSON bridge tests: the real app factory with an in-memory backend."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from api_fakes import FakeBackend  # noqa: E402
from api_support import FakeWorld  # noqa: E402

from gateway.api.app import create_app  # noqa: E402
from gateway.api.policy import Role  # noqa: E402
from gateway.settings import Settings  # noqa: E402


@pytest.fixture
def fake_world(tmp_path: Path) -> Iterator[FakeWorld]:
    app = create_app(Settings(data_dir=tmp_path, environment="test"))
    backend = FakeBackend()
    app.state.bridge_backend = backend
    tokens = {
        "integration": backend.create_token(Role.INTEGRATION, "amazon", "erp").token,
        "analyst": backend.create_token(Role.ANALYST, None, "analyst").token,
        "admin": backend.create_token(Role.ADMIN, None, "admin").token,
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        yield FakeWorld(app, client, backend, tokens)
