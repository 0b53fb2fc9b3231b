"""Run the curl walkthrough of docs/json-bridge.md against a live gateway on a loopback port."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from api_memory import memory_runtime
from api_walkthrough import Command, blocks, commands, substitute

from gateway.api.app import create_app
from gateway.api.store_backend import StoreBackend
from gateway.api.store_queries import StoreQueries
from gateway.pipeline.ports import NewDocument
from gateway.pipeline.statuses import Channel, DeliveryStatus, Direction, DocumentStatus
from gateway.settings import Settings
from gateway.store import Store, upgrade

ACORN = str(Path(sys.executable).with_name("acorn"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Live:
    url: str
    backend: StoreBackend
    inbound_id: str


@pytest.fixture
def live_gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """The gateway app served by uvicorn on a loopback port.

    Tokens live in a real SQLite database shared with the ``acorn`` processes the walkthrough runs; documents
    go through the pipeline flows over its in-memory ports (the runtime wiring to the store is not in the tree).
    """
    url = f"sqlite:///{tmp_path / 'walkthrough.db'}"
    upgrade(url)
    token_db = Store.from_url(url)
    runtime, store, queries = memory_runtime(tmp_path, lambda request: httpx.Response(204))
    queries.verify_token = StoreQueries(token_db).verify_token  # type: ignore[method-assign]
    backend = StoreBackend(runtime, queries)  # type: ignore[arg-type]
    doc, _ = store.create_document(
        NewDocument(
            partner_id="amazon",
            direction=Direction.INBOUND,
            document_type="850",
            status=DocumentStatus.TRANSLATED,
            idempotency_key="in:walkthrough",
            canonical={"purchaseOrderNumber": "P1"},
        )
    )
    pull, _ = store.create_delivery(doc.id, Channel.PULL, "poll")
    store.update_delivery(pull.id, DeliveryStatus.AVAILABLE)
    monkeypatch.setenv("ACORN_DATABASE_URL", url)
    monkeypatch.setenv("ACORN_DATA_DIR", str(tmp_path))
    app = create_app(Settings(data_dir=tmp_path, environment="test"))
    app.state.bridge_backend = backend
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "gateway did not start"
        time.sleep(0.05)
    yield Live(f"http://127.0.0.1:{port}", backend, doc.id)
    server.should_exit = True
    thread.join(timeout=10)
    token_db.dispose()


def _run(command: Command, variables: dict[str, str]) -> tuple[int | None, str]:
    argv = substitute(command.argv, variables)
    if argv[0] == "curl":
        curl = shutil.which("curl")
        assert curl, "curl is not installed"
        done = subprocess.run(
            [curl, *argv[1:], "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode == 0, f"{argv}: {done.stderr}"
        body, _, status = done.stdout.rpartition("\n")
        return int(status), body
    assert argv[0] == "acorn", f"the walkthrough runs only curl and acorn, found {argv[0]!r}"
    done = subprocess.run([ACORN, *argv[1:]], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{argv}: {done.stderr}"
    return None, done.stdout.strip()


def test_walkthrough_commands_run_against_a_live_gateway(live_gateway: Live) -> None:
    url = live_gateway.url
    variables: dict[str, str] = {}
    results: list[tuple[list[str], int | None, str]] = []
    for block in blocks("sh"):
        for command in commands(block):
            if command.assign_to == "ACORN_URL":
                variables["ACORN_URL"] = url  # the doc's default port, replaced by the test's
                continue
            if command.assign_to is not None and len(command.argv) == 1:
                variables[command.assign_to] = substitute(command.argv, variables)[0]
                continue
            if "$DOCUMENT_ID" in " ".join(command.argv):
                variables["DOCUMENT_ID"] = _an_inbound_document(results)
            status, output = _run(command, variables)
            if command.assign_to is not None:
                variables[command.assign_to] = output
            results.append((command.argv, status, output))
    _check(results)
    assert variables["DOCUMENT_ID"] == live_gateway.inbound_id
    token = variables["TOKEN"]
    principal = live_gateway.backend.verify_token(token)
    assert principal is not None and principal.role == "integration" and principal.partner == "amazon"


def _an_inbound_document(results: list[tuple[list[str], int | None, str]]) -> str:
    """The id the reader would copy from the pull-queue answer just above."""
    for argv, _status, output in reversed(results):
        if any("/api/v1/queue?" in a for a in argv):
            items = json.loads(output)
            assert items, "the pull queue is empty; the walkthrough needs an inbound document"
            return str(items[0]["id"])
    raise AssertionError("the walkthrough acknowledges before it pulls")


def _check(results: list[tuple[list[str], int | None, str]]) -> None:
    by_path: dict[str, tuple[int | None, Any]] = {}
    for argv, status, output in results:
        url = next((a for a in argv if a.startswith("$ACORN_URL")), None)
        if url is not None:
            by_path[url.removeprefix("$ACORN_URL")] = (status, json.loads(output))
    status, submitted = by_path["/api/v1/documents/855"]
    assert status == 201, submitted
    assert submitted["document_type"] == "855" and submitted["partner"] == "amazon"
    status, found = by_path["/api/v1/documents?po_number=4500012345&document_type=855"]
    assert status == 200
    assert [d["id"] for d in found["items"]] == [submitted["id"]]
    assert by_path["/api/v1/queue?limit=10"][0] == 200
    assert by_path["/api/v1/queue/$DOCUMENT_ID/ack"][0] == 200
    assert by_path["/api/v1/deliveries?status=dead"][0] == 200


def test_walkthrough_webhook_verifier_accepts_a_gateway_signature() -> None:
    """The Python verifier printed in the doc accepts what the gateway's signer produces, and nothing else."""
    from gateway.pipeline.webhooks import sign

    namespace: dict[str, Any] = {}
    (source,) = blocks("python")
    exec(compile(source, "docs/json-bridge.md", "exec"), namespace)  # noqa: S102 - the doc's own example
    verify = namespace["verify"]
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    body = b'{"id": "doc_1"}'
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": sign(secret, "msg_1", now, body),
    }
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    assert not verify(secret, headers | {"webhook-timestamp": str(now - 3600)}, body)
    plain = hmac.new(b"k" * 32, f"msg_1.{now}.".encode() + body, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(plain).decode()
