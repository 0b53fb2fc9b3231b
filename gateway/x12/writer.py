"""X12 writer: interchanges to bytes with exactly the caller's delimiters, terminator and line break."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import NoReturn, cast

from gateway.errors import X12WriteError
from gateway.x12.model import Delimiters, FunctionalGroup, Interchange, Segment, TransactionSet

# ISA01..ISA16 fixed widths; a value is padded (IDs with spaces, ISA13 with zeros) or refused when too long.
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
_ZERO_PADDED = {13}
_ELEMENTS, _FIRST = attrgetter("elements"), itemgetter(0)


@dataclass(slots=True)
class GroupSpec:
    """One functional group to write: GS01..GS03, GS06, GS08 and its transaction sets."""

    functional_id: str  # GS01, e.g. "PO"
    sender_id: str  # GS02
    receiver_id: str  # GS03
    control_number: int | str  # GS06
    version: str  # GS08, e.g. "004010" or "005010"
    transaction_sets: list[TransactionSet] = field(default_factory=list)
    agency: str = "X"  # GS07


@dataclass(slots=True)
class WrittenBody:
    """A transaction set's body already written as text (each segment followed by ``end``), checked as it was.

    A body kept as one string costs the garbage collector nothing, where its Segment objects (two tracked objects
    each) are walked by every full collection while a large interchange is gathered. It is a pending part of its
    TransactionSet (see ``TransactionSet.add_pending``): split into Segments only if something asks for them.
    """

    text: str
    count: int
    element: str
    end: str  # segment terminator + line suffix

    def element_lists(self) -> list[list[str]]:
        pieces = self.text.split(self.end)
        pieces.pop()  # after the last terminator
        return [p.split(self.element) for p in pieces]

    def materialize(self) -> list[Segment]:
        return list(map(Segment, self.element_lists()))


def write_body(elements: list[list[str]], delimiters: Delimiters, where: str) -> WrittenBody:
    """Body segments (element lists, ID first) as a WrittenBody; X12WriteError naming the segment refused."""
    out = _Out(delimiters, "latin-1")
    text = out.texts_of(elements)
    if text is None:
        _refused(out, list(map(Segment, elements)), where)
    return WrittenBody(text, len(elements), delimiters.element, out.end)


def transaction_set(code: str, control_number: str, body: Sequence[Sequence[str] | Segment] | WrittenBody,
                    implementation_reference: str | None = None) -> TransactionSet:
    """Build ST + body + SE (SE01 computed again when written)."""
    st = ["ST", code, control_number] + ([implementation_reference] if implementation_reference else [])
    if isinstance(body, WrittenBody):
        tset = TransactionSet(header=Segment(st), trailer=Segment(["SE", str(body.count + 2), control_number]))
        tset.add_pending(body)
        return tset
    if set(map(type, body)) <= {Segment}:  # the usual case, a mapped body: one pass in C
        segments = cast(list[Segment], list(body))  # all Segment, as just checked
    else:
        segments = [s if isinstance(s, Segment) else Segment(list(s)) for s in body]
    trailer = Segment(["SE", str(len(segments) + 2), control_number])
    return TransactionSet(header=Segment(st), segments=segments, trailer=trailer)


def build_interchange(
    sender: tuple[str, str],
    receiver: tuple[str, str],
    version: str,
    groups: Sequence[GroupSpec],
    control_number: int | str,
    delimiters: Delimiters,
    when: datetime,
    *,
    usage: str = "P",
    ack_requested: bool = False,
    ta1: Sequence[Segment] = (),
    authorization: tuple[str, str] = ("00", ""),
    security: tuple[str, str] = ("00", ""),
) -> Interchange:
    """An interchange with the caller's control numbers (ISA13, GS06; ST02 inside each set) and date/time."""
    if version >= "00501" and delimiters.repetition is None:
        raise X12WriteError(f"ISA12 {version} needs a repetition separator (ISA11) in the delimiters")
    isa11 = delimiters.repetition if version >= "00501" and delimiters.repetition else "U"
    isa = Segment([
        "ISA", authorization[0], authorization[1], security[0], security[1], sender[0], sender[1],
        receiver[0], receiver[1], when.strftime("%y%m%d"), when.strftime("%H%M"), isa11, version,
        _isa13(control_number), "1" if ack_requested else "0", usage, delimiters.component,
    ])
    out_groups = []
    for spec in groups:
        gs = Segment(["GS", spec.functional_id, spec.sender_id, spec.receiver_id, when.strftime("%Y%m%d"),
                      when.strftime("%H%M"), str(spec.control_number), spec.agency, spec.version])
        out_groups.append(FunctionalGroup(header=gs, transaction_sets=list(spec.transaction_sets),
                                          trailer=Segment(["GE", str(len(spec.transaction_sets)),
                                                           str(spec.control_number)])))
    trailer = Segment(["IEA", str(len(out_groups)), _isa13(control_number)])
    return Interchange(header=isa, delimiters=delimiters, groups=out_groups, trailer=trailer, ta1=list(ta1))


