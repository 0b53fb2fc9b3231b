"""Acknowledgements from Issues: 997 (004010) or 999 (005010) per functional group, and TA1 per interchange.

The acks come back as a TransactionSet (or a GroupSpec / Interchange around it) so the caller envelopes them with
its own control numbers through the writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from gateway.x12.issues import Issue, Level, Severity
from gateway.x12.model import Delimiters, FunctionalGroup, Interchange, Segment, TransactionSet
from gateway.x12.writer import GroupSpec, build_interchange, transaction_set

IMPLEMENTATION_999 = "005010X231A1"
DEFAULT_ACK_DELIMITERS = Delimiters(element="*", component=">", repetition="^", segment="~", suffix="")
_MAX_CODES = 5  # AK502-AK506, AK905-AK909


class AckKind(StrEnum):
    FA997 = "997"
    FA999 = "999"


class AckCode(StrEnum):
    """AK501/IK501/AK901/TA104 acknowledgement codes."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    PARTIALLY_ACCEPTED = "P"
    REJECTED = "R"


def ack_kind_for(group: FunctionalGroup) -> AckKind:
    """999 for 005010 groups, 997 for 004010 (and anything older)."""
    return AckKind.FA999 if group.version >= "005" else AckKind.FA997


def _mine(issue: Issue, ic: Interchange, group: FunctionalGroup) -> bool:
    return issue.group == group.control_number and issue.interchange in (None, ic.control_number)


def _status(issues: Sequence[Issue]) -> AckCode:
    if any(i.severity is Severity.ERROR for i in issues):
        return AckCode.REJECTED
    return AckCode.ACCEPTED_WITH_ERRORS if issues else AckCode.ACCEPTED


def _codes(issues: Sequence[Issue]) -> list[str]:
    out: list[str] = []
    for issue in issues:
        if issue.code not in out:
            out.append(issue.code)
    return out[:_MAX_CODES]


def acknowledge_group(ic: Interchange, group: FunctionalGroup, issues: Sequence[Issue], *,
                      control_number: str = "0001", kind: AckKind | None = None,
                      delimiters: Delimiters = DEFAULT_ACK_DELIMITERS) -> TransactionSet:
    """The 997/999 transaction set for one inbound functional group, from any list of Issues."""
    kind = kind or ack_kind_for(group)
    five = kind is AckKind.FA999
    mine = [i for i in issues if _mine(i, ic, group)]
    body: list[list[str]] = []
    ak1 = ["AK1", group.functional_id, group.control_number]
    body.append(ak1 + [group.version] if five else ak1)
    accepted = 0
    for tset in group.transaction_sets:
        set_issues = [i for i in mine if i.transaction_set == tset.control_number
                      and i.level is not Level.GROUP and i.transaction_set_code in (None, tset.code)]
        ak2 = ["AK2", tset.code, tset.control_number]
        if five and tset.implementation_reference:
            ak2.append(tset.implementation_reference)
        body.append(ak2)
        body.extend(_segment_loops(set_issues, five, delimiters, tset))
        status = _status(set_issues)
        codes = _codes([i for i in set_issues if i.level is Level.TRANSACTION_SET])
        if any(i.level in (Level.SEGMENT, Level.ELEMENT) for i in set_issues) and "5" not in codes:
            codes = (codes + ["5"])[:_MAX_CODES]
        body.append(["IK5" if five else "AK5", status.value, *codes])
        if status is not AckCode.REJECTED:
            accepted += 1
    group_issues = [i for i in mine if i.level is Level.GROUP]
    received = len(group.transaction_sets)
    if any(i.severity is Severity.ERROR for i in group_issues) or (received and not accepted):
        ak901 = AckCode.REJECTED
    elif accepted < received:
        ak901 = AckCode.PARTIALLY_ACCEPTED
    elif group_issues or any(row[1] == "E" for row in body if row[0] in ("AK5", "IK5")):
        ak901 = AckCode.ACCEPTED_WITH_ERRORS
    else:
        ak901 = AckCode.ACCEPTED
    included = group.trailer[1] if group.trailer is not None and group.trailer[1].isdigit() else str(received)
    body.append(["AK9", ak901.value, included, str(received), str(accepted), *_codes(group_issues)])
    return transaction_set(kind.value, control_number, body, IMPLEMENTATION_999 if five else None)


