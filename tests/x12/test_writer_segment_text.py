"""Writer: each segment's text is checked once; a refusal still names the right segment, position and element."""

from __future__ import annotations

import pytest

from gateway.errors import X12WriteError
from gateway.x12.model import Delimiters
from gateway.x12.writer import GroupSpec, build_interchange, serialize, transaction_set

from .x12_docs import D4, WHEN


def _serialize(body: list[list[str]], delimiters: Delimiters = D4) -> bytes:
    ts = transaction_set("850", "0007", body)
    ic = build_interchange(("ZZ", "A"), ("ZZ", "B"), "00401", [GroupSpec("PO", "A", "B", 1, "004010", [ts])],
                           1, delimiters, WHEN)
    return serialize(ic)


def test_refusal_names_the_position_of_the_bad_segment_not_an_equal_earlier_one() -> None:
    body = [["REF", "DP", "1"], ["REF", "DP", "1"], ["REF", "DP", "1*2"]]
    with pytest.raises(X12WriteError, match=r"ST02 0007 segment 4 REF: REF02 contains the delimiter '\*': '1\*2'"):
        _serialize(body)


def test_empty_segment_id_refused() -> None:
    with pytest.raises(X12WriteError, match="segment 2 : segment without an ID"):
        _serialize([["", "X"]])


def test_each_suffix_character_is_refused() -> None:
    d = Delimiters(element="*", component=">", segment="~", suffix="\r\n")
    assert b"NTE**plain~\r\n" in _serialize([["NTE", "", "plain"]], d)
    for value in ("a\rb", "a\nb"):
        with pytest.raises(X12WriteError, match="NTE02 contains the delimiter"):
            _serialize([["NTE", "", value]], d)


def test_component_separator_is_data_in_body_segments() -> None:
    assert b"PO1*1*2*EA***BP*A>B~" in _serialize([["PO1", "1", "2", "EA", "", "", "BP", "A>B"]])
