"""Inbound 997 / 999 / TA1 parsed into which groups and transaction sets a partner accepted or rejected."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from gateway.errors import X12ReadError
from gateway.x12.model import Interchange, Segment, TransactionSet


class AckStatus(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"

    @classmethod
    def from_code(cls, code: str) -> AckStatus:
        """AK501/IK501/AK901/TA104 code to status; M, W and X are rejections too."""
        if code == "A":
            return cls.ACCEPTED
        if code == "E":
            return cls.ACCEPTED_WITH_ERRORS
        if code == "P":
            return cls.PARTIALLY_ACCEPTED
        if code in ("R", "M", "W", "X"):
            return cls.REJECTED
        raise X12ReadError(f"unknown acknowledgement code {code!r} (expected A, E, P, R, M, W or X)")


@dataclass(slots=True)
class ElementError:
    position: str  # AK401/IK401, e.g. "2" or "2>1"
    reference: str  # AK402
    code: str  # AK403
    value: str = ""  # AK404


@dataclass(slots=True)
class SegmentError:
    segment_id: str  # AK301
    position: str  # AK302
    loop_id: str  # AK303
    code: str  # AK304
    elements: list[ElementError] = field(default_factory=list)


@dataclass(slots=True)
class SetAck:
    code: str  # AK201, e.g. "850"
    control_number: str  # AK202 = our ST02
    status: AckStatus
    errors: list[str] = field(default_factory=list)  # AK502..AK506
    segments: list[SegmentError] = field(default_factory=list)


@dataclass(slots=True)
class GroupAck:
    functional_id: str  # AK101
    control_number: str  # AK102 = our GS06
    status: AckStatus
    version: str = ""  # AK103 (999)
    included: int | None = None  # AK902
    received: int | None = None  # AK903
    accepted: int | None = None  # AK904
    errors: list[str] = field(default_factory=list)  # AK905..AK909
    sets: list[SetAck] = field(default_factory=list)
    kind: str = "997"

    def status_of(self, st02: str) -> AckStatus | None:
        """A set's status: its AK5/IK5 when listed, else what AK901 implies (None when AK901 is P and it is not)."""
        for s in self.sets:
            if s.control_number == st02:
                return s.status
        return None if self.status is AckStatus.PARTIALLY_ACCEPTED else self.status


@dataclass(slots=True)
class InterchangeAck:
    control_number: str  # TA101 = our ISA13
    date: str
    time: str
    status: AckStatus
    note_code: str  # TA105


def parse_ta1(seg: Segment) -> InterchangeAck:
    if seg.id != "TA1" or len(seg) < 6:
        raise X12ReadError(f"TA1 needs 5 elements, found {seg.elements!r}",
                           offset=seg.position.offset if seg.position else None)
    return InterchangeAck(seg[1], seg[2], seg[3], AckStatus.from_code(seg[4]), seg[5])


def parse_functional_ack(tset: TransactionSet) -> GroupAck:
    """One 997 or 999 transaction set."""
    if tset.code not in ("997", "999"):
        raise X12ReadError(f"transaction set {tset.code} is not a 997 or 999")
    group: GroupAck | None = None
    current: SetAck | None = None
    segment: SegmentError | None = None
    for seg in tset.segments:
        sid = seg.id
        if sid == "AK1":
            group = GroupAck(seg[1], seg[2], AckStatus.ACCEPTED, version=seg[3], kind=tset.code)
        elif group is None:
            raise X12ReadError(f"{tset.code} ST02 {tset.control_number}: {sid} before AK1",
                               offset=seg.position.offset if seg.position else None)
        elif sid == "AK2":
            current = SetAck(seg[1], seg[2], AckStatus.ACCEPTED)
            group.sets.append(current)
            segment = None
        elif sid in ("AK3", "IK3") and current is not None:
            segment = SegmentError(seg[1], seg[2], seg[3], seg[4])
            current.segments.append(segment)
        elif sid in ("AK4", "IK4") and segment is not None:
            segment.elements.append(ElementError(seg[1], seg[2], seg[3], seg[4]))
        elif sid in ("AK5", "IK5") and current is not None:
            current.status = AckStatus.from_code(seg[1])
            current.errors = [e for e in seg.elements[2:7] if e]
        elif sid == "AK9":
            group.status = AckStatus.from_code(seg[1])
            group.included, group.received, group.accepted = (_int(seg[2]), _int(seg[3]), _int(seg[4]))
            group.errors = [e for e in seg.elements[5:10] if e]
    if group is None:
        raise X12ReadError(f"{tset.code} ST02 {tset.control_number} has no AK1")
    return group


@dataclass(slots=True)
class AckReport:
    """Every acknowledgement found in one interchange."""

    interchanges: list[InterchangeAck] = field(default_factory=list)
    groups: list[GroupAck] = field(default_factory=list)


def parse_acknowledgements(ic: Interchange) -> AckReport:
    """TA1 segments and the 997/999 sets of an interchange (other sets are ignored)."""
    report = AckReport([parse_ta1(s) for s in ic.ta1])
    for group in ic.groups:
        for tset in group.transaction_sets:
            if tset.code in ("997", "999"):
                report.groups.append(parse_functional_ack(tset))
    return report


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None
