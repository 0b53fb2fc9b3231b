"""The ``PipelineStore`` port over gateway.store: one session per transaction, joined by every call inside it."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from gateway.pipeline.as2_inbound import load_inbound_payload
from gateway.pipeline.ports import DeliveryRecord, DocumentRecord, InboundPayload, NewDocument
from gateway.pipeline.statuses import AckResult, Channel, DeliveryStatus, Direction, DocumentStatus, Outcome, Stage
from gateway.store import Session, Store
from gateway.store import control as store_control
from gateway.store import deliveries as store_deliveries
from gateway.store import documents as store_documents
from gateway.store import enums as db
from gateway.store import x12 as store_x12
from gateway.store.acks import link_our_acknowledgements, record_acknowledgement
from gateway.store.blobs import blob_content
from gateway.store.events import append_event
from gateway.store.jobs import add_job
from gateway.store.models import Delivery, Document
from gateway.x12.issues import Issue, Severity
from gateway.x12.model import Interchange

# Outbound documents waiting for the partner's 997/999 carry ack_status "pending"; these statuses settle it.
_ACK_STATUS = {
    DocumentStatus.SENT: db.AckStatus.PENDING,
    DocumentStatus.MDN_RECEIVED: db.AckStatus.PENDING,
    DocumentStatus.ACKNOWLEDGED: db.AckStatus.ACCEPTED,
    DocumentStatus.ACKNOWLEDGED_WITH_ERRORS: db.AckStatus.ACCEPTED_WITH_ERRORS,
    DocumentStatus.REJECTED: db.AckStatus.REJECTED,
    DocumentStatus.OVERDUE: db.AckStatus.OVERDUE,
}
_ACK_RESULT = {
    AckResult.ACCEPTED: db.AckStatus.ACCEPTED,
    AckResult.ACCEPTED_WITH_ERRORS: db.AckStatus.ACCEPTED_WITH_ERRORS,
    AckResult.REJECTED: db.AckStatus.REJECTED,
}
_ACK_TYPES = frozenset({"997", "999", "TA1"})
_STAGES = frozenset(s.value for s in Stage)
# Searchable reference columns and the canonical fields they come from: the PO number (BEG03/BAK03/BIG04),
# the shipment id (856 BSN02) and the invoice number (810 BIG02).
_REFERENCES = (("po_number", "purchaseOrderNumber"), ("shipment_id", "shipmentIdentifier"),
               ("invoice_number", "invoiceNumber"))
_REFERENCE_LENGTH = 64  # the columns' width; a longer value is left out of search rather than clipped


def references(canonical: dict[str, Any] | None) -> dict[str, str]:
    """The document's searchable references; an 856 takes the PO number of its first order (its order chain)."""
    data = canonical if isinstance(canonical, dict) else {}
    orders = data.get("orders")
    first_order = orders[0] if isinstance(orders, list) and orders and isinstance(orders[0], dict) else {}
    found: dict[str, str] = {}
    for column, name in _REFERENCES:
        value = data.get(name, first_order.get(name) if column == "po_number" else None)
        if isinstance(value, str | int) and not isinstance(value, bool) and 0 < len(str(value)) <= _REFERENCE_LENGTH:
            found[column] = str(value)
    return found


def document_record(row: Document) -> DocumentRecord:
    """The pipeline's view of a stored document (X12 bytes read from its blob by the caller when needed)."""
    return DocumentRecord(
        id=row.id, partner_id=row.partner_id, direction=Direction(row.direction.value),
        document_type=row.doc_type.value, status=DocumentStatus(row.status.value), canonical=row.canonical,
        isa13=row.isa13, gs06=row.gs06, st02=row.st02, stage=Stage(row.stage) if row.stage in _STAGES else None,
        error=row.error, message_ref=row.as2_message_id, created_at=row.created_at, sent_at=row.sent_at,
    )


def delivery_record(row: Delivery) -> DeliveryRecord:
    return DeliveryRecord(
        id=row.id, document_id=row.document_id, channel=Channel(row.target_kind.value), target=row.target,
        status=DeliveryStatus(row.status.value), attempts=row.attempts, error=row.last_error,
    )


def _issue_level_status(issues: Sequence[Issue], isa13: str, gs06: str, st02: str) -> db.TransactionSetStatus:
    mine = [i for i in issues if i.interchange in (None, isa13) and i.group in (None, gs06)
            and i.transaction_set in (None, st02)]
    if any(i.severity is Severity.ERROR for i in mine):
        return db.TransactionSetStatus.INVALID
    return db.TransactionSetStatus.VALID_WITH_WARNINGS if mine else db.TransactionSetStatus.VALID


