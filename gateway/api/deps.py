"""FastAPI dependencies shared by the JSON bridge routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.api.backend import Backend
from gateway.api.problems import ProblemError, ProblemType
from gateway.errors import ConfigError


def get_backend(request: Request) -> Backend:
    """The backend installed on the app (built from the Runtime on first use)."""
    state = request.app.state
    backend: Backend | None = getattr(state, "bridge_backend", None)
    if backend is None:
        factory = getattr(state, "bridge_backend_factory", None)
        if factory is None:
            raise ProblemError(503, ProblemType.UNAVAILABLE, "Service unavailable", "the bridge is not wired")
        try:
            backend = factory(request.app)
        except ConfigError as exc:
            # Not wired yet (no runtime, no store queries): the process is up but cannot serve the bridge.
            raise ProblemError(503, ProblemType.UNAVAILABLE, "Service unavailable", str(exc)) from exc
        state.bridge_backend = backend
    return backend


BackendDep = Annotated[Backend, Depends(get_backend)]
