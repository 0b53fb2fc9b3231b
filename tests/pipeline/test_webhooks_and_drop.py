"""Standard Webhooks signing (published test vector), verification, and the atomic directory drop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from gateway.errors import ConfigError, DeliveryError
from gateway.pipeline import dropdir, webhooks

# The example from the Standard Webhooks specification's reference libraries.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_published_vector() -> None:
    assert webhooks.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIG


def test_verify_accepts_good_and_rejects_tampered_or_stale() -> None:
    headers = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TS), "webhook-signature": VECTOR_SIG}
    assert webhooks.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TS + 10)
    assert not webhooks.verify(VECTOR_SECRET, headers, VECTOR_BODY + b" ", now=VECTOR_TS)
    assert not webhooks.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TS + 3600)
    assert not webhooks.verify("whsec_" + "QUJD", headers, VECTOR_BODY, now=VECTOR_TS)


def test_bad_secrets_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="not valid base64"):
        webhooks.secret_key("whsec_***")
    with pytest.raises(ConfigError, match="empty"):
        webhooks.secret_key("")


class _Receiver(BaseHTTPRequestHandler):
    status = 204
    seen: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        body = self.rfile.read(int(self.headers["content-length"]))
        type(self).seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence test output
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"seen": [], "status": 204})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", handler
    server.shutdown()
    server.server_close()


def test_post_sends_verifiable_headers(receiver: tuple[str, type[_Receiver]]) -> None:
    url, handler = receiver
    target = webhooks.WebhookTarget(url=url, secret="plain-secret")
    with httpx.Client() as client:
        assert webhooks.post(client, target, "doc_1", 1700000000, b'{"a":1}') == 204
    headers, body = handler.seen[0]
    assert body == b'{"a":1}'
    assert headers["webhook-id"] == "doc_1"
    assert webhooks.verify("plain-secret", headers, body, now=1700000001)


def test_post_non_2xx_is_a_delivery_error(receiver: tuple[str, type[_Receiver]]) -> None:
    url, handler = receiver
    handler.status = 500
    with httpx.Client() as client, pytest.raises(DeliveryError, match="HTTP 500"):
        webhooks.post(client, webhooks.WebhookTarget(url=url, secret="s"), "doc_2", 1, b"{}")


def test_post_unreachable_is_a_delivery_error() -> None:
    with httpx.Client() as client, pytest.raises(DeliveryError, match="ConnectError"):
        webhooks.post(client, webhooks.WebhookTarget(url="http://127.0.0.1:9/", secret="s"), "d", 1, b"{}")


def test_drop_is_atomic_and_idempotent(tmp_path: Path) -> None:
    target = tmp_path / "out"
    path = dropdir.drop(target, "amazon/../850 PO#1.json", b'{"x":1}')
    assert path.parent == target and path.name == "amazon_.._850_PO_1.json"
    assert path.read_bytes() == b'{"x":1}'
    assert dropdir.drop(target, "amazon/../850 PO#1.json", b'{"x":1}') == path
    assert [p.name for p in target.iterdir()] == [path.name]  # no temporary file left behind


def test_drop_failure_is_a_delivery_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DeliveryError, match="directory drop"):
        dropdir.drop(blocker, "x.json", b"{}")
