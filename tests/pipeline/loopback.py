"""Loopback servers for end-to-end tests: the gateway (uvicorn in a thread), a webhook receiver, the partner's AS2.

The partner (AMAZON-SIM) is played by the partner-side development keys in certs.example/: it builds AS2 messages
to our gateway with gateway.as2, and receives ours on a second Acorn app that has only its AS2 profile of us.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import httpx
import uvicorn
import yaml
from fastapi import FastAPI
from wiring_support import CERTS, WEBHOOK_SECRET

from gateway.api.app import create_app
from gateway.as2 import As2Partner, build_message, load_partner, parse_mdn
from gateway.partners.as2_section import AS2Section
from gateway.pipeline.webhooks import verify
from gateway.settings import Settings
from gateway.store import Store
from gateway.store.as2 import search_as2_messages
from gateway.store.blobs import blob_content
from gateway.store.enums import AS2Status, Direction
from gateway.store.schema import upgrade

PARTNER_AS2_ID = "AMAZON-SIM"
OUR_AS2_ID = "ACORNVENDOR"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float, what: str, step: float = 0.05) -> None:
    """Poll ``condition`` until true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


class AppServer:
    """A FastAPI app served by uvicorn on a free loopback port in a thread (``lifespan`` on: the runtime is built)."""

    def __init__(self, app: FastAPI, *, lifespan: str = "on") -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan=lifespan)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> AppServer:
        self.thread.start()
        wait_for(lambda: self.server.started or not self.thread.is_alive(), 60, "the server to start")
        if not self.server.started:
            raise AssertionError("the server did not start (see the log for the lifespan error)")
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


