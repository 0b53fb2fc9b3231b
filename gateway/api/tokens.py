"""API token administration (admin only); the CLI offers the same through ``acorn tokens``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import ConfigDict, Field

from gateway.api.auth import Admin
from gateway.api.deps import BackendDep
from gateway.api.policy import Role
from gateway.api.problems import ProblemError, ProblemType, problem_responses
from gateway.api.schemas import ActionResult, ApiModel, TokenIssued, TokenOut

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


class TokenCreate(ApiModel):
    """A new API token."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"role": "integration", "partner": "amazon", "name": "erp"}]},
    )

    role: Role
    partner: str | None = Field(default=None, max_length=100)
    name: str = Field(default="", max_length=100)


@router.get("", response_model=list[TokenOut], responses=problem_responses(401, 403))
def list_tokens(principal: Admin, backend: BackendDep) -> list[TokenOut]:
    """Every API token, revoked ones included."""
    return backend.list_tokens()


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenIssued,
    responses=problem_responses(401, 403, 422),
)
def create_token(body: TokenCreate, principal: Admin, backend: BackendDep) -> TokenIssued:
    """Create a token; the secret appears only in this response."""
    if body.partner is not None and body.partner not in {p.id for p in backend.partners()}:
        raise ProblemError(422, ProblemType.VALIDATION, "Request is invalid", f"unknown partner {body.partner!r}")
    return backend.create_token(body.role, body.partner, body.name)


@router.delete("/{token_id}", response_model=ActionResult, responses=problem_responses(401, 403, 404))
def revoke_token(token_id: Annotated[str, Path(max_length=100)], principal: Admin, backend: BackendDep) -> ActionResult:
    """Revoke a token at once; it stays listed."""
    return backend.revoke_token(token_id)
