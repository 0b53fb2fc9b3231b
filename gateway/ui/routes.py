"""The monitor's pages: dashboard, lists, detail, partners, admin and the actions behind them."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway.pipeline.statuses import DocumentStatus
from gateway.store.enums import AS2Status
from gateway.ui import auth
from gateway.ui.auth import AdminDep, BackendDep, SessionDep
from gateway.ui.charts import stacked_bars
from gateway.ui.session import COOKIE_NAME, UiSession
from gateway.ui.views import Filters

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
LOGIN_COOKIE = "acorn_login"
PAGE_SIZE = 50
DOC_TYPES = ("850", "855", "856", "810", "180", "997", "999")
COLUMNS = (
    ("created_at", "When"), ("partner", "Partner"), ("doc_type", "Type"), ("direction", "Direction"),
    ("reference", "Reference"), ("control", "Control numbers"), ("status", "Status"),
)
ACTIONS = {
    "retry": ("Retry the failed step", "Retry the failed step of this item?"),
    "reprocess": ("Reprocess from the stored payload", "Reprocess this item from its stored payload?"),
    "redeliver": ("Re-deliver to the internal system", "Deliver this document again (same document id)?"),
    "resend-mdn": ("Resend the MDN", "Send the stored MDN to the partner again?"),
}

router = APIRouter(include_in_schema=False)
ActorDep = Annotated[UiSession, Depends(auth.require_actor)]
CsrfDep = Annotated[UiSession, Depends(auth.checked_csrf)]


def _page(request: Request, name: str, session: UiSession | None, **context: Any) -> HTMLResponse:
    context.setdefault("flash", request.query_params.get("flash"))
    return TEMPLATES.TemplateResponse(request, name, {"user": session, **context})


def _filters(request: Request) -> Filters:
    p = request.query_params
    return Filters(
        q=p.get("q") or None, partner=p.get("partner") or None, doc_type=p.get("doc_type") or None,
        direction=p.get("direction") or None, status=p.get("status") or None,
        date_from=p.get("date_from") or None, date_to=p.get("date_to") or None,
        sort=str(p.get("sort")) if p.get("sort") in dict(COLUMNS) else "created_at", desc=p.get("asc") != "1",
    )


# --- sign-in -----------------------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    nonce = secrets.token_urlsafe(24)
    response = _page(request, "login.html", None, login_csrf=nonce, next=_safe_next(next))
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", max_age=900)
    return response


@router.post("/login")
def login(
    request: Request, backend: BackendDep, username: Annotated[str, Form()], password: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_COOKIE)
    if not expected or not secrets.compare_digest(expected, csrf):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token: reload the sign-in page")
    role = backend.authenticate(username, password)
    if role is None:
        nonce = secrets.token_urlsafe(24)
        refused = _page(request, "login.html", None, login_csrf=nonce, next=_safe_next(next),
                        error="Unknown user name or wrong password.")
        refused.status_code = 401
        refused.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", max_age=900)
        return refused
    _, cookie = auth.signer(request).new(username, role)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(COOKIE_NAME, cookie, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(session: CsrfDep) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME)
    return response


def _safe_next(target: str) -> str:
    """Only local paths: an open redirect after sign-in would be a phishing aid."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


# --- pages -------------------------------------------------------------------------------------------


@router.get("/")
def dashboard(request: Request, session: SessionDep, backend: BackendDep) -> HTMLResponse:
    data = backend.dashboard()
    charts = {
        "today_partner": stacked_bars(data.today_by_partner, title="Today's traffic by partner and status"),
        "week_type": stacked_bars(data.week_by_type, title="This week's traffic by document type and status"),
        "week_direction": stacked_bars(data.week_by_direction, title="This week's traffic by direction"),
    }
    return _page(request, "dashboard.html", session, nav="dashboard", charts=charts, failed=data.failed,
                 late=data.late, certificates=data.expiring)