class PostReceiver:
    """A loopback HTTP server that hands every POST to ``accept(headers, body) -> status`` (one thread each)."""

    path = "/"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status = receiver.accept({k: v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def accept(self, headers: dict[str, str], body: bytes) -> int:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class WebhookReceiver(PostReceiver):
    """An internal system receiving signed webhooks; answers ``fail_first`` pushes with 503, then 204."""

    path = "/hooks/amazon"

    def __init__(self, secret: str = WEBHOOK_SECRET, fail_first: int = 0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.received: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()  # accepted pushes per webhook-id (= document id)
        self.bad_signatures = 0
        super().__init__()

    def accept(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            if not verify(self.secret, headers, body, now=int(time.time())):
                self.bad_signatures += 1
                return 401
            if self.fail_first > 0:
                self.fail_first -= 1
                return 503
            lowered = {k.lower(): v for k, v in headers.items()}
            self.counts[lowered.get("webhook-id", "")] += 1
            self.received.append(json.loads(body))
            return 204


class CountingReceiver(PostReceiver):
    """A partner endpoint that counts every POST it gets by the ISA13 in the body (plain AS2, no MDN asked)."""

    path = "/as2"

    def __init__(self) -> None:
        self.isa13: Counter[str] = Counter()
        self.message_ids: Counter[str] = Counter()
        super().__init__()

    def accept(self, headers: dict[str, str], body: bytes) -> int:
        found = re.search(rb"ISA\*(?:[^*]*\*){12}([0-9]{9})\*", body)
        lowered = {k.lower(): v for k, v in headers.items()}
        with self.lock:
            self.isa13[found.group(1).decode() if found else "unreadable"] += 1
            self.message_ids[lowered.get("message-id", "")] += 1
        return 200


def partner_section(our_url: str, plain: bool = False) -> dict[str, Any]:
    """The partner's ``as2:`` profile of us: its keys from certs.example, our certificate, sync signed MDNs.

    ``plain``: it also accepts unsigned, unencrypted messages from us (see ``write_partners(plain=True)``).
    """
    policy = {"inbound": {"require_signed": False, "require_encrypted": False}} if plain else {}
    return {**policy,
        "our_as2_id": PARTNER_AS2_ID, "their_as2_id": OUR_AS2_ID, "url": our_url,
        "our_signing_key": {"path": str(CERTS / "amazon-sim.key.pem")},
        "our_decryption_key": {"path": str(CERTS / "amazon-sim.key.pem")},
        "their_certificates": [{"path": str(CERTS / "acornvendor.cert.pem")}],
        "outbound": {"encryption": "aes128-cbc", "signature": "sha256", "compression": "none"},
        "mdn": {"mode": "sync", "signed": True, "mic_algorithm": "sha256"},
    }


class PartnerSim:
    """The trading partner: sends X12 to our /as2 by AS2, receives ours on its own loopback AS2 endpoint."""

    def __init__(self, root: Path, our_as2_url: str = "http://127.0.0.1:9/as2", *, plain: bool = False) -> None:
        self.root = root
        self.our_as2_url = our_as2_url
        self.as2: As2Partner = load_partner("acorn", AS2Section.model_validate(partner_section(our_as2_url)))
        profile_dir = root / "partners" / "acorn"
        profile_dir.mkdir(parents=True, exist_ok=True)
        profile = {"id": "acorn", "name": "Acorn vendor (as the partner sees it)",
                   "as2": partner_section(our_as2_url, plain)}
        (profile_dir / "partner.yaml").write_text(yaml.safe_dump(profile))
        self.database_url = f"sqlite:///{root / 'partner.db'}"
        settings = Settings(data_dir=root, database_url=self.database_url, partners_dir=root / "partners")
        # Lifespan off: no pipeline runtime, only its AS2 endpoint (built from these settings on first request).
        self.server = AppServer(create_app(settings), lifespan="off")
        self.url = f"{self.server.url}/as2"
        self._store: Store | None = None

    def __enter__(self) -> PartnerSim:
        # its store at the schema head before anything can ask: received() may be polled before the gateway has
        # sent the partner a first message (which is when the endpoint would migrate it)
        upgrade(self.database_url)
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)
        if self._store is not None:
            self._store.dispose()

    def send(self, payload: bytes, filename: str = "edi.x12", url: str | None = None) -> httpx.Response:
        """POST one AS2 message to our gateway; the response carries the sync MDN."""
        message = build_message(self.as2, payload, filename, "application/edi-x12", now=datetime.now(UTC))
        return httpx.post(url or self.our_as2_url, content=message.body, headers=message.headers, timeout=60)

    def send_until_accepted(self, payload: bytes, timeout: float = 180) -> int:
        """Send one message (one Message-ID) until its sync MDN says processed, as a partner retries; returns tries.

        Connection errors, 5xx and timeouts (our server was killed) are retried with the same Message-ID.
        """
        message = build_message(self.as2, payload, "po.x12", "application/edi-x12", now=datetime.now(UTC))
        deadline = time.monotonic() + timeout
        tries = 0
        while time.monotonic() < deadline:
            tries += 1
            try:
                response = httpx.post(self.our_as2_url, content=message.body, headers=message.headers, timeout=60)
            except httpx.HTTPError:
                time.sleep(0.3)
                continue
            if response.status_code == 200 and response.content:
                result = parse_mdn(response.headers, response.content, self.as2, message.message_id, message.mic,
                                   datetime.now(UTC))
                assert result.ok, f"message {message.message_id} refused: {result.disposition} {result.text}"
                return tries
            time.sleep(0.3)
        raise AssertionError(f"message {message.message_id} not accepted within {timeout} s ({tries} tries)")

    def received(self) -> list[bytes]:
        """The payloads of the AS2 messages the partner accepted from us, oldest first."""
        if self._store is None:
            self._store = Store.from_url(self.database_url)
        out: list[tuple[datetime, bytes]] = []
        with self._store.transaction() as session:
            cursor: str | None = None
            while True:
                page = search_as2_messages(session, direction=Direction.INBOUND, cursor=cursor, limit=200)
                for row in page.items:
                    if row.status is AS2Status.PROCESSED and row.payload_blob_id is not None:
                        out.append((row.created_at, blob_content(session, row.payload_blob_id)))
                cursor = page.next_cursor
                if cursor is None:
                    break
        return [payload for _, payload in sorted(out, key=lambda item: item[0])]
