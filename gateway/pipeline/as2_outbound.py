"""Outbound AS2 flow: store the message -> send (each attempt an event) -> sync MDN or wait -> verify, reconcile MIC.

States (``AS2Status``): queued -> sending -> sent (no MDN requested) | awaiting_mdn (async) | mdn_received |
mdn_failed (negative disposition, bad signature, MIC mismatch: a failure, not a warning) | dead (attempts
exhausted or a permanent error). Transport failures are retried with exponential backoff and full jitter up to the
partner profile's ``retry.max_attempts``; a resend keeps the Message-ID unless ``resend_keeps_message_id: false``.
Every piece of state lives in the database, so an async MDN may arrive at any node.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from gateway.as2 import AS2Client, As2Partner, backoff_delay, build_message
from gateway.as2.outbound import new_message_id
from gateway.errors import AcornError, ConfigError, StateConflictError, TransportError
from gateway.partners.as2_section import MdnMode
from gateway.pipeline.as2_context import As2Service, As2Stage, record
from gateway.pipeline.as2_receipts import reconcile_mdn, where_of
from gateway.store import Session
from gateway.store.as2 import get_as2_message, record_as2_message, update_as2_message
from gateway.store.blobs import blob_content, put_blob
from gateway.store.documents import get_document, update_document
from gateway.store.enums import AS2Status, BlobKind, Direction, JobKind, Outcome
from gateway.store.enums import MdnMode as StoredMdnMode
from gateway.store.events import list_events
from gateway.store.jobs import enqueue_job
from gateway.store.models import AS2Message

MDN_DEADLINE_JOB = "as2.mdn_deadline"  # marks a message mdn_failed when its async MDN never came
RETRYABLE_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})
FINISHED = frozenset({AS2Status.SENT, AS2Status.AWAITING_MDN, AS2Status.MDN_RECEIVED, AS2Status.MDN_FAILED})


class SendOutcome(StrEnum):
    DONE = "done"  # finished: sent without MDN, MDN reconciled, or awaiting the async MDN
    RETRY = "retry"  # transport failure, retry after ``delay``
    DEAD = "dead"  # attempts exhausted or a permanent error


@dataclass(frozen=True)
class SendReport:
    outcome: SendOutcome
    status: AS2Status
    message_id: str
    delay: timedelta | None = None
    error: str | None = None


def queue_message(
    service: As2Service,
    partner_id: str,
    payload: bytes,
    *,
    filename: str | None,
    content_type: str | None = None,
    document_id: str | None = None,
) -> str:
    """Store an outbound message and queue its send job in one transaction (outbox); returns the message ref."""
    partner = service.directory.get(partner_id)
    with service.store.transaction() as session:
        row = _new_row(service, session, partner, payload, document_id, filename, content_type)
        if document_id is not None:
            update_document(session, document_id, as2_message_id=row.id)
        enqueue_job(
            session, JobKind.AS2_SEND, subject_id=row.id, dedupe_key=f"as2send:{row.id}",
            payload={"message": row.id, "filename": filename, "content_type": content_type, "document": document_id},
            max_attempts=partner.profile.retry.max_attempts + 1,
        )
        return row.id


def message_for_document(service: As2Service, document_id: str) -> tuple[str, str | None]:
    """The outbound AS2 message carrying a pipeline document's X12 (created on first call); (ref, filename)."""
    with service.store.transaction() as session:
        doc = get_document(session, document_id)
        filename = f"{doc.doc_type}-{doc.isa13 or doc.id}.edi"
        if doc.as2_message_id is not None:
            row = get_as2_message(session, doc.as2_message_id)
            if doc.status == "queued" and row.status in (AS2Status.MDN_FAILED, AS2Status.DEAD):
                # The pipeline's retry put the document back to queued: send the same message again.
                _reset_for_resend(service, session, row, "document retry")
            return doc.as2_message_id, filename
        if doc.x12_blob_id is None:
            raise ConfigError(f"document {document_id} (partner {doc.partner_id}) has no X12 to send")
        partner = service.directory.get(doc.partner_id)
        row = _new_row(service, session, partner, blob_content(session, doc.x12_blob_id), document_id, filename,
                       None)
        update_document(session, document_id, as2_message_id=row.id)
        return row.id, filename


