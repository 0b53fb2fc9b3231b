"""What the flows need from the store, the X12 engine, the mappings and the partner profiles, as narrow protocols.

The flows are written against these so each stage can be read (and tested) on its own; ``wiring.py`` adapts the
real components to them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from gateway.pipeline.statuses import AckResult, Channel, DeliveryStatus, Direction, DocumentStatus, Outcome, Stage
from gateway.x12.issues import Issue
from gateway.x12.model import FunctionalGroup, Interchange, Segment, TransactionSet

# --- records the store hands back --------------------------------------------------------------------------


@dataclass(slots=True)
class InboundPayload:
    """An AS2 payload the AS2 service committed (and answered with an MDN) before queueing its processing."""

    ref: str  # the store's id of the inbound AS2 message
    partner_id: str
    message_id: str  # AS2 Message-ID
    body: bytes


@dataclass(slots=True)
class DocumentRecord:
    id: str
    partner_id: str
    direction: Direction
    document_type: str  # e.g. "850", "810", "997"
    status: DocumentStatus
    canonical: dict[str, Any] | None = None
    x12: bytes | None = None
    isa13: str | None = None
    gs06: str | None = None
    st02: str | None = None
    stage: Stage | None = None
    error: str | None = None
    message_ref: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None


@dataclass(slots=True)
class NewDocument:
    partner_id: str
    direction: Direction
    document_type: str
    status: DocumentStatus
    idempotency_key: str
    canonical: dict[str, Any] | None = None
    x12: bytes | None = None
    isa13: str | None = None
    gs06: str | None = None
    st02: str | None = None
    message_ref: str | None = None
    po_number: str | None = None


@dataclass(slots=True)
class DeliveryRecord:
    id: str
    document_id: str
    channel: Channel
    target: str  # name of the delivery target in the partner profile
    status: DeliveryStatus
    attempts: int = 0
    error: str | None = None


# --- store -------------------------------------------------------------------------------------------------


class PipelineStore(Protocol):
    """Repository operations of the flows; every write inside ``transaction()`` commits or rolls back together."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def load_inbound_payload(self, ref: str) -> InboundPayload: ...

    def record_interchange(
        self, message_ref: str, partner_id: str, direction: Direction, interchange: Interchange, issues: Sequence[Issue]
    ) -> bool:
        """Record the envelope tree; False when this message's interchange was already recorded (a rerun)."""
        ...

    def create_document(self, new: NewDocument) -> tuple[DocumentRecord, bool]: ...

    def get_document(self, document_id: str) -> DocumentRecord: ...

    def update_document(self, document_id: str, status: DocumentStatus, **changes: Any) -> DocumentRecord: ...

    def find_outbound(
        self, partner_id: str, *, isa13: str, gs06: str | None, st02: str | None
    ) -> list[DocumentRecord]:
        """Our outbound documents by ISA13 when ``gs06`` is None (TA1), else by (GS06, ST02)."""
        ...

    def awaiting_ack(self, sent_before: datetime) -> list[DocumentRecord]:
        """Outbound documents in ``sent`` or ``mdn_received`` whose ``sent_at`` is at or before ``sent_before``."""
        ...

    def create_delivery(self, document_id: str, channel: Channel, target: str) -> tuple[DeliveryRecord, bool]: ...

    def get_delivery(self, delivery_id: str) -> DeliveryRecord: ...

    def update_delivery(self, delivery_id: str, status: DeliveryStatus, error: str | None = None) -> None: ...

    def enqueue(self, kind: str, payload: dict[str, Any], dedupe_key: str) -> None: ...

    def next_control_number(self, partner_id: str, level: str) -> int: ...

    def record_acknowledgement(
        self, partner_id: str, direction: Direction, kind: str, result: AckResult, *, for_isa13: str | None,
        for_gs06: str | None, for_st02: str | None, document_id: str | None = None,
        ack_document_id: str | None = None,
    ) -> None:
        """A 997/999/TA1 either way: the partner's for our document, or ours (``ack_document_id``) for its group."""
        ...

    def add_event(
        self, stage: Stage, outcome: Outcome, detail: str, *, document_id: str | None = None,
        message_ref: str | None = None, data: dict[str, Any] | None = None,
    ) -> None: ...


# --- pure core ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ControlNumbers:
    isa13: int
    gs06: int
    st02: int


@dataclass(frozen=True, slots=True)
class TransactionAck:
    """One AK2/IK2 + AK5/IK5 of a 997/999 received from a partner (or one TA1 when ``st02`` is None)."""

    isa13: str | None  # for TA1: the acknowledged ISA13
    gs06: str | None  # AK102
    st02: str | None  # AK202
    code: str  # AK501 / IK501 / TA104 / AK901 when the set is not listed
    errors: tuple[str, ...] = ()
    kind: str = "997"  # "997", "999" or "TA1"


class X12Toolkit(Protocol):
    """Reader, validator, 997/999 generation and parsing, and the envelope writer."""

    def read(self, body: bytes) -> list[Interchange]: ...

    def validate(self, interchange: Interchange) -> list[Issue]: ...

    def acknowledgement(
        self, interchange: Interchange, group: FunctionalGroup, issues: Sequence[Issue], kind: str,
        numbers: ControlNumbers, partner: PartnerView,
    ) -> bytes: ...

    def parse_acknowledgements(self, interchange: Interchange) -> list[TransactionAck]: ...

    def envelope(
        self, partner: PartnerView, document_type: str, body: list[Segment], numbers: ControlNumbers
    ) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Canonical:
    document_type: str
    data: dict[str, Any]
    po_number: str | None = None


class Mappings(Protocol):
    def to_canonical(self, partner: PartnerView, interchange: Interchange, group: FunctionalGroup,
                     transaction_set: TransactionSet) -> Canonical: ...

    def from_canonical(self, partner: PartnerView, document_type: str, data: dict[str, Any]) -> list[Segment]: ...


@dataclass(frozen=True, slots=True)
class DeliveryTarget:
    name: str
    channel: Channel
    url: str | None = None  # webhook
    secret: str | None = None  # webhook (Standard Webhooks)
    directory: str | None = None  # directory drop
    document_types: tuple[str, ...] = ()  # empty: every type


@dataclass(frozen=True, slots=True)
class PartnerView:
    """The parts of a partner profile the flows read."""

    id: str
    isa_qualifier: str
    isa_id: str
    our_isa_qualifier: str
    our_isa_id: str
    ack_kind: str | None = "997"  # "997", "999" or None: what we send back for its inbound groups
    ack_deadline: timedelta | None = timedelta(hours=24)  # how long we wait for its 997/999
    deliveries: tuple[DeliveryTarget, ...] = field(default_factory=tuple)

    def targets_for(self, document_type: str) -> list[DeliveryTarget]:
        return [t for t in self.deliveries if not t.document_types or document_type in t.document_types]


class Partners(Protocol):
    def get(self, partner_id: str) -> PartnerView: ...

    def by_isa(self, qualifier: str, isa_id: str) -> PartnerView | None: ...

    def __iter__(self) -> Iterator[PartnerView]: ...
