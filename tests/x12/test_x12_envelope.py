"""Envelope validation: counts, control numbers, missing trailers, duplicates, with the X12 ack codes."""

from __future__ import annotations

import pytest

from gateway.x12.envelope import EnvelopeRules, GroupCode, SetCode, TA1Note, check_all, check_interchange
from gateway.x12.issues import Issue, Level
from gateway.x12.reader import read
from gateway.x12.validation import validate_file

from .x12_docs import document


def _issues(data: bytes, rules: EnvelopeRules | None = None) -> list[Issue]:
    return check_all(read(data), rules)


def _codes(issues: list[Issue]) -> list[tuple[Level, str]]:
    return [(i.level, i.code) for i in issues]


@pytest.mark.parametrize("code", ["850", "855", "856", "810", "180", "997"])
@pytest.mark.parametrize("version", ["004010", "005010"])
def test_valid_documents_have_no_issues(code: str, version: str) -> None:
    assert _issues(document(code, version, sets=2)) == []


def test_se01_count_mismatch() -> None:
    issues = _issues(document("850").replace(b"SE*8*0001", b"SE*9*0001"))
    assert _codes(issues) == [(Level.TRANSACTION_SET, SetCode.COUNT_MISMATCH)]
    assert issues[0].expected == "8" and issues[0].found == "9"
    assert issues[0].transaction_set == "0001" and issues[0].segment_id == "SE" and issues[0].segment_position == 8


def test_st_se_control_mismatch() -> None:
    issues = _issues(document("850").replace(b"SE*8*0001", b"SE*8*0002"))
    assert _codes(issues) == [(Level.TRANSACTION_SET, SetCode.CONTROL_MISMATCH)]


def test_missing_se() -> None:
    data = document("850", sets=2).replace(b"SE*8*0001~\n", b"")
    issues = _issues(data)
    assert (Level.TRANSACTION_SET, SetCode.TRAILER_MISSING) in _codes(issues)
    assert [i.transaction_set for i in issues if i.code == SetCode.TRAILER_MISSING] == ["0001"]


def test_duplicate_st02_in_group() -> None:
    data = document("850", sets=2).replace(b"ST*850*0002", b"ST*850*0001").replace(b"SE*8*0002", b"SE*8*0001")
    assert _codes(_issues(data)) == [(Level.TRANSACTION_SET, SetCode.DUPLICATE)]


def test_unsupported_transaction_set() -> None:
    issues = _issues(document("180"), EnvelopeRules(transaction_sets={"850", "856"}))
    assert _codes(issues) == [(Level.TRANSACTION_SET, SetCode.NOT_SUPPORTED)]


def test_ge_count_and_control_mismatch() -> None:
    data = document("850", sets=2).replace(b"GE*2*1", b"GE*3*2")
    assert sorted(_codes(_issues(data))) == [(Level.GROUP, GroupCode.CONTROL_MISMATCH),
                                             (Level.GROUP, GroupCode.COUNT_MISMATCH)]


def test_missing_ge() -> None:
    data = document("850").replace(b"GE*1*1~\n", b"")
    assert _codes(_issues(data)) == [(Level.GROUP, GroupCode.TRAILER_MISSING)]


def test_duplicate_gs06_code_depends_on_version() -> None:
    for version, code in (("004010", GroupCode.CONTROL_SYNTAX), ("005010", GroupCode.DUPLICATE_5010)):
        data = document("850", version)
        head, rest = data.split(b"GS*", 1)
        group = b"GS*" + rest.split(b"IEA*")[0]
        doubled = head + group + group + b"IEA*2*000000001~\n"
        assert _codes(_issues(doubled)) == [(Level.GROUP, code)]


def test_unsupported_version_and_functional_group() -> None:
    rules = EnvelopeRules(versions={"005010"}, functional_ids={"SH"})
    assert sorted(_codes(_issues(document("850"), rules))) == [
        (Level.GROUP, GroupCode.NOT_SUPPORTED), (Level.GROUP, GroupCode.VERSION_NOT_SUPPORTED)]


