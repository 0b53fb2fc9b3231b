"""The partner's MDN for our outbound messages: verify, store, reconcile the MIC, and tell the pipeline.

Sync MDNs come from ``as2_outbound.send_attempt``; async MDNs arrive at ``POST /as2`` (any node: they are matched
in the database by partner and Original-Message-ID). A negative disposition, a bad or missing signature where one
was requested, or a MIC that differs from ours (or cannot be compared) is ``mdn_failed``: a failure, not a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gateway.as2 import As2Partner, MicCheck, parse_mdn
from gateway.as2.mime import header, strip_angle, unquote_as2_name
from gateway.errors import AS2Error, MdnError
from gateway.partners.as2_section import DigestAlgorithm
from gateway.pipeline.as2_context import As2Service, As2Stage, record
from gateway.pipeline.as2_inbound import EMPTY_OK, HttpReply
from gateway.store import Session
from gateway.store.as2 import find_as2_message, get_as2_message, record_as2_message, store_mdn, update_as2_message
from gateway.store.enums import AS2Status, Direction, MdnStatus, Outcome
from gateway.store.events import list_events
from gateway.store.models import AS2Message

_ORIGINAL_ID = re.compile(rb"Original-Message-ID:[ \t]*<?([^>\r\n]+)>?", re.IGNORECASE)


def reconcile_mdn(
    service: As2Service, session: Session, row: AS2Message, partner: As2Partner,
    headers: Mapping[str, str], body: bytes,
) -> bool:
    """Verify the partner's MDN, store it, reconcile the MIC; a mismatch or negative disposition -> mdn_failed."""
    where = where_of(row, row.message_id)
    expected_alg = DigestAlgorithm(row.mic_algorithm) if row.mic_algorithm else None
    try:
        result = parse_mdn(headers, body, partner, row.message_id, row.mic, service.now(),
                           expected_mic_algorithm=expected_alg)
    except AS2Error as exc:
        mismatch = isinstance(exc, MdnError) and "Received-Content-MIC" in str(exc)
        store_mdn(session, row.id, direction=Direction.INBOUND, disposition="", status=MdnStatus.FAILED, raw=body,
                  headers=headers, mic_matched=False if mismatch else None, signature_verified=None)
        update_as2_message(session, row.id, AS2Status.MDN_FAILED, error=str(exc), disposition=exc.disposition.value)
        record(session, As2Stage.MDN_RECEIVED, Outcome.ERROR, f"MDN rejected: {exc}", **where,
               detail={"error": str(exc), "disposition": exc.disposition.value})
        return False
    problem = None
    if not result.ok:
        problem = f"partner reported {result.disposition}" + (f" ({result.text})" if result.text else "")
    elif result.mic_check is MicCheck.OTHER_ALGORITHM:
        problem = f"MIC returned with {result.mic_algorithm}, we computed {row.mic_algorithm}: cannot reconcile"
    matched = True if result.mic_check is MicCheck.MATCH else None
    store_mdn(session, row.id, direction=Direction.INBOUND, disposition=result.disposition,
              status=MdnStatus.RECEIVED, raw=body, headers=headers, mic=result.mic,
              mic_algorithm=result.mic_algorithm.value if result.mic_algorithm else None, mic_matched=matched,
              signed=result.signed, signature_verified=True if result.signed else None)
    detail = {"disposition": result.disposition, "mic_check": result.mic_check.value, "signed": result.signed}
    if problem is not None:
        update_as2_message(session, row.id, AS2Status.MDN_FAILED, error=problem, disposition=result.disposition)
        record(session, As2Stage.MDN_RECEIVED, Outcome.ERROR, problem, **where, detail={**detail, "error": problem})
        return False
    update_as2_message(session, row.id, AS2Status.MDN_RECEIVED, disposition=result.disposition, error=None)
    record(session, As2Stage.MDN_RECEIVED, Outcome.OK,
           f"MDN {result.disposition} ({'signed' if result.signed else 'unsigned'}, MIC {result.mic_check.value})",
           **where, detail=detail)
    return True


def looks_like_mdn(headers: Mapping[str, str], body: bytes) -> bool:
    """An MDN is a multipart/report (disposition-notification), possibly inside multipart/signed."""
    content_type = (header(headers, "Content-Type") or "").lower()
    if content_type.startswith("multipart/report"):
        return "disposition-notification" in content_type
    if content_type.startswith("multipart/signed"):
        head = body[:4096].lower()
        return b"multipart/report" in head and b"disposition-notification" in head
    return False


def receive_async_mdn(service: As2Service, headers: Mapping[str, str], body: bytes) -> HttpReply:
    """An async MDN for one of our messages: matched in the database by partner and Original-Message-ID."""
    as2_from = unquote_as2_name(header(headers, "AS2-From") or "")
    as2_to = unquote_as2_name(header(headers, "AS2-To") or "")
    partner = service.directory.lookup(as2_from, as2_to)
    found = _ORIGINAL_ID.search(body)
    original = strip_angle(found.group(1).decode("latin-1")) if found else ""
    with service.store.transaction() as session:
        row = None
        if partner is not None and original:
            row = find_as2_message(session, partner.partner_id, Direction.OUTBOUND, original)
        if partner is None or row is None:
            return _unmatched_mdn(service, session, partner, as2_from, as2_to, original, headers, body)
        if row.status in (AS2Status.MDN_RECEIVED, AS2Status.MDN_FAILED):
            store_mdn(session, row.id, direction=Direction.INBOUND, disposition="", status=MdnStatus.RECEIVED,
                      raw=body, headers=headers)
            record(session, As2Stage.DUPLICATE, Outcome.WARNING,
                   f"another MDN for a message already {row.status}: stored, status unchanged",
                   **where_of(row, row.message_id))
            return EMPTY_OK
        reconcile_mdn(service, session, row, partner, headers, body)
        ref = row.id
    report_to_pipeline(service, ref)
    return EMPTY_OK


