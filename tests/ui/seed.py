"""A real Runtime over a test database, seeded through the pipeline: a PO in, its delivery dead, an invoice out."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.errors import DeliveryError
from gateway.pipeline import deliveries, inbound, outbound
from gateway.pipeline.runtime import Runtime, build_runtime
from gateway.settings import Settings
from gateway.store import Store, auth
from gateway.store import as2 as store_as2
from gateway.store import deliveries as store_deliveries
from gateway.store.enums import AS2Status, ChannelKind, Direction, MdnStatus, Role

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "partners" / "amazon" / "golden"
SECRET_ENV = "ACORN_TEST_UI_WEBHOOK_SECRET"
PO_NUMBER = "4500012345"
MESSAGE_ID = "po-4500012345@amazon-sim"
PASSWORDS = {"ana": "analyst-password", "root": "admin-password!"}
DEAD_WEBHOOK = "http://127.0.0.1:9/hooks/erp"  # discard port: nothing listens, the push fails at once


@dataclass
class Seeded:
    runtime: Runtime
    database: Store
    message_ref: str
    po_id: str
    invoice_id: str
    webhook_delivery_id: str


def write_partners(root: Path) -> Path:
    """partners/amazon with its maps, deliveries to a dead webhook and the pull queue."""
    target = root / "partners" / "amazon"
    shutil.copytree(REPO / "partners" / "amazon" / "maps", target / "maps")
    profile = yaml.safe_load((REPO / "partners" / "amazon" / "partner.yaml").read_text())
    profile["deliveries"] = [
        {"name": "erp-orders", "document_types": ["850"], "webhook_url": DEAD_WEBHOOK, "secret_env": SECRET_ENV},
        {"name": "pull", "pull_queue": True},
    ]
    certs = REPO / "certs.example"
    profile["as2"]["our_signing_key"] = profile["as2"]["our_decryption_key"] = {
        "path": str(certs / "acornvendor.key.pem")}
    profile["as2"]["their_certificates"] = [{"path": str(certs / "amazon-sim.cert.pem"), "label": "development"}]
    (target / "partner.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return root / "partners"


def settings_for(root: Path, database_url: str, **overrides: Any) -> Settings:
    os.environ.setdefault(SECRET_ENV, "whsec_" + "dGVzdC1zZWNyZXQtZm9yLWFjb3JuLXVpLXRlc3Rz")
    return Settings(data_dir=root / "data", database_url=database_url, partners_dir=write_partners(root),
                    maps_dir=REPO / "maps", **overrides)


def seed(runtime: Runtime) -> Seeded:
    """One accepted 850 processed by the pipeline (webhook delivery dead), one 810 submitted for the same PO."""
    database = runtime.database
    assert isinstance(database, Store)
    body = (GOLDEN / "850.x12").read_bytes()
    with database.transaction() as session:
        row, _ = store_as2.record_as2_message(
            session, direction=Direction.INBOUND, message_id=MESSAGE_ID, partner_id="amazon",
            as2_from="AMAZON-SIM", as2_to="ACORNVENDOR", status=AS2Status.PROCESSED, body=b"(signed, encrypted)",
            headers={"AS2-From": "AMAZON-SIM", "AS2-To": "ACORNVENDOR", "Message-ID": f"<{MESSAGE_ID}>"},
            signed=True, signature_algorithm="sha256", encrypted=True, encryption_algorithm="aes128-cbc",
            mic="Q2hlY2tzdW0=", mic_algorithm="sha-256", subject="850 for ACORNVENDOR",
        )
        store_as2.update_as2_message(session, row.id, payload=body)
        store_as2.store_mdn(session, row.id, direction=Direction.OUTBOUND, status=MdnStatus.SENT,
                            disposition="automatic-action/MDN-sent-automatically; processed", raw=b"(signed MDN)",
                            mic="Q2hlY2tzdW0=", mic_algorithm="sha-256", signed=True)
        ref = row.id
    documents = inbound.process(runtime, ref)
    po = next(d for d in documents if d.document_type == "850")
    with database.transaction() as session:
        hooks = [d for d in store_deliveries.deliveries_of(session, po.id) if d.target_kind is ChannelKind.WEBHOOK]
    webhook = hooks[0].id
    with pytest.raises(DeliveryError, match="ConnectError") as refused:  # nothing listens: the push fails
        deliveries.deliver(runtime, webhook)
    deliveries.dead(runtime, webhook, str(refused.value))  # as the worker does once it gives up
    invoice = _invoice()
    record, _ = outbound.submit(runtime, "amazon", "810", invoice, "ui-seed-810", po_number=PO_NUMBER)
    outbound.prepare(runtime, record.id)
    with database.transaction() as session:
        for name, role in (("ana", Role.ANALYST), ("root", Role.ADMIN)):
            auth.create_user(session, name, PASSWORDS[name], role)
    return Seeded(runtime, database, ref, po.id, record.id, webhook)


def _invoice() -> dict[str, Any]:
    data = json.loads((GOLDEN / "810.json").read_text())[0]
    data.pop("envelope", None)
    data.pop("unmapped", None)
    return dict(data)


def seeded_runtime(root: Path, database_url: str) -> Seeded:
    return seed(build_runtime(settings_for(root, database_url)))
