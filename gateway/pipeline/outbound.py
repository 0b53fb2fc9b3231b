"""Outbound flow: canonical JSON -> committed with its Idempotency-Key -> mapped -> enveloped -> AS2 send job.

The AS2 service reports the send and the MDN back through ``record_sent`` and ``record_mdn``; the partner's
997/999 arrives inbound and is reconciled by ``acks``.
"""

from __future__ import annotations

import logging
from typing import Any

from gateway.errors import AcornError, NotFoundError
from gateway.pipeline.acks import ACK_TYPES
from gateway.pipeline.ports import ControlNumbers, DocumentRecord, NewDocument
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import Direction, DocumentStatus, Outcome, PipelineJob, Stage

log = logging.getLogger("acorn.pipeline.outbound")

AS2_SEND_JOB = "as2.send"


def submit(
    runtime: Runtime, partner_id: str, document_type: str, data: dict[str, Any], idempotency_key: str,
    po_number: str | None = None,
) -> tuple[DocumentRecord, bool]:
    """Commit the document and its preparation job in one transaction; a replayed key returns the first one."""
    runtime.partners.get(partner_id)  # unknown partner: NotFoundError/ConfigError before anything is stored
    store = runtime.store
    with store.transaction():
        document, created = store.create_document(NewDocument(
            partner_id=partner_id, direction=Direction.OUTBOUND, document_type=document_type,
            status=DocumentStatus.ACCEPTED, idempotency_key=idempotency_key, canonical=data, po_number=po_number,
        ))
        if created:
            store.enqueue(PipelineJob.PREPARE_OUTBOUND, {"document": document.id}, dedupe_key=f"prepare:{document.id}")
            store.add_event(Stage.MAP, Outcome.OK, f"accepted {document_type} for {partner_id}",
                            document_id=document.id)
    return document, created


def prepare(runtime: Runtime, document_id: str) -> DocumentRecord:
    """Map and envelope an accepted document, then queue its AS2 send; a no-op once it has left ``accepted``."""
    store = runtime.store
    with store.transaction():
        document = store.get_document(document_id)
        if document.status is not DocumentStatus.ACCEPTED:
            return document
        partner = runtime.partners.get(document.partner_id)
        where = f"partner {partner.id}, outbound {document.document_type} {document.id}"
        try:
            body = runtime.mappings.from_canonical(partner, document.document_type, document.canonical or {})
        except AcornError as exc:
            return _fail(runtime, document, Stage.MAP, f"{where}: {exc}")
        # Numbers are allocated in this transaction: committed together with the X12 that carries them, so a
        # number that was ever sent is never handed out again, and a rolled-back one was never sent.
        numbers = ControlNumbers(
            isa13=store.next_control_number(partner.id, "ISA13"),
            gs06=store.next_control_number(partner.id, "GS06"),
            st02=store.next_control_number(partner.id, "ST02"),
        )
        try:
            x12 = runtime.x12.envelope(partner, document.document_type, body, numbers)
        except AcornError as exc:
            return _fail(runtime, document, Stage.ENVELOPE, f"{where}: {exc}")
        document = store.update_document(
            document.id, DocumentStatus.QUEUED, x12=x12, isa13=f"{numbers.isa13:09d}", gs06=str(numbers.gs06),
            st02=f"{numbers.st02:04d}", stage=Stage.ENVELOPE, error=None,
        )
        store.enqueue(AS2_SEND_JOB, {"document": document.id}, dedupe_key=f"send:{document.id}")
        store.add_event(Stage.ENVELOPE, Outcome.OK,
                        f"ISA13 {document.isa13} GS06 {document.gs06} ST02 {document.st02}; AS2 send queued",
                        document_id=document.id)
    log.info("enveloped", extra={"partner": partner.id, "direction": "outbound", "isa13": document.isa13,
                                 "gs06": document.gs06, "st02": document.st02, "stage": "envelope"})
    return document


