"""Bearer-token authentication and per-route permission checks for the JSON bridge."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.api.deps import get_backend
from gateway.api.policy import Permission, Principal, allows
from gateway.api.problems import ProblemError, ProblemType

_bearer = HTTPBearer(auto_error=False, description="An API token from `acorn tokens create`.")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="acorn"'}


class Authorize:
    """Dependency that verifies the bearer token and checks one permission; every bridge route has one."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or not credentials.credentials:
            raise ProblemError(
                401,
                ProblemType.UNAUTHENTICATED,
                "Unauthorized",
                "a bearer token is required",
                headers=_CHALLENGE,
            )
        principal = get_backend(request).verify_token(credentials.credentials)
        if principal is None:
            raise ProblemError(
                401,
                ProblemType.UNAUTHENTICATED,
                "Unauthorized",
                "the token is unknown or revoked",
                headers=_CHALLENGE,
            )
        if not allows(principal.role, self.permission):
            raise ProblemError(
                403,
                ProblemType.FORBIDDEN,
                "Forbidden",
                f"role {principal.role.value} lacks the {self.permission.value} permission",
            )
        return principal


Reader = Annotated[Principal, Depends(Authorize(Permission.READ))]
Submitter = Annotated[Principal, Depends(Authorize(Permission.SUBMIT))]
Puller = Annotated[Principal, Depends(Authorize(Permission.PULL))]
Translator = Annotated[Principal, Depends(Authorize(Permission.TRANSLATE))]
Retrier = Annotated[Principal, Depends(Authorize(Permission.RETRY))]
Reprocessor = Annotated[Principal, Depends(Authorize(Permission.REPROCESS))]
MetricsReader = Annotated[Principal, Depends(Authorize(Permission.METRICS))]
Admin = Annotated[Principal, Depends(Authorize(Permission.ADMIN))]


def require_scope(principal: Principal, partner: str | None) -> None:
    """Hide objects outside an integration token's partner (404, so their existence does not leak)."""
    if not principal.may_see(partner):
        raise ProblemError(404, ProblemType.NOT_FOUND, "Not found", "no such object in your partner scope")
