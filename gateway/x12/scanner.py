"""Streaming X12 segment scanner: bytes, a path or a binary stream in, segments with positions out.

Decoding policy: every byte is decoded as latin-1, so a character offset is a byte offset, decoding never fails and
writing the text back as latin-1 gives the original bytes. Non-ASCII bytes are kept as the latin-1 character of the
same value (envelope validation reports them inside the ISA); callers that know a partner sends UTF-8 text can
re-decode element values with :func:`as_utf8`.

Delimiters come from each ISA: element separator = the byte after ``ISA``, component separator = ISA16, segment
terminator = the byte after ISA16, repetition separator = ISA11 when ISA12 >= 00501. Whitespace (CR, LF, space,
tab) after a terminator is noise, unless it is the terminator itself; what directly follows the ISA terminator
(CR/LF) is kept as ``Delimiters.suffix`` so a writer can reproduce the layout.
"""

from __future__ import annotations

import gc
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, repeat
from typing import BinaryIO

from gateway.errors import X12ReadError
from gateway.x12.model import Delimiters, Position, Segment

Source = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO

CHUNK_SIZE = 1 << 20
_BOM = "\xef\xbb\xbf"  # UTF-8 BOM as latin-1 text
_NOISE = " \t\r\n"
_BETWEEN = re.compile(r"[ \t\r\n\x00\x1a]*")  # whitespace, NUL padding and DOS EOF between interchanges
_ISA_WINDOW = 512  # an ISA with oversize fields still ends well inside this
ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})


def as_utf8(value: str) -> str:
    """Re-decode a latin-1 decoded value as UTF-8 (for partners known to send UTF-8 text)."""
    return value.encode("latin-1").decode("utf-8")


def _chunks(source: Source, chunk_size: int) -> Iterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield bytes(source)
        return
    if isinstance(source, str) and source.lstrip("\ufeff \r\n\t").startswith("ISA"):
        raise TypeError("a str source is a file path: pass X12 content as bytes (e.g. text.encode('latin-1'))")
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            yield from _chunks(fh, chunk_size)
        return
    if not isinstance(source, io.IOBase) and not hasattr(source, "read"):
        raise TypeError(f"cannot read X12 from {type(source).__name__}")
    while True:
        block = source.read(chunk_size)
        if not block:
            return
        if not isinstance(block, bytes):
            raise TypeError("X12 streams must be opened in binary mode")
        yield block


@dataclass(frozen=True, slots=True)
class _Isa:
    segment_text: str
    delimiters: Delimiters
    end: int  # index just after the terminator


def _parse_isa(text: str, start: int, eof: bool) -> _Isa | None:
    """Find the delimiters of the ISA at ``start``; None when more input is needed."""
    if len(text) - start < 4:
        if eof:
            raise X12ReadError(f"truncated ISA: only {len(text) - start} bytes", offset=start, segment_number=None)
        return None
    element = text[start + 3]
    if element.isalnum() or element in _NOISE:
        raise X12ReadError(f"ISA is followed by {element!r}, not an element separator", offset=start + 3)
    pos = start + 3
    limit = min(len(text), start + _ISA_WINDOW)
    for count in range(15):
        pos = text.find(element, pos + 1, limit)
        if pos < 0:
            if not eof and len(text) < start + _ISA_WINDOW:
                return None
            raise X12ReadError(f"truncated ISA: {count + 1} of 16 elements found", offset=start)
    if pos + 4 >= len(text) and not eof:
        return None  # also wait for the line break that may follow the terminator (Delimiters.suffix)
    if pos + 2 >= len(text):
        raise X12ReadError("truncated ISA: no component separator and segment terminator after ISA16", offset=pos)
    component, terminator = text[pos + 1], text[pos + 2]
    if terminator.isalnum() or terminator in (element, component) or component in (element,):
        raise X12ReadError(
            f"ISA16 {component!r} is followed by {terminator!r}, not a segment terminator "
            "(an ISA is 106 characters: check for missing or extra padding)",
            offset=pos + 2,
        )
    segment_text = text[start : pos + 2]
    fields = segment_text.split(element)
    repetition: str | None = None
    if (fields[12] >= "00501" and len(fields[11]) == 1 and not fields[11].isalnum()
            and fields[11] not in (element, component, terminator)):
        repetition = fields[11]
    end = pos + 3
    suffix = ""
    if terminator not in "\r\n":
        while end < len(text) and text[end] in "\r\n" and len(suffix) < 2:
            suffix += text[end]
            end += 1
        if suffix not in ("", "\n", "\r\n", "\r"):
            suffix = ""
    delimiters = Delimiters(element=element, component=component, repetition=repetition,
                            segment=terminator, suffix=suffix)
    return _Isa(segment_text, delimiters, pos + 3)


