"""X12 data model: delimiters, segments, transaction sets, functional groups, interchanges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The separators of one interchange, taken from its ISA (never assumed)."""

    element: str = "*"
    component: str = ":"
    repetition: str | None = None  # ISA11 in 00501+; None in 00401 where ISA11 is the standards id "U"
    segment: str = "~"
    suffix: str = ""  # what follows each terminator on output ("\n", "\r\n" or "")


class Position(NamedTuple):
    """Where a segment sits: 1-based number in its file and in its transaction set, and its byte offset.

    A NamedTuple (immutable, keyword construction, attribute access) because the reader makes one per segment
    and a tuple is the cheapest object Python can build.
    """

    segment_number: int  # 1-based within the whole input
    offset: int  # byte offset of the segment's first byte within the input
    set_position: int | None = None  # 1-based within its transaction set (ST = 1), as AK302/IK302 need


@dataclass(slots=True)
class Segment:
    """One segment; ``elements[0]`` is the segment ID, so ``seg[1]`` is element 01 (e.g. BEG01)."""

    elements: list[str]
    position: Position | None = None

    @property
    def id(self) -> str:
        return self.elements[0]

    def __getitem__(self, index: int) -> str:
        """Element at 1-based reference number; '' when absent."""
        return self.elements[index] if index < len(self.elements) else ""

    def __len__(self) -> int:
        return len(self.elements)

    def get(self, index: int, default: str = "") -> str:
        value = self[index]
        return value if value != "" else default

    def components(self, index: int, delimiters: Delimiters) -> list[str]:
        """Components of a composite element."""
        return self[index].split(delimiters.component)

    def repetitions(self, index: int, delimiters: Delimiters) -> list[str]:
        """Repetitions of a repeating element (00501+)."""
        value = self[index]
        if delimiters.repetition is None:
            return [value]
        return value.split(delimiters.repetition)


class PendingSegments(Protocol):
    """Body segments read but not split yet (the reader splits them on first access)."""

    count: int

    def materialize(self) -> list[Segment]: ...

    def element_lists(self) -> list[list[str]]: ...


class TransactionSet:
    """ST ... SE with the segments between them (both envelope segments included).

    ``segments`` is split from the input on first access: envelope work (counts, control numbers) never pays for
    building Segment objects. ``segment_count`` counts body segments without splitting them.
    """

    __slots__ = ("header", "trailer", "_segments", "_pending")

    def __init__(self, header: Segment, segments: list[Segment] | None = None, trailer: Segment | None = None
                 ) -> None:
        self.header = header  # ST
        self._segments: list[Segment] = segments if segments is not None else []  # body, excluding ST and SE
        self.trailer = trailer  # SE (None when missing)
        self._pending: list[PendingSegments] = []

    @property
    def segments(self) -> list[Segment]:
        if self._pending:
            pending, self._pending = self._pending, []
            for part in pending:
                self._segments.extend(part.materialize())
        return self._segments

    @segments.setter
    def segments(self, value: list[Segment]) -> None:
        self._segments = value
        self._pending = []

    def element_lists(self) -> list[list[str]]:
        """Each body segment's elements (ID first); segments not split yet are split without building Segments."""
        out = [seg.elements for seg in self._segments]
        for part in self._pending:
            out.extend(part.element_lists())
        return out

    def pending_parts(self) -> list[PendingSegments]:
        """The body's parts not split yet when nothing else is in the body (else empty)."""
        return [] if self._segments else list(self._pending)

    def add_pending(self, part: PendingSegments) -> None:
        """Append body segments that are split only when ``segments`` is first read."""
        if self._pending or not self._segments:
            self._pending.append(part)
        else:
            self._segments.extend(part.materialize())

    @property
    def segment_count(self) -> int:
        """Number of body segments (ST and SE excluded), without splitting pending ones."""
        return len(self._segments) + sum(p.count for p in self._pending)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TransactionSet):
            return NotImplemented
        return (self.header, self.segments, self.trailer) == (other.header, other.segments, other.trailer)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the other model classes

    def __repr__(self) -> str:
        return f"TransactionSet(header={self.header!r}, segments=<{self.segment_count}>, trailer={self.trailer!r})"

    @property
    def code(self) -> str:
        """ST01, e.g. '850'."""
        return self.header[1]

    @property
    def control_number(self) -> str:
        """ST02."""
        return self.header[2]

    @property
    def implementation_reference(self) -> str:
        """ST03 (00501+), e.g. '005010X231A1'."""
        return self.header[3]

    def all_segments(self) -> list[Segment]:
        out = [self.header, *self.segments]
        if self.trailer is not None:
            out.append(self.trailer)
        return out


@dataclass(slots=True)
class FunctionalGroup:
    """GS ... GE."""

    header: Segment  # GS
    transaction_sets: list[TransactionSet] = field(default_factory=list)
    trailer: Segment | None = None  # GE
    stray: list[Segment] = field(default_factory=list)  # segments between sets (outside any ST/SE)

    @property
    def functional_id(self) -> str:
        """GS01, e.g. 'PO'."""
        return self.header[1]

    @property
    def control_number(self) -> str:
        """GS06."""
        return self.header[6]

    @property
    def version(self) -> str:
        """GS08, e.g. '004010' or '005010X231A1'."""
        return self.header[8]


@dataclass(slots=True)
class Interchange:
    """ISA ... IEA, with its own delimiters."""

    header: Segment  # ISA
    delimiters: Delimiters
    groups: list[FunctionalGroup] = field(default_factory=list)
    trailer: Segment | None = None  # IEA
    ta1: list[Segment] = field(default_factory=list)  # TA1 segments found inside the interchange
    stray: list[Segment] = field(default_factory=list)  # segments outside any group (other than TA1)
    orphan_sets: list[TransactionSet] = field(default_factory=list)  # ST...SE outside any GS...GE

    @property
    def control_number(self) -> str:
        """ISA13."""
        return self.header[13]

    @property
    def sender(self) -> tuple[str, str]:
        """(ISA05 qualifier, ISA06 id), id stripped of padding."""
        return self.header[5], self.header[6].strip()

    @property
    def receiver(self) -> tuple[str, str]:
        """(ISA07 qualifier, ISA08 id), id stripped of padding."""
        return self.header[7], self.header[8].strip()

    @property
    def version(self) -> str:
        """ISA12, e.g. '00401' or '00501'."""
        return self.header[12]