def request_resend(service: As2Service, ref: str, *, actor: str = "analyst") -> str:
    """Send a failed or dead outbound message again (fresh attempt budget; Message-ID per the profile)."""
    with service.store.transaction() as session:
        row = get_as2_message(session, ref)
        if row.direction is not Direction.OUTBOUND or row.status not in (AS2Status.MDN_FAILED, AS2Status.DEAD):
            raise StateConflictError(
                f"AS2 message {ref} (partner {row.partner_id}, Message-ID {row.message_id}) is {row.direction} "
                f"{row.status}; only outbound messages in mdn_failed or dead can be sent again")
        _reset_for_resend(service, session, row, f"resend requested by {actor}")
        partner = service.directory.get(row.partner_id or "")
        queued = queued_facts(session, row.id)
        enqueue_job(session, JobKind.AS2_SEND, subject_id=row.id, dedupe_key=f"as2send:{row.id}:{uuid.uuid4().hex}",
                    payload={"message": row.id, "filename": queued.get("filename"),
                             "content_type": queued.get("content_type")},
                    max_attempts=partner.profile.retry.max_attempts + 1)
        return row.id


def _reset_for_resend(service: As2Service, session: Session, row: AS2Message, why: str) -> None:
    update_as2_message(session, row.id, AS2Status.QUEUED, attempts=0, next_attempt_at=service.now())
    record(session, As2Stage.QUEUE, Outcome.OK, f"{why}: sending again (was {row.status})",
           **where_of(row, row.message_id))


def queued_facts(session: Session, ref: str) -> dict[str, Any]:
    """Filename, content type and document of a message, as its ``as2.queue`` event recorded them."""
    for event in list_events(session, as2_message_id=ref, limit=20):
        if event.stage == As2Stage.QUEUE and event.detail and "filename" in event.detail:
            return dict(event.detail)
    return {}


def _new_row(
    service: As2Service, session: Session, partner: As2Partner, payload: bytes, document_id: str | None,
    filename: str | None, content_type: str | None,
) -> AS2Message:
    profile = partner.profile
    message_id = new_message_id(profile.our_as2_id)
    row, _ = record_as2_message(
        session, direction=Direction.OUTBOUND, message_id=message_id, partner_id=partner.partner_id,
        as2_from=profile.our_as2_id, as2_to=profile.their_as2_id, status=AS2Status.QUEUED, subject=profile.subject,
        mdn_mode=StoredMdnMode(profile.mdn.mode.value), mdn_url=profile.mdn.async_url,
        next_attempt_at=service.now(),
    )
    update_as2_message(session, row.id, payload=payload)
    # The event carries the document id: that is how an MDN arriving later finds the pipeline document.
    record(session, As2Stage.QUEUE, Outcome.OK, f"queued {len(payload)} bytes for {profile.url}",
           message_ref=row.id, partner=partner.partner_id, direction=Direction.OUTBOUND, message_id=message_id,
           document_id=document_id,
           detail={"filename": filename, "content_type": content_type, "document": document_id, "size": len(payload)})
    return row


