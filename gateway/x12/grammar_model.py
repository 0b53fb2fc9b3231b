"""Immutable grammar structures compiled from the pyx12-format map files under ``maps/x12/``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ElementDef:
    """A simple element (or a component of a composite) at a 1-based position in its segment."""

    xid: str  # e.g. "BEG02" or "REF04-01"
    position: int
    data_element: str  # e.g. "92"
    name: str
    required: bool
    data_type: str  # AN, ID, DT, TM, R, N0..N9
    min_length: int
    max_length: int
    codes: frozenset[str] | None = None
    components: tuple[ElementDef, ...] = ()  # non-empty for a composite

    @property
    def is_composite(self) -> bool:
        return bool(self.components)


@dataclass(frozen=True, slots=True)
class SegmentDef:
    """A segment at one place of a transaction set."""

    segment_id: str
    name: str
    required: bool
    position: str  # the standard's position, e.g. "020"
    max_use: int | None  # None = unbounded (">1")
    elements: tuple[ElementDef, ...]
    line: int  # line in the grammar file, for error messages

    def key(self) -> tuple[int, frozenset[str]] | None:
        """The qualifier that identifies this segment among same-ID siblings (as pyx12 matches them)."""
        first = self.elements[0] if self.elements else None
        if first is not None and first.required and first.codes and not first.is_composite \
                and first.data_type == "ID":
            return 1, first.codes
        if self.segment_id == "HL" and len(self.elements) >= 3 and self.elements[2].codes:
            return 3, self.elements[2].codes
        return None


@dataclass(frozen=True, slots=True)
class LoopDef:
    """A loop: its children in order, the first of which is the segment that starts every iteration."""

    loop_id: str
    name: str
    required: bool
    position: str
    repeat: int | None  # None = unbounded
    children: tuple[Node, ...]
    line: int

    @property
    def first_segment(self) -> SegmentDef:
        first = self.children[0]
        return first if isinstance(first, SegmentDef) else first.first_segment


Node = SegmentDef | LoopDef


@dataclass(frozen=True, slots=True)
class Grammar:
    """One transaction set in one version: ST, the body (tables flattened), SE."""

    code: str  # ST01
    version: str  # "004010" / "005010"
    name: str
    path: str  # the grammar file
    body: LoopDef  # the transaction set as a loop whose children run from ST to SE

    def segments(self) -> list[SegmentDef]:
        """Every segment definition, depth first."""
        out: list[SegmentDef] = []
        stack: list[Node] = [self.body]
        while stack:
            node = stack.pop()
            if isinstance(node, SegmentDef):
                out.append(node)
            else:
                stack.extend(reversed(node.children))
        return out
