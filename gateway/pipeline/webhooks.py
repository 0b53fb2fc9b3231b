"""Webhook delivery in the Standard Webhooks format: webhook-id, webhook-timestamp, webhook-signature v1 HMAC."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

import httpx

from gateway.errors import ConfigError, DeliveryError

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300  # receivers should refuse older timestamps (replay protection)


def secret_key(secret: str) -> bytes:
    """HMAC key: ``whsec_<base64>`` secrets are decoded as the standard says; any other string is used as UTF-8."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
        except binascii.Error as exc:
            raise ConfigError(f"webhook secret starts with {SECRET_PREFIX!r} but is not valid base64") from exc
    if not secret:
        raise ConfigError("webhook secret is empty")
    return secret.encode("utf-8")


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: int) -> bool:
    """Check a received webhook (used by tests and documented for receivers); any listed v1 signature may match."""
    lowered = {k.lower(): v for k, v in headers.items()}
    webhook_id = lowered.get("webhook-id", "")
    try:
        timestamp = int(lowered.get("webhook-timestamp", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, webhook_id, timestamp, body).split(",", 1)[1]
    for candidate in lowered.get("webhook-signature", "").split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Where and how one partner's documents are pushed."""

    url: str
    secret: str
    timeout_seconds: float = 10.0


def post(client: httpx.Client, target: WebhookTarget, webhook_id: str, timestamp: int, body: bytes) -> int:
    """POST one signed webhook; a 2xx answer is success, anything else raises DeliveryError (retryable)."""
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(target.secret, webhook_id, timestamp, body),
    }
    try:
        response = client.post(target.url, content=body, headers=headers, timeout=target.timeout_seconds)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {webhook_id} to {target.url}: {type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"webhook {webhook_id} to {target.url}: HTTP {response.status_code}")
    return response.status_code
