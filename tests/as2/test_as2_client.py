"""AS2Client: retry with exponential backoff and full jitter over a fake transport; MDN reconciliation."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gateway.as2 import AS2Client, AttemptOutcome, TransportResponse, backoff_delay, receive
from gateway.errors import MdnError, TransportError
from gateway.partners.as2_section import RetryPolicy
from tests.as2.conftest import PairFactory


class FakeTransport:
    """Fails the first ``failures`` sends (exception or status), then answers with the receiver's MDN."""

    def __init__(self, receiver: Any, failures: list[int | None], tamper_mic: bool = False) -> None:
        self.receiver, self.failures, self.tamper_mic = receiver, failures, tamper_mic
        self.sent: list[dict[str, str]] = []

    def send(
        self, url: str, headers: Mapping[str, str], body: bytes, timeouts: Any, auth: Any, tls: Any
    ) -> TransportResponse:
        self.sent.append(dict(headers))
        if self.failures:
            status = self.failures.pop(0)
            if status is None:
                raise TransportError("connection refused")
            return TransportResponse(status, {}, b"busy")
        result = receive(headers, body, lambda f, t: self.receiver, datetime.now(UTC), max_decompressed_bytes=10**6)
        assert result.mdn is not None
        mdn_body = result.mdn.body
        if self.tamper_mic:
            assert result.mic is not None
            mdn_body = mdn_body.replace(result.mic.encode(), b"A" * len(result.mic))
        return TransportResponse(200, result.mdn.headers, mdn_body)


def client(transport: FakeTransport, sleeps: list[float]) -> AS2Client:
    return AS2Client(transport, sleep=sleeps.append, rng=random.Random(7))


def test_retries_then_delivers_with_same_message_id(pair: PairFactory) -> None:
    sender, receiver = pair(retry={"max_attempts": 4, "base_delay_seconds": 10, "max_delay_seconds": 15})
    transport, sleeps = FakeTransport(receiver, [None, 503]), []
    result = client(transport, sleeps).send_with_retry(sender, b"ISA*...~", "a.edi")
    assert result.delivered and result.mdn is not None and result.mdn.ok
    assert [a.outcome for a in result.attempts] == [
        AttemptOutcome.TRANSPORT_ERROR,
        AttemptOutcome.HTTP_ERROR,
        AttemptOutcome.DELIVERED,
    ]
    assert len({h["Message-ID"] for h in transport.sent}) == 1
    assert 0 <= sleeps[0] <= 10 and 0 <= sleeps[1] <= 15  # full jitter under min(max, base * 2**n)
    assert [a.delay_after_seconds for a in result.attempts[:2]] == sleeps


def test_new_message_id_when_partner_wants_it(pair: PairFactory) -> None:
    sender, receiver = pair(resend_keeps_message_id=False, retry={"max_attempts": 3, "base_delay_seconds": 0})
    transport = FakeTransport(receiver, [502])
    result = client(transport, []).send_with_retry(sender, b"x", None)
    assert result.delivered
    assert transport.sent[0]["Message-ID"] != transport.sent[1]["Message-ID"]
    assert result.message.headers["Message-ID"] == transport.sent[1]["Message-ID"]


def test_gives_up_after_max_attempts(pair: PairFactory) -> None:
    sender, receiver = pair(retry={"max_attempts": 3, "base_delay_seconds": 1})
    sleeps: list[float] = []
    result = client(FakeTransport(receiver, [None, None, None, None]), sleeps).send_with_retry(sender, b"x", None)
    assert not result.delivered and isinstance(result.error, TransportError)
    assert len(result.attempts) == 3 and len(sleeps) == 2
    assert result.attempts[-1].delay_after_seconds is None


def test_client_error_is_not_retried(pair: PairFactory) -> None:
    sender, receiver = pair()
    result = client(FakeTransport(receiver, [403]), []).send_with_retry(sender, b"x", None)
    assert len(result.attempts) == 1 and result.attempts[0].status_code == 403 and not result.delivered


def test_mic_mismatch_in_mdn_is_a_failure(pair: PairFactory) -> None:
    sender, receiver = pair(mdn={"mode": "sync", "signed": False})
    result = client(FakeTransport(receiver, [], tamper_mic=True), []).send_with_retry(sender, b"x", None)
    assert isinstance(result.error, MdnError) and "does not match" in str(result.error)


def test_backoff_ceiling_grows_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay_seconds=2, max_delay_seconds=20)

    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    assert [backoff_delay(n, policy, Top()) for n in range(1, 6)] == [2, 4, 8, 16, 20]