def _fail(runtime: Runtime, document: DocumentRecord, stage: Stage, error: str) -> DocumentRecord:
    runtime.store.add_event(stage, Outcome.ERROR, error, document_id=document.id)
    return runtime.store.update_document(document.id, DocumentStatus.FAILED, stage=stage, error=error)


def record_sent(runtime: Runtime, document_id: str, message_id: str) -> DocumentRecord:
    """Called by the AS2 service when the partner answered the POST (MDN pending or async)."""
    store = runtime.store
    with store.transaction():
        doc = store.update_document(document_id, DocumentStatus.SENT, stage=Stage.SEND, sent_at=runtime.now())
        store.add_event(Stage.SEND, Outcome.OK, f"sent as AS2 Message-ID {message_id}", document_id=document_id)
    return doc


def record_mdn(runtime: Runtime, document_id: str, *, positive: bool, detail: str) -> DocumentRecord:
    """Called by the AS2 service with the verified MDN: processed (and MIC matched) or a failure disposition."""
    store = runtime.store
    with store.transaction():
        current = store.get_document(document_id)
        if not positive:
            doc = store.update_document(document_id, DocumentStatus.REJECTED, stage=Stage.MDN, error=detail)
            store.add_event(Stage.MDN, Outcome.ERROR, detail, document_id=document_id)
            return doc
        partner = runtime.partners.get(current.partner_id)
        # Our own 997/999s are never acknowledged back: the MDN is their last step.
        final = current.document_type in ACK_TYPES or partner.ack_deadline is None
        status = DocumentStatus.ACKNOWLEDGED if final else DocumentStatus.MDN_RECEIVED
        if current.status in (DocumentStatus.ACKNOWLEDGED, DocumentStatus.ACKNOWLEDGED_WITH_ERRORS,
                              DocumentStatus.REJECTED):
            status = current.status  # the 997 overtook the async MDN: keep the later, stronger state
        doc = store.update_document(document_id, status, stage=Stage.MDN, sent_at=current.sent_at or runtime.now())
        store.add_event(Stage.MDN, Outcome.OK, detail, document_id=document_id)
    return doc


def retry(runtime: Runtime, document_id: str) -> DocumentRecord:
    """Operator action: run the failed or dead stage again with the same input (and the same control numbers)."""
    store = runtime.store
    with store.transaction():
        doc = store.get_document(document_id)
        if doc.direction is Direction.INBOUND:
            if doc.message_ref is None:
                raise NotFoundError(f"document {doc.id} has no AS2 message to process again")
            store.enqueue(PipelineJob.PROCESS_INBOUND, {"message": doc.message_ref, "retry_failed": True},
                          dedupe_key=f"retry:{doc.id}:{runtime.now().isoformat()}")
        elif doc.x12 is None:
            doc = store.update_document(doc.id, DocumentStatus.ACCEPTED, error=None)
            store.enqueue(PipelineJob.PREPARE_OUTBOUND, {"document": doc.id},
                          dedupe_key=f"prepare:{doc.id}:{runtime.now().isoformat()}")
        else:
            doc = store.update_document(doc.id, DocumentStatus.QUEUED, error=None)
            store.enqueue(AS2_SEND_JOB, {"document": doc.id}, dedupe_key=f"send:{doc.id}:{runtime.now().isoformat()}")
        store.add_event(doc.stage or Stage.SEND, Outcome.OK, "retry requested", document_id=doc.id)
    return doc


def reprocess(runtime: Runtime, document_id: str) -> DocumentRecord:
    """Operator action for outbound documents: map and envelope again (new control numbers), then send."""
    store = runtime.store
    with store.transaction():
        doc = store.get_document(document_id)
        if doc.direction is Direction.INBOUND:
            return retry(runtime, document_id)
        doc = store.update_document(doc.id, DocumentStatus.ACCEPTED, x12=None, error=None, stage=Stage.MAP)
        store.enqueue(PipelineJob.PREPARE_OUTBOUND, {"document": doc.id},
                      dedupe_key=f"reprocess:{doc.id}:{runtime.now().isoformat()}")
        store.add_event(Stage.MAP, Outcome.OK, "reprocess requested", document_id=doc.id)
    return doc
