"""One entry point for validating an X12 input: reader + envelope checks + an optional grammar validator."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gateway.errors import X12ReadError
from gateway.x12.envelope import EnvelopeRules, check_interchange, check_transaction_set
from gateway.x12.issues import Issue, Severity
from gateway.x12.model import Delimiters, Interchange, TransactionSet
from gateway.x12.reader import SetInContext, Source, iter_envelopes

# (transaction set, delimiters, the group's GS08 or None) -> issues; GS08 picks the grammar even without ST03.
GrammarValidator = Callable[[TransactionSet, Delimiters, str | None], list[Issue]]


@dataclass(slots=True)
class SetSummary:
    code: str  # ST01
    control_number: str  # ST02
    implementation_reference: str  # ST03
    segment_count: int  # ST..SE as read
    offset: int | None  # byte offset of ST


@dataclass(slots=True)
class GroupSummary:
    functional_id: str  # GS01
    control_number: str  # GS06
    version: str  # GS08
    transaction_sets: list[SetSummary] = field(default_factory=list)


@dataclass(slots=True)
class InterchangeSummary:
    control_number: str  # ISA13
    sender: tuple[str, str]
    receiver: tuple[str, str]
    version: str  # ISA12
    ack_requested: bool  # ISA14
    usage: str  # ISA15
    groups: list[GroupSummary] = field(default_factory=list)
    ta1_count: int = 0


@dataclass(slots=True)
class ValidationReport:
    """What was read and every issue found; stable shape for the CLI's --json and the pipeline."""

    interchanges: list[InterchangeSummary] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    grammar_checked: bool = False

    @property
    def valid(self) -> bool:
        return not any(i.severity is Severity.ERROR for i in self.issues)

    @property
    def transaction_set_count(self) -> int:
        return sum(len(g.transaction_sets) for ic in self.interchanges for g in ic.groups)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "grammar_checked": self.grammar_checked,
            "interchanges": [
                {
                    "isa13": ic.control_number, "sender": list(ic.sender), "receiver": list(ic.receiver),
                    "version": ic.version, "ack_requested": ic.ack_requested, "usage": ic.usage,
                    "ta1_count": ic.ta1_count,
                    "groups": [
                        {
                            "functional_id": g.functional_id, "gs06": g.control_number, "version": g.version,
                            "transaction_sets": [
                                {"code": s.code, "st02": s.control_number,
                                 "implementation_reference": s.implementation_reference,
                                 "segment_count": s.segment_count, "offset": s.offset}
                                for s in g.transaction_sets
                            ],
                        }
                        for g in ic.groups
                    ],
                }
                for ic in self.interchanges
            ],
            "issues": [i.to_dict() for i in self.issues],
        }


def _set_summary(t: TransactionSet) -> SetSummary:
    return SetSummary(t.code, t.control_number, t.implementation_reference,
                      t.segment_count + 1 + (t.trailer is not None),
                      t.header.position.offset if t.header.position else None)


def summarize(ic: Interchange, sets: Mapping[int, list[SetSummary]] | None = None) -> InterchangeSummary:
    """Summary of an interchange; ``sets`` by ``id(group)`` for a streamed one whose groups kept no sets."""
    out = InterchangeSummary(ic.control_number, ic.sender, ic.receiver, ic.version, ic.header[14] == "1",
                             ic.header[15], ta1_count=len(ic.ta1))
    for g in ic.groups:
        gs = GroupSummary(g.functional_id, g.control_number, g.version)
        gs.transaction_sets = list(sets.get(id(g), [])) if sets is not None else [
            _set_summary(t) for t in g.transaction_sets]
        out.groups.append(gs)
    return out


def validate_interchanges(
    interchanges: Iterator[Interchange] | list[Interchange],
    grammar_validator: GrammarValidator | None = None,
    rules: EnvelopeRules | None = None,
    keep: Callable[[Interchange], None] | None = None,
) -> ValidationReport:
    """Envelope checks for every interchange, then the grammar validator per transaction set when given."""
    rules = rules or EnvelopeRules()
    report = ValidationReport(grammar_checked=grammar_validator is not None)
    for ic in interchanges:
        report.interchanges.append(summarize(ic))
        report.issues.extend(check_interchange(ic, rules))
        if grammar_validator is not None:
            for group in ic.groups:
                for tset in group.transaction_sets:
                    for issue in grammar_validator(tset, ic.delimiters, group.version or None):
                        report.issues.append(_locate(issue, ic, group.control_number, tset))
        if keep is not None:
            keep(ic)
    return report


def validate_file(data: Source, grammar_validator: GrammarValidator | None = None,
                  rules: EnvelopeRules | None = None) -> ValidationReport:
    """Read and validate one transaction set at a time (flat memory); X12ReadError when the input is not X12.

    Each set is checked (ST/SE, then the grammar validator) as it streams by and dropped; group and interchange
    checks run when the interchange is complete, from the counts kept on the way.
    """
    rules = rules or EnvelopeRules()
    report = ValidationReport(grammar_checked=grammar_validator is not None)
    counts: dict[int, int] = {}
    seen_st02: dict[int, set[str]] = {}
    sets: dict[int, list[SetSummary]] = {}
    orphans: list[TransactionSet] = []
    set_issues: list[Issue] = []
    for event in iter_envelopes(data):
        if isinstance(event, SetInContext):
            ic, group, tset = event.interchange, event.group, event.transaction_set
            if group is None:
                orphans.append(TransactionSet(tset.header, [], tset.trailer))
                continue
            key = id(group)  # the group stays alive in ic.groups until the interchange is done
            counts[key] = counts.get(key, 0) + 1
            sets.setdefault(key, []).append(_set_summary(tset))
            set_issues.extend(check_transaction_set(ic, group, tset, rules, seen_st02.setdefault(key, set())))
            if grammar_validator is not None:
                set_issues.extend(_locate(i, ic, group.control_number, tset)
                                  for i in grammar_validator(tset, ic.delimiters, group.version or None))
            continue
        report.interchanges.append(summarize(event, sets))
        report.issues.extend(check_interchange(event, rules, set_counts=counts, orphan_sets=orphans))
        report.issues.extend(set_issues)
        counts, seen_st02, sets, orphans, set_issues = {}, {}, {}, [], []
    if not report.interchanges:
        raise X12ReadError("no ISA segment found: the input is empty or only whitespace", offset=0)
    return report


def _locate(issue: Issue, ic: Interchange, gs06: str, tset: TransactionSet) -> Issue:
    """Fill in the envelope identifiers a grammar validator may leave out."""
    changes: dict[str, Any] = {}
    if issue.interchange is None:
        changes["interchange"] = ic.control_number
    if issue.group is None:
        changes["group"] = gs06
    if issue.transaction_set is None:
        changes["transaction_set"] = tset.control_number
    if issue.transaction_set_code is None:
        changes["transaction_set_code"] = tset.code
    return replace(issue, **changes) if changes else issue