def _isa13(value: int | str) -> str:
    text = str(value)
    if not text.isdigit() or len(text) > 9:
        raise X12WriteError(f"ISA13 must be 1-9 digits, got {text!r}")
    return text.zfill(9)


class _Out:
    def __init__(self, delimiters: Delimiters, encoding: str) -> None:
        self.d = delimiters
        self.encoding = encoding
        self.parts: list[str] = []
        self.end = delimiters.segment + delimiters.suffix
        self.forbidden = {delimiters.element, delimiters.segment}
        if self.d.suffix:
            self.forbidden.update(self.d.suffix)
        # checked once per segment text: any of these means some element holds a delimiter
        self.terminators = tuple(self.forbidden - {delimiters.element})
        self.plain_end = delimiters.element not in self.end  # the one-pass body test counts separators

    def check(self, elements: Sequence[str], where: str, *, allow_component: bool = True) -> None:
        for index, value in enumerate(elements):
            for ch in self.forbidden:
                if ch in value:
                    raise X12WriteError(
                        f"{where}: {_element_name(elements, index)} contains the delimiter {ch!r}: {value!r}")
            if not allow_component and index and self.d.component in value:
                raise X12WriteError(f"{where}: {_element_name(elements, index)} contains the component "
                                    f"separator {self.d.component!r}: {value!r}")

    def text(self, seg: Segment) -> str | None:
        """The segment's text, or None when something is wrong with it (``segment`` then says what)."""
        elements = seg.elements
        if not elements or not elements[0]:
            return None
        sep = self.d.element
        text = sep.join(elements)
        # one element separator per join, and no terminator anywhere: no element holds a delimiter
        if text.count(sep) != len(elements) - 1:
            return None
        for ch in self.terminators:
            if ch in text:
                return None
        return text.rstrip(sep) + self.end

    def texts(self, segments: Sequence[Segment]) -> str | None:
        """The text of many segments at once, or None when something is wrong with one of them.

        The tests of ``text`` over the whole body, each a pass in C. The element separators in the joined text
        must be exactly those the joins put there (each join puts at least its own, so equal totals mean equal
        per segment) and no terminator character may appear but those between segments; then an empty segment
        or ID shows as a terminator next to a terminator or a separator. A segment ending in empty elements (the
        mapper never writes one) takes the longer way, which strips them.
        """
        return self.texts_of(list(map(_ELEMENTS, segments)))

    def texts_of(self, elements: list[list[str]]) -> str | None:
        """``texts`` for the segments' element lists."""
        if not elements:
            return ""
        sep, end = self.d.element, self.end
        texts = list(map(sep.join, elements))
        body = end.join(texts)
        n = len(texts)
        clean = (self.plain_end and body.count(sep) == sum(map(len, elements)) - n
                 and all(body.count(ch) == (n - 1) * end.count(ch) for ch in self.terminators))
        if clean and body and not (body.startswith((sep, end)) or body.endswith((sep, end)) or (end + end) in body
                                   or (end + sep) in body or (sep + end) in body):
            return body + end
        return self._texts_stripped(elements, texts)

    def _texts_stripped(self, elements: list[list[str]], texts: list[str]) -> str | None:
        """``texts`` for a body with trailing empty elements (or a refused segment: then None)."""
        try:
            if not all(map(_FIRST, elements)):
                return None
        except IndexError:  # a segment without elements
            return None
        sep = self.d.element
        joined = "".join(texts)
        if joined.count(sep) != sum(map(len, elements)) - len(elements):
            return None
        for ch in self.terminators:
            if ch in joined:
                return None
        return self.end.join(map(str.rstrip, texts, repeat(sep))) + self.end

    def segment(self, seg: Segment, where: str) -> None:
        text = self.text(seg)
        if text is None:
            self.fail(seg, where)
        self.parts.append(text)

    def fail(self, seg: Segment, where: str) -> NoReturn:
        """Raise the precise error for a segment ``text`` refused (the description is built only here)."""
        elements = seg.elements
        if not elements or not elements[0]:
            raise X12WriteError(f"{where}: segment without an ID")
        self.check(elements, where)
        raise AssertionError(f"{where}: segment refused without a reason")  # pragma: no cover

    def to_bytes(self) -> bytes:
        text = "".join(self.parts)
        try:
            return text.encode(self.encoding)
        except UnicodeEncodeError as exc:
            raise X12WriteError(f"character {text[exc.start]!r} cannot be written as {self.encoding} "
                                f"(output character {exc.start})") from exc


