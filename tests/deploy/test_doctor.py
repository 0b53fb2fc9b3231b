"""`acorn doctor`: one verdict per check, secrets masked, exit code 1 on any failure."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gateway.as2.certs import generate
from gateway.cli import app
from gateway.partners import load_partner
from gateway.pipeline import doctor
from gateway.pipeline.doctor import Verdict
from gateway.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def _verdicts(checks: list[doctor.Check]) -> dict[str, Verdict]:
    return {c.name: c.verdict for c in checks}


def _profile(root: Path, partner: str, as2: dict[str, object]) -> Path:
    folder = root / partner
    folder.mkdir(parents=True)
    (folder / "partner.yaml").write_text(yaml.safe_dump({"id": partner, "name": partner.title(), "as2": as2}))
    return folder / "partner.yaml"


def _as2(ours: Path, theirs: Path, url: str | None = None, **cert: object) -> dict[str, object]:
    return {
        "our_as2_id": "US", "their_as2_id": "THEM", "url": url,
        "our_signing_key": {"path": str(ours)}, "our_decryption_key": {"path": str(ours)},
        "their_certificates": [{"path": str(theirs), "label": "current", **cert}],
    }


@pytest.fixture
def served_url() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(405)
            self.end_headers()

        def do_HEAD(self) -> None:  # noqa: N802
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/as2"
    server.shutdown()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_bundled_partners_pass_offline_in_development(migrated_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=migrated_url, session_secret="s3cret-value")
    checks = doctor.run(settings, offline=True)
    verdicts = _verdicts(checks)
    assert verdicts["database"] is Verdict.OK
    assert verdicts["partner amazon"] is Verdict.OK and verdicts["amazon signing key"] is Verdict.OK
    assert verdicts["amazon endpoint"] is Verdict.SKIP
    assert any(name.startswith("map 850") for name in verdicts)
    grammars = next(c for c in checks if c.name == "grammars")
    assert grammars.verdict is Verdict.OK
    assert {"850/004010", "856/005010", "999/005010"} <= set(grammars.facts["grammars"])
    assert not doctor.failed(checks)
    facts = checks[0].facts
    assert facts["session_secret"] == "***" and "s3cret-value" not in json.dumps(facts, default=str)


def test_development_keys_fail_in_production(migrated_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=migrated_url, environment="production")
    checks = doctor.run(settings, offline=True)
    verdicts = _verdicts(checks)
    assert verdicts["amazon signing key"] is Verdict.FAIL
    assert verdicts["amazon partner certificate development"] is Verdict.FAIL
    assert verdicts["settings"] is Verdict.WARN  # no session secret, plain-http public URL
    assert doctor.failed(checks)


def test_expiry_windows(tmp_path: Path, migrated_url: str) -> None:
    ours = generate("US", tmp_path / "keys", days=10)
    theirs = generate("THEM", tmp_path / "keys")
    partners = tmp_path / "partners"
    past = datetime.now(UTC) - timedelta(days=1)
    _profile(partners, "soon", _as2(ours.key_pem, theirs.cert_pem))
    _profile(partners, "expired", _as2(theirs.key_pem, theirs.cert_pem, not_after=past.isoformat()))
    later = (datetime.now(UTC) + timedelta(days=100)).isoformat()
    _profile(partners, "later", _as2(theirs.key_pem, theirs.cert_pem, not_before=later))
    settings = Settings(data_dir=tmp_path, database_url=migrated_url, partners_dir=partners)
    checks = doctor.run(settings, offline=True)
    verdicts = _verdicts(checks)
    assert verdicts["soon signing key"] is Verdict.WARN
    assert verdicts["soon partner certificate current"] is Verdict.OK
    assert verdicts["expired partner certificate current"] is Verdict.FAIL
    assert verdicts["expired partner certificates"] is Verdict.FAIL  # none valid now
    assert verdicts["later partner certificate current"] is Verdict.OK  # a scheduled switch-over ...
    assert verdicts["later partner certificates"] is Verdict.FAIL  # ... but nothing valid today
    soon = next(c for c in checks if c.name == "soon signing key")
    assert 8 < soon.facts["days_to_expiry"] <= 10 and soon.facts["development"] is True


def test_endpoints_reachable_or_not(tmp_path: Path, migrated_url: str, served_url: str) -> None:
    keys = generate("US", tmp_path / "keys")
    partners = tmp_path / "partners"
    _profile(partners, "up", _as2(keys.key_pem, keys.cert_pem, served_url))
    _profile(partners, "down", _as2(keys.key_pem, keys.cert_pem, f"http://127.0.0.1:{_closed_port()}/as2"))
    settings = Settings(data_dir=tmp_path, database_url=migrated_url, partners_dir=partners)
    checks = {c.name: c for c in doctor.run(settings, timeout=2)}
    assert checks["up endpoint"].verdict is Verdict.OK and "HTTP 200" in checks["up endpoint"].detail
    assert checks["down endpoint"].verdict is Verdict.WARN and "unreachable" in checks["down endpoint"].detail
    production = doctor.endpoint_check(
        load_partner(partners / "down" / "partner.yaml"), doctor.http_probe, 2, production=True
    )
    assert production is not None and production.verdict is Verdict.FAIL


def test_broken_profile_and_database_fail(tmp_path: Path) -> None:
    partners = tmp_path / "partners"
    (partners / "bad").mkdir(parents=True)
    (partners / "bad" / "partner.yaml").write_text("id: bad\nname: Bad\nas2: {our_as2_id: US}\n")
    url = f"postgresql+psycopg://nobody:hunter2@127.0.0.1:{_closed_port()}/acorn"
    settings = Settings(data_dir=tmp_path, database_url=url, partners_dir=partners)
    checks = {c.name: c for c in doctor.run(settings, offline=True)}
    assert checks["partner bad"].verdict is Verdict.FAIL and "partner.yaml" in checks["partner bad"].detail
    assert checks["database"].verdict is Verdict.FAIL and "cannot reach" in checks["database"].detail
    assert "hunter2" not in json.dumps(checks["database"].facts) and ":***@" in checks["database"].facts["url"]


def test_broken_grammar_fails(tmp_path: Path) -> None:
    maps = tmp_path / "maps"
    shutil.copytree(REPO / "maps" / "x12", maps / "x12")
    grammar = maps / "x12" / "850.004010.xml"
    grammar.write_text(grammar.read_text(encoding="utf-8").replace("<segment", "<segmnt", 1), encoding="utf-8")
    check = doctor.grammar_check(Settings(data_dir=tmp_path, maps_dir=maps))
    assert check.verdict is Verdict.FAIL and "850.004010.xml" in check.detail


def test_out_of_date_schema_warns_in_development_fails_in_production(database_url: str, tmp_path: Path) -> None:
    dev = doctor.database_check(Settings(data_dir=tmp_path, database_url=database_url))
    prod = doctor.database_check(Settings(data_dir=tmp_path, database_url=database_url, environment="production"))
    assert dev.verdict is Verdict.WARN and "acorn db upgrade" in dev.detail
    assert prod.verdict is Verdict.FAIL


def test_cli_json_and_exit_code(migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACORN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACORN_DATABASE_URL", migrated_url)
    monkeypatch.setenv("ACORN_PARTNERS_DIR", str(REPO / "partners"))
    runner = CliRunner()
    result = runner.invoke(app, ["doctor", "--offline", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["verdict"] == "ok" and {c["verdict"] for c in report["checks"]} <= {"ok", "warn", "skip"}
    monkeypatch.setenv("ACORN_ENVIRONMENT", "production")
    result = runner.invoke(app, ["doctor", "--offline"])
    assert result.exit_code == 1
    assert "FAIL  amazon signing key" in result.output and result.output.rstrip().splitlines()[-1].startswith("FAIL")