class StorePort:
    """Implements ``PipelineStore``; ``transaction()`` opens a session that nested calls on this thread reuse."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._local = threading.local()

    # --- sessions -------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._session():
            yield

    @contextmanager
    def _session(self) -> Iterator[Session]:
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current  # joined: the outermost transaction commits or rolls back
            return
        with self.store.transaction() as session:
            self._local.session = session
            try:
                yield session
            finally:
                self._local.session = None

    # --- reads ------------------------------------------------------------------------------------------------

    def load_inbound_payload(self, ref: str) -> InboundPayload:
        with self._session() as s:
            return load_inbound_payload(s, ref)

    def get_document(self, document_id: str) -> DocumentRecord:
        with self._session() as s:
            return self._record(s, store_documents.get_document(s, document_id), with_x12=True)

    def find_outbound(
        self, partner_id: str, *, isa13: str, gs06: str | None, st02: str | None
    ) -> list[DocumentRecord]:
        with self._session() as s:
            if gs06 is None:
                rows = store_documents.find_by_control_numbers(s, partner_id, db.Direction.OUTBOUND, isa13=isa13)
            else:
                rows = store_documents.find_by_control_numbers(s, partner_id, db.Direction.OUTBOUND, gs06=gs06,
                                                               st02=st02)
            return [self._record(s, r) for r in rows if r.doc_type.value not in _ACK_TYPES]

    def awaiting_ack(self, sent_before: datetime) -> list[DocumentRecord]:
        waiting = [db.DocumentStatus.SENT, db.DocumentStatus.MDN_RECEIVED]
        with self._session() as s:
            return [self._record(s, r) for r in store_documents.sent_before(s, waiting, sent_before)]

    def get_delivery(self, delivery_id: str) -> DeliveryRecord:
        with self._session() as s:
            return delivery_record(store_deliveries.get_delivery(s, delivery_id))

    def _record(self, session: Session, row: Document, *, with_x12: bool = False) -> DocumentRecord:
        """The record; its X12 bytes only when asked (``get_document``): every other caller needs the ids."""
        record = document_record(row)
        if with_x12 and row.x12_blob_id is not None:
            record.x12 = blob_content(session, row.x12_blob_id)
        return record

    # --- writes -----------------------------------------------------------------------------------------------

    def record_interchange(
        self, message_ref: str, partner_id: str, direction: Direction, interchange: Interchange,
        issues: Sequence[Issue],
    ) -> bool:
        """Interchange, groups and sets with their validation issues; a rerun for the same message adds nothing."""
        isa13 = interchange.control_number
        with self._session() as s:
            if any(row.isa13 == isa13 for row in store_x12.interchanges_of_message(s, message_ref)):
                return False
            qualifier, sender = interchange.sender
            receiver_qualifier, receiver = interchange.receiver
            row = store_x12.record_interchange(
                s, direction=db.Direction(direction.value), partner_id=partner_id, isa13=isa13,
                sender_qualifier=qualifier, sender_id=sender, receiver_qualifier=receiver_qualifier,
                receiver_id=receiver, version=interchange.version, as2_message_id=message_ref,
            )
            for group in interchange.groups:
                gs06 = group.control_number
                group_row = store_x12.record_group(s, row.id, gs06=gs06, functional_id=group.functional_id,
                                                   version=group.version)
                for tset in group.transaction_sets:
                    st02 = tset.control_number
                    own = [i.to_dict() for i in issues if i.interchange in (None, isa13) and i.group == gs06
                           and i.transaction_set == st02]
                    store_x12.record_transaction_set(s, group_row.id, st01=tset.code, st02=st02,
                                                     status=_issue_level_status(issues, isa13, gs06, st02),
                                                     issues=own)
        return True

    def create_document(self, new: NewDocument) -> tuple[DocumentRecord, bool]:
        with self._session() as s:
            fields: dict[str, Any] = {"isa13": new.isa13, "gs06": new.gs06, "st02": new.st02,
                                      **references(new.canonical)}
            if new.po_number is not None:
                fields["po_number"] = new.po_number
            if new.direction is Direction.INBOUND and new.message_ref is not None:
                # Outbound documents get their carrying AS2 message when sent; an inbound one came in this one.
                fields["as2_message_id"] = new.message_ref
                if new.isa13 and new.gs06 and new.st02:
                    fields["transaction_set_id"] = store_x12.find_transaction_set(
                        s, new.message_ref, isa13=new.isa13, gs06=new.gs06, st02=new.st02)
            row, created = store_documents.create_document(
                s, partner_id=new.partner_id, doc_type=db.DocType(new.document_type),
                direction=db.Direction(new.direction.value), status=db.DocumentStatus(new.status.value),
                canonical=new.canonical, idempotency_key=new.idempotency_key, x12=new.x12, **fields,
            )
            if created and new.direction is Direction.INBOUND and new.isa13 and new.gs06 and new.st02:
                # Our 997/999 for its group was recorded before this document existed: link it now.
                link_our_acknowledgements(s, new.partner_id, isa13=new.isa13, gs06=new.gs06, st02=new.st02,
                                          document_id=row.id)
            return self._record(s, row), created

    def update_document(self, document_id: str, status: DocumentStatus, **changes: Any) -> DocumentRecord:
        # New canonical data brings its references; a PO number given explicitly (not None) wins.
        columns: dict[str, Any] = references(changes.get("canonical")) if "canonical" in changes else {}
        x12: bytes | None = None
        for name, value in changes.items():
            if name == "po_number" and value is None:
                continue
            if name == "x12":
                if value is None:
                    # Reprocessing drops the X12 and the AS2 message that carried it: both are built again.
                    columns["x12_blob_id"] = None
                    columns["as2_message_id"] = None
                else:
                    x12 = value
            elif name == "document_type":
                columns["doc_type"] = db.DocType(value)
            elif name == "stage":
                columns["stage"] = str(value) if value is not None else None
            elif name == "message_ref":
                columns["as2_message_id"] = value
            else:
                columns[name] = value
        with self._session() as s:
            current = store_documents.get_document(s, document_id)
            if current.direction is db.Direction.OUTBOUND and current.doc_type.value not in _ACK_TYPES:
                ack_status = _ACK_STATUS.get(status)
                if ack_status is not None:
                    columns["ack_status"] = ack_status
            row = store_documents.update_document(s, document_id, db.DocumentStatus(status.value), x12=x12,
                                                  **columns)
            return self._record(s, row)

    def create_delivery(self, document_id: str, channel: Channel, target: str) -> tuple[DeliveryRecord, bool]:
        with self._session() as s:
            row, created = store_deliveries.create_delivery(s, document_id, db.ChannelKind(channel.value), target)
            return delivery_record(row), created

    def update_delivery(self, delivery_id: str, status: DeliveryStatus, error: str | None = None) -> None:
        # A push that succeeded or failed counts as an attempt; making a pull entry available does not.
        attempted = status is DeliveryStatus.DELIVERED or error is not None
        with self._session() as s:
            store_deliveries.update_delivery(s, delivery_id, db.DeliveryStatus(status.value), error=error,
                                             attempted=attempted)

    def enqueue(self, kind: str, payload: dict[str, Any], dedupe_key: str) -> None:
        subject = next((v for k, v in payload.items() if k in ("document", "delivery", "message")), None)
        with self._session() as s:
            # One INSERT ... ON CONFLICT DO NOTHING; the job is not read back (no caller needs it).
            add_job(s, str(kind), payload=payload, dedupe_key=dedupe_key,
                    subject_id=subject if isinstance(subject, str) else None)

    def next_control_number(self, partner_id: str, level: str) -> int:
        with self._session() as s:
            return store_control.next_control_number(s, partner_id, db.Direction.OUTBOUND, db.ControlLevel(level))

    def record_acknowledgement(
        self, partner_id: str, direction: Direction, kind: str, result: AckResult, *, for_isa13: str | None,
        for_gs06: str | None, for_st02: str | None, document_id: str | None = None,
        ack_document_id: str | None = None,
    ) -> None:
        with self._session() as s:
            record_acknowledgement(
                s, direction=db.Direction(direction.value), kind=db.AckKind(kind), partner_id=partner_id,
                status=_ACK_RESULT[result], for_isa13=for_isa13, for_gs06=for_gs06, for_st02=for_st02,
                document_id=document_id, ack_document_id=ack_document_id,
            )

    def add_event(
        self, stage: Stage, outcome: Outcome, detail: str, *, document_id: str | None = None,
        message_ref: str | None = None, data: dict[str, Any] | None = None,
    ) -> None:
        with self._session() as s:
            append_event(s, str(stage), db.Outcome(outcome.value), detail, document_id=document_id,
                         as2_message_id=message_ref, actor="pipeline", detail=data)
