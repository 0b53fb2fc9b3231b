"""The AS2 transport a long-running process uses: one pooled httpx client per TLS setting, kept for its lifetime.

gateway.as2's HttpxTransport opens a client per POST, which loads the CA bundle every time (~0.1 s of CPU) and
never reuses a connection; a worker sending thousands of messages keeps its clients here instead.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import httpx

from gateway.as2 import TransportResponse
from gateway.as2.client import tls_options
from gateway.errors import TransportError
from gateway.partners.as2_section import Timeouts, TlsClientCert

_Key = tuple[bool | str, tuple[str, str] | None]


class PooledTransport:
    """Implements gateway.as2.Transport; ``close()`` when the process stops (Runtime.close does)."""

    def __init__(self) -> None:
        self._clients: dict[_Key, httpx.Client] = {}
        self._lock = threading.Lock()

    def _client(self, tls: TlsClientCert | None) -> httpx.Client:
        verify, cert = tls_options(tls)
        key = (verify, cert)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = httpx.Client(verify=verify, cert=cert, follow_redirects=False)
            return client

    def send(
        self, url: str, headers: Mapping[str, str], body: bytes, timeouts: Timeouts,
        auth: tuple[str, str] | None, tls: TlsClientCert | None,
    ) -> TransportResponse:
        timeout = httpx.Timeout(timeouts.read_seconds, connect=timeouts.connect_seconds)
        basic = httpx.BasicAuth(*auth) if auth is not None else None
        try:
            response = self._client(tls).post(url, content=body, headers=dict(headers), timeout=timeout,
                                              auth=basic if basic is not None else httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as exc:
            raise TransportError(f"POST {url} failed: {type(exc).__name__}: {exc}") from exc
        return TransportResponse(response.status_code, dict(response.headers), response.content)

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
