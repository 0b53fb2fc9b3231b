"""The message monitor for EDI analysts, served by the gateway itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from gateway.ui.auth import LoginRequired
from gateway.ui.routes import router
from gateway.ui.session import SessionSigner
from gateway.ui.views import MonitorBackend


def mount_monitor(app: FastAPI, backend_factory: Callable[[FastAPI], MonitorBackend], secret: bytes) -> None:
    """Serve the monitor at ``/`` with its assets at ``/ui-static``; anonymous pages redirect to /login."""
    app.state.ui_signer = SessionSigner(secret)
    app.state.ui_backend_factory = backend_factory
    app.mount("/ui-static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="ui-static")
    app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={exc.next_url}", status_code=303)