@router.get("/documents")
def documents(request: Request, session: SessionDep, backend: BackendDep, cursor: str | None = None) -> HTMLResponse:
    f = _filters(request)
    rows, next_cursor = backend.search_documents(f, cursor, PAGE_SIZE)
    params = {k: v for k, v in request.query_params.items() if k != "cursor"}

    def sort_url(key: str) -> str:
        query = {**params, "sort": key}
        query.pop("asc", None)
        if f.sort == key and f.desc:
            query["asc"] = "1"
        return "/documents?" + urlencode(query)

    return _page(
        request, "documents.html", session, nav="documents", f=f, q=f.q, rows=rows, columns=COLUMNS,
        sort_url=sort_url, partners=[p.id for p in backend.partners()], doc_types=DOC_TYPES,
        statuses=[s.value for s in DocumentStatus],
        next_url=("/documents?" + urlencode({**params, "cursor": next_cursor})) if next_cursor else None,
        prev_url=("/documents?" + urlencode(params)) if cursor else None,
    )


@router.get("/documents/{document_id}")
def document(request: Request, document_id: str, session: SessionDep, backend: BackendDep) -> HTMLResponse:
    view = backend.document(document_id)
    if view is None:
        raise HTTPException(status_code=404, detail=f"no document {document_id}")
    actions = [
        {"url": f"/documents/{document_id}/{name}", "label": ACTIONS[name][0], "confirm": ACTIONS[name][1]}
        for name in ("retry", "reprocess", "redeliver")
    ]
    as2 = None
    if view.as2_message_id:
        as2 = {
            "fields": view.as2_fields, "mdn": view.mdn_fields,
            "downloads": [("AS2 body", f"/raw/as2-body/{view.as2_message_id}"),
                          ("payload", f"/raw/as2-payload/{view.as2_message_id}"),
                          ("MDN", f"/raw/mdn/{view.as2_message_id}")],
        }
    issues = [{"segment_position": pos, "text": text} for pos, text in view.issues]
    return _page(
        request, "document.html", session, nav="documents", doc=view.doc, chain=view.chain,
        can_act=session.role in auth.ACT_ROLES, actions=actions, issues=issues, x12_lines=view.x12_lines,
        doc_json=json.dumps(view.canonical, indent=2, ensure_ascii=False) if view.canonical else "(none)",
        as2=as2, acks=view.acks, deliveries=view.deliveries, events=view.events,
    )


@router.get("/documents/{document_id}/{kind}")
def document_download(document_id: str, kind: str, session: SessionDep, backend: BackendDep) -> Response:
    return _download(backend, kind, document_id)


@router.get("/raw/{kind}/{object_id}")
def raw_download(kind: str, object_id: str, session: SessionDep, backend: BackendDep) -> Response:
    return _download(backend, kind, object_id)