def _set_position(issue: Issue, tset: TransactionSet) -> int:
    """AK302: the issue's position in its set, or one derived from its segment number in the file (0 if unknown)."""
    if issue.segment_position:
        return issue.segment_position
    st = tset.header.position
    if issue.segment_number is not None and st is not None and issue.segment_number >= st.segment_number:
        return issue.segment_number - st.segment_number + 1
    return 0


def _segment_loops(issues: Sequence[Issue], five: bool, d: Delimiters, tset: TransactionSet) -> list[list[str]]:
    """AK3/AK4 (or IK3/IK4) rows, one segment loop per segment in error, in segment order."""
    by_segment: dict[tuple[int, str], list[Issue]] = {}
    for issue in issues:
        if issue.level in (Level.SEGMENT, Level.ELEMENT) and issue.segment_id:
            by_segment.setdefault((_set_position(issue, tset), issue.segment_id), []).append(issue)
    rows: list[list[str]] = []
    for (position, segment_id), seg_issues in sorted(by_segment.items()):
        seg_level = [i for i in seg_issues if i.level is Level.SEGMENT]
        elements = [i for i in seg_issues if i.level is Level.ELEMENT][:99]
        loop = next((i.loop_id for i in seg_issues if i.loop_id), "") or ""
        first_code = seg_level[0].code if seg_level else "8"
        rows.append(["IK3" if five else "AK3", segment_id, str(position) if position else "", loop, first_code])
        for extra in seg_level[1:]:
            rows.append(["IK3" if five else "AK3", segment_id, str(position) if position else "", loop, extra.code])
        for el in elements:
            if not el.element_position:
                continue  # AK401 is mandatory: without a position only the AK3 (code 8) reports it
            where = str(el.element_position)
            if el.component_position is not None:
                where += d.component + str(el.component_position)
            row = ["IK4" if five else "AK4", where, str(el.element_reference or ""), el.code]
            if el.found is not None and _copyable(el.found, d):
                row.append(el.found)
            rows.append(row)
    return rows


def _copyable(value: str, d: Delimiters) -> bool:
    """AK404/IK404 may carry the bad value only when it cannot break the ack's own syntax."""
    forbidden = {d.element, d.component, d.segment, d.repetition or d.element}
    return 0 < len(value) <= 99 and value.isprintable() and not any(c in value for c in forbidden)


def build_ta1(ic: Interchange, issues: Sequence[Issue], *, always: bool = False) -> Segment | None:
    """TA1 for an interchange when ISA14 asks for one, interchange-level issues exist, or ``always``."""
    mine = [i for i in issues if i.level is Level.INTERCHANGE and i.interchange in (None, ic.control_number)]
    if not (always or mine or ic.header[14] == "1"):
        return None
    errors = [i for i in mine if i.severity is Severity.ERROR]
    status = _status(mine)
    note = (errors or mine)[0].code if mine else "000"
    return Segment(["TA1", ic.control_number, ic.header[9], ic.header[10], status.value, note])


def ack_group_spec(ic: Interchange, group: FunctionalGroup, ack: TransactionSet, gs06: int | str) -> GroupSpec:
    """The FA group around an ack, sender and receiver swapped from the inbound group."""
    version = IMPLEMENTATION_999 if ack.code == AckKind.FA999 else group.version[:6] or "004010"
    return GroupSpec("FA", group.header[3], group.header[2], gs06, version, [ack])


def ack_interchange(ic: Interchange, issues: Sequence[Issue], *, isa13: int | str, first_gs06: int,
                    when: datetime, delimiters: Delimiters | None = None) -> Interchange:
    """A full reply interchange: TA1 where due and one FA group (997/999) per inbound group other than FA."""
    d = delimiters or ic.delimiters
    if ic.version >= "00501" and d.repetition is None:
        d = Delimiters(d.element, d.component, "^" if "^" not in (d.element, d.component, d.segment) else "{",
                       d.segment, d.suffix)
    specs: list[GroupSpec] = []
    # Acknowledgements are never acknowledged (no 997 for a 997/999 group).
    for group in (g for g in ic.groups if g.functional_id != "FA"):
        ack = acknowledge_group(ic, group, issues, delimiters=d)
        specs.append(ack_group_spec(ic, group, ack, first_gs06 + len(specs)))
    ta1 = build_ta1(ic, issues)
    return build_interchange(
        (ic.header[7], ic.header[8].strip()), (ic.header[5], ic.header[6].strip()), ic.version, specs, isa13, d,
        when, usage=ic.header[15] or "P", ta1=[ta1] if ta1 is not None else (),
    )