class SegmentStream:
    """Iterates the segments of an input; ``delimiters`` is the current interchange's once its ISA is read."""

    def __init__(self, source: Source, *, chunk_size: int = CHUNK_SIZE) -> None:
        self._chunks = _chunks(source, chunk_size)
        self.delimiters: Delimiters | None = None
        self.segment_count = 0
        self._patterns: dict[tuple[str, str], tuple[re.Pattern[str], re.Pattern[str]]] = {}

    def __iter__(self) -> Iterator[Segment]:
        for items in self.items():
            for item in items:
                if isinstance(item, Segment):
                    yield item
                elif isinstance(item, list):
                    yield from item
                else:
                    yield from item.materialize()

    def items(self) -> Iterator[list[Item]]:  # noqa: C901 - one hot loop, kept together
        """Per region: envelope segments (ISA, GS, ST, SE, GE, IEA, TA1) as Segments, bodies as lists or RawBody."""
        text = ""
        base = 0  # byte offset of text[0] in the input
        pos = 0
        eof = False
        in_interchange = False
        n = 0
        set_pos: int | None = None
        terminator = noise = ""
        d = Delimiters()
        chunks = self._chunks
        seg_new = Segment
        pos_new = Position
        next_candidate = -1

        def more() -> bool:
            nonlocal text, base, pos, eof, next_candidate
            block = next(chunks, None)
            if block is None:
                eof = True
                return False
            if pos:
                base += pos
                next_candidate = next_candidate - pos if next_candidate >= 0 else -1
                text = text[pos:]
                pos = 0
            text += block.decode("latin-1")
            return True

        more()
        if text.startswith(_BOM):
            pos = len(_BOM)
        while True:
            if not in_interchange:
                m = _BETWEEN.match(text, pos)
                pos = m.end() if m else pos
                if pos >= len(text):
                    if eof or not more():
                        return
                    continue
                if len(text) - pos < 3 and not eof:
                    more()
                    continue
                if not text.startswith("ISA", pos):
                    raise X12ReadError(f"expected an ISA segment, found {text[pos:pos + 20]!r}",
                                       offset=base + pos, segment_number=n + 1)
                isa = _parse_isa(text, pos, eof)
                if isa is None:
                    more()
                    continue
                d = isa.delimiters
                self.delimiters = d
                terminator = d.segment
                noise = "".join(c for c in _NOISE if c != terminator)
                n += 1
                set_pos = None
                yield [seg_new(isa.segment_text.split(d.element), pos_new(n, base + pos, None))]
                pos = isa.end
                if d.suffix and text.startswith(d.suffix, pos):
                    pos += len(d.suffix)
                in_interchange = True
                next_candidate = -1
                continue
            # Inside an interchange: split up to the end of the next possible IEA/ISA segment, so a following
            # interchange with other delimiters is re-detected.
            if next_candidate < pos:
                a = text.find("IEA", pos)
                b = text.find("ISA", pos)
                next_candidate = a if b < 0 else (b if a < 0 else min(a, b))
            if next_candidate >= 0:
                stop = text.find(terminator, next_candidate)
                if stop < 0:
                    if not eof and more():
                        continue
                    stop = len(text)
                else:
                    stop += 1
            else:
                # End the region after a whole "terminator + line break", so the next one starts clean.
                stop = text.rfind(terminator + d.suffix, pos) + 1 if d.suffix else 0
                if stop <= 0:
                    stop = text.rfind(terminator, pos) + 1
                if stop <= 0:
                    if not eof and more():
                        continue
                    stop = len(text)
            if d.suffix and text.startswith(d.suffix, stop):
                stop += len(d.suffix)
            elif d.suffix and stop == len(text) and not eof and more():
                continue  # the line break after the last terminator is still to come
            gc_was_enabled = gc.isenabled()
            gc.disable()  # a region allocates thousands of small containers and no cycles: skip the collector
            try:
                items, n, set_pos, resume, kind = _region_items(text[pos:stop], base + pos, n, set_pos, d, noise,
                                                                self._patterns)
            finally:
                if gc_was_enabled:
                    gc.enable()
            yield items
            if kind:
                in_interchange = False
                pos = min(resume - base, len(text))
                self.segment_count = n
                continue
            self.segment_count = n
            pos = stop
            if pos >= len(text) and (eof or not more()):
                return


