"""Property tests: write -> read round trip under random delimiters; random bytes only raise our own errors."""

from __future__ import annotations

import io
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.errors import AcornError
from gateway.x12.envelope import check_all
from gateway.x12.model import Delimiters, Segment
from gateway.x12.reader import iter_segments, read
from gateway.x12.validation import validate_file, validate_interchanges
from gateway.x12.writer import GroupSpec, build_interchange, serialize, transaction_set

from .x12_docs import WHEN, document

_SPECIALS = "*~|^:>\\!'+\x1c\x1d\x1e\x1f\x85\x07"


@st.composite
def delimiters(draw: st.DrawFn) -> Delimiters:
    chars = draw(st.lists(st.sampled_from(_SPECIALS), min_size=4, max_size=4, unique=True))
    suffix = draw(st.sampled_from(["", "\n", "\r\n"]))
    return Delimiters(element=chars[0], component=chars[1], repetition=chars[2], segment=chars[3], suffix=suffix)


def _value(d: Delimiters) -> st.SearchStrategy[str]:
    banned = {d.element, d.component, d.repetition, d.segment, "\r", "\n"}
    alphabet = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="".join(c for c in banned if c))
    return st.text(alphabet=alphabet, min_size=1, max_size=12).filter(lambda s: s == s.lstrip(" \t"))


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_write_read_round_trip_under_random_delimiters(data: st.DataObject) -> None:
    d = data.draw(delimiters())
    five = data.draw(st.booleans())
    value = _value(d)
    bodies = data.draw(st.lists(
        st.lists(st.lists(value, min_size=1, max_size=5), min_size=1, max_size=4), min_size=1, max_size=3))
    sets = [transaction_set("850", f"{i:04d}", [["REF", *els] for els in body]) for i, body in enumerate(bodies, 1)]
    spec = GroupSpec("PO", "S", "R", 3, "005010" if five else "004010", sets)
    if not five:
        d = Delimiters(d.element, d.component, None, d.segment, d.suffix)
    ic = build_interchange(("ZZ", "S"), ("ZZ", "R"), "00501" if five else "00401", [spec], 17, d, WHEN)
    raw = serialize(ic)
    (back,) = read(raw)
    assert back.delimiters == d
    assert check_all([back]) == []
    got = [[s.elements for s in t.segments] for t in back.groups[0].transaction_sets]
    assert got == [[["REF", *els] for els in body] for body in bodies]
    assert serialize(back) == raw
    chunked = [s.elements for s in iter_segments(io.BytesIO(raw), chunk_size=data.draw(st.integers(1, 300)))]
    assert chunked == [s.elements for s in iter_segments(raw)]


@settings(max_examples=200, deadline=2000)
@given(blob=st.binary(max_size=600))
def test_random_bytes_raise_only_our_errors(blob: bytes) -> None:
    try:
        for ic in read(blob):
            check_all([ic])
    except AcornError:
        pass


_HEADER = (b"ISA*00*          *00*          *ZZ*S              *ZZ*R              *260105*0930*U*00401*000000001"
           b"*0*P*>~")


@settings(max_examples=200, deadline=2000)
@given(tail=st.binary(max_size=400), cut=st.integers(0, 120))
def test_random_tails_after_a_valid_isa_raise_only_our_errors(tail: bytes, cut: int) -> None:
    try:
        for ic in read(_HEADER[:cut] + tail if cut < 106 else _HEADER + tail):
            check_all([ic])
            serialize(ic, recompute=False)
    except AcornError:
        pass


def test_segment_objects_compare_by_value() -> None:
    assert Segment(["A", "1"]) == Segment(["A", "1"])


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    """A valid document with segments deleted, duplicated or replaced (envelope ones included)."""
    code = draw(st.sampled_from(["850", "855", "856", "810", "180", "997"]))
    version = draw(st.sampled_from(["004010", "005010"]))
    raw = document(code, version, sets=draw(st.integers(1, 3)))
    segments = raw.split(b"~\n")
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(1, len(segments) - 1))
        action = draw(st.sampled_from(["drop", "dup", "replace"]))
        if action == "drop":
            del segments[i]
        elif action == "dup":
            segments.insert(i, segments[i])
        else:
            segments[i] = draw(st.sampled_from([b"ST*850*9", b"SE*1*9", b"GS*PO*A*B", b"GE*1*1", b"IEA*1*1",
                                                b"TA1*1*2*3*A*000", b"", b"  REF*A", b"ISA|bad"]))
        if len(segments) < 2:
            break
    return b"~\n".join(segments)


@settings(max_examples=200, deadline=2000)
@given(data=mutated_documents())
def test_mutated_documents_read_the_same_in_one_piece_and_byte_by_byte(data: bytes) -> None:
    try:
        whole = list(iter_segments(data))
    except AcornError:
        return
    assert [(s.elements, s.position) for s in iter_segments(io.BytesIO(data), chunk_size=1)] == [
        (s.elements, s.position) for s in whole]
    interchanges = read(data)
    flat = []
    for ic in interchanges:
        flat += [ic.header, *ic.ta1, *ic.stray]
        for t in ic.orphan_sets:
            flat += t.all_segments()
        for g in ic.groups:
            flat += [g.header, *g.stray]
            for t in g.transaction_sets:
                flat += t.all_segments()
            flat += [g.trailer] if g.trailer else []
        flat += [ic.trailer] if ic.trailer else []
    assert sorted(s.position.segment_number for s in flat if s.position) == [
        s.position.segment_number for s in whole if s.position]
    check_all(interchanges)


@settings(max_examples=150, deadline=2000)
@given(data=mutated_documents(), more=mutated_documents())
def test_streamed_validation_equals_whole_interchange_validation(data: bytes, more: bytes) -> None:
    doc = data + b"\n" + more.replace(b"000000001", b"000000002")
    try:
        whole = validate_interchanges(read(doc))
    except AcornError:
        return
    streamed = validate_file(doc)
    assert Counter(streamed.issues) == Counter(whole.issues)
    assert streamed.to_dict()["interchanges"] == whole.to_dict()["interchanges"]
