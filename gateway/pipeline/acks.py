"""Partner acknowledgements (997/999/TA1) reconciled to our outbound documents, and the overdue deadline check."""

from __future__ import annotations

import logging

from gateway.pipeline.ports import DocumentRecord, PartnerView, TransactionAck
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import TERMINAL_OUTBOUND, AckResult, Direction, DocumentStatus, Outcome, Stage
from gateway.x12.model import Interchange

log = logging.getLogger("acorn.pipeline.acks")

ACK_TYPES = frozenset({"997", "999", "TA1"})

_STATUS = {
    AckResult.ACCEPTED: DocumentStatus.ACKNOWLEDGED,
    AckResult.ACCEPTED_WITH_ERRORS: DocumentStatus.ACKNOWLEDGED_WITH_ERRORS,
    AckResult.REJECTED: DocumentStatus.REJECTED,
}


def reconcile(
    runtime: Runtime, partner: PartnerView, interchange: Interchange, message_ref: str
) -> list[DocumentRecord]:
    """Apply every acknowledgement in ``interchange`` (TA1s and 997/999 groups) to the documents it names."""
    updated: list[DocumentRecord] = []
    for ack in runtime.x12.parse_acknowledgements(interchange):
        updated.extend(apply(runtime, partner, ack, message_ref))
    return updated


def apply(runtime: Runtime, partner: PartnerView, ack: TransactionAck, message_ref: str) -> list[DocumentRecord]:
    """Move the named outbound document(s) to acknowledged / with errors / rejected; unknown ones are reported."""
    store = runtime.store
    result = AckResult.from_code(ack.code)
    if ack.st02 is None and ack.gs06 is None:
        matches = store.find_outbound(partner.id, isa13=ack.isa13 or "", gs06=None, st02=None)
        what = f"TA1 for ISA13 {ack.isa13}"
    else:
        matches = store.find_outbound(partner.id, isa13="", gs06=ack.gs06, st02=ack.st02)
        what = f"acknowledgement for GS06 {ack.gs06} ST02 {ack.st02}"
    targets: list[DocumentRecord | None] = list(matches) or [None]
    for match in targets:  # kept with what it acknowledges, or with nothing when it names no document
        store.record_acknowledgement(
            partner.id, Direction.INBOUND, ack.kind, result, for_isa13=ack.isa13 or (match.isa13 if match else None),
            for_gs06=ack.gs06, for_st02=ack.st02, document_id=match.id if match else None,
        )
    if ack.st02 is None and ack.gs06 is None and result is not AckResult.REJECTED:
        # A TA1 that accepts the interchange says nothing about the sets: only a rejection changes status.
        for doc in matches:
            store.add_event(Stage.RECONCILE, Outcome.OK, f"{what}: {ack.code}", document_id=doc.id)
        return []
    if not matches:
        store.add_event(Stage.RECONCILE, Outcome.WARNING,
                        f"partner {partner.id}: {what} ({ack.code}) matches no outbound document",
                        message_ref=message_ref)
        return []
    status = _STATUS[result]
    detail = f"{what}: {ack.code} -> {status}" + (f" ({'; '.join(ack.errors)})" if ack.errors else "")
    out = []
    for doc in matches:
        if doc.status in TERMINAL_OUTBOUND:
            # A second ack for the same set (partner resend) is recorded, the first decision stands.
            store.add_event(Stage.RECONCILE, Outcome.WARNING, f"{detail}; already {doc.status}", document_id=doc.id)
            continue
        error = detail if result is AckResult.REJECTED else None
        out.append(store.update_document(doc.id, status, stage=Stage.RECONCILE, error=error))
        outcome = Outcome.ERROR if result is AckResult.REJECTED else Outcome.OK
        store.add_event(Stage.RECONCILE, outcome, detail, document_id=doc.id, message_ref=message_ref)
        log.info("reconciled", extra={"partner": partner.id, "direction": "outbound", "gs06": ack.gs06,
                                      "st02": ack.st02, "stage": "reconcile", "status": str(status)})
    return out


def mark_overdue(runtime: Runtime) -> list[DocumentRecord]:
    """Outbound documents still waiting for a 997/999 after their partner's deadline become ``overdue``."""
    store = runtime.store
    now = runtime.now()
    deadlines = {p.id: p.ack_deadline for p in runtime.partners if p.ack_deadline is not None}
    if not deadlines:
        return []
    shortest = min(deadlines.values())
    out = []
    with store.transaction():
        for doc in store.awaiting_ack(sent_before=now - shortest):
            deadline = deadlines.get(doc.partner_id)
            if deadline is None or doc.sent_at is None or doc.sent_at > now - deadline:
                continue
            if doc.document_type in ACK_TYPES:
                continue  # our own acknowledgements are never acknowledged back
            out.append(store.update_document(doc.id, DocumentStatus.OVERDUE, stage=Stage.DEADLINE))
            store.add_event(Stage.DEADLINE, Outcome.WARNING,
                            f"no 997/999 from {doc.partner_id} within {deadline} of sending", document_id=doc.id)
    return out