def _split_region(
    region: str, off: int, n: int, set_pos: int | None, d: Delimiters, noise: str
) -> tuple[list[Segment], list[int], int, int | None, int, int]:
    """Segments of a run of complete segments; stops at an ISA (kind 1) or after an IEA (kind 2) at ``resume``.

    Noise (CR/LF/indentation) after a terminator is stripped. Whole-list variants of this loop measured no faster:
    the cost is in building the Segment objects themselves.
    """
    term = d.segment
    # Split on terminator + line break when the input uses it consistently: fewer pieces start with noise.
    token = term + d.suffix if d.suffix and region.count(term) == region.count(term + d.suffix) else term
    tl = len(token)
    out: list[Segment] = []
    marks: list[int] = []
    app = out.append
    new = tuple.__new__
    pos_cls = Position
    seg_cls = Segment
    el = d.element
    envelope = ENVELOPE_IDS
    for piece in region.split(token):
        if not piece or piece[0] in noise:
            stripped = piece.lstrip(noise)
            start = off + len(piece) - len(stripped)
            off += len(piece) + tl
            if not stripped:
                continue
            piece = stripped
        else:
            start = off
            off += len(piece) + tl
        elems = piece.split(el)
        sid = elems[0]
        if sid in envelope:
            if sid == "ISA":
                # A new interchange without the IEA of the previous one: its delimiters are read again.
                return out, marks, n, None, start, 1
            if sid == "ST":
                set_pos = 1
            elif sid == "SE" and set_pos is not None:
                set_pos += 1
            else:
                set_pos = None
            n += 1
            marks.append(len(out))
            app(seg_cls(elems, new(pos_cls, (n, start, set_pos))))
            if sid == "SE":
                set_pos = None
            elif sid == "IEA":
                return out, marks, n, None, off, 2
            continue
        n += 1
        if set_pos is not None:
            set_pos += 1
        app(seg_cls(elems, new(pos_cls, (n, start, set_pos))))
    # An ISA with another element separator (previous IEA missing) can only be the region's last piece.
    if out and len(out[-1].elements[0]) > 3 and out[-1].elements[0].startswith("ISA") \
            and not out[-1].elements[0][3].isalnum():
        last = out.pop()
        assert last.position is not None
        return out, marks, n - 1, None, last.position.offset, 1
    return out, marks, n, set_pos, off, 0


@dataclass(slots=True)
class RawBody:
    """Complete body segments of one transaction set, not split yet (see TransactionSet.add_pending)."""

    text: str  # the segments, each followed by ``token`` (the last one may lack it at end of input)
    offset: int  # byte offset of text[0]
    first_number: int  # segment number of the first segment
    first_set_position: int | None
    count: int
    element: str
    token: str

    def pieces(self) -> list[str]:
        pieces = self.text.split(self.token)
        if pieces[-1] == "":
            pieces.pop()
        return pieces

    def element_lists(self) -> list[list[str]]:
        el = self.element
        return [p.split(el) for p in self.pieces()]

    def materialize(self) -> list[Segment]:
        pieces = self.pieces()
        el, tl = self.element, len(self.token)
        count = len(pieces)
        offsets = accumulate([len(p) + tl for p in pieces], initial=self.offset)
        numbers = range(self.first_number, self.first_number + count)
        sp = self.first_set_position
        set_positions = repeat(None) if sp is None else range(sp, sp + count)
        # offsets has one item more than pieces and set_positions may be an endless repeat(None)
        positions = map(tuple.__new__, repeat(Position), zip(numbers, offsets, set_positions, strict=False))
        return list(map(Segment, [p.split(el) for p in pieces], positions))