def _element_name(elements: Sequence[str], index: int) -> str:
    return f"{elements[0]}{index:02d}" if index else "segment ID"


def serialize(interchange: Interchange, delimiters: Delimiters | None = None, *, recompute: bool = True,
              encoding: str = "latin-1") -> bytes:
    """Bytes of one interchange; with ``recompute`` SE01/SE02, GE01/GE02 and IEA01/IEA02 follow the content."""
    d = delimiters or interchange.delimiters
    out = _Out(d, encoding)
    out.parts.append(_isa_text(interchange, d, out))
    for ta1 in interchange.ta1:
        out.segment(ta1, "TA1")
    for gi, group in enumerate(interchange.groups, 1):
        out.segment(group.header, f"group {gi} GS")
        for ti, tset in enumerate(group.transaction_sets, 1):
            _write_set(out, tset, f"group {group.control_number} set {ti}", recompute)
        if recompute:
            out.segment(Segment(["GE", str(len(group.transaction_sets)), group.control_number]), "GE")
        elif group.trailer is not None:
            out.segment(group.trailer, "GE")
    if recompute:
        out.segment(Segment(["IEA", str(len(interchange.groups)), interchange.control_number]), "IEA")
    elif interchange.trailer is not None:
        out.segment(interchange.trailer, "IEA")
    return out.to_bytes()


def serialize_all(interchanges: Sequence[Interchange], **kwargs: object) -> bytes:
    """Several interchanges one after the other, each with its own delimiters."""
    return b"".join(serialize(ic, **kwargs) for ic in interchanges)  # type: ignore[arg-type]


def _write_set(out: _Out, tset: TransactionSet, where: str, recompute: bool) -> None:
    out.segment(tset.header, f"{where} ST")
    written = tset.pending_parts()
    if len(written) == 1 and isinstance(written[0], WrittenBody) and written[0].element == out.d.element \
            and written[0].end == out.end:  # written with these delimiters and checked then: used as it is
        out.parts.append(written[0].text)
    else:
        body = out.texts(tset.segments)
        if body is None:
            _refused(out, tset.segments, f"ST02 {tset.control_number}")
        out.parts.append(body)
    if recompute:
        out.segment(Segment(["SE", str(tset.segment_count + 2), tset.control_number]), f"{where} SE")
    elif tset.trailer is not None:
        out.segment(tset.trailer, f"{where} SE")


def _refused(out: _Out, segments: Sequence[Segment], where: str) -> NoReturn:
    """Find the body segment ``texts`` refused, and say why."""
    for i, seg in enumerate(segments, 2):
        if out.text(seg) is None:
            out.fail(seg, f"{where} segment {i} {seg.elements[0] if seg.elements else ''}")
    raise AssertionError(f"{where}: body refused without a reason")  # pragma: no cover


def _isa_text(interchange: Interchange, d: Delimiters, out: _Out) -> str:
    fields = list(interchange.header.elements[1:17])
    if len(fields) != 16:
        raise X12WriteError(f"ISA has {len(fields)} elements, expected 16")
    fields[10] = d.repetition if d.repetition is not None and fields[11] >= "00501" else fields[10]
    fields[15] = d.component
    padded = []
    for i, (value, width) in enumerate(zip(fields, ISA_WIDTHS, strict=True), 1):
        if len(value) > width:
            raise X12WriteError(f"ISA{i:02d} {value!r} is longer than its fixed width {width}")
        padded.append(value.zfill(width) if i in _ZERO_PADDED else value.ljust(width))
    out.check(["ISA", *padded[:15]], "ISA", allow_component=False)
    if len({d.element, d.component, d.segment, d.repetition or d.element}) != 3 + (d.repetition is not None):
        raise X12WriteError(f"delimiters must all differ: {d!r}")
    return d.element.join(["ISA", *padded]) + out.end