def _unmatched_mdn(
    service: As2Service, session: Session, partner: As2Partner | None, as2_from: str, as2_to: str, original: str,
    headers: Mapping[str, str], body: bytes,
) -> HttpReply:
    """Keep the raw MDN as an inbound failed message so an analyst can see it, and tell the sender."""
    own_id = strip_angle(header(headers, "Message-ID") or "") or f"mdn-for-{original or 'unknown'}"
    error = (f"MDN from AS2-From {as2_from!r} for Original-Message-ID {original!r}: "
             + ("no partner profile for these AS2 IDs" if partner is None else "no such outbound message"))
    partner_id = partner.partner_id if partner else None
    row, _ = record_as2_message(
        session, direction=Direction.INBOUND, message_id=own_id[:900], partner_id=partner_id,
        as2_from=as2_from[:128], as2_to=as2_to[:128], status=AS2Status.FAILED, body=body, headers=headers,
        error=error, subject="unmatched MDN",
    )
    record(session, As2Stage.MDN_RECEIVED, Outcome.ERROR, error, message_ref=row.id,
           partner=partner.partner_id if partner else None, direction=Direction.INBOUND, message_id=original or own_id,
           detail={"error": error})
    return HttpReply(400, {"Content-Type": "text/plain; charset=utf-8"}, error.encode("utf-8", "replace"))


def document_for_message(session: Session, message_ref: str) -> str | None:
    """The outbound document an AS2 message carries: named by the message's ``as2.queue`` event."""
    for event in list_events(session, as2_message_id=message_ref, limit=20):
        if event.stage == As2Stage.QUEUE and event.document_id is not None:
            return event.document_id
    return None


def report_to_pipeline(service: As2Service, ref: str) -> None:
    """Tell the pipeline (when running inside a gateway Runtime) where its outbound document now stands."""
    if service.runtime is None:
        return
    from gateway.pipeline import outbound as pipeline_outbound

    with service.store.transaction() as session:
        document_id = document_for_message(session, ref)
        row = get_as2_message(session, ref)
        status, message_id, error, disposition = row.status, row.message_id, row.error, row.disposition
    if document_id is None:
        return
    from gateway.pipeline.statuses import DocumentStatus

    if status in (AS2Status.MDN_RECEIVED, AS2Status.MDN_FAILED) and (
        service.runtime.store.get_document(document_id).status is DocumentStatus.QUEUED
    ):
        # A sync MDN arrives with the HTTP response: the document was sent first, and its timeline says so.
        pipeline_outbound.record_sent(service.runtime, document_id, message_id)
    if status in (AS2Status.SENT, AS2Status.AWAITING_MDN):
        pipeline_outbound.record_sent(service.runtime, document_id, message_id)
    elif status is AS2Status.MDN_RECEIVED:
        pipeline_outbound.record_mdn(service.runtime, document_id, positive=True,
                                     detail=f"MDN {disposition} for AS2 Message-ID {message_id}")
    elif status is AS2Status.MDN_FAILED:
        pipeline_outbound.record_mdn(service.runtime, document_id, positive=False,
                                     detail=f"AS2 Message-ID {message_id}: {disposition or ''} {error or ''}".strip())
    elif status is AS2Status.DEAD:
        # Never delivered: a failed send stage (an analyst retries it), not a partner's rejection.
        from gateway.pipeline.statuses import Outcome as PipelineOutcome
        from gateway.pipeline.statuses import Stage

        port = service.runtime.store
        text = f"AS2 Message-ID {message_id} not delivered: {error}"
        with port.transaction():
            port.update_document(document_id, DocumentStatus.FAILED, stage=Stage.SEND, error=text)
            port.add_event(Stage.SEND, PipelineOutcome.ERROR, text, document_id=document_id)


def expire_mdn_wait(service: As2Service, ref: str, message_id: str) -> bool:
    """The async MDN deadline passed: a message still awaiting it becomes mdn_failed (True when it did)."""
    with service.store.transaction() as session:
        row = get_as2_message(session, ref)
        if row.status is not AS2Status.AWAITING_MDN or row.message_id != message_id:
            return False
        error = f"no async MDN within {service.mdn_wait(row.partner_id or '')} of sending"
        update_as2_message(session, ref, AS2Status.MDN_FAILED, error=error)
        record(session, As2Stage.MDN_RECEIVED, Outcome.ERROR, error, **where_of(row, message_id),
               detail={"error": error})
    report_to_pipeline(service, ref)
    return True


def where_of(row: AS2Message, message_id: str) -> dict[str, Any]:
    """The context every event and log line about an outbound message carries."""
    return {"message_ref": row.id, "partner": row.partner_id, "direction": Direction.OUTBOUND,
            "message_id": message_id}
