"""Inbound X12 flow: accepted AS2 payload -> read -> validate -> store -> 997/999 -> canonical -> deliveries.

Runs as the ``pipeline.process_inbound`` job, at least once: every write is keyed (message, ISA13, GS06, ST02),
so a rerun after a crash finds what the first run committed and creates nothing twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from gateway.errors import AcornError, PermanentJobError, X12ReadError
from gateway.pipeline import acks
from gateway.pipeline.ports import ControlNumbers, DocumentRecord, InboundPayload, NewDocument, PartnerView
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import (
    AckResult,
    Channel,
    DeliveryStatus,
    Direction,
    DocumentStatus,
    Outcome,
    PipelineJob,
    Stage,
)
from gateway.x12.issues import Issue, Level, Severity
from gateway.x12.model import FunctionalGroup, Interchange, TransactionSet

log = logging.getLogger("acorn.pipeline.inbound")

ACK_GROUP_IDS = frozenset({"FA"})  # 997 and 999 both travel in FA groups
AS2_SEND_JOB = "as2.send"  # the AS2 service's outbound send job kind


def queue(runtime: Runtime, message_ref: str) -> None:
    """Called by the AS2 service inside the transaction that commits an accepted message: process it later."""
    runtime.store.enqueue(PipelineJob.PROCESS_INBOUND, {"message": message_ref}, dedupe_key=f"inbound:{message_ref}")


def process(runtime: Runtime, message_ref: str, *, retry_failed: bool = False) -> list[DocumentRecord]:
    """Run every stage for one accepted AS2 payload; returns the inbound documents (new or found again).

    ``retry_failed`` (an analyst's retry) translates again the documents of this message that failed.
    """
    store = runtime.store
    payload = store.load_inbound_payload(message_ref)
    interchanges = _read(runtime, payload)
    documents: list[DocumentRecord] = []
    for interchange in interchanges:
        partner = _partner_for(runtime, payload, interchange)
        issues = runtime.x12.validate(interchange)
        with store.transaction():
            first_run = store.record_interchange(payload.ref, partner.id, Direction.INBOUND, interchange, issues)
            _event_validated(runtime, payload, interchange, issues)
            carries_acks = interchange.ta1 or any(g.functional_id in ACK_GROUP_IDS for g in interchange.groups)
            if first_run and carries_acks:  # a rerun finds them reconciled in the same committed transaction
                acks.reconcile(runtime, partner, interchange, payload.ref)
            for group in interchange.groups:
                if group.functional_id in ACK_GROUP_IDS:
                    continue  # acknowledgements are reconciled above, never translated or acknowledged
                _acknowledge(runtime, partner, payload, interchange, group, issues)
                for tset in group.transaction_sets:
                    document = _translate(runtime, partner, payload, interchange, group, tset, issues, retry_failed)
                    if document is not None:
                        documents.append(document)
    return documents


def _read(runtime: Runtime, payload: InboundPayload) -> list[Interchange]:
    try:
        interchanges = runtime.x12.read(payload.body)
    except X12ReadError as exc:
        with runtime.store.transaction():
            runtime.store.add_event(Stage.READ, Outcome.ERROR, str(exc), message_ref=payload.ref)
        raise PermanentJobError(
            f"partner {payload.partner_id}, AS2 Message-ID {payload.message_id}: not readable as X12: {exc}"
        ) from exc
    if not interchanges:
        raise PermanentJobError(f"partner {payload.partner_id}, AS2 Message-ID {payload.message_id}: no ISA found")
    return interchanges


def _partner_for(runtime: Runtime, payload: InboundPayload, interchange: Interchange) -> PartnerView:
    """The partner the AS2 layer authenticated must also be the ISA sender: no spoofing another partner."""
    partner = runtime.partners.get(payload.partner_id)
    qualifier, sender = interchange.sender
    if (qualifier, sender) != (partner.isa_qualifier, partner.isa_id):
        raise PermanentJobError(
            f"partner {partner.id}, AS2 Message-ID {payload.message_id}, ISA13 {interchange.control_number}: "
            f"ISA05/ISA06 expected {partner.isa_qualifier}/{partner.isa_id}, found {qualifier}/{sender}"
        )
    return partner


def _event_validated(runtime: Runtime, payload: InboundPayload, ic: Interchange, issues: Sequence[Issue]) -> None:
    errors = [i for i in issues if i.severity is Severity.ERROR and i.interchange in (None, ic.control_number)]
    outcome = Outcome.ERROR if errors else Outcome.OK
    detail = f"ISA13 {ic.control_number}: {len(errors)} error(s)" + (f"; first: {errors[0]}" if errors else "")
    runtime.store.add_event(Stage.VALIDATE, outcome, detail, message_ref=payload.ref,
                            data={"issues": [i.to_dict() for i in issues[:50]]})


def _set_issues(issues: Sequence[Issue], ic: Interchange, group: FunctionalGroup, tset: TransactionSet) -> list[Issue]:
    """Errors that reject this transaction set: its own, and any at its group or interchange level."""
    out = []
    for issue in issues:
        if issue.severity is not Severity.ERROR or issue.interchange not in (None, ic.control_number):
            continue
        envelope_wide = issue.level is Level.INTERCHANGE or (
            issue.level is Level.GROUP and issue.group == group.control_number
        )
        own = issue.group in (None, group.control_number) and issue.transaction_set == tset.control_number
        if envelope_wide or own:
            out.append(issue)
    return out


def _acknowledge(
    runtime: Runtime, partner: PartnerView, payload: InboundPayload, ic: Interchange, group: FunctionalGroup,
    issues: Sequence[Issue],
) -> None:
    """Queue a 997/999 for the group when the partner's profile asks for one (once per group, ever)."""
    if partner.ack_kind is None:
        return
    store = runtime.store
    key = f"ack:{payload.ref}:{ic.control_number}:{group.control_number}"
    document, created = store.create_document(NewDocument(
        partner_id=partner.id, direction=Direction.OUTBOUND, document_type=partner.ack_kind,
        status=DocumentStatus.ACCEPTED, idempotency_key=key, message_ref=payload.ref,
    ))
    if not created:
        return  # acknowledged by an earlier run: no second 997, no control numbers spent
    # Allocated in the transaction that stores the acknowledgement: committed together or not at all.
    numbers = ControlNumbers(
        isa13=store.next_control_number(partner.id, "ISA13"),
        gs06=store.next_control_number(partner.id, "GS06"),
        st02=store.next_control_number(partner.id, "ST02"),
    )
    body = runtime.x12.acknowledgement(ic, group, issues, partner.ack_kind, numbers, partner)
    document = store.update_document(
        document.id, DocumentStatus.QUEUED, x12=body, isa13=f"{numbers.isa13:09d}", gs06=str(numbers.gs06),
        st02=f"{numbers.st02:04d}", stage=Stage.ACKNOWLEDGE,
    )
    store.enqueue(AS2_SEND_JOB, {"document": document.id}, dedupe_key=f"send:{document.id}")
    # What we told the partner, per set, read back from the 997/999 itself (AK5/IK5, or AK9 alone).
    for told in runtime.x12.parse_acknowledgements(runtime.x12.read(body)[0]):
        store.record_acknowledgement(partner.id, Direction.OUTBOUND, partner.ack_kind, AckResult.from_code(told.code),
                                     for_isa13=ic.control_number, for_gs06=group.control_number,
                                     for_st02=told.st02, ack_document_id=document.id)
    store.add_event(Stage.ACKNOWLEDGE, Outcome.OK,
                    f"{partner.ack_kind} for GS06 {group.control_number} queued as ISA13 {document.isa13}",
                    document_id=document.id, message_ref=payload.ref)


def _translate(
    runtime: Runtime, partner: PartnerView, payload: InboundPayload, ic: Interchange, group: FunctionalGroup,
    tset: TransactionSet, issues: Sequence[Issue], retry_failed: bool = False,
) -> DocumentRecord | None:
    store = runtime.store
    key = f"in:{payload.ref}:{ic.control_number}:{group.control_number}:{tset.control_number}"
    where = (f"partner {partner.id}, ISA13 {ic.control_number}, GS06 {group.control_number}, "
             f"ST02 {tset.control_number} ({tset.code})")
    rejecting = _set_issues(issues, ic, group, tset)
    new = NewDocument(
        partner_id=partner.id, direction=Direction.INBOUND, document_type=tset.code,
        status=DocumentStatus.RECEIVED, idempotency_key=key, isa13=ic.control_number,
        gs06=group.control_number, st02=tset.control_number, message_ref=payload.ref,
    )
    document, created = store.create_document(new)
    if not created and not (retry_failed and document.status is DocumentStatus.FAILED):
        return document  # an earlier run committed it together with its deliveries
    if rejecting:
        error = f"{where}: rejected by validation: {rejecting[0]}"
        store.update_document(document.id, DocumentStatus.FAILED, stage=Stage.VALIDATE, error=error)
        store.add_event(Stage.VALIDATE, Outcome.ERROR, error, document_id=document.id)
        return store.get_document(document.id)
    try:
        canonical = runtime.mappings.to_canonical(partner, ic, group, tset)
    except AcornError as exc:
        error = f"{where}: {exc}"
        store.update_document(document.id, DocumentStatus.FAILED, stage=Stage.TRANSLATE, error=error)
        store.add_event(Stage.TRANSLATE, Outcome.ERROR, error, document_id=document.id)
        return store.get_document(document.id)
    document = store.update_document(document.id, DocumentStatus.TRANSLATED, canonical=canonical.data,
                                      document_type=canonical.document_type, po_number=canonical.po_number)
    store.add_event(Stage.TRANSLATE, Outcome.OK, f"{where} -> {canonical.document_type}", document_id=document.id)
    plan_deliveries(runtime, partner, document)
    log.info("translated", extra={"partner": partner.id, "direction": "inbound", "isa13": ic.control_number,
                                  "gs06": group.control_number, "st02": tset.control_number, "stage": "translate"})
    return document


def plan_deliveries(runtime: Runtime, partner: PartnerView, document: DocumentRecord) -> None:
    """One delivery per configured target; pushes get a job, the pull queue just makes the document available."""
    store = runtime.store
    targets = partner.targets_for(document.document_type)
    if not targets:
        store.add_event(Stage.DELIVER, Outcome.WARNING,
                        f"partner {partner.id} has no delivery target for {document.document_type}",
                        document_id=document.id)
    for target in targets:
        delivery, created = store.create_delivery(document.id, target.channel, target.name)
        if not created:
            continue
        if target.channel is Channel.PULL:
            store.update_delivery(delivery.id, DeliveryStatus.AVAILABLE)
        else:
            store.enqueue(PipelineJob.DELIVER, {"delivery": delivery.id}, dedupe_key=f"deliver:{delivery.id}")


def webhook_body(document: DocumentRecord) -> bytes:
    """The JSON an internal system receives: stable document id, partner, type, control numbers, canonical data."""
    envelope = {
        "id": document.id,
        "type": f"document.{document.document_type}",
        "partner": document.partner_id,
        "documentType": document.document_type,
        "control": {"isa13": document.isa13, "gs06": document.gs06, "st02": document.st02},
        "data": document.canonical,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode("utf-8")
