"""Operator actions from the monitor, each run through the pipeline and recorded as an audit event with its actor."""

from __future__ import annotations

import uuid
from enum import StrEnum

from gateway.errors import AcornError, NotFoundError, StateConflictError
from gateway.pipeline import as2_inbound, as2_outbound, deliveries, outbound
from gateway.pipeline.as2_context import service_for
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import PipelineJob
from gateway.store import Store
from gateway.store import deliveries as store_deliveries
from gateway.store import monitor as queries
from gateway.store.enums import AS2Status, DeliveryStatus, Direction, Outcome
from gateway.store.events import append_event
from gateway.store.jobs import enqueue_job
from gateway.store.models import AS2Message, Document

AUDIT_STAGE = "monitor.action"


class Action(StrEnum):
    RETRY = "retry"
    REPROCESS = "reprocess"
    REDELIVER = "redeliver"
    RESEND_MDN = "resend-mdn"


def run(runtime: Runtime, database: Store, action: str, object_id: str, actor: str) -> str:
    """Run one action on a document or AS2 message; the outcome line is also the audit event's message."""
    with database.transaction() as session:
        document = session.get(Document, object_id)
        message = None if document is not None else session.get(AS2Message, object_id)
    if document is None and message is None:
        raise NotFoundError(f"no document or AS2 message {object_id}")
    try:
        chosen = Action(action)
        if document is not None:
            outcome = _on_document(runtime, database, chosen, document, actor)
        else:
            assert message is not None
            outcome = _on_message(runtime, database, chosen, message, actor)
        result = Outcome.OK
    except (AcornError, ValueError) as exc:
        outcome, result = f"{action} refused: {exc}", Outcome.ERROR
    with database.transaction() as session:
        append_event(session, AUDIT_STAGE, result, outcome, actor=actor,
                     document_id=document.id if document is not None else None,
                     as2_message_id=message.id if message is not None else None,
                     detail={"action": action, "actor": actor})
    return outcome


def _on_document(runtime: Runtime, database: Store, action: Action, doc: Document, actor: str) -> str:
    where = f"{doc.direction} {doc.doc_type} {doc.id} (partner {doc.partner_id})"
    if action is Action.RETRY:
        with database.transaction() as session:
            dead = [d for d in store_deliveries.deliveries_of(session, doc.id) if d.status is DeliveryStatus.DEAD]
        if dead:  # the failed step is the hand-off: push it again rather than translating again
            return redeliver(runtime, database, doc.id, only_dead=True, actor=actor)
        record = outbound.retry(runtime, doc.id)
        return f"retry of {where} queued; status {record.status}"
    if action is Action.REPROCESS:
        record = outbound.reprocess(runtime, doc.id)
        return f"reprocess of {where} from its stored payload queued; status {record.status}"
    if action is Action.REDELIVER:
        return redeliver(runtime, database, doc.id, only_dead=False, actor=actor)
    raise StateConflictError(f"{action} applies to AS2 messages, not to document {doc.id}")


def redeliver(runtime: Runtime, database: Store, document_id: str, *, only_dead: bool, actor: str) -> str:
    """Hand the document's deliveries over again (same document id, so receivers recognise a repeat)."""
    with database.transaction() as session:
        rows = store_deliveries.deliveries_of(session, document_id)
    if only_dead:
        rows = [d for d in rows if d.status is DeliveryStatus.DEAD]
    if not rows:
        raise StateConflictError(f"document {document_id} has no delivery to repeat")
    with runtime.store.transaction():  # all of them, or none
        for row in rows:
            deliveries.replay(runtime, row.id, actor=actor)
    targets = ", ".join(sorted(r.target for r in rows))
    return f"delivery of document {document_id} to {targets} queued again"


def _on_message(runtime: Runtime, database: Store, action: Action, row: AS2Message, actor: str) -> str:
    where = f"AS2 message {row.message_id} ({row.direction}, partner {row.partner_id})"
    if action is Action.RESEND_MDN:
        url = as2_inbound.resend_mdn(service_for(runtime), row.id, actor=actor)
        return f"MDN of {where} queued to {url} again"
    if action is Action.REDELIVER:
        raise StateConflictError(f"re-delivery applies to documents, not to {where}")
    if row.direction is Direction.OUTBOUND:
        if action is Action.REPROCESS:
            with database.transaction() as session:
                docs = queries.documents_of_message(session, row.id)
            for doc in docs:
                outbound.reprocess(runtime, doc.id)
            return f"reprocess of {len(docs)} document(s) of {where} queued"
        as2_outbound.request_resend(service_for(runtime), row.id, actor=actor)
        return f"{where} queued to be sent again"
    if row.status is not AS2Status.PROCESSED:
        raise StateConflictError(f"{where} is {row.status}: its payload was never accepted, so there is nothing to "
                                 "process again (the partner must send it again)")
    with database.transaction() as session:
        enqueue_job(session, PipelineJob.PROCESS_INBOUND, payload={"message": row.id, "retry_failed": True},
                    subject_id=row.id, dedupe_key=f"monitor:{action}:{row.id}:{uuid.uuid4().hex}")
    return f"processing of {where} from its stored payload queued"


__all__ = ["AUDIT_STAGE", "Action", "redeliver", "run"]
