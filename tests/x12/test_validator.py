"""The grammar validator (gateway.x12.validate) on documents written for every set and version, valid and broken,
and its agreement with pyx12 (gateway.x12.reference) run over the same grammar files."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from gateway.errors import GrammarError
from gateway.x12.ack import ack_interchange
from gateway.x12.issues import Issue, Level
from gateway.x12.reader import read
from gateway.x12.reference import quiet, reference_issues
from gateway.x12.validate import Validator, default_validator, validate_transaction_set, validator_for
from gateway.x12.validation import validate_file
from gateway.x12.writer import GroupSpec, build_interchange, serialize, transaction_set
from tests.x12.x12_docs import BODIES, D4, D5, WHEN

SAMPLES = sorted((Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "x12").glob("*"))
SETS = [(code, version) for code in ("850", "855", "856", "810", "180", "997") for version in ("004010", "005010")]
ACK_999 = [["AK1", "PO", "1", "005010"], ["AK2", "850", "0001"], ["IK3", "REF", "3", "", "8"],
           ["IK4", "2", "127", "1"], ["IK5", "R", "5"], ["AK9", "R", "1", "1", "0"]]

quiet()


def doc(code: str, version: str, body: list[list[str]]) -> bytes:
    five = version.startswith("005")
    gs08 = "005010X231A1" if code == "999" else version
    ts = transaction_set(code, "0001", body, gs08 if five else None)
    fid = "FA" if code == "999" else BODIES[code][0]
    ic = build_interchange(("ZZ", "SENDER"), ("ZZ", "RECEIVER"), "00501" if five else "00401",
                           [GroupSpec(fid, "SENDER", "RECEIVER", 1, gs08, [ts])], 1, D5 if five else D4, WHEN)
    return serialize(ic)


def body_of(code: str) -> list[list[str]]:
    return copy.deepcopy(ACK_999 if code == "999" else BODIES[code][1])


def ours(data: bytes) -> list[Issue]:
    return validate_file(data, default_validator()).issues


def keys(issues: list[Issue]) -> set[str | None]:
    """What a problem is about, comparable across validators: the segment IDs flagged (pyx12 files HL numbering
    under the segment where we name the element, and reports the segments after a missing one as well)."""
    return {i.segment_id for i in issues if i.level in (Level.SEGMENT, Level.ELEMENT)}


def assert_agree(data: bytes) -> list[Issue]:
    """Both valid, or both invalid with every segment/element we flag flagged by pyx12 too."""
    mine, ref = ours(data), reference_issues(data)
    assert (not mine) == (not ref), (mine, ref)
    assert keys(mine) <= keys(ref), (keys(mine), keys(ref))
    return mine


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_shared_samples_valid_for_both(path: Path) -> None:
    assert assert_agree(path.read_bytes()) == []


@pytest.mark.parametrize(("code", "version"), [*SETS, ("999", "005010")])
def test_valid_documents_for_every_set_and_version(code: str, version: str) -> None:
    assert assert_agree(doc(code, version, body_of(code))) == []


def _one(issues: list[Issue]) -> Issue:
    assert len(issues) == 1, issues
    return issues[0]


@pytest.mark.parametrize(("code", "version"), SETS)
def test_missing_required_segment(code: str, version: str) -> None:
    body = body_of(code)
    issue = _one(assert_agree(doc(code, version, body[1:])))
    assert (issue.level, issue.code, issue.segment_id, issue.segment_position) == (Level.SEGMENT, "3", body[0][0], 2)


@pytest.mark.parametrize(("code", "version"), SETS)
def test_segment_over_max_use(code: str, version: str) -> None:
    body = body_of(code)
    issue = _one(assert_agree(doc(code, version, body[:1] + body)))
    assert (issue.code, issue.segment_id, issue.segment_position) == ("5", body[0][0], 3)


@pytest.mark.parametrize(("code", "version"), SETS)
def test_element_too_long(code: str, version: str) -> None:
    body = body_of(code)
    width = {"850": 22, "855": 22, "856": 30, "810": 22, "180": 50, "997": 9}[code]
    position = 1 if code == "810" else 2  # BIG01 is a date; BIG02 the invoice number
    position = 2 if code == "810" else position
    body[0][position] = "1" * (width + 1)
    issue = _one(assert_agree(doc(code, version, body)))
    assert (issue.level, issue.code, issue.element_position) == (Level.ELEMENT, "5", position)
    assert issue.found == "1" * (width + 1) and issue.segment_position == 2


@pytest.mark.parametrize(("code", "version", "segment", "position", "bad"), [
    ("850", "004010", "BEG", 2, "XX"), ("850", "005010", "BEG", 2, "XX"), ("855", "004010", "BAK", 2, "XX"),
    ("855", "005010", "BAK", 2, "XX"), ("997", "004010", "AK9", 1, "Q"), ("997", "005010", "AK5", 1, "Q"),
    ("856", "004010", "BSN", 1, "99"), ("856", "005010", "BSN", 1, "99"), ("999", "005010", "IK5", 1, "Q"),
])
def test_bad_code(code: str, version: str, segment: str, position: int, bad: str) -> None:
    body = body_of(code)
    row = next(r for r in body if r[0] == segment)
    row[position] = bad
    issues = assert_agree(doc(code, version, body))
    if position == 1:
        # A first element with a code list identifies the segment (pyx12 matches segments by it as well): a bad
        # qualifier makes the segment unexpected, and what it should have been missing.
        assert {(i.code, i.segment_id) for i in issues} >= {("2", segment), ("3", segment)}
    else:
        issue = _one(issues)
        assert (issue.code, issue.element_position, issue.found) == ("7", position, bad)


def _asn(*hls: tuple[str, str, str]) -> list[list[str]]:
    body: list[list[str]] = [["BSN", "00", "SH1", "20260105", "0930"]]
    for hl in hls:
        body.append(["HL", *hl])
        body.append({"S": ["TD5", "", "2", "UPSN"], "O": ["PRF", "PO1"], "T": ["MAN", "GM", "T1"],
                     "P": ["MAN", "GM", "P1"], "I": ["LIN", "", "BP", "B1"]}[hl[2]])
    return [*body, ["CTT", str(len(hls))]]


@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize("shape", [
    [("1", "", "S"), ("2", "1", "O"), ("3", "2", "T"), ("4", "3", "P"), ("5", "4", "I"), ("6", "3", "P"),
     ("7", "6", "I"), ("8", "1", "O"), ("9", "8", "T"), ("10", "9", "P"), ("11", "10", "I")],
    [("1", "", "S"), ("2", "1", "O"), ("3", "2", "P"), ("4", "3", "I"), ("5", "3", "I"), ("6", "2", "P"),
     ("7", "6", "I")],
], ids=["SOTPI", "SOPI"])
def test_856_hierarchies_valid(version: str, shape: list[tuple[str, str, str]]) -> None:
    assert assert_agree(doc("856", version, _asn(*shape))) == []


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_856_wrong_hl_parent(version: str) -> None:
    # item 6 names pack 3, which closed when pack 5 opened: both validators see a parent that is not open
    shape = [("1", "", "S"), ("2", "1", "O"), ("3", "2", "P"), ("4", "3", "I"), ("5", "2", "P"), ("6", "3", "I")]
    issue = _one(assert_agree(doc("856", version, _asn(*shape))))
    assert (issue.segment_id, issue.element_position, issue.expected, issue.found) == ("HL", 2, "5", "3")
    assert issue.segment_position == 13


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_856_hl_numbering_and_level_order(version: str) -> None:
    numbering = _one(ours(doc("856", version, _asn(("1", "", "S"), ("2", "1", "O"), ("4", "2", "P")))))
    assert (numbering.element_position, numbering.expected, numbering.found) == (1, "3", "4")
    # items straight under the order (S-O-I, standard carton) are valid beside SOTPI and SOPI ...
    assert ours(doc("856", version, _asn(("1", "", "S"), ("2", "1", "O"), ("3", "2", "I")))) == []
    # ... but an item straight under the shipment is no structure the 856 defines: the HL is unexpected there
    issues = assert_agree(doc("856", version, _asn(("1", "", "S"), ("2", "1", "I"))))
    assert ("2", "HL") in {(i.code, i.segment_id) for i in issues}


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_856_loop_over_maximum(version: str) -> None:
    body = _asn(("1", "", "S"), ("2", "1", "O"), ("3", "", "S"))
    issues = ours(doc("856", version, body))
    # the second shipment is one loop too many, and lacks the order loop it requires
    assert [(i.code, i.segment_id, i.segment_position) for i in issues if i.level is Level.SEGMENT] == [
        ("4", "HL", 7), ("3", "HL", 9)]
    assert reference_issues(doc("856", version, body))


@pytest.mark.parametrize(("code", "version"), SETS)
def test_bad_counts_both_report(code: str, version: str) -> None:
    data = doc(code, version, body_of(code))
    count = len(body_of(code)) + 2
    broken = data.replace(f"SE*{count}*0001~".encode(), f"SE*{count + 3}*0001~".encode())
    assert broken != data
    mine = ours(broken)
    assert [(i.level, i.code) for i in mine] == [(Level.TRANSACTION_SET, "4")]
    assert any(i.level is Level.TRANSACTION_SET for i in reference_issues(broken))


@pytest.mark.parametrize(("row", "expected"), [
    (["DTM", "064", "20260231"], ("8", 2)), (["DTM", "064", "20260110", "2560"], ("9", 3)),
    (["DTM", "064", "2026011"], ("8", 2)), (["CTP", "", "RES", "12.9X"], ("6", 3)),
    (["CTP", "", "RES", "123456789012345678"], ("5", 3)), (["REF", "CR"], None),
    (["REF", "CR", "A", "B", "ZZ>D", "E"], ("3", 5)), (["REF", "CR", "A", "B", "C>D"], ("4", 4)),
])
def test_element_types(row: list[str], expected: tuple[str, int] | None) -> None:
    body = body_of("850")
    body.insert(2, row)
    issues = ours(doc("850", "004010", body))
    if expected is None:
        assert issues == []
    else:
        assert [(i.code, i.element_position) for i in issues] == [expected]


def test_required_element_and_composite_component() -> None:
    body = body_of("850")
    body.insert(2, ["REF", "CR", "C2", "", "ZZ>"])
    body[0][3] = ""
    issues = ours(doc("850", "004010", body))
    assert sorted((i.segment_id, i.code, i.element_position, i.component_position) for i in issues) == [
        ("BEG", "1", 3, None), ("REF", "1", 4, 2)]


def test_leap_day_and_implied_decimals() -> None:
    body = body_of("850")
    body.insert(2, ["SAC", "A", "", "", "", "-1050"])
    body.insert(3, ["DTM", "064", "20280229"])
    assert ours(doc("850", "004010", body)) == []
    body[3] = ["DTM", "064", "20270229"]
    assert [i.code for i in ours(doc("850", "004010", body))] == ["8"]


def test_issues_render_into_997_and_999() -> None:
    body = body_of("850")
    body[0][2] = "XX"
    data = doc("850", "004010", body)
    ic = read(data)[0]
    text = serialize(ack_interchange(ic, ours(data), isa13=9, first_gs06=1, when=WHEN)).decode()
    assert "AK3*BEG*2**8~" in text and "AK4*2*92*7*XX~" in text and "AK5*R*5~" in text
    data5 = doc("850", "005010", body)
    text5 = serialize(ack_interchange(read(data5)[0], ours(data5), isa13=9, first_gs06=1, when=WHEN)).decode()
    assert "IK3*BEG*2**8~" in text5 and "IK4*2*92*7*XX~" in text5 and "IK5*R*5~" in text5


def test_unknown_set_raises_grammar_error_and_the_api_is_cached() -> None:
    data = doc("850", "004010", body_of("850")).replace(b"ST*850*", b"ST*830*")
    tset = read(data)[0].groups[0].transaction_sets[0]
    with pytest.raises(GrammarError, match="no grammar for transaction set 830 in 004010"):
        validate_transaction_set(tset, D4)
    assert validator_for(None) is validator_for(None)


def test_noisy_input_takes_the_segment_path() -> None:
    body = body_of("850")
    body[0][2] = "XX"
    clean = doc("850", "004010", body)
    noisy = clean.replace(b"~\n", b"~\r\n   ")
    assert [(i.code, i.segment_position, i.offset is not None) for i in ours(noisy)] == [
        (i.code, i.segment_position, True) for i in ours(clean)]


@pytest.mark.parametrize(("code", "version"), [*SETS, ("999", "005010")])
def test_valid_documents_take_the_whole_set_fast_path(code: str, version: str) -> None:
    # Broken documents above prove the fast path rejects them (else they would have no issues); this proves valid
    # ones never need the walker, which is what the benchmark measures.
    ic = read(doc(code, version, body_of(code)))[0]
    tset = ic.groups[0].transaction_sets[0]
    validator = validator_for(None)
    compiled = validator.compiled(code, version, ic.delimiters)
    assert compiled is not None and Validator._fast_valid(compiled, tset, "*", "~")


@pytest.mark.parametrize(("code", "version"), SETS)
def test_the_fast_path_never_passes_a_set_the_walker_faults(code: str, version: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded mutations (segments dropped, repeated, moved, unknown ones inserted): whenever the whole-set regex
    says valid, the segment walker finds nothing either; and every valid original takes the fast path."""
    rng = random.Random(f"{code}{version}")
    validator = validator_for(None)
    fast_valid = Validator._fast_valid
    passed = 0
    for _ in range(40):
        body = body_of(code)
        for _ in range(rng.randint(1, 2)):
            k = rng.randrange(len(body))
            action = rng.choice(("drop", "repeat", "move", "unknown"))
            if action == "drop" and len(body) > 1:
                del body[k]
            elif action == "repeat":
                body.insert(k, list(body[k]))
            elif action == "move":
                body.insert(rng.randrange(len(body) + 1), body.pop(k))
            else:
                body.insert(k, ["ZZZ", "1"])
        ic = read(doc(code, version, body))[0]
        tset = ic.groups[0].transaction_sets[0]
        compiled = validator.compiled(code, version, ic.delimiters)
        assert compiled is not None
        if fast_valid(compiled, tset, "*", "~"):
            passed += 1
            with monkeypatch.context() as patch:  # the walker alone, segment by segment
                patch.setattr(Validator, "_fast_valid", staticmethod(lambda *args: False))
                assert validator.validate(read(doc(code, version, body))[0].groups[0].transaction_sets[0],
                                          ic.delimiters, version) == [], body
    assert passed  # some mutations stay valid (a repeated optional segment, a move within a loop)