def test_iea_control_and_group_count() -> None:
    data = document("850").replace(b"IEA*1*000000001", b"IEA*2*000000009")
    assert sorted(_codes(_issues(data))) == [(Level.INTERCHANGE, TA1Note.CONTROL_NUMBER_MISMATCH),
                                             (Level.INTERCHANGE, TA1Note.GROUP_COUNT)]


def test_missing_iea() -> None:
    data = document("850").replace(b"IEA*1*000000001~\n", b"")
    assert _codes(_issues(data)) == [(Level.INTERCHANGE, TA1Note.PREMATURE_END)]


def test_duplicate_isa13_in_one_file() -> None:
    data = document("850") + document("855")
    assert _codes(_issues(data)) == [(Level.INTERCHANGE, TA1Note.DUPLICATE)]


def test_isa_field_problems() -> None:
    data = document("850").replace(b"*260105*0930*", b"*261305*2960*").replace(b"*0*P*>", b"*2*X*>")
    codes = sorted(i.code for i in _issues(data))
    assert codes == sorted([TA1Note.DATE, TA1Note.TIME, TA1Note.ACK_REQUESTED, TA1Note.TEST_INDICATOR])


def test_isa_padding_wrong_keeps_reading_and_reports_field() -> None:
    data = document("850").replace(b"*ZZ*SENDER         *", b"*ZZ*SENDER  *")
    issues = _issues(data)
    assert _codes(issues) == [(Level.INTERCHANGE, TA1Note.SENDER_ID)]
    assert issues[0].element_position == 6


def test_segments_outside_envelopes() -> None:
    data = document("850").replace(b"GS*", b"REF*XX*1~\nGS*", 1).replace(b"GE*", b"NTE*X~\nGE*", 1)
    issues = _issues(data)
    assert _codes(issues) == [(Level.INTERCHANGE, TA1Note.CONTENT)] * 2
    assert [(i.segment_id, i.group) for i in issues] == [("REF", None), ("NTE", "1")]


def test_set_outside_group() -> None:
    data = document("850")
    head, rest = data.split(b"GS*", 1)
    st = b"ST*" + rest.split(b"ST*", 1)[1].split(b"GE*")[0]
    issues = _issues(head + st + b"IEA*0*000000001~\n")
    assert _codes(issues) == [(Level.INTERCHANGE, TA1Note.CONTROL_STRUCTURE)]


def test_validate_file_report_shape() -> None:
    report = validate_file(document("856", "005010", sets=3).replace(b"SE*13*0002", b"SE*12*0002"))
    assert not report.valid and report.transaction_set_count == 3
    body = report.to_dict()
    assert body["interchanges"][0]["groups"][0]["transaction_sets"][1] == {
        "code": "856", "st02": "0002", "implementation_reference": "005010", "segment_count": 13,
        "offset": body["interchanges"][0]["groups"][0]["transaction_sets"][1]["offset"]}
    assert body["issues"][0]["code"] == SetCode.COUNT_MISMATCH


def test_check_interchange_with_fresh_rules_per_call() -> None:
    (ic,) = read(document("850"))
    rules = EnvelopeRules()
    assert check_interchange(ic, rules) == []
    assert [i.code for i in check_interchange(ic, rules)] == [TA1Note.DUPLICATE]


def test_issue_text_names_only_what_is_known() -> None:
    found_only = Issue(Level.GROUP, "6", "GS06 must be 1-9 digits", group="A", found="A")
    assert str(found_only) == "GS06 A: GS06 must be 1-9 digits (found 'A')"
    both = Issue(Level.TRANSACTION_SET, "4", "count", transaction_set="0001", expected="8", found="9")
    assert str(both).endswith("(expected '8', found '9')")


def test_isa11_letter_in_5010_is_a_warning_and_no_repetition_separator() -> None:
    data = document("856", "005010").replace(b"*^*00501*", b"*U*00501*")
    (ic,) = read(data)
    assert ic.delimiters.repetition is None
    (issue,) = check_all([ic])
    assert issue.code == TA1Note.STANDARDS_ID and issue.severity == "warning"
    assert validate_file(data).valid
