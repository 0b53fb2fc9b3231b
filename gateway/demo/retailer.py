"""The simulated retailer: its own AS2 server and keys; sends 850s, returns MDNs, answers 855/856/810 with a 997."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from gateway.as2 import As2Partner, build_message, load_partner, parse_mdn, receive
from gateway.demo import loopback, retail_x12
from gateway.demo.setup import OUR_AS2_ID, RETAILER_AS2_ID, DemoState
from gateway.errors import AcornError
from gateway.partners.as2_section import AS2Section

log = logging.getLogger("acorn.demo.retailer")
MAX_DECOMPRESSED = 50 * 1024 * 1024
ASYNC_MDN_DELAY = 0.5  # seconds: an asynchronous MDN comes later, on its own connection
Say = Callable[[str], None]


def retailer_view(key_pem: Path, gateway_cert: Path, gateway_as2_url: str) -> As2Partner:
    """The retailer's own profile of the gateway: its key, the gateway's certificate, SHA-256 / AES-128, sync MDN."""
    section = AS2Section.model_validate({
        "our_as2_id": RETAILER_AS2_ID,
        "their_as2_id": OUR_AS2_ID,
        "url": gateway_as2_url,
        "our_signing_key": {"path": str(key_pem)},
        "our_decryption_key": {"path": str(key_pem)},
        "their_certificates": [{"path": str(gateway_cert), "label": "gateway"}],
        "outbound": {"encryption": "aes128-cbc", "signature": "sha256"},
        "mdn": {"mode": "sync", "signed": True, "mic_algorithm": "sha256"},
    })
    return load_partner("gateway", section)


class Retailer:
    """Sends 850s and 997s over AS2 and serves an AS2 endpoint for the gateway's documents."""

    def __init__(self, partner: As2Partner, state: DemoState, save_state: Callable[[], None], say: Say,
                 *, targets: list[str] | None = None) -> None:
        self.partner = partner
        # Several gateway nodes behind no load balancer: the retailer takes turns (tests/deploy/test_multinode.py).
        self.targets = list(targets or [partner.profile.url or ""])
        self._turn = 0
        self.state = state
        self._save = save_state
        self.say = say
        self.counts: Counter[str] = Counter()  # "850 sent", "855 received", "997 sent", "mdn ok", ...
        self._lock = threading.Lock()
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._client = httpx.Client(timeout=30)

    # --- sending ----------------------------------------------------------------------------------------------

    def _next_control(self, count: int = 1) -> int:
        with self._lock:
            first = self.state.retailer_isa13
            self.state.retailer_isa13 += count
            self._save()
            return first

    def send_order(self) -> str:
        """Send the next purchase order; returns its PO number."""
        with self._lock:
            po = self.state.next_po
            self.state.next_po += 1
        control = self._next_control()
        payload = retail_x12.purchase_order(po, control, datetime.now(UTC))
        self._send(payload, f"850_{po}.edi", "850")
        self.say(f"retailer  -> 850 PO {po} sent over AS2 (ISA13 {control:09d})")
        return str(po)

    def _send(self, payload: bytes, filename: str, what: str) -> None:
        message = build_message(self.partner, payload, filename, "application/edi-x12")
        with self._lock:
            url = self.targets[self._turn % len(self.targets)]
            self._turn += 1
        response = self._client.post(url, content=message.body, headers=message.headers)
        if response.status_code != 200:
            self.counts[f"{what} refused"] += 1
            raise AcornError(f"gateway answered HTTP {response.status_code} to {what} {message.message_id}")
        mdn = parse_mdn(dict(response.headers), response.content, self.partner, message.message_id, message.mic,
                        datetime.now(UTC), expected_mic_algorithm=message.mic_algorithm)
        self.counts[f"{what} sent"] += 1
        self.counts["mdn ok" if mdn.ok else "mdn failed"] += 1

    # --- receiving --------------------------------------------------------------------------------------------

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """One POST to /as2: unwrap, answer with the MDN, queue a 997 for what needs one."""
        result = receive(headers, body, self._lookup, datetime.now(UTC), max_decompressed_bytes=MAX_DECOMPRESSED)
        if result.ok and result.payload is not None:
            try:
                codes = retail_x12.set_codes(result.payload)
            except AcornError as exc:
                codes = []
                self.say(f"retailer  !! unreadable X12 from the gateway: {exc}")
            for code in codes:
                self.counts[f"{code} received"] += 1
            if codes and "997" not in codes:
                self.say(f"retailer  <- {', '.join(codes)} received over AS2, MDN returned")
                self._outbox.put(result.payload)
            elif codes:
                self.say("retailer  <- 997 for our 850 received, MDN returned")
        elif result.error is not None:
            self.counts["received with error"] += 1
            self.say(f"retailer  !! message refused: {result.error}")
        if result.mdn is None:
            return 200, {}, b""
        if result.mdn.url:  # asynchronous MDN requested: answer now, post the MDN afterwards
            mdn = result.mdn
            threading.Thread(target=self._post_async_mdn, args=(mdn.url, mdn.headers, mdn.body), daemon=True).start()
            return 200, {}, b""
        return 200, dict(result.mdn.headers), result.mdn.body

    def _post_async_mdn(self, url: str, headers: dict[str, str], body: bytes) -> None:
        time.sleep(ASYNC_MDN_DELAY)
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            self.counts["async mdn failed"] += 1
            self.say(f"retailer  !! async MDN to {url} failed: {exc}")
            return
        self.counts["async mdn sent" if response.status_code < 300 else "async mdn refused"] += 1

    def _lookup(self, as2_from: str, as2_to: str) -> As2Partner | None:
        profile = self.partner.profile
        return self.partner if (as2_from, as2_to) == (profile.their_as2_id, profile.our_as2_id) else None

    def _acknowledge(self) -> None:
        while (payload := self._outbox.get()) is not None:
            time.sleep(0.3)  # a real retailer answers a little later, after its own MDN went out
            try:
                control = self._next_control(2)
                ack, covered = retail_x12.functional_acks(payload, control, datetime.now(UTC))
                if ack is not None:
                    self._send(ack, f"997_{control}.edi", "997")
                    self.say(f"retailer  -> 997 for {', '.join(covered)} sent over AS2")
            except (AcornError, httpx.HTTPError) as exc:
                self.say(f"retailer  !! 997 not sent: {exc}")

    # --- lifecycle --------------------------------------------------------------------------------------------

    def start(self, port: int) -> None:
        retailer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, answer = retailer.handle(dict(self.headers.items()), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_OPTIONS(self) -> None:  # noqa: N802 - lets `acorn doctor` see the endpoint
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server, self._threads = loopback.serve(port, Handler, "demo-retailer", self._acknowledge)

    def stop(self) -> None:
        loopback.shutdown(self._server, self._threads, lambda: self._outbox.put(None))
        self._client.close()
