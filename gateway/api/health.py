"""Health probes (open) and Prometheus metrics (token with the metrics permission)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from gateway.api import metrics
from gateway.api.auth import MetricsReader
from gateway.api.deps import BackendDep, get_backend
from gateway.api.problems import ProblemError, problem_responses
from gateway.api.schemas import HealthOut
from gateway.errors import AcornError

router = APIRouter()


@router.get("/health/live", tags=["health"], response_model=HealthOut)
def live() -> HealthOut:
    """The process answers."""
    return HealthOut(status="ok")


@router.get(
    "/health/ready",
    tags=["health"],
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "Database unreachable or schema out of date"}},
)
def ready(request: Request) -> Response:
    """The database answers and its schema matches the code."""
    try:
        result = get_backend(request).readiness()
    except ProblemError as exc:
        result = HealthOut(status="unavailable", detail=exc.detail)
    except AcornError as exc:
        result = HealthOut(status="unavailable", database="error", detail=str(exc))
    code = 200 if result.status == "ok" else 503
    return JSONResponse(result.model_dump(mode="json"), status_code=code)


@router.get(
    "/metrics",
    tags=["health"],
    response_class=Response,
    responses={
        200: {"content": {metrics.CONTENT_TYPE: {"schema": {"type": "string"}}}},
        **problem_responses(401, 403),
    },
)
def scrape(principal: MetricsReader, backend: BackendDep) -> Response:
    """Prometheus metrics, read from the store at scrape time."""
    return Response(metrics.render(backend.metrics), media_type=metrics.CONTENT_TYPE)
