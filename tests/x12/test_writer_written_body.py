"""Writer: a body written ahead as text (WrittenBody) gives the same interchange as its segments, or is refused."""

from __future__ import annotations

import pytest

from gateway.errors import X12WriteError
from gateway.x12.model import Delimiters, Segment
from gateway.x12.writer import GroupSpec, WrittenBody, build_interchange, serialize, transaction_set, write_body

from .x12_docs import D4, WHEN

BODY = [["BEG", "00", "SA", "PO1", "", "20260115"], ["REF", "DP", "1"], ["N1", "ST", "", "92", "X"],
        ["PO1", "1", "2", "EA", "", "", "UP", "0001"], ["CTT", "1"]]


def _serialize(body: list[list[str]] | WrittenBody, delimiters: Delimiters = D4) -> bytes:
    ts = transaction_set("850", "0007", body)
    ic = build_interchange(("ZZ", "A"), ("ZZ", "B"), "00401", [GroupSpec("PO", "A", "B", 1, "004010", [ts])],
                           1, delimiters, WHEN)
    return serialize(ic)


@pytest.mark.parametrize("delimiters", [D4, Delimiters(element="|", component="^", segment="\n"),
                                        Delimiters(element="*", component=">", segment="~", suffix="\r\n")])
def test_written_body_gives_the_same_bytes_as_its_segments(delimiters: Delimiters) -> None:
    written = write_body(BODY, delimiters, "doc 1")
    assert written.count == len(BODY)
    assert _serialize(written, delimiters) == _serialize(BODY, delimiters)
    e = delimiters.element
    assert f"{delimiters.segment}{delimiters.suffix}SE{e}7{e}0007".encode() in _serialize(written, delimiters)


def test_written_body_splits_back_into_its_segments() -> None:
    written = write_body(BODY, Delimiters(element="*", component=">", segment="~", suffix="\n"), "doc 1")
    assert written.element_lists() == BODY
    assert written.materialize() == [Segment(el) for el in BODY]
    ts = transaction_set("850", "0007", written)
    assert [s.elements for s in ts.segments] == BODY  # asked for, the set splits it


def test_written_with_other_delimiters_the_body_is_written_again() -> None:
    written = write_body(BODY, Delimiters(element="|", component="^", segment="\n"), "doc 1")
    assert _serialize(written, D4) == _serialize(BODY, D4)


def test_a_value_holding_a_delimiter_is_refused_when_written_naming_the_segment() -> None:
    body = [["REF", "DP", "1"], ["REF", "DP", "1~2"]]
    with pytest.raises(X12WriteError, match=r"doc 1 segment 3 REF: REF02 contains the delimiter '~': '1~2'"):
        write_body(body, D4, "doc 1")
    with pytest.raises(X12WriteError, match="doc 1 segment 2 : segment without an ID"):
        write_body([["", "X"]], D4, "doc 1")


def test_trailing_empty_elements_are_dropped_as_for_segments() -> None:
    body = [["REF", "DP", "1", "", ""], ["N1", "ST"]]
    assert write_body(body, D4, "doc").text == "REF*DP*1~\nN1*ST~\n"
    assert _serialize(write_body(body, D4, "doc")) == _serialize(body)
