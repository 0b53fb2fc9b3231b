"""Two gateway instances on loopback over real HTTP (uvicorn), each with its own database and partner profiles.

Gateway A sends to gateway B through the outbound flow (httpx); B answers through POST /as2; async MDNs travel
back from B's job to A's endpoint. Full matrix {plain, signed, encrypted, both} x {no MDN, unsigned, signed MDN}
x {uncompressed, compressed before / after signing} x {sync, async} on SQLite (no-MDN has no sync/async variant:
60 distinct combinations); on PostgreSQL a reduced matrix touching every value once. The algorithm sweep (every
digest x every cipher the default profile allows over a reduced matrix, plus OAEP, PSS, and SHA-1/3DES where both
profiles allow them) and the negative cases run on both backends.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import yaml

from gateway.api.app import create_app
from gateway.pipeline.as2_context import As2Service, build_service
from gateway.pipeline.as2_inbound import deliver_mdn
from gateway.pipeline.as2_outbound import queue_message
from gateway.settings import Settings
from gateway.store.as2 import find_as2_message, get_as2_message
from gateway.store.blobs import blob_content
from gateway.store.enums import AS2Status, Direction, JobKind
from gateway.store.jobs import claim_jobs, complete_job
from gateway.worker import as2_jobs
from tests.as2_service.conftest import Keys

PAYLOAD = (b"ISA*00*          *00*          *ZZ*ACORN          *ZZ*PARTNER        *260101*1200*U*00401*000000001*0*P*>~"
           + b"PO1*1*10*EA*9.95**BP*B000TEST01~" * 80)


@dataclass(frozen=True)
class Combo:
    security: str = "both"  # plain | signed | encrypted | both
    mdn: str = "signed"  # none | unsigned | signed
    compression: str = "none"  # none | before-signing | after-signing
    mode: str = "sync"  # sync | async
    digest: str = "sha256"
    cipher: str = "aes256-cbc"
    key_transport: str = "rsaes-pkcs1v15"
    scheme: str = "pkcs1v15"
    negative: str | None = None  # see NEGATIVE

    @property
    def key(self) -> str:
        parts = [self.security, self.mdn, self.compression, self.mode, self.digest, self.cipher, self.key_transport,
                 self.scheme, self.negative or "ok"]
        return "-".join(parts)


FULL = [Combo(s, m, c, mode)
        for s in ("plain", "signed", "encrypted", "both") for m in ("none", "unsigned", "signed")
        for c in ("none", "before-signing", "after-signing")
        for mode in (("sync",) if m == "none" else ("sync", "async"))]
REDUCED = [Combo("plain", "none", "none"), Combo("signed", "unsigned", "before-signing", "async"),
           Combo("encrypted", "signed", "after-signing", "sync"), Combo("both", "signed", "before-signing", "async"),
           Combo("both", "unsigned", "after-signing", "sync")]
# The per-algorithm sweep runs over a reduced matrix: each digest x cipher with both MDN kinds, both modes and
# every compression placement, each at least once.
SWEEP_BASE = [Combo("both", "signed", "none", "sync"), Combo("both", "unsigned", "before-signing", "async"),
              Combo("signed", "signed", "after-signing", "async"), Combo("encrypted", "signed", "none", "sync")]
ALGORITHMS = [replace(base, digest=d, cipher=c) for d in ("sha256", "sha384", "sha512")
              for c in ("aes128-cbc", "aes192-cbc", "aes256-cbc") for base in SWEEP_BASE] + [
    Combo(key_transport="rsaes-oaep"), Combo(scheme="pss"), Combo(mode="async", key_transport="rsaes-oaep",
                                                                   scheme="pss"),
    Combo(digest="sha1", cipher="3des")]  # legacy: only where both profiles' allow-lists add them
# name -> (combo, expected status at A, expected disposition ending or error fragment)
NEGATIVE = {
    "authentication-failed": (Combo(negative="auth"), AS2Status.MDN_FAILED, "processed/error: authentication-failed"),
    "authentication-failed-async": (Combo(mode="async", negative="auth"), AS2Status.MDN_FAILED,
                                    "processed/error: authentication-failed"),
    "insufficient-message-security": (Combo(cipher="aes128-cbc", negative="cipher"), AS2Status.MDN_FAILED,
                                      "processed/error: insufficient-message-security"),
    "decryption-failed": (Combo(mdn="unsigned", negative="wrong-cert"), AS2Status.MDN_FAILED,
                          "processed/error: decryption-failed"),
    "unknown-trading-partner": (Combo(mdn="unsigned", negative="unknown"), AS2Status.MDN_FAILED,
                                "processed/error: unknown-trading-partner"),
    "unsupported-mic-algorithms": (Combo(negative="mic"), AS2Status.MDN_FAILED,
                                   "failed/Failure: unsupported MIC-algorithms"),
    "unreachable": (Combo(negative="unreachable"), AS2Status.DEAD, "connect"),
}
EVERY = list(dict.fromkeys(FULL + REDUCED + ALGORITHMS + [c for c, _, _ in NEGATIVE.values()]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def profiles(me: str, combo: Combo, keys: Keys, urls: dict[str, str]) -> dict[str, Any]:
    """The ``as2:`` block as gateway ``me`` (A sends, B receives) sees the other for ``combo``."""
    signed, encrypted = combo.security in ("signed", "both"), combo.security in ("encrypted", "both")
    mine, theirs = (keys.gateway, keys.partner) if me == "A" else (keys.partner, keys.gateway)
    other = "B" if me == "A" else "A"
    their_cert = theirs.cert_pem
    if (me == "B" and combo.negative == "auth") or (me == "A" and combo.negative == "wrong-cert"):
        their_cert = keys.stranger.cert_pem
    their_id = f"{other}-{combo.key}"
    if me == "A" and combo.negative == "unknown":
        their_id = "NOT-CONFIGURED-AT-B"
    url = f"{urls[other]}/as2" if not (me == "A" and combo.negative == "unreachable") else urls["closed"]
    block: dict[str, Any] = {
        "our_as2_id": f"{me}-{combo.key}", "their_as2_id": their_id, "url": url,
        "our_signing_key": {"path": str(mine.key_pem)}, "our_decryption_key": {"path": str(mine.key_pem)},
        "their_certificates": [{"path": str(their_cert)}],
        "outbound": {"encryption": combo.cipher if encrypted else None, "signature": combo.digest if signed else None,
                     "compression": combo.compression, "key_transport": combo.key_transport,
                     "signature_scheme": combo.scheme},
        "inbound": {"require_signed": signed, "require_encrypted": encrypted},
        "mdn": {"mode": "none" if combo.mdn == "none" else combo.mode, "signed": combo.mdn == "signed",
                "mic_algorithm": combo.digest, "async_url": f"{urls[me]}/as2"},
        "retry": {"max_attempts": 2, "base_delay_seconds": 0, "max_delay_seconds": 0},
        "timeouts": {"connect_seconds": 5, "read_seconds": 30},
    }
    if combo.digest == "sha1" or combo.cipher == "3des":
        block["inbound"]["encryption"] = ["aes128-cbc", "aes192-cbc", "aes256-cbc", "3des"]
        block["inbound"]["digests"] = ["sha256", "sha384", "sha512", "sha1"]
    if me == "A" and combo.negative == "mic":
        block["mdn"]["mic_algorithm"] = "sha1"  # B's allow-list is SHA-2 only
    if me == "B" and combo.negative == "cipher":
        block["inbound"]["encryption"] = ["aes256-cbc"]
    return block


@dataclass
class Node:
    name: str
    settings: Settings
    service: As2Service  # this test process's view of the node: same database and profiles as its server
    server: uvicorn.Server
    thread: threading.Thread
    timings: list[float] = field(default_factory=list)


def start_node(name: str, root: Path, port: int, url: str, keys: Keys, urls: dict[str, str]) -> Node:
    partners = root / "partners"
    for combo in EVERY:
        folder = partners / f"p-{combo.key}"
        folder.mkdir(parents=True)
        profile = {"id": f"p-{combo.key}", "name": f"gateway {name} peer", "as2": profiles(name, combo, keys, urls)}
        (folder / "partner.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    settings = Settings(data_dir=root, database_url=url, partners_dir=partners, environment="development")
    service = build_service(settings)  # migrates (development) before the server starts
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"gateway-{name}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"gateway {name} did not start on port {port}")
        time.sleep(0.02)
    return Node(name, settings, service, server, thread)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def nodes(request: pytest.FixtureRequest, keys: Keys, _acorn_databases: Any,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Node, Node]]:
    backend = str(request.param)
    db_a, db_b = _acorn_databases.migrated(backend), _acorn_databases.migrated(backend)
    port_a, port_b, closed = free_port(), free_port(), free_port()
    urls = {"A": f"http://127.0.0.1:{port_a}", "B": f"http://127.0.0.1:{port_b}",
            "closed": f"http://127.0.0.1:{closed}/as2"}
    root = tmp_path_factory.mktemp(f"two-gateways-{backend}")
    a = start_node("A", root / "A", port_a, db_a, keys, urls)
    b = start_node("B", root / "B", port_b, db_b, keys, urls)
    yield backend, a, b
    for node in (a, b):
        node.server.should_exit = True
        node.thread.join(timeout=10)
        node.service.store.dispose()
    _acorn_databases.drop(db_a)
    _acorn_databases.drop(db_b)


def drain_mdn_jobs(node: Node) -> int:
    """Run the node's due async-MDN jobs the way a worker would (claim, run, complete)."""
    store = node.service.store
    with store.transaction() as session:
        jobs = [(j.id, dict(j.payload), j.attempts) for j in
                claim_jobs(session, [JobKind.AS2_SEND_MDN], "test-worker", 100, timedelta(minutes=1))]
    for job_id, payload, attempts in jobs:
        deliver_mdn(node.service, payload["mdn"], payload.get("url"), attempts + 1)
        with store.transaction() as session:
            complete_job(session, job_id, "test-worker")
    return len(jobs)


