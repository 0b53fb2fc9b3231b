"""RFC 9457 problem details: one response shape for every JSON bridge error."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway import errors

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_BASE = "https://acorn.example/problems/"


class ProblemType(StrEnum):
    """The problem types the JSON bridge can answer with (the last part of the ``type`` URI)."""

    VALIDATION = "validation"
    MAPPING = "mapping"
    GRAMMAR = "grammar"
    X12 = "x12"
    NOT_FOUND = "not-found"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    IDEMPOTENCY_CONFLICT = "idempotency-conflict"
    CONFLICT = "conflict"
    CONFIG = "config"
    UNAVAILABLE = "unavailable"
    HTTP = "http"
    INTERNAL = "internal"


class ProblemIssue(BaseModel):
    """One specific problem: which JSON field or X12 segment/element, and why."""

    model_config = ConfigDict(extra="allow")

    location: str = Field(description="JSON pointer into the body, query parameter, or X12 segment/element.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; ``issues`` lists each failing field or segment."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": _TYPE_BASE + "mapping",
                    "title": "Document cannot be mapped",
                    "status": 422,
                    "detail": "partner amazon, 855: items[0].acknowledgedQuantity.amount is required",
                    "instance": "/api/v1/documents",
                    "issues": [{"location": "/items/0/acknowledgedQuantity/amount", "message": "required"}],
                }
            ]
        },
    )

    type: str = Field(description="URI naming the problem type.")
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    issues: list[ProblemIssue] = Field(default_factory=list)


class ProblemError(Exception):
    """Raised by routes to answer with a problem document."""

    def __init__(
        self,
        status: int,
        kind: ProblemType,
        title: str,
        detail: str = "",
        issues: Sequence[ProblemIssue] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.issues = list(issues)
        self.headers = headers or {}


def problem_response(
    request: Request,
    status: int,
    kind: ProblemType,
    title: str,
    detail: str = "",
    issues: Iterable[ProblemIssue] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Render one problem document with the problem+json media type."""
    body = Problem(
        type=_TYPE_BASE + kind.value,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        issues=list(issues),
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def issues_from_exception(exc: BaseException) -> list[ProblemIssue]:
    """Turn the structured detail an Acorn error carries (issues, field, segment) into problem issues."""
    found: list[ProblemIssue] = []
    for issue in getattr(exc, "issues", None) or ():
        location = _issue_location(issue)
        message = str(getattr(issue, "message", None) or issue)
        extra = {k: str(v) for k in ("code", "expected", "found") if (v := getattr(issue, k, None)) is not None}
        found.append(ProblemIssue(location=location, message=message, **extra))
    if found:
        return found
    for attr in ("field", "pointer", "json_path", "segment", "element"):
        value = getattr(exc, attr, None)
        if value:
            return [ProblemIssue(location=str(value), message=str(exc))]
    return []


def _issue_location(issue: object) -> str:
    where = getattr(issue, "where", None)
    if callable(where) and (text := where()):
        return str(text)
    parts = []
    for attr in ("pointer", "field", "path", "segment_id", "segment", "element", "position"):
        value = getattr(issue, attr, None)
        if value not in (None, ""):
            parts.append(f"{attr}={value}")
    return " ".join(parts) or "document"


def _validation_issues(exc: RequestValidationError) -> list[ProblemIssue]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        location = "/" + "/".join(loc[1:]) if loc and loc[0] == "body" else ".".join(loc)
        out.append(ProblemIssue(location=location, message=str(err.get("msg", "invalid"))))
    return out


# Which Acorn error maps to which HTTP status and problem type; first match wins (subclasses first).
_ERROR_TABLE: tuple[tuple[type[BaseException], int, ProblemType, str], ...] = (
    (errors.IdempotencyConflictError, 409, ProblemType.IDEMPOTENCY_CONFLICT, "Idempotency-Key reused"),
    (errors.NotFoundError, 404, ProblemType.NOT_FOUND, "Not found"),
    (errors.StateConflictError, 409, ProblemType.CONFLICT, "Not possible in the current state"),
    (errors.SchemaOutOfDateError, 503, ProblemType.UNAVAILABLE, "Database schema out of date"),
    (errors.MappingError, 422, ProblemType.MAPPING, "Document cannot be mapped"),
    (errors.GrammarError, 422, ProblemType.GRAMMAR, "Document fails grammar validation"),
    (errors.X12Error, 422, ProblemType.X12, "X12 cannot be read or written"),
    (errors.ConfigError, 422, ProblemType.CONFIG, "Configuration problem"),
)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error under the app answer with problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(request, exc.status, exc.kind, exc.title, exc.detail, exc.issues, headers=exc.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        issues = _validation_issues(exc)
        detail = "; ".join(f"{i.location}: {i.message}" for i in issues)
        return problem_response(request, 422, ProblemType.VALIDATION, "Request is invalid", detail, issues)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kind = {
            401: ProblemType.UNAUTHENTICATED,
            403: ProblemType.FORBIDDEN,
            404: ProblemType.NOT_FOUND,
        }.get(exc.status_code, ProblemType.HTTP)
        title = _reason(exc.status_code)
        detail = exc.detail if isinstance(exc.detail, str) else ""
        headers = dict(exc.headers or {})
        return problem_response(request, exc.status_code, kind, title, detail, headers=headers)

    async def on_acorn(request: Request, exc: Exception) -> JSONResponse:
        for cls, status, kind, title in _ERROR_TABLE:
            if isinstance(exc, cls):
                return problem_response(request, status, kind, title, str(exc), issues_from_exception(exc))
        return problem_response(request, 500, ProblemType.INTERNAL, "Internal error", type(exc).__name__)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(errors.AcornError, on_acorn)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The traceback goes to the log by the server; the caller gets no internals.
        return problem_response(request, 500, ProblemType.INTERNAL, "Internal error", "see the gateway log")

    app.add_exception_handler(Exception, on_unexpected)
    add_problem_schemas(app)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem+json answers; 401 and 422 are always possible."""
    return {
        status: {
            "description": _reason(status),
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "example": _example(status),
                }
            },
        }
        for status in sorted({401, 422, *statuses})
    }


_EXAMPLES: dict[int, tuple[ProblemType, str, str]] = {
    401: (ProblemType.UNAUTHENTICATED, "Unauthorized", "a bearer token is required"),
    403: (ProblemType.FORBIDDEN, "Forbidden", "role integration lacks the retry permission"),
    404: (ProblemType.NOT_FOUND, "Not found", "no document 'doc_404'"),
    409: (ProblemType.IDEMPOTENCY_CONFLICT, "Idempotency-Key reused", "same key, different body"),
    503: (ProblemType.UNAVAILABLE, "Database schema out of date", "run acorn db upgrade"),
}


def _example(status: int) -> dict[str, Any]:
    if status == 422:
        return dict(Problem.model_json_schema()["examples"][0])
    kind, title, detail = _EXAMPLES.get(status, (ProblemType.HTTP, _reason(status), ""))
    return {"type": _TYPE_BASE + kind.value, "title": title, "status": status, "detail": detail, "issues": []}


def add_problem_schemas(app: FastAPI) -> None:
    """Publish Problem and ProblemIssue in the OpenAPI components that problem_responses refers to."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        spec = generate()
        components = spec.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" not in components:
            schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(schema.pop("$defs", {}))
            components["Problem"] = schema
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
