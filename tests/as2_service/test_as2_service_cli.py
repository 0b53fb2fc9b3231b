"""``acorn as2 send`` stores through the outbound flow; ``acorn as2 outbox`` lists the states (real HTTP peer)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
import yaml
from typer.testing import CliRunner

from gateway.api.app import create_app
from gateway.cli import app
from gateway.settings import Settings
from tests.as2_service.conftest import GATEWAY_ID, PARTNER_ID, Keys
from tests.as2_service.test_as2_service_two_gateways import free_port


def write_profile(folder: Path, as2: dict[str, object]) -> None:
    folder.mkdir(parents=True)
    profile = {"id": folder.name, "name": folder.name, "as2": as2}
    (folder / "partner.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")


@pytest.fixture
def peer(keys: Keys, tmp_path: Path) -> Iterator[str]:
    """The partner's gateway on a free loopback port; returns its /as2 URL."""
    port = free_port()
    root = tmp_path / "peer"
    write_profile(root / "partners" / "acorn", {
        "our_as2_id": PARTNER_ID, "their_as2_id": GATEWAY_ID, "url": "http://127.0.0.1:9/as2",
        "our_signing_key": {"path": str(keys.partner.key_pem)},
        "our_decryption_key": {"path": str(keys.partner.key_pem)},
        "their_certificates": [{"path": str(keys.gateway.cert_pem)}],
    })
    settings = Settings(data_dir=root, database_url=f"sqlite:///{root / 'peer.db'}", partners_dir=root / "partners")
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield f"http://127.0.0.1:{port}/as2"
    server.should_exit = True
    thread.join(timeout=10)


def test_cli_send_stores_and_reports_mdn(keys: Keys, peer: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    ours = tmp_path / "ours"
    base = {
        "our_as2_id": GATEWAY_ID, "their_as2_id": PARTNER_ID, "url": peer,
        "our_signing_key": {"path": str(keys.gateway.key_pem)},
        "our_decryption_key": {"path": str(keys.gateway.key_pem)},
        "their_certificates": [{"path": str(keys.partner.cert_pem)}],
        "retry": {"max_attempts": 2, "base_delay_seconds": 0, "max_delay_seconds": 0},
    }
    write_profile(ours / "partners" / "retailer", base)
    closed = f"http://127.0.0.1:{free_port()}/as2"
    write_profile(ours / "partners" / "down", {**base, "their_as2_id": "DOWN", "url": closed})
    monkeypatch.setenv("ACORN_DATA_DIR", str(ours))
    monkeypatch.setenv("ACORN_DATABASE_URL", f"sqlite:///{ours / 'acorn.db'}")
    monkeypatch.setenv("ACORN_PARTNERS_DIR", str(ours / "partners"))
    document = tmp_path / "po.edi"
    document.write_bytes(b"ISA*00*          *00*          *ZZ*ACORN*ZZ*RETAILER~")
    runner = CliRunner()

    sent = runner.invoke(app, ["as2", "send", str(document), "--partner", "retailer"])
    assert sent.exit_code == 0, sent.output
    assert "status: mdn_received" in sent.output and "disposition: automatic-action" in sent.output
    assert "as2.mdn_received" in sent.output

    failed = runner.invoke(app, ["as2", "send", str(document), "--partner", "down"])
    assert failed.exit_code == 1
    assert "status: dead" in failed.output and failed.output.count("as2.send") >= 4  # 2 attempts, start + failure

    queued = runner.invoke(app, ["as2", "send", str(document), "--partner", "retailer", "--queue"])
    assert queued.exit_code == 0 and "queued" in queued.output

    listed = runner.invoke(app, ["as2", "outbox"])
    assert listed.exit_code == 0
    assert [line.split()[3] for line in listed.output.splitlines()] == ["queued", "dead", "mdn_received"]
    dead_ref = next(w for w in listed.output.splitlines()[1].split() if w.startswith("ref=")).removeprefix("ref=")
    again = runner.invoke(app, ["as2", "resend", dead_ref])
    assert again.exit_code == 1 and "resend requested by acorn as2 resend" in again.output
    refused = runner.invoke(app, ["as2", "resend", dead_ref.replace(dead_ref[:4], "0000")])
    assert refused.exit_code == 2 and "no AS2 message" in refused.output
    unknown = runner.invoke(app, ["as2", "send", str(document), "--partner", "nobody"])
    assert unknown.exit_code == 2 and "has no AS2 profile" in unknown.output
