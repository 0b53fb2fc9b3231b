"""997/999 and TA1 generation from Issues, and parsing them back."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.errors import X12ReadError
from gateway.x12.ack import AckKind, ack_interchange, acknowledge_group, build_ta1
from gateway.x12.ack_parse import AckStatus, parse_acknowledgements, parse_functional_ack, parse_ta1
from gateway.x12.envelope import check_all
from gateway.x12.issues import Issue, Level, Severity
from gateway.x12.model import Segment
from gateway.x12.reader import read
from gateway.x12.writer import serialize

from .x12_docs import document


def _rows(tset_segments: list[Segment]) -> list[str]:
    return ["*".join(s.elements) for s in tset_segments]


def test_997_for_clean_004010_group() -> None:
    (ic,) = read(document("850", sets=2))
    ack = acknowledge_group(ic, ic.groups[0], [])
    assert ack.code == "997" and ack.implementation_reference == ""
    assert _rows(ack.segments) == ["AK1*PO*1", "AK2*850*0001", "AK5*A", "AK2*850*0002", "AK5*A", "AK9*A*2*2*2"]


def test_999_for_005010_group_with_element_and_segment_issues() -> None:
    (ic,) = read(document("856", "005010", sets=2))
    issues = [
        Issue(Level.ELEMENT, "7", "bad code", interchange="000000001", group="1", transaction_set="0002",
              segment_id="TD5", segment_position=4, element_position=2, element_reference=66, found="Q"),
        Issue(Level.SEGMENT, "3", "missing", group="1", transaction_set="0002", segment_id="CTT",
              segment_position=12, loop_id="HL"),
    ]
    ack = acknowledge_group(ic, ic.groups[0], issues)
    assert ack.code == "999" and ack.implementation_reference == "005010X231A1"
    assert _rows(ack.segments) == [
        "AK1*SH*1*005010", "AK2*856*0001*005010", "IK5*A",
        "AK2*856*0002*005010", "IK3*TD5*4**8", "IK4*2*66*7*Q", "IK3*CTT*12*HL*3", "IK5*R*5",
        "AK9*P*2*2*1",
    ]


def test_envelope_issues_become_ak5_and_ak9_codes() -> None:
    data = document("850", sets=2).replace(b"SE*8*0002", b"SE*7*0002").replace(b"GE*2*1", b"GE*3*1")
    (ic,) = read(data)
    ack = acknowledge_group(ic, ic.groups[0], check_all([ic]))
    rows = _rows(ack.segments)
    assert "AK5*R*4" in rows and rows[-1] == "AK9*R*3*2*1*5"


def test_warnings_only_give_accepted_with_errors() -> None:
    (ic,) = read(document("810"))
    warn = Issue(Level.ELEMENT, "5", "long", severity=Severity.WARNING, group="1", transaction_set="0001",
                 segment_id="BIG", segment_position=2, element_position=2)
    rows = _rows(acknowledge_group(ic, ic.groups[0], [warn]).segments)
    assert rows[-2:] == ["AK5*E*5", "AK9*E*1*1*1"]


def test_all_rejected_group() -> None:
    (ic,) = read(document("855"))
    bad = Issue(Level.TRANSACTION_SET, "1", "unsupported", group="1", transaction_set="0001")
    assert _rows(acknowledge_group(ic, ic.groups[0], [bad]).segments)[-1] == "AK9*R*1*1*0"


def test_issues_of_other_groups_are_ignored() -> None:
    (ic,) = read(document("855"))
    other = Issue(Level.TRANSACTION_SET, "1", "x", group="99", transaction_set="0001")
    assert _rows(acknowledge_group(ic, ic.groups[0], [other]).segments)[-1] == "AK9*A*1*1*1"


def test_bad_value_with_delimiter_is_not_copied_into_ak4() -> None:
    (ic,) = read(document("850"))
    issue = Issue(Level.ELEMENT, "6", "bad char", group="1", transaction_set="0001", segment_id="BEG",
                  segment_position=2, element_position=3, component_position=2, found="A>B")
    assert "AK4*3>2**6" in _rows(acknowledge_group(ic, ic.groups[0], [issue]).segments)


def test_ta1_due_on_request_or_issue() -> None:
    (ic,) = read(document("850"))
    assert build_ta1(ic, []) is None
    (asked,) = read(document("850", ack_requested=True))
    ta1 = build_ta1(asked, [])
    assert ta1 is not None and ta1.elements == ["TA1", "000000001", "260105", "0930", "A", "000"]
    (broken,) = read(document("850").replace(b"IEA*1*000000001", b"IEA*1*000000002"))
    ta1 = build_ta1(broken, check_all([broken]))
    assert ta1 is not None and ta1.elements[4:] == ["R", "001"]


def test_ack_interchange_round_trip_through_parser() -> None:
    data = document("856", "005010", sets=2).replace(b"SE*13*0002", b"SE*13*0003")
    (ic,) = read(data)
    reply = ack_interchange(ic, check_all([ic]), isa13=500, first_gs06=9, when=datetime(2026, 2, 1, 8, 0))
    raw = serialize(reply)
    (back,) = read(raw)
    assert back.sender == ("ZZ", "RECEIVER") and back.version == "00501"
    assert back.groups[0].functional_id == "FA" and back.groups[0].version == "005010X231A1"
    assert check_all([back]) == []
    report = parse_acknowledgements(back)
    (group,) = report.groups
    assert group.kind == AckKind.FA999 and group.control_number == "1" and group.status is AckStatus.PARTIALLY_ACCEPTED
    assert [(s.control_number, s.status, s.errors) for s in group.sets] == [
        ("0001", AckStatus.ACCEPTED, []), ("0002", AckStatus.REJECTED, ["3"])]


def test_parse_997_with_segment_errors() -> None:
    (ic,) = read(document("850"))
    issue = Issue(Level.ELEMENT, "7", "bad", group="1", transaction_set="0001", segment_id="BEG",
                  segment_position=2, element_position=2, element_reference=92, found="ZZ")
    parsed = parse_functional_ack(acknowledge_group(ic, ic.groups[0], [issue]))
    assert parsed.status is AckStatus.REJECTED and parsed.received == 1 and parsed.accepted == 0
    (seg_err,) = parsed.sets[0].segments
    assert (seg_err.segment_id, seg_err.position, seg_err.code) == ("BEG", "2", "8")
    assert [(e.position, e.reference, e.code, e.value) for e in seg_err.elements] == [("2", "92", "7", "ZZ")]


def test_parse_ta1_and_errors() -> None:
    ta1 = parse_ta1(Segment(["TA1", "000000005", "260105", "0930", "R", "022"]))
    assert ta1.status is AckStatus.REJECTED and ta1.note_code == "022"
    with pytest.raises(X12ReadError):
        parse_ta1(Segment(["TA1", "1"]))
    with pytest.raises(X12ReadError, match="unknown acknowledgement code"):
        parse_ta1(Segment(["TA1", "000000005", "260105", "0930", "Q", "000"]))


def test_parse_rejects_non_ack_sets() -> None:
    (ic,) = read(document("850"))
    with pytest.raises(X12ReadError, match="not a 997"):
        parse_functional_ack(ic.groups[0].transaction_sets[0])


def test_inbound_997_document_parses() -> None:
    (ic,) = read(document("997"))
    (group,) = parse_acknowledgements(ic).groups
    assert group.status is AckStatus.ACCEPTED and group.sets[0].control_number == "0001"


def test_status_of_unlisted_sets_follows_ak901() -> None:
    (ic,) = read(document("997").replace(b"AK2*850*0001~\nAK5*A~\n", b"").replace(b"SE*6*", b"SE*4*"))
    (group,) = parse_acknowledgements(ic).groups
    assert group.sets == [] and group.status_of("0007") is AckStatus.ACCEPTED
    (full,) = read(document("856", "005010", sets=2).replace(b"SE*13*0002", b"SE*13*0003"))
    reply = ack_interchange(full, check_all([full]), isa13=1, first_gs06=1, when=datetime(2026, 1, 1))
    (partial,) = parse_acknowledgements(read(serialize(reply))[0]).groups
    assert partial.status_of("0002") is AckStatus.REJECTED and partial.status_of("0009") is None


def test_segment_position_derived_from_segment_number_and_ak4_needs_a_position() -> None:
    (ic,) = read(document("850", sets=2))
    second = ic.groups[0].transaction_sets[1]
    po1 = second.segments[4]
    assert po1.id == "PO1" and po1.position is not None
    issues = [Issue(Level.ELEMENT, "7", "bad", group="1", transaction_set="0002", segment_id="PO1",
                    segment_number=po1.position.segment_number),
              Issue(Level.ELEMENT, "4", "short", group="1", transaction_set="0002", segment_id="PO1",
                    segment_number=po1.position.segment_number, element_position=3)]
    rows = _rows(acknowledge_group(ic, ic.groups[0], issues).segments)
    assert rows[4:7] == ["AK3*PO1*6**8", "AK4*3**4", "AK5*R*5"]