def exchange(a: Node, b: Node, combo: Combo) -> tuple[AS2Status, Any, Any]:
    """A sends PAYLOAD to B for ``combo``; returns A's final status, A's row and B's inbound row (if any)."""
    partner = f"p-{combo.key}"
    ref = queue_message(a.service, partner, PAYLOAD, filename="po.edi")
    report = as2_jobs.run_send_job(a.service, {"message": ref, "filename": "po.edi"})
    while report.outcome == "retry":
        report = as2_jobs.run_send_job(a.service, {"message": ref, "filename": "po.edi"})
    if combo.mode == "async" and combo.mdn != "none":
        assert drain_mdn_jobs(b) == 1, f"{combo.key}: no async MDN job at B"
    with a.service.store.transaction() as session:
        row = get_as2_message(session, ref)
    with b.service.store.transaction() as session:
        inbound = find_as2_message(session, None if combo.negative == "unknown" else partner, Direction.INBOUND,
                                   row.message_id)
        payload = blob_content(session, inbound.payload_blob_id) if inbound and inbound.payload_blob_id else None
        body = blob_content(session, inbound.body_blob_id) if inbound and inbound.body_blob_id else None
    return row.status, row, (inbound, payload, body)


def check_positive(a: Node, b: Node, combo: Combo) -> None:
    status, row, (inbound, payload, _body) = exchange(a, b, combo)
    expected = AS2Status.SENT if combo.mdn == "none" else AS2Status.MDN_RECEIVED
    assert status is expected, f"{combo.key}: A ended {status}: {row.error}"
    assert inbound is not None and inbound.status is AS2Status.PROCESSED, f"{combo.key}: B row {inbound}"
    assert payload == PAYLOAD
    assert (inbound.signed, inbound.encrypted) == (combo.security in ("signed", "both"),
                                                     combo.security in ("encrypted", "both"))
    assert inbound.compressed == (combo.compression != "none")
    if inbound.signed:
        assert inbound.signature_algorithm == combo.digest
    if inbound.encrypted:
        assert inbound.encryption_algorithm == combo.cipher
    if combo.mdn != "none":
        assert inbound.mic == row.mic, f"{combo.key}: MIC at B {inbound.mic} != A {row.mic}"


