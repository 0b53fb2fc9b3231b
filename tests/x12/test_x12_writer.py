"""Writer: exact delimiters and line breaks, fixed-width ISA, computed trailers, refusals."""

from __future__ import annotations

import pytest

from gateway.errors import X12WriteError
from gateway.x12.model import Delimiters, Segment
from gateway.x12.reader import read
from gateway.x12.writer import GroupSpec, build_interchange, serialize, transaction_set

from .x12_docs import D4, WHEN, document, tset


def test_isa_is_106_bytes_and_padded() -> None:
    data = document("850")
    isa = data.split(b"\n")[0]
    assert len(isa) == 106
    assert isa.startswith(b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260105*0930*U*")
    assert b"*00401*000000001*0*P*>~" in isa


def test_exact_delimiters_and_suffix() -> None:
    d = Delimiters(element="|", component="^", repetition="{", segment="\x1c", suffix="\r\n")
    data = document("856", "005010", delimiters=d)
    assert data.count(b"\x1c\r\n") == data.count(b"\x1c") and b"*" not in data
    assert b"|{|00501|" in data and data.split(b"\x1c")[0].endswith(b"|^")
    (ic,) = read(data)
    assert ic.delimiters == d


def test_trailers_are_computed() -> None:
    ic = build_interchange(("ZZ", "A"), ("ZZ", "B"), "00401",
                           [GroupSpec("PO", "A", "B", 7, "004010", [tset("850", "0001"), tset("850", "0002")])],
                           42, D4, WHEN)
    ic.groups[0].transaction_sets[0].segments.append(Segment(["NTE", "", "extra"]))
    text = serialize(ic).decode()
    assert "SE*9*0001~" in text and "SE*8*0002~" in text
    assert "GE*2*7~" in text and "IEA*1*000000042~" in text


def test_recompute_false_keeps_broken_trailers() -> None:
    (ic,) = read(document("850").replace(b"SE*8*0001", b"SE*99*0001"))
    assert b"SE*99*0001" in serialize(ic, recompute=False)
    assert b"SE*8*0001" in serialize(ic)


def test_trailing_empty_elements_are_dropped() -> None:
    ts = transaction_set("850", "0001", [["BEG", "00", "NE", "1", "", "20260105", "", ""]])
    ic = build_interchange(("ZZ", "A"), ("ZZ", "B"), "00401", [GroupSpec("PO", "A", "B", 1, "004010", [ts])],
                           1, D4, WHEN)
    assert b"BEG*00*NE*1**20260105~" in serialize(ic)


@pytest.mark.parametrize(("value", "delimiter"), [("A*B", "*"), ("A~B", "~"), ("A\nB", "\n")])
def test_delimiter_in_data_is_refused_naming_segment_and_element(value: str, delimiter: str) -> None:
    ts = transaction_set("850", "0001", [["BEG", "00", "NE", value, "", "20260105"]])
    ic = build_interchange(("ZZ", "A"), ("ZZ", "B"), "00401", [GroupSpec("PO", "A", "B", 1, "004010", [ts])],
                           1, D4, WHEN)
    with pytest.raises(X12WriteError) as info:
        serialize(ic)
    assert "BEG03" in str(info.value) and repr(delimiter) in str(info.value)


def test_too_long_isa_field_and_bad_control_number() -> None:
    with pytest.raises(X12WriteError, match="ISA06"):
        serialize(build_interchange(("ZZ", "X" * 16), ("ZZ", "B"), "00401", [], 1, D4, WHEN))
    with pytest.raises(X12WriteError, match="ISA13"):
        build_interchange(("ZZ", "A"), ("ZZ", "B"), "00401", [], "12345678901", D4, WHEN)


def test_5010_needs_repetition_separator() -> None:
    with pytest.raises(X12WriteError, match="repetition"):
        build_interchange(("ZZ", "A"), ("ZZ", "B"), "00501", [], 1, D4, WHEN)


def test_clashing_delimiters_refused() -> None:
    with pytest.raises(X12WriteError, match="differ"):
        serialize(build_interchange(("ZZ", "A"), ("ZZ", "B"), "00401", [], 1,
                                    Delimiters(element="*", component="*", segment="~"), WHEN))


def test_unencodable_character_refused() -> None:
    ts = transaction_set("850", "0001", [["BEG", "00", "NE", "P\u20ac1", "", "20260105"]])
    ic = build_interchange(("ZZ", "A"), ("ZZ", "B"), "00401", [GroupSpec("PO", "A", "B", 1, "004010", [ts])],
                           1, D4, WHEN)
    with pytest.raises(X12WriteError, match="latin-1"):
        serialize(ic)
    assert "P\u20ac1".encode() in serialize(ic, encoding="utf-8")


def test_samples_shaped_document_round_trips_byte_exact() -> None:
    data = document("810", sets=2)
    assert serialize(read(data)[0]) == data
