"""``acorn send`` commits a document over the real Runtime, and ``acorn worker --once`` prepares it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner
from wiring_support import SECRET_ENV, WEBHOOK_SECRET, invoice_810, settings_for, write_partners

from gateway.cli import app
from gateway.pipeline.runtime import build_runtime
from gateway.pipeline.statuses import DocumentStatus


@pytest.mark.timeout(120)
def test_send_then_worker_once(tmp_path: Path, migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(tmp_path, migrated_url, write_partners(tmp_path))
    for name, value in (("ACORN_DATA_DIR", settings.data_dir), ("ACORN_DATABASE_URL", settings.database_url),
                        ("ACORN_PARTNERS_DIR", settings.partners_dir), ("ACORN_MAPS_DIR", settings.maps_dir),
                        (SECRET_ENV, WEBHOOK_SECRET)):
        monkeypatch.setenv(name, str(value))
    document = tmp_path / "invoice.json"
    document.write_text(json.dumps(invoice_810()))
    runner = CliRunner()
    first = runner.invoke(app, ["send", str(document), "--partner", "amazon", "--type", "810"])
    assert first.exit_code == 0, first.output
    sent = json.loads(first.output)
    assert sent["status"] == "accepted" and sent["replayed"] is False
    again = runner.invoke(app, ["send", str(document), "--partner", "amazon", "--type", "810"])
    assert json.loads(again.output) == {**sent, "replayed": True}  # the file's SHA-256 is the idempotency key

    unknown = runner.invoke(app, ["send", str(document), "--partner", "nobody", "--type", "810"])
    assert unknown.exit_code == 1 and "nobody" in unknown.output

    # One pass: prepare (map + envelope) runs; the AS2 send to the unreachable partner is retried later.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        worked = runner.invoke(app, ["worker", "--once", "--retry-base", "60"])
    finally:  # the command routes the root logger to JSON lines on stderr: give pytest its handlers back
        root.handlers[:], root.level = handlers, level
    assert worked.exit_code == 0, worked.output
    runtime = build_runtime(settings)
    try:
        prepared = runtime.store.get_document(sent["id"])
    finally:
        runtime.close()
    assert prepared.status is DocumentStatus.QUEUED and prepared.isa13 == "000000001"
