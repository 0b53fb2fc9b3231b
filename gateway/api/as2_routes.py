"""``POST /as2``: AS2 messages from partners (answered with the sync MDN) and async MDNs for our messages."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

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


@dataclass
class WorkerShare:
    """Hands keep-alive connections back when this server process is busy, so the other workers get their share.

    ``acorn serve --workers N`` starts N processes on one listening socket; a connection stays with the process
    that accepted it, and a burst of connections opened together is often all accepted by one process (it drains
    the listen queue), which then queues every message behind its own GIL while the others idle. So when this
    process already has ``busy`` AS2 requests in flight, every ``every``-th response says ``Connection: close``:
    the sender reconnects and the new connection goes to whichever worker accepts it first. Off (``enabled``
    False) in a single-process server, where a reconnect would only land here again.
    """

    enabled: bool
    busy: int = 2
    every: int = 8
    in_flight: int = 0
    answered: int = 0

    def close_after(self) -> bool:
        """Whether the response now being sent should close its connection (call once per response)."""
        self.answered += 1
        return self.enabled and self.in_flight >= self.busy and self.answered % self.every == 0


# Touched only on the event loop thread (before and after the threadpool hop), so it needs no lock.
_SHARE = WorkerShare(enabled=multiprocessing.parent_process() is not None)  # uvicorn --workers N children


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
    _SHARE.in_flight += 1
    try:
        reply = await run_in_threadpool(_handle, request.app, headers, bytes(body))
    finally:
        _SHARE.in_flight -= 1
    response_headers = dict(reply.headers)
    if _SHARE.close_after():
        response_headers["Connection"] = "close"
    return Response(content=reply.body, status_code=reply.status_code, headers=response_headers)


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
