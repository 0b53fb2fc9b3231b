"""A real gateway server (uvicorn in a thread, SQLite, seeded through the pipeline) and headless Debian chromium."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from gateway.api.app import create_app
from tests.ui.seed import PASSWORDS, Seeded, seeded_runtime

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}  # a common laptop screen


@dataclass
class Server:
    url: str
    seeded: Seeded


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); the browser tests need it")


@contextmanager
def running_gateway(root: Path) -> Iterator[Server]:
    """create_app() over a seeded SQLite runtime, served on a free loopback port until the block ends."""
    seeded = seeded_runtime(root, f"sqlite:///{root / 'gateway.db'}")
    app = create_app(seeded.runtime.settings)
    app.state.runtime = seeded.runtime
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the gateway server did not start within 20 s")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", seeded)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        seeded.runtime.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium driven by Playwright, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def screenshot(page: Any, name: str) -> None:
    """docs/screenshots/<name>.png, only when ACORN_SCREENSHOTS=1 (see docs/monitor.md)."""
    if os.environ.get("ACORN_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
