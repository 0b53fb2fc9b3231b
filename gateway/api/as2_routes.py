"""``POST /as2``: AS2 messages from partners (answered with the sync MDN) and async MDNs for our messages."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from gateway.errors import AS2Error
from gateway.pipeline.as2_context import As2Service, As2Stage, build_service, log_line, service_for
from gateway.pipeline.as2_inbound import HttpReply, receive_message, unexpected_mdn
from gateway.pipeline.as2_receipts import looks_like_mdn, receive_async_mdn
from gateway.settings import Settings
from gateway.store.enums import Outcome

router = APIRouter(tags=["AS2"])
_LOCK = threading.Lock()


def as2_service(app: FastAPI) -> As2Service:
    """The app's AS2 service: the Runtime's when the app has one, else built from its settings on first use."""
    with _LOCK:
        service = getattr(app.state, "as2_service", None)
        if isinstance(service, As2Service):
            return service
        runtime = getattr(app.state, "runtime", None)
        if runtime is not None and hasattr(runtime, "extras"):
            service = service_for(runtime)
        else:
            settings = getattr(app.state, "settings", None)
            service = build_service(settings if isinstance(settings, Settings) else Settings())
        app.state.as2_service = service
        return service


@router.post(
    "/as2",
    summary="Receive an AS2 message or an asynchronous MDN",
    response_description="The synchronous MDN (multipart/report or multipart/signed), or empty",
    responses={413: {"description": "Body larger than ACORN_MAX_AS2_BODY_BYTES"}},
)
async def receive_as2(request: Request) -> Response:
    headers = dict(request.headers.items())
    limit = _limit(request)
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return _too_large(headers, limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return _too_large(headers, limit)
    reply = await run_in_threadpool(_handle, request.app, headers, bytes(body))
    return Response(content=reply.body, status_code=reply.status_code, headers=dict(reply.headers))


def _handle(app: FastAPI, headers: Mapping[str, str], body: bytes) -> HttpReply:
    """The whole message in one worker thread (one hop from the event loop, not one per step)."""
    try:
        service = as2_service(app)
        if looks_like_mdn(headers, body):
            return receive_async_mdn(service, headers, body)
        return receive_message(service, headers, body)
    except Exception as exc:  # the last resort: an error MDN (or 503), a log line, never a 500 with a traceback
        return _last_resort(dict(headers), exc)


def _limit(request: Request) -> int:
    settings = getattr(request.app.state, "settings", None)
    return settings.max_as2_body_bytes if isinstance(settings, Settings) else Settings().max_as2_body_bytes


def _too_large(headers: dict[str, str], limit: int) -> Response:
    text = f"AS2 body larger than {limit} bytes (ACORN_MAX_AS2_BODY_BYTES); not stored"
    log_line(
        As2Stage.RECEIVE,
        Outcome.ERROR,
        text,
        partner=headers.get("as2-from"),
        direction="inbound",
        message_id=headers.get("message-id"),
        detail={"error": "body too large"},
    )
    return Response(text, status_code=413, media_type="text/plain")


def _last_resort(headers: dict[str, str], exc: Exception) -> HttpReply:
    incident = uuid.uuid4().hex[:12]
    log_line(
        As2Stage.RECEIVE,
        Outcome.ERROR,
        f"unexpected failure, incident {incident}: {type(exc).__name__}: {exc}",
        partner=headers.get("as2-from"),
        direction="inbound",
        message_id=headers.get("message-id"),
        detail={"error": f"{type(exc).__name__}: {exc}", "disposition": "unexpected-processing-error"},
    )
    mdn = unexpected_mdn(headers, AS2Error(f"unexpected processing error (incident {incident})"))
    if mdn is not None and mdn.url is None:
        return HttpReply(200, dict(mdn.headers), mdn.body)
    # No sync MDN to carry the error: ask the sender to retry later (nothing may have been stored).
    return HttpReply(
        503,
        {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "60"},
        f"temporarily unable to process (incident {incident})".encode(),
    )
