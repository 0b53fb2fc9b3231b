"""Helpers for tests over the real Runtime: a partners directory pointing at loopback servers, settings, messages."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import yaml

from gateway.pipeline.runtime import Runtime
from gateway.settings import Settings
from gateway.store import Store
from gateway.store.as2 import record_as2_message, update_as2_message
from gateway.store.enums import AS2Status, Direction

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "partners" / "amazon" / "golden"
CERTS = REPO / "certs.example"
WEBHOOK_SECRET = "whsec_" + "dGVzdC1zZWNyZXQtZm9yLWFjb3JuLXdlYmhvb2tz"  # base64 of a test secret
SECRET_ENV = "ACORN_TEST_WEBHOOK_SECRET"


def golden_850() -> bytes:
    return (GOLDEN / "850.x12").read_bytes()


def invoice_810() -> dict[str, Any]:
    """The golden 810 as a submission: its canonical data without the envelope the inbound side adds."""
    data = json.loads((GOLDEN / "810.json").read_text())[0]
    data.pop("envelope", None)
    data.pop("unmapped", None)
    return dict(data)


def write_partners(
    root: Path, *, webhook_url: str = "http://127.0.0.1:9/hook", as2_url: str = "http://127.0.0.1:9/as2",
    ack_kind: str = "997", retry: dict[str, Any] | None = None, plain: bool = False, mdn_mode: str = "sync",
) -> Path:
    """partners/amazon (maps and profile): deliveries to ``webhook_url`` and the pull queue, AS2 to ``as2_url``.

    ``plain`` sends unsigned, unencrypted AS2 asking for an unsigned MDN in ``mdn_mode`` (sync or none); pair it
    with ``PartnerSim(plain=True)``, or with ``CountingReceiver`` for ``mdn_mode="none"``.
    """
    target = root / "partners" / "amazon"
    shutil.copytree(REPO / "partners" / "amazon" / "maps", target / "maps")
    profile = yaml.safe_load((REPO / "partners" / "amazon" / "partner.yaml").read_text())
    profile["x12"]["ack_inbound"] = ack_kind
    profile["deliveries"] = [
        {"name": "erp", "document_types": ["850"], "webhook_url": webhook_url, "secret_env": SECRET_ENV},
        {"name": "pull", "pull_queue": True},
    ]
    as2 = profile["as2"]
    as2["url"] = as2_url
    as2["our_signing_key"] = as2["our_decryption_key"] = {"path": str(CERTS / "acornvendor.key.pem")}
    as2["their_certificates"] = [{"path": str(CERTS / "amazon-sim.cert.pem"), "label": "development"}]
    as2["retry"] = retry or {"max_attempts": 20, "base_delay_seconds": 0.2, "max_delay_seconds": 1}
    if plain:
        # Neither signed nor encrypted, unsigned sync MDN: for tests about queues, not cryptography.
        as2["outbound"] = {"encryption": None, "signature": None, "compression": "none"}
        as2["mdn"] = {"mode": mdn_mode, "signed": False, "mic_algorithm": "sha256"}
    (target / "partner.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return root / "partners"


def settings_for(root: Path, database_url: str, partners_dir: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=root / "data", database_url=database_url, partners_dir=partners_dir,
                    maps_dir=REPO / "maps", **overrides)


def accepted_message(runtime: Runtime, body: bytes, partner_id: str = "amazon") -> str:
    """An inbound AS2 message as the AS2 flow leaves it once accepted (payload stored, MDN answered)."""
    store = runtime.database
    assert isinstance(store, Store)
    with store.transaction() as session:
        row, _ = record_as2_message(session, direction=Direction.INBOUND, message_id=f"<{uuid.uuid4()}@sim>",
                                    partner_id=partner_id, as2_from="AMAZON-SIM", as2_to="ACORNVENDOR",
                                    status=AS2Status.PROCESSED)
        update_as2_message(session, row.id, payload=body)
        return str(row.id)
