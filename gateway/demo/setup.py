"""Prepare the demo's data directory; every step is idempotent, so a second run continues with the same data."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from gateway.as2.certs import GeneratedKey, ensure_dev_keys
from gateway.settings import Settings
from gateway.store import auth, prepare_database
from gateway.store.enums import Role

PARTNER = "amazon"
OUR_AS2_ID = "ACORNVENDOR"
RETAILER_AS2_ID = "AMAZON-SIM"
WEBHOOK_SECRET_ENV = "ACORN_WEBHOOK_SECRET_AMAZON"
DEMO_USER = "demo"
DEMO_PASSWORD = "demo"  # printed on the terminal: the demo database holds nothing worth protecting
FIRST_PO = 4500100001


@dataclass(frozen=True, slots=True)
class Ports:
    """Loopback ports: the gateway, the simulated retailer's AS2 server, the internal system's webhook receiver."""

    gateway: int = 8080
    retailer: int = 8091
    internal: int = 8099

    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway}"


@dataclass(slots=True)
class DemoState:
    """What the demo remembers between runs (``<data>/demo/state.json``); the token secret is kept only here."""

    token: str = ""
    webhook_secret: str = ""
    next_po: int = FIRST_PO
    retailer_isa13: int = 1

    @classmethod
    def load(cls, path: Path) -> DemoState:
        if not path.exists():
            return cls()
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        temporary.chmod(0o600)
        temporary.replace(path)


@dataclass(frozen=True, slots=True)
class DemoLayout:
    """Paths under the data directory."""

    data_dir: Path

    @property
    def root(self) -> Path:
        return self.data_dir / "demo"

    @property
    def partners_dir(self) -> Path:
        return self.root / "partners"

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything the processes and simulators need once setup is done."""

    layout: DemoLayout
    ports: Ports
    gateway_key: GeneratedKey
    retailer_key: GeneratedKey
    state: DemoState
    settings: Settings

    def environment(self) -> dict[str, str]:
        """ACORN_* variables for `acorn serve` and `acorn worker`."""
        return {
            "ACORN_DATA_DIR": str(self.layout.data_dir),
            "ACORN_DATABASE_URL": self.settings.database_url,
            "ACORN_PARTNERS_DIR": str(self.layout.partners_dir),
            "ACORN_MAPS_DIR": str(self.settings.maps_dir),
            "ACORN_ENVIRONMENT": "development",
            "ACORN_PUBLIC_URL": self.ports.gateway_url(),
            WEBHOOK_SECRET_ENV: self.state.webhook_secret,
        }


def _profile(source: Path, ports: Ports, gateway_key: GeneratedKey, retailer_key: GeneratedKey,
             mdn: dict[str, Any] | None) -> dict[str, Any]:
    """The bundled Amazon profile, pointed at the simulators and the keys generated for this data directory."""
    data: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    as2 = data["as2"]
    as2["our_as2_id"], as2["their_as2_id"] = OUR_AS2_ID, RETAILER_AS2_ID
    as2["url"] = f"http://127.0.0.1:{ports.retailer}/as2"
    as2["our_signing_key"] = {"path": str(gateway_key.key_pem)}
    as2["our_decryption_key"] = {"path": str(gateway_key.key_pem)}
    as2["their_certificates"] = [{"path": str(retailer_key.cert_pem), "label": "demo retailer"}]
    if mdn is not None:
        as2["mdn"] = mdn
    data["deliveries"] = [{
        "name": "erp-orders",
        "document_types": ["850", "180"],
        "webhook_url": f"http://127.0.0.1:{ports.internal}/hooks/amazon",
        "secret_env": WEBHOOK_SECRET_ENV,
    }]
    return data


def bundled_partners_dir() -> Path:
    """The profiles that ship with Acorn, whatever ACORN_PARTNERS_DIR says (it may hold no Amazon profile)."""
    return Path(Settings.model_fields["partners_dir"].default)


def write_partner(layout: DemoLayout, bundled: Path, ports: Ports, gateway_key: GeneratedKey,
                  retailer_key: GeneratedKey, *, mdn: dict[str, Any] | None = None) -> Path:
    """Copy the bundled Amazon profile with its maps, then rewrite URLs and key paths for this run's ports.

    ``mdn`` replaces the profile's MDN request (the multi-node test asks for asynchronous MDNs).
    """
    target = layout.partners_dir / PARTNER
    shutil.copytree(bundled / PARTNER, target, dirs_exist_ok=True)
    profile = _profile(bundled / PARTNER / "partner.yaml", ports, gateway_key, retailer_key, mdn)
    header = "# Written by `acorn demo` at every start from the bundled profile; edits here are overwritten.\n"
    (target / "partner.yaml").write_text(header + yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
    return target / "partner.yaml"


def prepare(data_dir: Path, ports: Ports, *, bundled_partners: Path | None = None, database_url: str = "") -> Prepared:
    """Keys (generated on first run), partner profile, migrated database, monitor login, API token, state."""
    base = Settings(data_dir=data_dir.resolve(), environment="development", database_url=database_url)
    layout = DemoLayout(base.data_dir)
    state = DemoState.load(layout.state_file)
    gateway_key = ensure_dev_keys(layout.data_dir, OUR_AS2_ID)
    retailer_key = ensure_dev_keys(layout.root / "retailer", RETAILER_AS2_ID)
    write_partner(layout, bundled_partners or bundled_partners_dir(), ports, gateway_key, retailer_key)
    # Standard Webhooks secrets: "whsec_" + standard base64 of random bytes.
    state.webhook_secret = state.webhook_secret or "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    settings = base.model_copy(update={"partners_dir": layout.partners_dir})
    store = prepare_database(settings)
    try:
        with store.transaction() as session:
            if auth.get_user(session, DEMO_USER) is None:
                auth.create_user(session, DEMO_USER, DEMO_PASSWORD, Role.ADMIN)
            if not state.token or auth.verify_token(session, state.token) is None:
                # The internal system's own token: integration role, limited to the demo partner.
                _, state.token = auth.create_token(session, name="demo internal system", role=Role.INTEGRATION,
                                                   partner_id=PARTNER)
    finally:
        store.dispose()
    state.save(layout.state_file)
    return Prepared(layout, ports, gateway_key, retailer_key, state, settings)
