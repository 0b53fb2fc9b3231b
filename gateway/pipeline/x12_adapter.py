"""The ``X12Toolkit`` port over gateway.x12: reader, envelope (and grammar) validation, 997/999 and envelopes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from gateway.errors import GrammarError
from gateway.mapping.engine import envelope as map_envelope
from gateway.pipeline.mapping_adapter import MapCache
from gateway.pipeline.ports import ControlNumbers, PartnerView, TransactionAck
from gateway.x12 import reader, writer
from gateway.x12.ack import AckKind, ack_group_spec, acknowledge_group
from gateway.x12.ack_parse import AckStatus, parse_acknowledgements
from gateway.x12.issues import Issue, Level, Severity
from gateway.x12.model import Delimiters, FunctionalGroup, Interchange, Segment, TransactionSet
from gateway.x12.validate import validator_for
from gateway.x12.validation import GrammarValidator, validate_interchanges

_CODES = {AckStatus.ACCEPTED: "A", AckStatus.ACCEPTED_WITH_ERRORS: "E", AckStatus.PARTIALLY_ACCEPTED: "P",
          AckStatus.REJECTED: "R"}


def load_grammar_validator(maps_dir: Path | None = None) -> GrammarValidator:
    """The validator of ``<maps_dir>/x12`` (Settings.maps_dir; None: the bundled maps), cached per directory."""
    return validator_for(maps_dir).validate


def _checked(validator: GrammarValidator) -> GrammarValidator:
    """A set without a grammar is not rejected: it carries a warning saying it was not grammar-checked."""

    def run(tset: TransactionSet, delimiters: Delimiters, version: str | None) -> list[Issue]:
        try:
            return validator(tset, delimiters, version)
        except GrammarError as exc:
            return [Issue(Level.TRANSACTION_SET, "1", f"not checked against a grammar: {exc}",
                          severity=Severity.WARNING, transaction_set=tset.control_number,
                          transaction_set_code=tset.code)]

    return run


class X12Port:
    """Implements ``X12Toolkit``; envelopes use the partner's profile (delimiters, GS ids, versions, maps)."""

    def __init__(self, maps: MapCache, clock: Callable[[], datetime],
                 grammar: GrammarValidator | None = None) -> None:
        self.maps = maps
        self.clock = clock
        self.grammar = _checked(grammar) if grammar is not None else None

    def read(self, body: bytes) -> list[Interchange]:
        return reader.read(body)

    def validate(self, interchange: Interchange) -> list[Issue]:
        return validate_interchanges([interchange], grammar_validator=self.grammar).issues

    def acknowledgement(
        self, interchange: Interchange, group: FunctionalGroup, issues: Sequence[Issue], kind: str,
        numbers: ControlNumbers, partner: PartnerView,
    ) -> bytes:
        """One 997/999 for one inbound group, in its own interchange with our control numbers."""
        profile = self.maps.partners.profile(partner.id)
        isa12 = interchange.version
        delimiters = profile.delimiters(isa12)
        ack = acknowledge_group(interchange, group, issues, control_number=f"{numbers.st02:04d}", kind=AckKind(kind),
                                delimiters=delimiters)
        spec = ack_group_spec(interchange, group, ack, numbers.gs06)
        header = interchange.header
        built = writer.build_interchange(
            (header[7], header[8].strip()), (header[5], header[6].strip()), isa12, [spec], numbers.isa13,
            delimiters, self.clock(), usage=header[15] or "P",
        )
        return writer.serialize(built, delimiters)

    def parse_acknowledgements(self, interchange: Interchange) -> list[TransactionAck]:
        report = parse_acknowledgements(interchange)
        out = [TransactionAck(ta1.control_number, None, None, _CODES[ta1.status], (ta1.note_code,), kind="TA1")
               for ta1 in report.interchanges]
        for group in report.groups:
            if not group.sets:
                # AK9 alone: the group's code covers every set in it.
                out.append(TransactionAck(None, group.control_number, None, _CODES[group.status],
                                          tuple(group.errors), kind=group.kind))
            for s in group.sets:
                errors = [f"AK5 {code}" for code in s.errors]
                errors += [f"{seg.segment_id} at {seg.position}: {seg.code}" for seg in s.segments]
                out.append(TransactionAck(None, group.control_number, s.control_number, _CODES[s.status],
                                          tuple(errors), kind=group.kind))
        return out

    def envelope(
        self, partner: PartnerView, document_type: str, body: list[Segment], numbers: ControlNumbers
    ) -> bytes:
        profile, compiled = self.maps.get(partner.id, document_type)
        return map_envelope(profile, compiled, [body], isa13=numbers.isa13, gs06=numbers.gs06,
                            st02_start=numbers.st02, when=self.clock())
