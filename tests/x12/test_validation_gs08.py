"""The group's GS08 picks the grammar version when ST03 is absent (validation entry point and the pipeline port)."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.pipeline.x12_adapter import X12Port, load_grammar_validator
from gateway.x12.reader import read
from gateway.x12.validate import validate_transaction_set
from gateway.x12.validation import validate_file, validate_interchanges
from gateway.x12.writer import GroupSpec, build_interchange, serialize, transaction_set
from tests.x12.x12_docs import BODIES, D4, D5, WHEN

# N407 (country subdivision, element 1715) exists only in 005010: under the 004010 grammar N4 has six elements.
N4_SEVEN = ["N4", "SEATTLE", "WA", "98101", "US", "", "", "WA"]


def _doc(isa12: str, gs08: str) -> bytes:
    """An 850 with N4*...*N407 and no ST03, in an ``isa12`` interchange whose group says ``gs08``."""
    body = [list(s) for s in BODIES["850"][1]]
    body.insert(4, N4_SEVEN)  # after N1*ST
    ts = transaction_set("850", "0001", body)
    assert len(ts.header.elements) == 3  # ST03 absent: only GS08 can tell the version
    ic = build_interchange(("ZZ", "SENDER"), ("ZZ", "RECEIVER"), isa12,
                           [GroupSpec("PO", "SENDER", "RECEIVER", 1, gs08, [ts])], 1,
                           D5 if isa12 == "00501" else D4, WHEN)
    return serialize(ic)


def _messages(issues: list) -> list[str]:  # type: ignore[type-arg]
    return [str(i) for i in issues]


# ISA12 00401 has no repetition separator, so without GS08 the version would be inferred as 004010 (and the other
# way round for 00501): each case disagrees with that inference.
CASES = [("00401", "005010", False), ("00501", "004010", True)]


@pytest.mark.parametrize(("isa12", "gs08", "flagged"), CASES)
def test_validate_file_uses_gs08(isa12: str, gs08: str, flagged: bool) -> None:
    issues = validate_file(_doc(isa12, gs08), validate_transaction_set).issues
    assert any(i.segment_id == "N4" for i in issues) is flagged, _messages(issues)
    assert len(issues) == int(flagged), _messages(issues)


@pytest.mark.parametrize(("isa12", "gs08", "flagged"), CASES)
def test_validate_interchanges_uses_gs08(isa12: str, gs08: str, flagged: bool) -> None:
    issues = validate_interchanges(read(_doc(isa12, gs08)), validate_transaction_set).issues
    assert any(i.segment_id == "N4" for i in issues) is flagged, _messages(issues)


def test_without_gs08_the_version_is_inferred() -> None:
    # The control case: the same 005010 set checked without its GS08 falls back to 004010 and N407 is an error.
    ic = read(_doc("00401", "005010"))[0]
    tset = ic.groups[0].transaction_sets[0]
    assert [i.segment_id for i in validate_transaction_set(tset, ic.delimiters)] == ["N4"]
    assert validate_transaction_set(tset, ic.delimiters, ic.groups[0].version) == []


@pytest.mark.parametrize(("isa12", "gs08", "flagged"), CASES)
def test_pipeline_port_uses_gs08(isa12: str, gs08: str, flagged: bool) -> None:
    grammar = load_grammar_validator()
    assert grammar is not None
    port = X12Port(None, lambda: datetime(2026, 1, 5), grammar)  # type: ignore[arg-type]  # maps unused here
    issues = port.validate(read(_doc(isa12, gs08))[0])
    assert any(i.segment_id == "N4" for i in issues) is flagged, _messages(issues)
