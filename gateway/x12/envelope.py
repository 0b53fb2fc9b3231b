"""Envelope validation (ISA/IEA, GS/GE, ST/SE) producing Issues with the X12 acknowledgement codes.

Codes: TA105 (interchange note code), AK905 (functional group syntax error code) and AK502/IK502 (transaction
set syntax error code), as listed in the X12 control-segment and 997/999 definitions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gateway.x12.issues import Issue, Level, Severity
from gateway.x12.model import FunctionalGroup, Interchange, Segment, TransactionSet


class TA1Note:
    """TA105 interchange note codes used by this module."""

    NO_ERROR = "000"
    CONTROL_NUMBER_MISMATCH = "001"
    AUTHORIZATION_QUALIFIER = "010"
    AUTHORIZATION_VALUE = "011"
    SECURITY_QUALIFIER = "012"
    SECURITY_VALUE = "013"
    SENDER_QUALIFIER = "005"
    SENDER_ID = "006"
    RECEIVER_QUALIFIER = "007"
    RECEIVER_ID = "008"
    DATE = "014"
    TIME = "015"
    STANDARDS_ID = "016"
    VERSION = "017"
    CONTROL_NUMBER = "018"
    ACK_REQUESTED = "019"
    TEST_INDICATOR = "020"
    GROUP_COUNT = "021"
    CONTROL_STRUCTURE = "022"
    PREMATURE_END = "023"
    CONTENT = "024"
    DUPLICATE = "025"
    ELEMENT_SEPARATOR = "026"
    COMPONENT_SEPARATOR = "027"


class GroupCode:
    """AK905 functional group syntax error codes."""

    NOT_SUPPORTED = "1"
    VERSION_NOT_SUPPORTED = "2"
    TRAILER_MISSING = "3"
    CONTROL_MISMATCH = "4"
    COUNT_MISMATCH = "5"
    CONTROL_SYNTAX = "6"
    DUPLICATE_5010 = "19"  # 00501+ only; 004010 has no code for it, so 6 is used there


class SetCode:
    """AK502 / IK502 transaction set syntax error codes."""

    NOT_SUPPORTED = "1"
    TRAILER_MISSING = "2"
    CONTROL_MISMATCH = "3"
    COUNT_MISMATCH = "4"
    SEGMENTS_IN_ERROR = "5"
    INVALID_IDENTIFIER = "6"
    INVALID_CONTROL_NUMBER = "7"
    DUPLICATE = "23"


# ISA01..ISA16: fixed width, TA105 code for a bad value, and the pattern a value must match.
_ISA_RULES: tuple[tuple[int, str, str], ...] = (
    (2, TA1Note.AUTHORIZATION_QUALIFIER, r"\d\d"),
    (10, TA1Note.AUTHORIZATION_VALUE, r"[ -~]{10}"),
    (2, TA1Note.SECURITY_QUALIFIER, r"\d\d"),
    (10, TA1Note.SECURITY_VALUE, r"[ -~]{10}"),
    (2, TA1Note.SENDER_QUALIFIER, r"[0-9A-Z]{2}"),
    (15, TA1Note.SENDER_ID, r"[ -~]*[!-~][ -~]*"),
    (2, TA1Note.RECEIVER_QUALIFIER, r"[0-9A-Z]{2}"),
    (15, TA1Note.RECEIVER_ID, r"[ -~]*[!-~][ -~]*"),
    (6, TA1Note.DATE, r"\d{6}"),
    (4, TA1Note.TIME, r"\d{4}"),
    (1, TA1Note.STANDARDS_ID, r"[ -~]"),
    (5, TA1Note.VERSION, r"\d{5}"),
    (9, TA1Note.CONTROL_NUMBER, r"\d{9}"),
    (1, TA1Note.ACK_REQUESTED, r"[01]"),
    (1, TA1Note.TEST_INDICATOR, r"[PTI]"),
    (1, TA1Note.COMPONENT_SEPARATOR, r"[^0-9A-Za-z]"),
)


@dataclass(slots=True)
class EnvelopeRules:
    """What the caller supports; None means anything goes."""

    transaction_sets: Collection[str] | None = None  # ST01 codes, e.g. {"850", "856"}
    versions: Collection[str] | None = None  # GS08 prefixes, e.g. {"004010", "005010"}
    functional_ids: Collection[str] | None = None  # GS01
    seen_interchanges: set[str] = field(default_factory=set)  # ISA13s already seen (in this file or before)


def check_interchange(ic: Interchange, rules: EnvelopeRules | None = None, *,
                      set_counts: Mapping[int, int] | None = None,
                      orphan_sets: Sequence[TransactionSet] = ()) -> list[Issue]:
    """Every envelope problem of one interchange, its groups and sets.

    For a streamed interchange (groups without their sets) pass ``set_counts`` (sets per ``id(group)``) and the
    sets seen outside any group; the sets themselves are then checked by the caller as they stream by.
    """
    rules = rules or EnvelopeRules()
    isa13 = ic.control_number
    out: list[Issue] = []

    def ta1(code: str, message: str, seg: Segment | None = None, **kw: object) -> None:
        out.append(_issue(Level.INTERCHANGE, code, message, seg, interchange=isa13, **kw))  # type: ignore[arg-type]

    _check_isa(ic, ta1)
    if isa13 in rules.seen_interchanges:
        ta1(TA1Note.DUPLICATE, f"ISA13 {isa13} was already received", ic.header)
    rules.seen_interchanges.add(isa13)
    if ic.trailer is None:
        ta1(TA1Note.PREMATURE_END, "IEA missing: the interchange ends without its trailer", ic.header)
    else:
        if ic.trailer[2] != isa13:
            ta1(TA1Note.CONTROL_NUMBER_MISMATCH, "IEA02 does not match ISA13", ic.trailer,
                expected=isa13, found=ic.trailer[2])
        if ic.trailer[1] != str(len(ic.groups)) and _as_int(ic.trailer[1]) != len(ic.groups):
            ta1(TA1Note.GROUP_COUNT, "IEA01 does not match the number of functional groups", ic.trailer,
                expected=str(len(ic.groups)), found=ic.trailer[1])
    for seg in ic.stray:
        ta1(TA1Note.CONTENT, f"segment {seg.id} outside any functional group", seg)
    for tset in [*ic.orphan_sets, *orphan_sets]:
        ta1(TA1Note.CONTROL_STRUCTURE, f"transaction set ST02 {tset.control_number} outside any GS/GE", tset.header)
    seen_gs06: set[str] = set()
    for group in ic.groups:
        if set_counts is None:
            out.extend(check_group(ic, group, rules, seen_gs06))
        else:
            out.extend(check_group(ic, group, rules, seen_gs06, set_count=set_counts.get(id(group), 0)))
    return out


def check_group(ic: Interchange, group: FunctionalGroup, rules: EnvelopeRules, seen_gs06: set[str], *,
                set_count: int | None = None) -> list[Issue]:
    """GS/GE problems (AK905) and the ST/SE problems of its sets (AK502); only GS/GE when ``set_count`` is given."""
    out: list[Issue] = []
    gs06 = group.control_number
    where: dict[str, Any] = {"interchange": ic.control_number, "group": gs06}

    def ak9(code: str, message: str, seg: Segment | None, **kw: object) -> None:
        out.append(_issue(Level.GROUP, code, message, seg, **where, **kw))  # type: ignore[arg-type]

    version = group.version
    if not re.fullmatch(r"\d{1,9}", gs06):
        ak9(GroupCode.CONTROL_SYNTAX, "GS06 must be 1-9 digits", group.header, found=gs06)
    if gs06 in seen_gs06:
        code = GroupCode.DUPLICATE_5010 if version >= "005" else GroupCode.CONTROL_SYNTAX
        ak9(code, f"GS06 {gs06} is used twice in ISA13 {ic.control_number}", group.header)
    seen_gs06.add(gs06)
    if rules.functional_ids is not None and group.functional_id not in rules.functional_ids:
        ak9(GroupCode.NOT_SUPPORTED, f"functional group {group.functional_id} is not supported", group.header,
            found=group.functional_id)
    if rules.versions is not None and not any(version.startswith(v) for v in rules.versions):
        ak9(GroupCode.VERSION_NOT_SUPPORTED, f"GS08 {version} is not supported", group.header, found=version)
    if len(group.header.elements) < 9:
        ak9(GroupCode.CONTROL_SYNTAX, f"GS has {len(group.header.elements) - 1} elements, expected 8",
            group.header)
    if group.trailer is None:
        ak9(GroupCode.TRAILER_MISSING, f"GE missing for GS06 {gs06}", group.header)
    else:
        if group.trailer[2] != gs06:
            ak9(GroupCode.CONTROL_MISMATCH, "GE02 does not match GS06", group.trailer,
                expected=gs06, found=group.trailer[2])
        count = len(group.transaction_sets) if set_count is None else set_count
        if _as_int(group.trailer[1]) != count:
            ak9(GroupCode.COUNT_MISMATCH, "GE01 does not match the number of transaction sets", group.trailer,
                expected=str(count), found=group.trailer[1])
    for seg in group.stray:
        # No AK905 code covers it: the interchange content is invalid (TA105 024).
        out.append(_issue(Level.INTERCHANGE, TA1Note.CONTENT, f"segment {seg.id} outside any transaction set",
                          seg, **where))
    if set_count is not None:
        return out
    seen_st02: set[str] = set()
    for tset in group.transaction_sets:
        out.extend(check_transaction_set(ic, group, tset, rules, seen_st02))
    return out


def check_transaction_set(ic: Interchange, group: FunctionalGroup, tset: TransactionSet,
                          rules: EnvelopeRules, seen_st02: set[str]) -> list[Issue]:
    """ST/SE problems (AK502 / IK502)."""
    out: list[Issue] = []
    st02 = tset.control_number
    where: dict[str, Any] = {"interchange": ic.control_number, "group": group.control_number, "transaction_set": st02,
             "transaction_set_code": tset.code}

    def ak5(code: str, message: str, seg: Segment | None, **kw: object) -> None:
        out.append(_issue(Level.TRANSACTION_SET, code, message, seg, **where, **kw))  # type: ignore[arg-type]

    if not re.fullmatch(r"\d{3}", tset.code):
        ak5(SetCode.INVALID_IDENTIFIER, "ST01 is not a 3-digit transaction set identifier", tset.header,
            found=tset.code)
    elif rules.transaction_sets is not None and tset.code not in rules.transaction_sets:
        ak5(SetCode.NOT_SUPPORTED, f"transaction set {tset.code} is not supported", tset.header, found=tset.code)
    if not re.fullmatch(r"[ -~]{4,9}", st02) or st02.strip() != st02:
        ak5(SetCode.INVALID_CONTROL_NUMBER, "ST02 must be 4-9 characters", tset.header, found=st02)
    if st02 in seen_st02:
        ak5(SetCode.DUPLICATE, f"ST02 {st02} is used twice in GS06 {group.control_number}", tset.header)
    seen_st02.add(st02)
    if tset.trailer is None:
        ak5(SetCode.TRAILER_MISSING, f"SE missing for ST02 {st02}", tset.header)
        return out
    if tset.trailer[2] != st02:
        ak5(SetCode.CONTROL_MISMATCH, "SE02 does not match ST02", tset.trailer, expected=st02,
            found=tset.trailer[2])
    count = tset.segment_count + 2
    if _as_int(tset.trailer[1]) != count:
        ak5(SetCode.COUNT_MISMATCH, "SE01 does not match the number of segments (ST to SE)", tset.trailer,
            expected=str(count), found=tset.trailer[1])
    return out


def check_all(interchanges: Iterable[Interchange], rules: EnvelopeRules | None = None) -> list[Issue]:
    """Envelope issues of several interchanges (duplicate ISA13s across them are reported)."""
    rules = rules or EnvelopeRules()
    out: list[Issue] = []
    for ic in interchanges:
        out.extend(check_interchange(ic, rules))
    return out


def _check_isa(ic: Interchange, ta1: Callable[..., None]) -> None:
    isa = ic.header
    fields = isa.elements[1:]
    if len(fields) != 16:
        ta1(TA1Note.CONTROL_STRUCTURE, f"ISA has {len(fields)} elements, expected 16", isa)
        return
    for index, (value, (width, code, pattern)) in enumerate(zip(fields, _ISA_RULES, strict=True), 1):
        name = f"ISA{index:02d}"
        is_delimiter = index == 16 or (index == 11 and ic.version >= "00501")  # any non-alphanumeric byte
        bad = None if is_delimiter else next((c for c in value if ord(c) > 0x7E or ord(c) < 0x20), None)
        if bad is not None:
            offset = _field_offset(isa, index, value.index(bad))
            ta1(code, f"{name} contains the non-ASCII or control byte 0x{ord(bad):02X}", isa,
                element_position=index, found=value, offset_override=offset)
        elif len(value) != width:
            ta1(code, f"{name} must be exactly {width} characters (the ISA is fixed width)", isa,
                element_position=index, expected=str(width), found=value)
        elif index == 11 and ic.version >= "00501":
            if value.isalnum():
                # Seen in the wild ("U" kept from 00401); the interchange still reads, without repetitions.
                ta1(code, "ISA11 should be the repetition separator in 00501+", isa, element_position=11,
                    found=value, severity=Severity.WARNING)
        elif not re.fullmatch(pattern, value):
            ta1(code, f"{name} value is invalid", isa, element_position=index, found=value)
    if not ic.delimiters.element or ic.delimiters.element.isalnum():
        ta1(TA1Note.ELEMENT_SEPARATOR, "the element separator is alphanumeric", isa)
    if re.fullmatch(r"\d{6}", fields[8]) and not _valid_date("20" + fields[8]):
        ta1(TA1Note.DATE, "ISA09 is not a valid date (YYMMDD)", isa, element_position=9, found=fields[8])
    if re.fullmatch(r"\d{4}", fields[9]) and not (fields[9][:2] < "24" and fields[9][2:] < "60"):
        ta1(TA1Note.TIME, "ISA10 is not a valid time (HHMM)", isa, element_position=10, found=fields[9])


def _valid_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y%m%d")
    except ValueError:
        return False
    return True


def _field_offset(isa: Segment, index: int, within: int) -> int | None:
    if isa.position is None:
        return None
    # ISA is read with single-byte latin-1 characters, so character and byte offsets agree.
    return isa.position.offset + sum(len(e) + 1 for e in isa.elements[:index]) + within


def _as_int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _issue(level: Level, code: str, message: str, seg: Segment | None, *, offset_override: int | None = None,
           severity: Severity = Severity.ERROR, **kw: object) -> Issue:
    pos = seg.position if seg is not None else None
    return Issue(
        level=level, code=code, message=message, severity=severity,
        segment_id=seg.id if seg is not None else None,
        segment_position=pos.set_position if pos else None,
        segment_number=pos.segment_number if pos else None,
        offset=offset_override if offset_override is not None else (pos.offset if pos else None),
        **kw,  # type: ignore[arg-type]
    )
