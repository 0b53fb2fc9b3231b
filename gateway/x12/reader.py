"""Streaming X12 reader: bytes, a path or a binary stream in; segments, transaction sets, interchanges out.

The byte-level work (delimiters from each ISA, latin-1 decoding, noise after terminators) is in ``scanner``; this
module turns the segment stream into ISA/GS/ST envelopes. Decoding policy and accepted layouts: docs/x12.md.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass

from gateway.errors import X12ReadError
from gateway.x12.model import FunctionalGroup, Interchange, Segment, TransactionSet
from gateway.x12.scanner import CHUNK_SIZE, SegmentStream, Source, as_utf8, iter_segments

__all__ = [
    "CHUNK_SIZE", "SegmentStream", "SetInContext", "Source", "as_utf8", "iter_envelopes", "iter_interchanges",
    "iter_segments",
    "iter_transaction_sets", "read", "read_segments",
]


@dataclass(slots=True)
class SetInContext:
    """A transaction set with its envelopes; the envelopes do not accumulate their children while streaming."""

    interchange: Interchange
    group: FunctionalGroup | None
    transaction_set: TransactionSet


class _Builder:
    """Turns a segment stream into interchanges; structure problems are kept as data for envelope validation."""

    def __init__(self, stream: SegmentStream, *, keep: bool, emit_interchanges: bool = False) -> None:
        self.stream = stream
        self.keep = keep
        self.emit_interchanges = keep or emit_interchanges
        self.ic: Interchange | None = None
        self.group: FunctionalGroup | None = None
        self.tset: TransactionSet | None = None

    def _close_set(self) -> TransactionSet | None:
        tset, self.tset = self.tset, None
        return tset

    def run(self) -> Iterator[Interchange | SetInContext]:
        for items in self.stream.items():
            for item in items:
                if isinstance(item, Segment):
                    yield from self._envelope(item)
                elif isinstance(item, list):
                    self._body(item)
                elif self.tset is not None:
                    self.tset.add_pending(item)
                else:
                    self._body(item.materialize())
        if self.ic is not None:
            yield from self._finish_interchange()

    def _body(self, run: list[Segment]) -> None:
        if self.tset is not None:
            self.tset.segments.extend(run)
        elif self.ic is not None:
            for seg in run:
                self._stray(seg)
        else:
            raise X12ReadError(f"segment {run[0].id} before any ISA", offset=_offset(run[0]))

    def _envelope(self, seg: Segment) -> Iterator[Interchange | SetInContext]:  # noqa: C901 - a state machine
        sid = seg.elements[0]
        if sid == "ISA":
            if self.ic is not None:
                yield from self._finish_interchange()
            delimiters = self.stream.delimiters
            assert delimiters is not None
            self.ic = Interchange(header=seg, delimiters=delimiters)
            return
        if self.ic is None:
            raise X12ReadError(f"segment {sid} before any ISA", offset=_offset(seg))
        if sid == "ST":
            yield from self._finish_set()
            self.tset = TransactionSet(header=seg)
        elif sid == "SE":
            if self.tset is None:
                self._stray(seg)
            else:
                self.tset.trailer = seg
                yield from self._finish_set()
        elif sid == "GS":
            yield from self._finish_set()
            self._finish_group()
            self.group = FunctionalGroup(header=seg)
        elif sid == "GE":
            yield from self._finish_set()
            if self.group is None:
                self._stray(seg)
            else:
                self.group.trailer = seg
                self._finish_group()
        elif sid == "IEA":
            yield from self._finish_set()
            self._finish_group()
            self.ic.trailer = seg
            yield from self._finish_interchange()
        else:  # TA1
            yield from self._finish_set()
            self.ic.ta1.append(seg)

    def _stray(self, seg: Segment) -> None:
        assert self.ic is not None
        (self.group.stray if self.group is not None else self.ic.stray).append(seg)

    def _finish_set(self) -> Iterator[SetInContext]:
        tset = self._close_set()
        if tset is None:
            return
        assert self.ic is not None
        if self.group is not None:
            if self.keep:
                self.group.transaction_sets.append(tset)
        elif self.keep:
            self.ic.orphan_sets.append(tset)
        if not self.keep:
            yield SetInContext(self.ic, self.group, tset)

    def _finish_group(self) -> None:
        group, self.group = self.group, None
        if group is not None and self.ic is not None:
            self.ic.groups.append(group)

    def _finish_interchange(self) -> Iterator[Interchange | SetInContext]:
        yield from self._finish_set()
        self._finish_group()
        ic, self.ic = self.ic, None
        if ic is not None and self.emit_interchanges:
            yield ic


def _offset(seg: Segment) -> int | None:
    return seg.position.offset if seg.position else None


def iter_interchanges(source: Source, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Interchange]:
    """Whole interchanges, one at a time (memory bounded by the largest interchange)."""
    for item in _Builder(iter_segments(source, chunk_size=chunk_size), keep=True).run():
        assert isinstance(item, Interchange)
        yield item


def iter_transaction_sets(source: Source, *, chunk_size: int = CHUNK_SIZE) -> Iterator[SetInContext]:
    """Transaction sets one at a time with their envelopes (memory bounded by the largest set)."""
    for item in _Builder(iter_segments(source, chunk_size=chunk_size), keep=False).run():
        assert isinstance(item, SetInContext)
        yield item


def iter_envelopes(source: Source, *, chunk_size: int = CHUNK_SIZE) -> Iterator[SetInContext | Interchange]:
    """Transaction sets one at a time, then each interchange once complete (groups without their sets)."""
    return _Builder(iter_segments(source, chunk_size=chunk_size), keep=False, emit_interchanges=True).run()


def read(source: Source, *, split_bodies: bool = False) -> list[Interchange]:
    """Every interchange of an input; raises X12ReadError (with byte offset) when it is not X12 at all.

    Transaction set bodies are split into Segments on first access; ``split_bodies`` splits them all now, with
    the cyclic garbage collector paused (holding ~10^6 segments alive makes its full collections expensive).
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the whole document stays alive: collections would only re-scan it, over and over
    try:
        interchanges = list(iter_interchanges(source))
        if split_bodies:
            for ic in interchanges:
                for group in ic.groups:
                    for tset in group.transaction_sets:
                        _ = tset.segments
    finally:
        if gc_was_enabled:
            gc.enable()
    if not interchanges:
        raise X12ReadError("no ISA segment found: the input is empty or only whitespace", offset=0)
    return interchanges


def read_segments(source: Source) -> list[Segment]:
    """All segments of an input as a list (small inputs, tests)."""
    return list(iter_segments(source))