def test_two_gateways_matrix(nodes: tuple[str, Node, Node]) -> None:
    backend, a, b = nodes
    combos = FULL if backend == "sqlite" else REDUCED
    started = time.monotonic()
    for combo in combos:
        check_positive(a, b, combo)
    assert time.monotonic() - started < 60, f"{len(combos)} exchanges took too long"


def test_two_gateways_algorithms(nodes: tuple[str, Node, Node]) -> None:
    _backend, a, b = nodes
    for combo in ALGORITHMS:
        check_positive(a, b, combo)


@pytest.mark.parametrize("case", list(NEGATIVE))
def test_two_gateways_negative(case: str, nodes: tuple[str, Node, Node]) -> None:
    _backend, a, b = nodes
    combo, expected_status, expected = NEGATIVE[case]
    status, row, (inbound, payload, body) = exchange(a, b, combo)
    assert status is expected_status, f"{case}: A ended {status}: {row.error}"
    if expected_status is AS2Status.DEAD:
        assert row.attempts == 2 and expected in (row.error or "").lower()
        assert inbound is None
        return
    assert (row.disposition or "").endswith(expected), f"{case}: {row.disposition} / {row.error}"
    assert inbound is not None and inbound.status is AS2Status.FAILED and payload is None
    assert body is not None and len(body) > 0  # raw bytes kept at B although processing failed
