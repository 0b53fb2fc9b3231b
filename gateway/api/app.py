"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from gateway import __version__
from gateway.api import as2_routes
from gateway.api.bridge import install_json_bridge
from gateway.pipeline.runtime import build_runtime
from gateway.settings import Settings
from gateway.ui.install import install_monitor


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Build the Runtime at startup (database prepared, partners and keys loaded) and close it at shutdown.

    Skipped when the app already has a runtime or a bridge backend (tests substitute them), or when
    ``app.state.runtime_factory`` is None. A runtime that cannot be built stops the server from starting.
    """
    state = app.state
    factory = getattr(state, "runtime_factory", None)
    owned = None
    substituted = getattr(state, "runtime", None) is not None or getattr(state, "bridge_backend", None) is not None
    if factory is not None and not substituted:
        owned = state.runtime = await run_in_threadpool(factory, state.settings)
    try:
        yield
    finally:
        if owned is not None:
            owned.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the gateway application; settings are read here, never at import time."""
    settings = settings or Settings()
    app = FastAPI(title="Acorn EDI Gateway", version=__version__, lifespan=_lifespan)
    app.state.settings = settings
    app.state.runtime_factory = build_runtime  # called at startup, not here (see _lifespan)

    install_json_bridge(app)  # /api/v1, /health/*, /metrics (docs/json-bridge.md)
    install_monitor(app, settings)  # the monitor at / with sign-in at /login (docs/monitor.md)
    app.include_router(as2_routes.router)  # POST /as2 (docs/as2.md "Endpoint and flows")
    return app
