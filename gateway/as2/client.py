"""Send AS2 messages over HTTP(S) behind a narrow transport, with exponential backoff and full jitter."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

import httpx

from gateway.as2.keys import As2Partner
from gateway.as2.mdn_parse import MdnResult, parse_mdn
from gateway.as2.outbound import OutboundMessage, build_message
from gateway.errors import AS2Error, ConfigError, TransportError
from gateway.partners.as2_section import MdnMode, RetryPolicy, Timeouts, TlsClientCert

_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class TransportResponse:
    status_code: int
    headers: dict[str, str]
    body: bytes


class Transport(Protocol):
    """One HTTP POST; raise TransportError when no response arrives."""

    def send(
        self,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeouts: Timeouts,
        auth: tuple[str, str] | None,
        tls: TlsClientCert | None,
    ) -> TransportResponse: ...


def tls_options(tls: TlsClientCert | None) -> tuple[bool | str, tuple[str, str] | None]:
    """httpx ``verify`` and ``cert`` arguments for a profile's TLS section (verification on by default)."""
    if tls is None:
        return True, None
    verify: bool | str = str(tls.ca_bundle) if tls.ca_bundle and tls.verify else tls.verify
    cert = (str(tls.cert), str(tls.key)) if tls.cert and tls.key else None
    return verify, cert


class HttpxTransport:
    """The production transport (httpx, TLS verification on unless the profile turns it off)."""

    def send(
        self,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeouts: Timeouts,
        auth: tuple[str, str] | None,
        tls: TlsClientCert | None,
    ) -> TransportResponse:
        verify, cert = tls_options(tls)
        timeout = httpx.Timeout(timeouts.read_seconds, connect=timeouts.connect_seconds)
        try:
            with httpx.Client(verify=verify, cert=cert, timeout=timeout) as client:
                if auth is None:
                    response = client.post(url, content=body, headers=dict(headers))
                else:
                    response = client.post(url, content=body, headers=dict(headers), auth=httpx.BasicAuth(*auth))
        except httpx.HTTPError as exc:
            raise TransportError(f"POST {url} failed: {type(exc).__name__}: {exc}") from exc
        return TransportResponse(response.status_code, dict(response.headers), response.content)


class AttemptOutcome(StrEnum):
    DELIVERED = "delivered"
    HTTP_ERROR = "http-error"
    TRANSPORT_ERROR = "transport-error"


@dataclass(frozen=True)
class AttemptRecord:
    number: int
    message_id: str
    started_at: datetime
    outcome: AttemptOutcome
    status_code: int | None
    error: str | None
    delay_after_seconds: float | None  # the backoff before the next attempt, if any


@dataclass
class SendResult:
    message: OutboundMessage
    attempts: list[AttemptRecord] = field(default_factory=list)
    response: TransportResponse | None = None
    mdn: MdnResult | None = None
    error: AS2Error | None = None

    @property
    def delivered(self) -> bool:
        return self.response is not None and self.error is None


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(max_delay, base * 2**(attempt-1))]."""
    ceiling = min(policy.max_delay_seconds, policy.base_delay_seconds * (2 ** (attempt - 1)))
    return rng.uniform(0.0, ceiling)


class AS2Client:
    """Builds, sends and (for sync MDNs) verifies; records every attempt, stores nothing."""

    def __init__(
        self,
        transport: Transport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.transport = transport or HttpxTransport()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.clock = clock

    def send_once(self, partner: As2Partner, message: OutboundMessage) -> TransportResponse:
        """POST once; non-2xx answers raise TransportError (the status is in the message)."""
        profile = partner.profile
        if not profile.url:
            raise ConfigError(f"partner {partner.partner_id}: as2.url is not set")
        auth = (profile.http_auth.username, profile.http_auth.password.resolve()) if profile.http_auth else None
        response = self.transport.send(profile.url, message.headers, message.body, profile.timeouts, auth, profile.tls)
        if not 200 <= response.status_code < 300:
            raise _HttpStatusError(response)
        return response

    def send_with_retry(
        self,
        partner: As2Partner,
        payload: bytes,
        filename: str | None,
        content_type: str | None = None,
        message_id: str | None = None,
    ) -> SendResult:
        """Send with backoff up to the profile's max_attempts; a resend keeps the Message-ID unless the partner
        profile says ``resend_keeps_message_id: false``. Sync MDNs are parsed and reconciled."""
        policy = partner.profile.retry
        message = build_message(partner, payload, filename, content_type, message_id, now=self.clock())
        result = SendResult(message)
        for number in range(1, policy.max_attempts + 1):
            started = self.clock()
            try:
                response = self.send_once(partner, message)
            except TransportError as exc:
                status = exc.response.status_code if isinstance(exc, _HttpStatusError) else None
                retryable = status is None or status in _RETRYABLE_STATUS
                last = number == policy.max_attempts or not retryable
                delay = None if last else backoff_delay(number, policy, self.rng)
                outcome = AttemptOutcome.HTTP_ERROR if status is not None else AttemptOutcome.TRANSPORT_ERROR
                result.attempts.append(
                    AttemptRecord(number, message.message_id, started, outcome, status, str(exc), delay)
                )
                if delay is None:
                    result.error = exc
                    return result
                self.sleep(delay)
                if not partner.profile.resend_keeps_message_id:
                    message = build_message(partner, payload, filename, content_type, None, now=self.clock())
                    result.message = message
                continue
            result.attempts.append(
                AttemptRecord(
                    number, message.message_id, started, AttemptOutcome.DELIVERED, response.status_code, None, None
                )
            )
            result.response = response
            if partner.profile.mdn.mode is MdnMode.SYNC:
                try:
                    result.mdn = parse_mdn(
                        response.headers,
                        response.body,
                        partner,
                        message.message_id,
                        message.mic,
                        self.clock(),
                        expected_mic_algorithm=message.mic_algorithm,
                    )
                except AS2Error as exc:
                    result.error = exc
            return result
        raise AssertionError("unreachable: the loop returns on the last attempt")


class _HttpStatusError(TransportError):
    def __init__(self, response: TransportResponse) -> None:
        self.response = response
        super().__init__(f"partner answered HTTP {response.status_code}: {response.body[:200]!r}")
