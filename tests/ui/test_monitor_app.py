"""The monitor inside create_app(): session secret policy, and pages over the real store behind sign-in."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from gateway.api.app import create_app
from gateway.errors import ConfigError
from gateway.settings import Settings
from gateway.ui.install import SECRET_FILE, session_secret
from tests.ui.seed import PASSWORDS, PO_NUMBER, seeded_runtime

pytestmark = pytest.mark.timeout(120)
STRONG = "x" * 20 + "y" * 20


@pytest.mark.parametrize("value", ["", "change-me", "secret"])
def test_production_refuses_a_missing_or_placeholder_secret(tmp_path: Path, value: str) -> None:
    settings = Settings(data_dir=tmp_path, environment="production", session_secret=SecretStr(value))
    with pytest.raises(ConfigError, match="ACORN_SESSION_SECRET is missing or a placeholder"):
        session_secret(settings)
    assert not (tmp_path / SECRET_FILE).exists()


def test_a_short_secret_is_refused_everywhere(tmp_path: Path) -> None:
    for environment in ("production", "development"):
        settings = Settings(data_dir=tmp_path, environment=environment, session_secret=SecretStr("short-but-set"))
        with pytest.raises(ConfigError, match="has 13 characters; it needs at least 32"):
            session_secret(settings)


def test_production_uses_the_configured_secret(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, environment="production", session_secret=SecretStr(STRONG))
    assert session_secret(settings) == STRONG.encode()


def test_development_generates_one_secret_and_keeps_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = session_secret(settings)
    path = tmp_path / "data" / SECRET_FILE
    assert len(first) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_secret(settings) == first  # sessions survive a restart
    assert [p.name for p in path.parent.iterdir()] == [SECRET_FILE]  # no draft left behind


def test_create_app_serves_the_monitor_over_the_runtime(tmp_path: Path, migrated_url: str) -> None:
    seeded = seeded_runtime(tmp_path, migrated_url)
    app = create_app(seeded.runtime.settings)
    app.state.runtime = seeded.runtime  # the lifespan keeps a runtime that is already there
    try:
        with TestClient(app, follow_redirects=False) as client:
            assert client.get("/").headers["location"] == "/login?next=/"
            page = client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf is not None
            signed_in = client.post("/login", data={"username": "ana", "password": PASSWORDS["ana"],
                                                    "csrf": csrf.group(1)})
            assert signed_in.status_code == 303
            found = client.get("/documents", params={"q": PO_NUMBER})
            assert f"/documents/{seeded.po_id}" in found.text and f"/documents/{seeded.invoice_id}" in found.text
            detail = client.get(f"/documents/{seeded.po_id}")
            assert detail.status_code == 200 and "BEG03" in detail.text
            assert client.get("/health/live").status_code == 200  # the bridge still answers beside it
    finally:
        seeded.runtime.close()
