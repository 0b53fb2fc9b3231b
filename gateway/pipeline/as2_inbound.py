"""Inbound AS2 flow: commit raw -> duplicate check -> unwrap -> store payload -> MDN -> hand-off -> MDN out.

Durability: the raw HTTP body and headers (credentials stripped) are committed before anything else, so a
message that fails to decrypt, verify or decompress is still kept byte for byte; the payload, the MDN and the
pipeline job are committed together before the MDN leaves (sync) or is queued (async). A repeated Message-ID from
the same partner is never processed again: it gets the MDN stored for the first copy.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from gateway.as2 import HttpxTransport, InboundResult, receive
from gateway.as2.mdn_build import MdnFacts, OutboundMdn, build_mdn
from gateway.as2.mdn_request import MdnRequest, mdn_request
from gateway.as2.mime import header, strip_angle, unquote_as2_name
from gateway.errors import AS2Error, NotFoundError, StateConflictError, TransportError
from gateway.partners.as2_section import MdnMode, Timeouts
from gateway.pipeline.as2_context import As2Service, As2Stage, Timeline, log_line, record
from gateway.pipeline.ports import InboundPayload
from gateway.pipeline.statuses import PipelineJob
from gateway.store import Session
from gateway.store.as2 import (
    get_as2_message,
    insert_as2_message,
    insert_mdn,
    mdn_for,
    set_as2_message,
    update_as2_message,
    update_mdn,
)
from gateway.store.blobs import NewBlob, blob_content, insert_blobs, put_blob
from gateway.store.columns import new_id
from gateway.store.enums import AS2Status, BlobKind, Direction, JobKind, MdnStatus, Outcome
from gateway.store.enums import MdnMode as StoredMdnMode
from gateway.store.jobs import add_job, backoff_delay
from gateway.store.models import Mdn

MDN_DELIVERY_ATTEMPTS = 10
_MAX_STORED_ID = 900  # the Message-ID column holds 998 characters; longer (hostile) ids are stored by hash


@dataclass(frozen=True)
class HttpReply:
    """What the /as2 endpoint answers: the sync MDN, or 200 with an empty body."""

    status_code: int
    headers: dict[str, str]
    body: bytes = b""


EMPTY_OK = HttpReply(200, {})


class MdnDeliveryError(Exception):
    """An async MDN could not be POSTed; the job retries it with backoff (``delay``)."""

    def __init__(self, text: str, delay: timedelta) -> None:
        self.delay = delay
        super().__init__(text)


@dataclass(frozen=True)
class _Raw:
    ref: str
    created: bool
    partner_id: str | None
    message_id: str
    request: MdnRequest


def receive_message(service: As2Service, headers: Mapping[str, str], body: bytes) -> HttpReply:
    """Run every inbound stage for one HTTP request; message faults end in an MDN, never an exception."""
    raw = _commit_raw(service, headers, body)
    if not raw.created:
        reply = _answer_duplicate(service, raw, body)
        if reply is not None:
            return reply
    try:
        result = receive(
            headers, body, service.directory.lookup, service.now(),
            max_decompressed_bytes=service.settings.max_decompressed_bytes,
        )
    except Exception as exc:  # a codec defect must still end in a stored failure and an MDN, never a 500
        result = _unexpected(headers, raw, exc)
    return _finish(service, raw, result)


def _commit_raw(service: As2Service, headers: Mapping[str, str], body: bytes) -> _Raw:
    """Stage (a): the raw body and headers, committed before anything else happens."""
    message_id = strip_angle(header(headers, "Message-ID") or "")
    as2_from = unquote_as2_name(header(headers, "AS2-From") or "")
    as2_to = unquote_as2_name(header(headers, "AS2-To") or "")
    partner = service.directory.lookup(as2_from, as2_to)
    partner_id = partner.partner_id if partner is not None else None
    request = mdn_request(headers)
    stored_id = message_id or f"missing-message-id-{uuid.uuid4().hex}"
    if len(stored_id) > _MAX_STORED_ID:
        stored_id = "overlong-message-id-sha256-" + hashlib.sha256(stored_id.encode()).hexdigest()
    subject = header(headers, "Subject")
    sha256 = hashlib.sha256(body).hexdigest()
    with service.store.transaction() as session:
        ref, created = insert_as2_message(
            session, direction=Direction.INBOUND, message_id=stored_id, partner_id=partner_id,
            as2_from=as2_from[:128], as2_to=as2_to[:128], status=AS2Status.RECEIVED, body=body, body_sha256=sha256,
            headers=dict(headers), subject=subject[:998] if subject else None,
            mdn_mode=StoredMdnMode(request.mode.value), mdn_url=(request.url or "")[:2000] or None,
        )
        if created:
            timeline = Timeline(message_ref=ref, partner=partner_id, direction=Direction.INBOUND,
                                message_id=stored_id)
            timeline.note(As2Stage.RECEIVE, Outcome.OK, f"received {len(body)} bytes from AS2-From {as2_from!r}",
                          detail={"size": len(body), "sha256": sha256, "mdn": request.mode.value,
                                  "known_partner": partner is not None})
            timeline.write(session)
    return _Raw(ref, created, partner_id, stored_id, request)


def _answer_duplicate(service: As2Service, raw: _Raw, body: bytes) -> HttpReply | None:
    """Stage (b): a repeat of an accepted message gets the stored MDN; None means process this copy (the first
    one failed, or never finished)."""
    where: dict[str, Any] = {"message_ref": raw.ref, "partner": raw.partner_id, "direction": Direction.INBOUND,
                             "message_id": raw.message_id}
    _wait_for_first_copy(service, raw.ref)
    with service.store.transaction() as session:
        original = get_as2_message(session, raw.ref)
        mdn = mdn_for(session, raw.ref, Direction.OUTBOUND)
        if mdn is None and original.status is AS2Status.RECEIVED:
            record(session, As2Stage.DUPLICATE, Outcome.WARNING,
                   "Message-ID repeated and its first copy never finished (crashed?): processing it now", **where)
            return None
        if original.status is AS2Status.FAILED:
            # Nothing was accepted the first time, so nothing can be processed twice: the sender is retrying
            # (after fixing a certificate, say). Keep this copy's bytes; the first copy's blob stays referenced.
            previous = original.body_blob_id
            update_as2_message(session, raw.ref, AS2Status.RECEIVED, body_blob_id=put_blob(
                session, BlobKind.AS2_BODY, body).id, error=None)
            record(session, As2Stage.DUPLICATE, Outcome.WARNING,
                   f"Message-ID repeated after its first copy failed ({original.disposition}): processing the repeat",
                   **where, detail={"first_status": str(original.status), "first_body_blob": previous,
                                    "first_disposition": original.disposition})
            return None
        record(session, As2Stage.DUPLICATE, Outcome.WARNING,
               "duplicate Message-ID: not processed again; answered with the stored MDN" if mdn is not None
               else "duplicate Message-ID: not processed again (no MDN stored for it)", **where,
               detail={"first_status": str(original.status), "mdn": raw.request.mode.value})
        if mdn is None or mdn.blob_id is None or raw.request.mode is MdnMode.NONE:
            return EMPTY_OK
        if raw.request.mode is MdnMode.ASYNC:
            if raw.partner_id is not None and _http_url(raw.request.url):
                _queue_mdn_delivery(session, mdn.id, raw.request.url, raw.ref, repeat=True)
            return EMPTY_OK
        return HttpReply(200, dict(mdn.headers or {}), blob_content(session, mdn.blob_id))


def _wait_for_first_copy(service: As2Service, ref: str) -> None:
    """A repeat that races the first copy (still in flight on this or another node) waits for its outcome."""
    deadline = time.monotonic() + service.duplicate_wait.total_seconds()
    pause = 0.02
    while True:
        with service.store.transaction() as session:
            first = get_as2_message(session, ref)
        if first.status is not AS2Status.RECEIVED or first.created_at < service.now() - service.duplicate_wait:
            return  # finished, or stuck long enough to be a crashed copy
        if time.monotonic() + pause > deadline:
            return
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def _finish(service: As2Service, raw: _Raw, result: InboundResult) -> HttpReply:
    """Stages (c)-(g) committed together: security facts, payload, status, MDN, hand-off, async MDN job.

    Everything is prepared before the transaction opens (on SQLite it holds the database's write lock)."""
    facts = result.security
    timeline = Timeline(message_ref=raw.ref, partner=raw.partner_id, direction=Direction.INBOUND,
                        message_id=raw.message_id)
    mic_algorithm = result.mic_algorithm.value if result.mic_algorithm else None
    security = {"signed": facts.signed, "encrypted": facts.encrypted, "compressed": facts.compressed,
                "encryption": facts.encryption, "signature_digest": facts.signature_digest,
                "mic_algorithm": mic_algorithm}
    blobs: list[NewBlob] = []
    if result.error is not None:
        timeline.note(As2Stage.UNWRAP, Outcome.ERROR, f"{result.disposition.value}: {result.error}",
                      detail={"disposition": result.disposition.value, "error": str(result.error),
                              "error_type": type(result.error).__name__, **security})
    else:
        timeline.note(As2Stage.UNWRAP, Outcome.OK, "decrypted, verified and decompressed as required", security)
        payload = result.payload or b""
        timeline.note(As2Stage.STORE, Outcome.OK, f"payload stored ({len(payload)} bytes)",
                      {"size": len(payload), "filename": result.filename, "content_type": result.content_type})
    if result.ok and result.payload is not None:
        blobs.append(NewBlob(BlobKind.AS2_PAYLOAD, result.payload))
    mdn = result.mdn
    mdn_id = new_id()
    if mdn is not None:
        blobs.append(NewBlob(BlobKind.MDN, mdn.body))
        outcome = Outcome.OK if mdn.disposition.endswith("processed") else Outcome.WARNING
        timeline.note(As2Stage.MDN, outcome, f"{mdn.mode.value} MDN stored: {mdn.disposition}",
                      {"disposition": mdn.disposition, "signed": mdn.signed, "mode": mdn.mode.value, "mdn": mdn_id})
    hand_off = result.ok and service.hand_off and raw.partner_id is not None
    if hand_off:
        timeline.note(As2Stage.HAND_OFF, Outcome.OK, "payload queued for X12 processing")
    deliver = mdn is not None and mdn.mode is MdnMode.ASYNC and _note_async_mdn(timeline, raw, mdn)
    with service.store.transaction() as session:
        blob_ids = insert_blobs(session, blobs)
        stored = {"payload_blob_id": blob_ids[0]} if result.ok and result.payload is not None else {}
        set_as2_message(
            session, raw.ref, AS2Status.PROCESSED if result.ok else AS2Status.FAILED, **stored,
            disposition=result.disposition.value, error=str(result.error) if result.error is not None else None,
            mic=result.mic, mic_algorithm=mic_algorithm, signed=facts.signed,
            signature_algorithm=facts.signature_digest, encrypted=facts.encrypted,
            encryption_algorithm=facts.encryption, compressed=facts.compressed,
        )
        if mdn is not None:
            insert_mdn(
                session, raw.ref, direction=Direction.OUTBOUND, disposition=mdn.disposition,
                status=MdnStatus.SENT if mdn.mode is MdnMode.SYNC else MdnStatus.PENDING, blob_id=blob_ids[-1],
                headers=mdn.headers, mdn_id=mdn_id, mic=mdn.mic,
                mic_algorithm=mdn.mic_algorithm.value if mdn.mic_algorithm else None, signed=mdn.signed,
            )
        if hand_off:
            add_job(session, PipelineJob.PROCESS_INBOUND, payload={"message": raw.ref}, subject_id=raw.ref,
                    dedupe_key=f"inbound:{raw.ref}")
        if deliver and mdn is not None:
            _queue_mdn_delivery(session, mdn_id, mdn.url, raw.ref, repeat=False)
        timeline.write(session)
    if mdn is not None and mdn.mode is MdnMode.SYNC:
        return HttpReply(200, dict(mdn.headers), mdn.body)
    return EMPTY_OK


def _note_async_mdn(timeline: Timeline, raw: _Raw, mdn: OutboundMdn) -> bool:
    """Whether the async MDN may be POSTed; the reason it may not goes on the timeline."""
    if raw.partner_id is None:
        # Never POST to a URL named by an unknown sender: the MDN stays stored for an analyst.
        timeline.note(As2Stage.MDN_DELIVERY, Outcome.WARNING,
                      f"async MDN to {mdn.url} not sent: the sender is not a known partner")
        return False
    if not _http_url(mdn.url):
        timeline.note(As2Stage.MDN_DELIVERY, Outcome.ERROR,
                      f"async MDN not sent: Receipt-Delivery-Option {mdn.url!r} is not an http(s) URL",
                      {"error": "unsupported Receipt-Delivery-Option"})
        return False
    return True


def _http_url(url: str | None) -> bool:
    """Async MDNs go over HTTP(S) only (no mailto:, file: or other schemes a request might name)."""
    parsed = urlsplit(url or "")
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _queue_mdn_delivery(session: Session, mdn_id: str, url: str | None, ref: str, *, repeat: bool) -> None:
    key = f"mdn:{mdn_id}" + (f":repeat:{uuid.uuid4().hex}" if repeat else "")
    add_job(session, JobKind.AS2_SEND_MDN, payload={"mdn": mdn_id, "url": url}, subject_id=ref, dedupe_key=key,
            max_attempts=MDN_DELIVERY_ATTEMPTS)


def _unexpected(headers: Mapping[str, str], raw: _Raw, exc: Exception) -> InboundResult:
    """An InboundResult for a failure the codec did not classify: unexpected-processing-error, unsigned MDN."""
    error = AS2Error(f"unexpected processing error: {type(exc).__name__}: {exc}")
    result = InboundResult(
        message_id=raw.message_id, as2_from=unquote_as2_name(header(headers, "AS2-From") or ""),
        as2_to=unquote_as2_name(header(headers, "AS2-To") or ""), partner_id=raw.partner_id, error=error,
        mdn_request=raw.request,
    )
    result.mdn = unexpected_mdn(headers, error)
    return result


def unexpected_mdn(headers: Mapping[str, str], error: AS2Error) -> OutboundMdn | None:
    """An unsigned MDN reporting ``error`` when the sender asked for one (the endpoint's last resort)."""
    try:
        request = mdn_request(headers)
    except Exception:  # even unreadable MDN options must not stop the error answer
        request = MdnRequest(MdnMode.SYNC, None, False, ())
    if request.mode is MdnMode.NONE:
        return None
    facts = MdnFacts(
        original_message_id=strip_angle(header(headers, "Message-ID") or ""),
        our_as2_id=unquote_as2_name(header(headers, "AS2-To") or ""),
        their_as2_id=unquote_as2_name(header(headers, "AS2-From") or ""),
        error=error,
    )
    return build_mdn(facts, mode=request.mode, url=request.url, sign_with=None, sign_digest=None)


def deliver_mdn(service: As2Service, mdn_id: str, url: str | None, attempt: int) -> None:
    """Stage (g), async: POST a stored MDN to the partner's Receipt-Delivery-Option URL; raises MdnDeliveryError."""
    with service.store.transaction() as session:
        mdn = session.get(Mdn, mdn_id)
        if mdn is None or mdn.blob_id is None:
            raise AS2Error(f"MDN {mdn_id} is not stored (or has no body)")
        message = get_as2_message(session, mdn.as2_message_id)
        body = blob_content(session, mdn.blob_id)
        headers = dict(mdn.headers or {})
        target = url or message.mdn_url
    where: dict[str, Any] = {"partner": message.partner_id, "direction": Direction.OUTBOUND,
                             "message_id": message.message_id}
    if not target:
        raise AS2Error(f"partner {message.partner_id}, Message-ID {message.message_id}: async MDN has no URL")
    partner = service.directory.partners.get(message.partner_id or "")
    profile = partner.profile if partner is not None else None
    auth = None
    if profile is not None and profile.http_auth is not None:
        auth = (profile.http_auth.username, profile.http_auth.password.resolve())
    transport = service.transport or HttpxTransport()
    try:
        response = transport.send(target, headers, body, profile.timeouts if profile else Timeouts(), auth,
                                  profile.tls if profile else None)
        problem = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    except TransportError as exc:
        problem = str(exc)
    with service.store.transaction() as session:
        if problem is None:
            update_mdn(session, mdn_id, MdnStatus.SENT)
            record(session, As2Stage.MDN_DELIVERY, Outcome.OK, f"async MDN delivered to {target}",
                   message_ref=message.id, **where, detail={"attempt": attempt, "url": target})
            return
        delay = backoff_delay(attempt, base=30.0, cap=3600.0, rng=service.rng)
        record(session, As2Stage.MDN_DELIVERY, Outcome.WARNING,
               f"async MDN delivery attempt {attempt} to {target} failed: {problem}", message_ref=message.id,
               **where, detail={"attempt": attempt, "url": target, "error": problem,
                                "retry_in_seconds": round(delay.total_seconds(), 1)})
    raise MdnDeliveryError(f"async MDN to {target}: {problem}", delay)


def resend_mdn(service: As2Service, ref: str, *, actor: str = "analyst") -> str:
    """Queue our stored async MDN for an inbound message to its Receipt-Delivery-Option URL again; returns the URL.

    A synchronous MDN went back in the HTTP response and cannot be sent again (a repeated message gets it back).
    """
    with service.store.transaction() as session:
        row = get_as2_message(session, ref)
        where = f"AS2 message {ref} (partner {row.partner_id}, Message-ID {row.message_id})"
        if row.direction is not Direction.INBOUND:
            raise StateConflictError(f"{where} is outbound: its MDN comes from the partner")
        mdn = mdn_for(session, row.id, Direction.OUTBOUND)
        if mdn is None or mdn.blob_id is None:
            raise StateConflictError(f"{where} has no stored MDN")
        if row.mdn_mode is not StoredMdnMode.ASYNC or not row.mdn_url:
            raise StateConflictError(f"{where} asked for a {row.mdn_mode} MDN; only asynchronous MDNs can be sent "
                                     "again (a repeated message gets the stored MDN back)")
        if row.partner_id is None or not _http_url(row.mdn_url):
            raise StateConflictError(f"{where}: the MDN is not sent to {row.mdn_url!r} (unknown sender or not an "
                                     "http(s) URL)")
        _queue_mdn_delivery(session, mdn.id, row.mdn_url, row.id, repeat=True)
        record(session, As2Stage.MDN_DELIVERY, Outcome.OK, f"async MDN queued to {row.mdn_url} again by {actor}",
               message_ref=row.id, partner=row.partner_id, direction=Direction.OUTBOUND, message_id=row.message_id,
               detail={"action": "resend-mdn", "actor": actor, "url": row.mdn_url})
        return row.mdn_url


def mdn_undeliverable(service: As2Service, mdn_id: str, error: str) -> None:
    """The async MDN ran out of attempts: mark it failed, visibly."""
    with service.store.transaction() as session:
        mdn = session.get(Mdn, mdn_id)
        if mdn is None:
            return
        update_mdn(session, mdn_id, MdnStatus.FAILED)
        message = get_as2_message(session, mdn.as2_message_id)
        record(session, As2Stage.MDN_DELIVERY, Outcome.ERROR, f"async MDN given up: {error}",
               message_ref=message.id, partner=message.partner_id, direction=Direction.OUTBOUND,
               message_id=message.message_id, detail={"error": error})


def load_inbound_payload(session: Session, ref: str) -> InboundPayload:
    """What ``pipeline.process_inbound`` reads: the payload this flow accepted (for the pipeline's store adapter)."""
    row = get_as2_message(session, ref)
    if row.direction is not Direction.INBOUND or row.status is not AS2Status.PROCESSED or row.partner_id is None:
        raise NotFoundError(f"AS2 message {ref} ({row.direction}, {row.status}, Message-ID {row.message_id}) "
                            "is not an accepted inbound message")
    if row.payload_blob_id is None:
        raise NotFoundError(f"AS2 message {ref} (Message-ID {row.message_id}) has no payload stored")
    return InboundPayload(ref=row.id, partner_id=row.partner_id, message_id=row.message_id,
                          body=blob_content(session, row.payload_blob_id))


__all__ = ["EMPTY_OK", "HttpReply", "MdnDeliveryError", "deliver_mdn", "load_inbound_payload", "log_line",
           "mdn_undeliverable", "receive_message", "resend_mdn", "unexpected_mdn"]
