"""Bundled partner as2 blocks, development-key refusal in production, certificates and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from gateway.as2 import load_partner
from gateway.as2.certs import describe, ensure_dev_keys
from gateway.cli import app
from gateway.errors import ConfigError
from gateway.partners.as2_section import AS2Section

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("partner", ["amazon", "walmart", "generic"])
def test_bundled_profiles_load_in_development_and_are_refused_in_production(partner: str) -> None:
    path = REPO / "partners" / partner / "partner.yaml"
    section = AS2Section.model_validate(yaml.safe_load(path.read_text())["as2"])
    loaded = load_partner(partner, section, base_dir=path.parent)
    assert loaded.signing_key is not None and loaded.current_certificate(datetime.now(UTC))
    with pytest.raises(ConfigError, match="development key refused in production"):
        load_partner(partner, section, base_dir=path.parent, production=True)


def test_amazon_floor() -> None:
    section = AS2Section.model_validate(yaml.safe_load((REPO / "partners/amazon/partner.yaml").read_text())["as2"])
    assert section.outbound.encryption is not None and section.outbound.encryption.value.startswith("aes")
    assert {d.value for d in section.inbound.digests} <= {"sha256", "sha384", "sha512"}
    assert section.mdn.mode.value == "sync" and section.mdn.signed


def test_profile_rejects_forbidden_and_unknown() -> None:
    base = {"our_as2_id": "A", "their_as2_id": "B"}
    with pytest.raises(ValidationError, match="forbidden"):
        AS2Section.model_validate(base | {"outbound": {"encryption": "rc2"}})
    with pytest.raises(ValidationError, match="extra"):
        AS2Section.model_validate(base | {"password": "inline"})
    with pytest.raises(ValidationError, match="async_url"):
        AS2Section.model_validate(base | {"mdn": {"mode": "async"}})
    with pytest.raises(ValidationError, match="exactly one"):
        AS2Section.model_validate(base | {"http_auth": {"username": "u", "password": {}}})


def test_missing_password_env_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACORN_NOPE", raising=False)
    section = AS2Section.model_validate(
        {
            "our_as2_id": "A",
            "their_as2_id": "B",
            "our_signing_key": {
                "path": str(REPO / "certs.example/acornvendor.key.pem"),
                "password": {"env": "ACORN_NOPE"},
            },
        }
    )
    with pytest.raises(ConfigError, match="ACORN_NOPE"):
        load_partner("p", section)


def test_ensure_dev_keys_creates_once(tmp_path: Path) -> None:
    first = ensure_dev_keys(tmp_path, "MY ID")
    again = ensure_dev_keys(tmp_path, "MY ID")
    assert first == again and first.key_pem.read_bytes() == again.key_pem.read_bytes()
    info = describe(first.cert_pem)
    assert info.development and info.key_bits == 2048 and "CN=MY ID" in info.subject


def test_cli_certs_new_and_show(tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["certs", "new", "--as2-id", "CLITEST", "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    shown = runner.invoke(app, ["certs", "show", str(tmp_path / "clitest.cert.pem")])
    assert shown.exit_code == 0 and "CN=CLITEST" in shown.output and "sha256:" in shown.output
    bad = runner.invoke(app, ["certs", "show", str(tmp_path / "missing.pem")])
    assert bad.exit_code == 2
