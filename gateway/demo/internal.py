"""The simulated internal system (an ERP): takes 850s by signed webhook, answers through the JSON bridge."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from gateway.demo import loopback
from gateway.demo.replies import REPLIES
from gateway.pipeline import webhooks

Say = Callable[[str], None]


class InternalSystem:
    """Verifies each webhook, then submits an 855, an 856 and an 810 for every purchase order it receives."""

    def __init__(self, gateway_urls: list[str], token: str, webhook_secret: str, say: Say, *,
                 pause: float = 0.5) -> None:
        self.gateway_urls = [url.rstrip("/") for url in gateway_urls]  # taken in turn, one per submission
        self._turn = 0
        self.token = token
        self.secret = webhook_secret
        self.say = say
        self.pause = pause
        self.counts: Counter[str] = Counter()
        self._orders: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._client = httpx.Client(timeout=30)

    def hook(self, headers: dict[str, str], body: bytes) -> int:
        """One webhook POST: 401 when the signature does not verify, 200 once the order is queued here."""
        if not webhooks.verify(self.secret, headers, body, now=int(time.time())):
            self.counts["webhook refused"] += 1
            self.say("erp       !! webhook with a bad signature refused")
            return 401
        event = json.loads(body)
        self.counts[f"{event.get('documentType')} received"] += 1
        if event.get("documentType") == "850":
            order = event.get("data") or {}
            self.say(f"erp       <- 850 PO {order.get('purchaseOrderNumber')} by webhook {event.get('id')}")
            self._orders.put((str(event.get("partner")), order))
        return 200

    def _answer(self) -> None:
        while (item := self._orders.get()) is not None:
            partner, order = item
            for code, build in REPLIES:
                time.sleep(self.pause)
                try:
                    self.submit(partner, code, build(order, datetime.now(UTC).date()))
                except httpx.HTTPError as exc:
                    self.counts[f"{code} failed"] += 1
                    self.say(f"erp       !! {code} for PO {order.get('purchaseOrderNumber')} not submitted: {exc}")

    def submit(self, partner: str, code: str, document: dict[str, Any]) -> dict[str, Any]:
        """POST one canonical document; the Idempotency-Key makes a resubmission after a crash harmless."""
        po = document.get("purchaseOrderNumber") or document["orders"][0]["purchaseOrderNumber"]
        base = self.gateway_urls[self._turn % len(self.gateway_urls)]
        self._turn += 1
        response = self._client.post(
            f"{base}/api/v1/documents/{code}",
            json={"partner": partner, "document": document},
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": f"demo-{code}-{po}"},
        )
        response.raise_for_status()
        summary: dict[str, Any] = response.json()
        self.counts[f"{code} submitted"] += 1
        self.say(f"erp       -> {code} for PO {po} submitted to /api/v1 (document {summary.get('id')})")
        return summary

    def start(self, port: int) -> None:
        internal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = internal.hook(dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server, self._threads = loopback.serve(port, Handler, "demo-erp", self._answer)

    def stop(self) -> None:
        loopback.shutdown(self._server, self._threads, lambda: self._orders.put(None))
        self._client.close()