def _download(backend: Any, kind: str, object_id: str) -> Response:
    artefact = backend.artefact(kind, object_id)
    if artefact is None:
        raise HTTPException(status_code=404, detail=f"no {kind} stored for {object_id}")
    return Response(artefact.content, media_type=artefact.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{artefact.filename}"'})


@router.get("/messages")
def messages(request: Request, session: SessionDep, backend: BackendDep, cursor: str | None = None) -> HTMLResponse:
    f = _filters(request)
    rows, next_cursor = backend.search_messages(f, cursor, PAGE_SIZE)
    params = {k: v for k, v in request.query_params.items() if k != "cursor"}
    return _page(request, "messages.html", session, nav="messages", f=f, rows=rows,
                 partners=[p.id for p in backend.partners()], statuses=[s.value for s in AS2Status],
                 next_url=("/messages?" + urlencode({**params, "cursor": next_cursor})) if next_cursor else None)


@router.get("/messages/{message_id}")
def message(request: Request, message_id: str, session: SessionDep, backend: BackendDep) -> HTMLResponse:
    view = backend.message(message_id)
    if view is None:
        raise HTTPException(status_code=404, detail=f"no AS2 message {message_id}")
    downloads = [("AS2 body", f"/raw/as2-body/{message_id}")]
    if view.has_payload:
        downloads.append(("payload", f"/raw/as2-payload/{message_id}"))
    if view.has_mdn:
        downloads.append(("MDN", f"/raw/mdn/{message_id}"))
    actions = [{"url": f"/messages/{message_id}/{name}", "label": ACTIONS[name][0], "confirm": ACTIONS[name][1]}
               for name in ("retry", "reprocess", "resend-mdn")]
    return _page(request, "message.html", session, nav="messages", msg=view.msg, fields=view.fields,
                 headers=view.headers, mdn=view.mdn_fields, documents=view.documents, events=view.events,
                 downloads=downloads, can_act=session.role in auth.ACT_ROLES, actions=actions)


@router.post("/documents/{object_id}/{action}")
@router.post("/messages/{object_id}/{action}")
def act(request: Request, object_id: str, action: str, session: CsrfDep, actor: ActorDep,
        backend: BackendDep) -> Response:
    if action not in ACTIONS:
        raise HTTPException(status_code=404, detail=f"no action {action}")
    outcome = backend.act(action, object_id, actor.username)
    base = "/documents" if request.url.path.startswith("/documents") else "/messages"
    return RedirectResponse(f"{base}/{object_id}?" + urlencode({"flash": outcome}), status_code=303)


@router.get("/partners")
def partners(request: Request, session: AdminDep, backend: BackendDep) -> HTMLResponse:
    return _page(request, "partners.html", session, nav="partners", rows=backend.partners())


@router.get("/partners/{partner_id}")
def partner(request: Request, partner_id: str, session: AdminDep, backend: BackendDep) -> HTMLResponse:
    view = backend.partner(partner_id)
    if view is None:
        raise HTTPException(status_code=404, detail=f"no partner {partner_id}")
    return _page(request, "partner.html", session, nav="partners", p=view)


@router.get("/admin")
def admin(request: Request, session: AdminDep, backend: BackendDep) -> HTMLResponse:
    return _page(request, "admin.html", session, nav="admin", users=backend.users(), tokens=backend.tokens())


@router.post("/admin/users")
def add_user(session: CsrfDep, admin_user: AdminDep, backend: BackendDep, username: Annotated[str, Form()],
             password: Annotated[str, Form()], role: Annotated[str, Form()]) -> Response:
    if role not in auth.READ_ROLES:
        raise HTTPException(status_code=422, detail=f"role must be analyst or admin, not {role!r}")
    if len(password) < 12:
        raise HTTPException(status_code=422, detail="a password needs at least 12 characters")
    backend.create_user(username, password, role, admin_user.username)
    return RedirectResponse("/admin?" + urlencode({"flash": f"user {username} added"}), status_code=303)


@router.post("/admin/tokens")
def add_token(request: Request, session: CsrfDep, admin_user: AdminDep, backend: BackendDep,
              name: Annotated[str, Form()], role: Annotated[str, Form()],
              partner: Annotated[str, Form()] = "") -> HTMLResponse:
    if role not in ("integration", "analyst", "admin"):
        raise HTTPException(status_code=422, detail=f"role must be integration, analyst or admin, not {role!r}")
    secret = backend.create_token(name, role, partner or None, admin_user.username)
    # Rendered in this response, never put in a URL: query strings end up in access logs.
    return _page(request, "admin.html", session, nav="admin", users=backend.users(), tokens=backend.tokens(),
                 new_token=secret)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(token_id: str, session: CsrfDep, admin_user: AdminDep, backend: BackendDep) -> Response:
    backend.revoke_token(token_id, admin_user.username)
    return RedirectResponse("/admin?" + urlencode({"flash": "token revoked"}), status_code=303)
