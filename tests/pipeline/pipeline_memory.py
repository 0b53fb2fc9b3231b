"""In-memory implementations of the pipeline's ports, so each flow can be exercised without the real components.

These stand in for gateway.store, the X12 engine, the mapping engine and the partner loader in unit tests of the
flows; they keep the same contracts (idempotency keys, unique deliveries, control numbers never reused).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.errors import MappingError, NotFoundError
from gateway.pipeline.ports import (
    Canonical,
    ControlNumbers,
    DeliveryRecord,
    DocumentRecord,
    InboundPayload,
    NewDocument,
    PartnerView,
    TransactionAck,
)
from gateway.pipeline.statuses import AckResult, Channel, DeliveryStatus, Direction, DocumentStatus, Outcome, Stage
from gateway.worker.registry import Job
from gateway.x12.issues import Issue
from gateway.x12.model import Delimiters, FunctionalGroup, Interchange, Segment, TransactionSet

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@dataclass
class MemJob:
    id: int
    kind: str
    payload: dict[str, Any]
    dedupe_key: str
    attempts: int = 0
    state: str = "queued"
    run_at: datetime = T0
    error: str = ""


@dataclass
class MemoryStore:
    now: datetime = T0
    payloads: dict[str, InboundPayload] = field(default_factory=dict)
    documents: dict[str, DocumentRecord] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    deliveries: dict[str, DeliveryRecord] = field(default_factory=dict)
    jobs: list[MemJob] = field(default_factory=list)
    counters: dict[tuple[str, str], int] = field(default_factory=dict)
    events: list[tuple[Stage, Outcome, str, str | None]] = field(default_factory=list)
    interchanges: list[tuple[str, str]] = field(default_factory=list)
    acknowledgements: list[tuple[Direction, str, AckResult, str | None, str | None, str | None]] = field(
        default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield

    def load_inbound_payload(self, ref: str) -> InboundPayload:
        return self.payloads[ref]

    def record_interchange(self, message_ref: str, partner_id: str, direction: Direction, interchange: Interchange,
                           issues: Sequence[Issue]) -> bool:
        key = (message_ref, interchange.control_number)
        if key in self.interchanges:
            return False
        self.interchanges.append(key)
        return True

    def record_acknowledgement(self, partner_id: str, direction: Direction, kind: str, result: AckResult, *,
                               for_isa13: str | None, for_gs06: str | None, for_st02: str | None,
                               document_id: str | None = None, ack_document_id: str | None = None) -> None:
        self.acknowledgements.append((direction, kind, result, for_gs06, for_st02, document_id or ack_document_id))

    def create_document(self, new: NewDocument) -> tuple[DocumentRecord, bool]:
        if new.idempotency_key in self.keys:
            return self.documents[self.keys[new.idempotency_key]], False
        doc_id = f"doc_{next(self._ids)}"
        doc = DocumentRecord(
            id=doc_id, partner_id=new.partner_id, direction=new.direction, document_type=new.document_type,
            status=new.status, canonical=new.canonical, x12=new.x12, isa13=new.isa13, gs06=new.gs06, st02=new.st02,
            message_ref=new.message_ref, created_at=self.now,
        )
        self.documents[doc_id] = doc
        self.keys[new.idempotency_key] = doc_id
        return doc, True

    def get_document(self, document_id: str) -> DocumentRecord:
        if document_id not in self.documents:
            raise NotFoundError(f"no document {document_id}")
        return self.documents[document_id]

    def update_document(self, document_id: str, status: DocumentStatus, **changes: Any) -> DocumentRecord:
        changes.pop("po_number", None)
        doc = replace(self.get_document(document_id), status=status, **changes)
        self.documents[document_id] = doc
        return doc

    def find_outbound(self, partner_id: str, *, isa13: str, gs06: str | None, st02: str | None) -> list[DocumentRecord]:
        out = []
        for doc in self.documents.values():
            if doc.partner_id != partner_id or doc.direction is not Direction.OUTBOUND:
                continue
            if (gs06 is None and doc.isa13 == isa13) or (gs06 is not None and (doc.gs06, doc.st02) == (gs06, st02)):
                out.append(doc)
        return out

    def awaiting_ack(self, sent_before: datetime) -> list[DocumentRecord]:
        waiting = (DocumentStatus.SENT, DocumentStatus.MDN_RECEIVED)
        return [d for d in self.documents.values()
                if d.status in waiting and d.sent_at is not None and d.sent_at <= sent_before]

    def create_delivery(self, document_id: str, channel: Channel, target: str) -> tuple[DeliveryRecord, bool]:
        for d in self.deliveries.values():
            if (d.document_id, d.target) == (document_id, target):
                return d, False
        delivery = DeliveryRecord(f"dlv_{next(self._ids)}", document_id, channel, target, DeliveryStatus.PENDING)
        self.deliveries[delivery.id] = delivery
        return delivery, True

    def get_delivery(self, delivery_id: str) -> DeliveryRecord:
        return self.deliveries[delivery_id]

    def update_delivery(self, delivery_id: str, status: DeliveryStatus, error: str | None = None) -> None:
        d = self.deliveries[delivery_id]
        self.deliveries[delivery_id] = replace(d, status=status, error=error, attempts=d.attempts + 1)

    def enqueue(self, kind: str, payload: dict[str, Any], dedupe_key: str) -> None:
        if any(j.dedupe_key == dedupe_key for j in self.jobs):
            return
        self.jobs.append(MemJob(next(self._ids), str(kind), payload, dedupe_key, run_at=self.now))

    def next_control_number(self, partner_id: str, level: str) -> int:
        key = (partner_id, level)
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    def add_event(self, stage: Stage, outcome: Outcome, detail: str, *, document_id: str | None = None,
                  message_ref: str | None = None, data: dict[str, Any] | None = None) -> None:
        self.events.append((stage, outcome, detail, document_id))

    # JobQueue
    def claim(self, worker_id: str, kinds: Sequence[str], limit: int, lease: timedelta) -> list[Job]:
        out: list[Job] = []
        for job in self.jobs:
            if job.state == "queued" and job.kind in kinds and job.run_at <= self.now and len(out) < limit:
                job.state = "running"
                out.append(job)
        return out

    def complete(self, job: Job, worker_id: str) -> None:
        self._job(job).state = "done"

    def retry(self, job: Job, worker_id: str, error: str, run_at: datetime, failed: bool) -> None:
        row = self._job(job)
        row.state, row.run_at, row.error = "queued", run_at, error
        row.attempts += 1 if failed else 0

    def dead_letter(self, job: Job, worker_id: str, error: str) -> None:
        row = self._job(job)
        row.state, row.error = "dead", error

    def recover_expired(self) -> int:
        return 0

    def _job(self, job: Job) -> MemJob:
        return next(j for j in self.jobs if j.id == job.id)


def seg(text: str) -> Segment:
    return Segment(text.split("*"))


GroupSpec = tuple[str, str, list[tuple[str, str, list[str]]]]


def interchange(sender: str, isa13: str, groups: list[GroupSpec]) -> Interchange:
    """Build an interchange: groups as (GS01, GS06, [(ST01, ST02, body segments)])."""
    isa = seg(f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*ACORN          *261122*1200*U*00401*{isa13}*0*P*>")
    out = Interchange(header=isa, delimiters=Delimiters(), trailer=seg(f"IEA*{len(groups)}*{isa13}"))
    for gs01, gs06, sets in groups:
        group = FunctionalGroup(header=seg(f"GS*{gs01}*{sender}*ACORN*20261122*1200*{gs06}*X*004010"))
        for st01, st02, body in sets:
            group.transaction_sets.append(TransactionSet(
                header=seg(f"ST*{st01}*{st02}"), segments=[seg(s) for s in body],
                trailer=seg(f"SE*{len(body) + 2}*{st02}")))
        group.trailer = seg(f"GE*{len(sets)}*{gs06}")
        out.groups.append(group)
    return out


build_interchange = interchange  # for methods whose parameter is named ``interchange``


@dataclass
class FakeX12:
    """Returns pre-built interchanges for known bodies; records what it was asked to write."""

    bodies: dict[bytes, list[Interchange]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    acks: dict[str, list[TransactionAck]] = field(default_factory=dict)  # by ISA13 of the ack interchange
    written: list[ControlNumbers] = field(default_factory=list)

    def read(self, body: bytes) -> list[Interchange]:
        return self.bodies[body]

    def validate(self, interchange: Interchange) -> list[Issue]:
        return [i for i in self.issues if i.interchange in (None, interchange.control_number)]

    def acknowledgement(self, interchange: Interchange, group: FunctionalGroup, issues: Sequence[Issue], kind: str,
                        numbers: ControlNumbers, partner: PartnerView) -> bytes:
        out = f"{kind} for {interchange.control_number}/{group.control_number} as {numbers.isa13}".encode()
        # Readable back like a real one: an interchange whose sets are all accepted.
        isa13 = f"{numbers.isa13:09d}"
        self.bodies[out] = [build_interchange("ACORN", isa13, [])]
        self.acks[isa13] = [TransactionAck(None, group.control_number, t.control_number, "A")
                            for t in group.transaction_sets]
        return out

    def parse_acknowledgements(self, interchange: Interchange) -> list[TransactionAck]:
        return self.acks.get(interchange.control_number, [])

    def envelope(self, partner: PartnerView, document_type: str, body: list[Segment], numbers: ControlNumbers) -> bytes:
        self.written.append(numbers)
        return f"ISA..{numbers.isa13:09d}~GS..{numbers.gs06}~ST*{document_type}*{numbers.st02:04d}~".encode()


class FakeMappings:
    def to_canonical(self, partner: PartnerView, interchange: Interchange, group: FunctionalGroup,
                     transaction_set: TransactionSet) -> Canonical:
        beg = next((s for s in transaction_set.segments if s.id == "BEG"), None)
        if beg is None:
            raise MappingError(f"ST02 {transaction_set.control_number}: BEG segment missing")
        return Canonical("850", {"purchaseOrderNumber": beg[3]}, po_number=beg[3])

    def from_canonical(self, partner: PartnerView, document_type: str, data: dict[str, Any]) -> list[Segment]:
        if "invoiceNumber" not in data:
            raise MappingError(f"partner {partner.id}, {document_type}: invoiceNumber missing")
        return [seg(f"BIG*20261122*{data['invoiceNumber']}")]


@dataclass
class FakePartners:
    views: dict[str, PartnerView]

    def get(self, partner_id: str) -> PartnerView:
        if partner_id not in self.views:
            raise NotFoundError(f"no partner {partner_id}")
        return self.views[partner_id]

    def by_isa(self, qualifier: str, isa_id: str) -> PartnerView | None:
        return next((p for p in self.views.values() if (p.isa_qualifier, p.isa_id) == (qualifier, isa_id)), None)

    def __iter__(self) -> Iterator[PartnerView]:
        return iter(self.views.values())