def send_attempt(
    service: As2Service, ref: str, *, filename: str | None, content_type: str | None = None
) -> SendReport:
    """One attempt: build (same Message-ID unless the profile says otherwise), POST, handle the sync MDN."""
    with service.store.transaction() as session:
        row = get_as2_message(session, ref)
        if row.status in FINISHED:
            return SendReport(SendOutcome.DONE, row.status, row.message_id)
        partner = service.directory.get(row.partner_id or "")
        profile = partner.profile
        if row.status is AS2Status.DEAD:
            row = update_as2_message(session, ref, attempts=0)  # an analyst's resend: a fresh attempt budget
        attempt = row.attempts + 1
        message_id = row.message_id
        if attempt > 1 and not profile.resend_keeps_message_id:
            message_id = new_message_id(profile.our_as2_id)
        where = where_of(row, message_id)
        try:
            if row.payload_blob_id is None:
                raise ConfigError(f"outbound message {ref} has no payload stored")
            message = build_message(partner, blob_content(session, row.payload_blob_id), filename, content_type,
                                    message_id, now=service.now())
        except AcornError as exc:
            update_as2_message(session, ref, AS2Status.DEAD, error=str(exc))
            record(session, As2Stage.SEND, Outcome.ERROR, f"cannot build the message: {exc}", **where,
                   detail={"error": str(exc)})
            return SendReport(SendOutcome.DEAD, AS2Status.DEAD, message_id, error=str(exc))
        outbound = profile.outbound
        update_as2_message(
            session, ref, AS2Status.SENDING, attempts=attempt, message_id=message_id, headers=message.headers,
            body_blob_id=put_blob(session, BlobKind.AS2_BODY, message.body).id, mic=message.mic,
            mic_algorithm=message.mic_algorithm.value, signed=outbound.signature is not None,
            signature_algorithm=outbound.signature.value if outbound.signature else None,
            encrypted=outbound.encryption is not None,
            encryption_algorithm=outbound.encryption.value if outbound.encryption else None,
            compressed=outbound.compression.value != "none", next_attempt_at=None, error=None,
        )
        record(session, As2Stage.SEND, Outcome.OK,
               f"attempt {attempt} of {profile.retry.max_attempts}: POST {len(message.body)} bytes to {profile.url}",
               **where, detail={"attempt": attempt, "url": profile.url, "size": len(message.body)})
    client = AS2Client(service.transport, rng=service.rng, clock=service.clock)
    try:
        response = client.send_once(partner, message)
    except (TransportError, ConfigError) as exc:
        return _failed_attempt(service, ref, partner, attempt, message_id, exc)
    with service.store.transaction() as session:
        row = get_as2_message(session, ref)
        record(session, As2Stage.SEND, Outcome.OK, f"attempt {attempt}: partner answered HTTP {response.status_code}",
               **where, detail={"attempt": attempt, "status_code": response.status_code})
        if row.status in (AS2Status.MDN_RECEIVED, AS2Status.MDN_FAILED):
            pass  # the async MDN overtook the HTTP response (another node may have taken it)
        elif profile.mdn.mode is MdnMode.NONE:
            row = update_as2_message(session, ref, AS2Status.SENT)
        elif profile.mdn.mode is MdnMode.SYNC:
            reconcile_mdn(service, session, row, partner, response.headers, response.body)
        else:
            wait = service.mdn_wait(partner.partner_id)
            row = update_as2_message(session, ref, AS2Status.AWAITING_MDN, next_attempt_at=service.now() + wait)
            enqueue_job(session, MDN_DEADLINE_JOB, payload={"message": ref, "message_id": message_id},
                        subject_id=ref, run_after=service.now() + wait,
                        dedupe_key=f"mdnwait:{ref}:{message_id}:{attempt}")
            record(session, As2Stage.MDN_RECEIVED, Outcome.OK,
                   f"waiting up to {wait} for the async MDN at {profile.mdn.async_url}", **where)
        status = get_as2_message(session, ref).status
    return SendReport(SendOutcome.DONE, status, message_id)


def _failed_attempt(
    service: As2Service, ref: str, partner: As2Partner, attempt: int, message_id: str, exc: AcornError
) -> SendReport:
    policy = partner.profile.retry
    status_code = getattr(getattr(exc, "response", None), "status_code", None)
    retryable = isinstance(exc, TransportError) and (status_code is None or status_code in RETRYABLE_HTTP)
    with service.store.transaction() as session:
        row = get_as2_message(session, ref)
        where = where_of(row, message_id)
        detail: dict[str, Any] = {"attempt": attempt, "error": str(exc), "status_code": status_code}
        if row.status in (AS2Status.MDN_RECEIVED, AS2Status.MDN_FAILED):
            # The partner got it: its async MDN arrived although our POST saw an error (e.g. a read timeout).
            record(session, As2Stage.SEND, Outcome.WARNING, f"attempt {attempt} reported {exc}, but the MDN is "
                   f"already here ({row.status}): not resent", **where, detail=detail)
            return SendReport(SendOutcome.DONE, row.status, message_id)
        if not retryable or attempt >= policy.max_attempts:
            why = "not retryable" if not retryable else f"{policy.max_attempts} attempts used"
            update_as2_message(session, ref, AS2Status.DEAD, error=str(exc))
            record(session, As2Stage.SEND, Outcome.ERROR, f"attempt {attempt} failed ({why}), giving up: {exc}",
                   **where, detail=detail)
            return SendReport(SendOutcome.DEAD, AS2Status.DEAD, message_id, error=str(exc))
        delay = timedelta(seconds=backoff_delay(attempt, policy, service.rng))
        update_as2_message(session, ref, AS2Status.QUEUED, error=str(exc), next_attempt_at=service.now() + delay)
        record(session, As2Stage.SEND, Outcome.WARNING,
               f"attempt {attempt} failed, retry in {delay.total_seconds():.1f} s: {exc}", **where,
               detail={**detail, "retry_in_seconds": round(delay.total_seconds(), 3)})
        return SendReport(SendOutcome.RETRY, AS2Status.QUEUED, message_id, delay=delay, error=str(exc))
