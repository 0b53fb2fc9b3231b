"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from gateway import __version__
from gateway.api import as2_routes
from gateway.api.bridge import install_json_bridge
from gateway.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the gateway application; settings are read here, never at import time."""
    settings = settings or Settings()
    app = FastAPI(title="Acorn EDI Gateway", version=__version__)
    app.state.settings = settings

    install_json_bridge(app)  # /api/v1, /health/*, /metrics (docs/json-bridge.md)
    app.include_router(as2_routes.router)  # POST /as2 (docs/as2.md "Endpoint and flows")
    return app
