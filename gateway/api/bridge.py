"""Mount the JSON bridge on an app: problem handlers, routers and the backend factory."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from gateway.api import catalog, documents, health, operations, tokens
from gateway.api.backend import Backend
from gateway.api.problems import install_problem_handlers

BackendFactory = Callable[[FastAPI], Backend]


def _store_backend(app: FastAPI) -> Backend:
    from gateway.api.store_backend import StoreBackend
    from gateway.pipeline.runtime import runtime_from_state

    return StoreBackend(runtime_from_state(app.state))


def install_json_bridge(app: FastAPI, backend_factory: BackendFactory | None = None) -> None:
    """Add /api/v1, health and metrics; the backend is built from ``app.state.runtime`` on first use."""
    install_problem_handlers(app)
    app.state.bridge_backend_factory = backend_factory or _store_backend
    for module in (health, documents, operations, catalog, tokens):
        app.include_router(module.router)