Item = Segment | list[Segment] | RawBody
_IDS = "ST|SE|GS|GE|IEA|TA1"


def _patterns(token: str, d: Delimiters) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Envelope segment starts: after a terminator (finditer) and at the start of a region (match)."""
    after = f"(?:{re.escape(d.element)}|{re.escape(token)}|\\Z)"
    head = f"(?:{_IDS}){after}|ISA[^0-9A-Za-z]"
    return re.compile(f"{re.escape(token)}(?={head})"), re.compile(head)


def _region_items(region: str, off: int, n: int, set_pos: int | None, d: Delimiters, noise: str,
                  cache: dict[tuple[str, str], tuple[re.Pattern[str], re.Pattern[str]]]
                  ) -> tuple[list[Item], int, int | None, int, int]:
    """Items of a region; bodies of clean regions (no noise, no empty segments) stay unsplit (RawBody)."""
    term = d.segment
    lead = 0
    while lead < len(region) and region[lead] in noise:  # a line break cut off from the previous region
        lead += 1
    if lead:
        region, off = region[lead:], off + lead
    token = term + d.suffix if d.suffix and region.count(term) == region.count(term + d.suffix) else term
    if region[:1] in noise or region.startswith(token) or token + token in region \
            or any(token + c in region for c in noise):
        segs, marks, n, set_pos, resume, kind = _split_region(region, off, n, set_pos, d, noise)
        items: list[Item] = []
        prev = 0
        for i in marks:
            if i > prev:
                items.append(segs[prev:i])
            items.append(segs[i])
            prev = i + 1
        if prev < len(segs):
            items.append(segs[prev:] if prev else segs)
        return items, n, set_pos, resume, kind
    key = (token, d.element)
    if key not in cache:
        cache[key] = _patterns(token, d)
    after_token, at_start = cache[key]
    tl = len(token)
    el = d.element
    starts = [m.end() for m in after_token.finditer(region)]
    if at_start.match(region):
        starts.insert(0, 0)
    items = []
    pos = 0
    for s in starts:
        if s > pos:
            n, set_pos = _body(items, region[pos:s], off + pos, n, set_pos, el, token, tl)
        e = region.find(token, s)
        end = e + tl if e >= 0 else len(region)
        elems = region[s:e if e >= 0 else len(region)].split(el)
        sid = elems[0]
        if sid[:3] == "ISA":
            return items, n, None, off + s, 1
        if sid == "ST":
            set_pos = 1
        elif sid == "SE" and set_pos is not None:
            set_pos += 1
        else:
            set_pos = None
        n += 1
        items.append(Segment(elems, Position(n, off + s, set_pos)))
        if sid == "SE":
            set_pos = None
        elif sid == "IEA":
            return items, n, None, off + end, 2
        pos = end
    if pos < len(region):
        n, set_pos = _body(items, region[pos:], off + pos, n, set_pos, el, token, tl)
    return items, n, set_pos, off + len(region), 0


def _body(items: list[Item], text: str, offset: int, n: int, set_pos: int | None, el: str, token: str, tl: int
          ) -> tuple[int, int | None]:
    count = text.count(token) + (not text.endswith(token))
    raw = RawBody(text, offset, n + 1, None if set_pos is None else set_pos + 1, count, el, token)
    if set_pos is None:
        items.append(raw.materialize())  # segments outside a set are few: build them now
        return n + count, None
    items.append(raw)
    return n + count, set_pos + count


def iter_segments(source: Source, *, chunk_size: int = CHUNK_SIZE) -> SegmentStream:
    """Stream of segments (read in chunks: flat memory); ``.delimiters`` follows the current interchange."""
    return SegmentStream(source, chunk_size=chunk_size)
