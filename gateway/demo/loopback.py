"""The loopback HTTP side the demo's simulators share: a threaded server beside one background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(
    port: int, handler: type[BaseHTTPRequestHandler], name: str, background: Callable[[], None]
) -> tuple[ThreadingHTTPServer, list[threading.Thread]]:
    """Listen on 127.0.0.1:``port`` and start the server and ``background`` as daemon threads named after ``name``."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threads = [
        threading.Thread(target=server.serve_forever, name=f"{name}-http", daemon=True),
        threading.Thread(target=background, name=f"{name}-work", daemon=True),
    ]
    for thread in threads:
        thread.start()
    return server, threads


def shutdown(server: ThreadingHTTPServer | None, threads: list[threading.Thread], wake: Callable[[], None]) -> None:
    """Wake the background thread (its queue's sentinel), stop the server and wait for both."""
    wake()
    if server is not None:
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join(timeout=10)
