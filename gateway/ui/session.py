"""Signed session cookies and CSRF tokens for the monitor (HMAC-SHA256, no server-side state)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE_NAME = "acorn_session"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True, slots=True)
class UiSession:
    """Who is signed in, with which role, and the CSRF token bound to this session."""

    username: str
    role: str
    csrf: str
    expires: int


class SessionSigner:
    """Encodes and verifies session cookies with one secret."""

    def __init__(self, secret: bytes, *, lifetime: int = SESSION_SECONDS) -> None:
        if len(secret) < 16:
            raise ValueError("session secret must be at least 16 bytes")
        self._secret = secret
        self._lifetime = lifetime

    def new(self, username: str, role: str, *, now: float | None = None) -> tuple[UiSession, str]:
        now = time.time() if now is None else now
        session = UiSession(username, role, secrets.token_urlsafe(24), int(now) + self._lifetime)
        return session, self.encode(session)

    def encode(self, session: UiSession) -> str:
        body = json.dumps(
            {"u": session.username, "r": session.role, "c": session.csrf, "e": session.expires},
            separators=(",", ":"),
        ).encode()
        payload = base64.urlsafe_b64encode(body).decode().rstrip("=")
        return f"{payload}.{self._sign(payload)}"

    def decode(self, cookie: str | None, *, now: float | None = None) -> UiSession | None:
        """The session in a cookie, or None when absent, tampered with or expired."""
        if not cookie or "." not in cookie:
            return None
        payload, signature = cookie.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = UiSession(str(data["u"]), str(data["r"]), str(data["c"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        if session.expires < (time.time() if now is None else now):
            return None
        return session

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_matches(session: UiSession, submitted: str | None) -> bool:
    """True when a form's CSRF token is the one bound to the session."""
    return bool(submitted) and hmac.compare_digest(session.csrf, submitted or "")
