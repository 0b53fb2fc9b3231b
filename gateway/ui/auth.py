"""Who may see which monitor page: sign-in state, roles and CSRF checks as FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Request

from gateway.ui.session import COOKIE_NAME, SessionSigner, UiSession, csrf_matches
from gateway.ui.views import MonitorBackend

READ_ROLES = frozenset({"analyst", "admin"})
ACT_ROLES = frozenset({"analyst", "admin"})
ADMIN_ROLES = frozenset({"admin"})


class LoginRequired(Exception):
    """Raised for an anonymous request; turned into a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def signer(request: Request) -> SessionSigner:
    return request.app.state.ui_signer  # type: ignore[no-any-return]


def backend(request: Request) -> MonitorBackend:
    return request.app.state.ui_backend_factory(request.app)  # type: ignore[no-any-return]


def current_session(request: Request) -> UiSession:
    """The signed-in user, or a redirect to the sign-in page."""
    session = signer(request).decode(request.cookies.get(COOKIE_NAME))
    if session is None or session.role not in READ_ROLES:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(quote(target, safe="/?=&"))
    return session


def require_admin(session: Annotated[UiSession, Depends(current_session)]) -> UiSession:
    if session.role not in ADMIN_ROLES:
        raise HTTPException(status_code=403, detail="this page is for administrators")
    return session


def require_actor(session: Annotated[UiSession, Depends(current_session)]) -> UiSession:
    if session.role not in ACT_ROLES:
        raise HTTPException(status_code=403, detail="your role cannot run actions")
    return session


def checked_csrf(
    session: Annotated[UiSession, Depends(current_session)], csrf: Annotated[str | None, Form()] = None
) -> UiSession:
    """Every state-changing form must carry the session's CSRF token."""
    if not csrf_matches(session, csrf):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token: reload the page and try again")
    return session


SessionDep = Annotated[UiSession, Depends(current_session)]
AdminDep = Annotated[UiSession, Depends(require_admin)]
BackendDep = Annotated[MonitorBackend, Depends(backend)]
