"""Public mapping API: load a map, X12 transaction set -> canonical document, canonical document -> X12."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gateway.canonical import MODELS, Document, model_for
from gateway.canonical.fastpath import ModelChecker, dump
from gateway.errors import MappingError
from gateway.mapping.compiled import CBlock, compile_spec, placeable_paths
from gateway.mapping.inbound import MappingWarning, Reader
from gateway.mapping.outbound import Writer
from gateway.mapping.outgen import delimiters_for, walk_for
from gateway.mapping.overrides import load_merged
from gateway.mapping.placegen import Placed, build_placed
from gateway.mapping.readcert import Certifier, Finisher
from gateway.mapping.readgen import BlockReader, Interpreted, build_reader
from gateway.mapping.spec import MapSpec, parse_map
from gateway.partners.profile import FUNCTIONAL_IDS, Direction, PartnerProfile
from gateway.x12 import writer as x12_writer
from gateway.x12.model import Delimiters, FunctionalGroup, Interchange, Segment, TransactionSet
from gateway.x12.writer import WrittenBody

SKIPPED_FIELDS = {"envelope", "unmapped", "documentType"}
_DEFAULT_DELIMITERS = Delimiters()


@dataclass(frozen=True, slots=True)
class CompiledMap:
    """A mapping file ready to run in both directions."""

    spec: MapSpec
    root: CBlock
    placeable: frozenset[str]
    canonical: ModelChecker  # the generated checker of the map's canonical model (its JSON form)
    placed: Placed  # generated: True when every field of a document's JSON form has a place in the map
    read: BlockReader  # generated: the reader's walk over a set's segments (X12 -> JSON)
    # generated: the JSON form of what ``read`` made when the reader is certain of it (readcert), else None
    finish: Finisher | None = None

    @property
    def transaction_set(self) -> str:
        return self.spec.transaction_set

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def files(self) -> tuple[str, ...]:
        return self.spec.files


def load_map(path: Path, *, search: list[Path] | None = None, variables: dict[str, str] | None = None
             ) -> CompiledMap:
    """Load, merge (``extends``), check and compile a mapping file; ConfigError naming file:line on any problem."""
    data, files = load_merged(Path(path), list(search or []))
    spec = parse_map(data, model_for, dict(variables or {}), files)
    cert = Certifier(spec.model)
    root = compile_spec(spec, cert if cert.ok else None)
    placeable = frozenset(placeable_paths(root))
    finish = cert.finisher(root.place.doc) if root.place is not None else None
    return CompiledMap(spec, root, placeable, ModelChecker(spec.model),
                       build_placed(spec.model, placeable, frozenset(SKIPPED_FIELDS)), build_reader(root), finish)


def load_partner_map(partner: PartnerProfile, transaction_set: str, maps_dir: Path) -> CompiledMap:
    """The map a partner profile names for one transaction set, with the partner's ``${values}``."""
    settings = partner.transaction_set(transaction_set)
    values = dict(partner.x12.values) if partner.x12 else {}
    compiled = load_map(settings.map, search=[Path(maps_dir) / "mappings"], variables=values)
    if compiled.transaction_set != transaction_set:
        raise MappingError(f"partner {partner.id}: map {settings.map} is for {compiled.transaction_set}, "
                           f"not {transaction_set}")
    return compiled


def _what(partner: PartnerProfile | str, code: str, st02: str | None) -> str:
    pid = partner if isinstance(partner, str) else partner.id
    return f"partner {pid}, {code}" + (f" ST02 {st02}" if st02 else "")


def _validation_error(what: str, exc: ValidationError) -> MappingError:
    first = exc.errors()[0]
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(".")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    message = str(first["msg"]).removeprefix("Value error, ")
    return MappingError(f"{what}: field {loc}: {message}{more}" if loc else f"{what}: {message}{more}")


def _mapped(transaction_set: TransactionSet, delimiters: Delimiters, partner: PartnerProfile | str,
            mapping: CompiledMap, interchange: Interchange | None, group: FunctionalGroup | None
            ) -> tuple[str, dict[str, Any], list[MappingWarning]]:
    """The map's output for one transaction set as a plain dict, not yet checked against the model."""
    what, reader, env = _read(transaction_set, delimiters, partner, mapping, interchange, group)
    return what, _with_envelope(reader, env), reader.warnings


def _with_envelope(reader: Reader, env: dict[str, str]) -> dict[str, Any]:
    data = reader.doc
    data["unmapped"] = reader.unmapped
    data["envelope"] = env
    return data


def _read(transaction_set: TransactionSet, delimiters: Delimiters, partner: PartnerProfile | str,
          mapping: CompiledMap, interchange: Interchange | None, group: FunctionalGroup | None
          ) -> tuple[str, Reader, dict[str, str]]:
    """The reader after one transaction set, and the set's envelope in the model's field order."""
    code = transaction_set.code
    what = _what(partner, code, transaction_set.control_number)
    if code != mapping.transaction_set:
        raise MappingError(f"{what}: map {mapping.files[-1]} is for {mapping.transaction_set}")
    reader = Reader(mapping.root, what, delimiters.component)
    segments = transaction_set.element_lists()
    try:
        mapping.read(reader, segments)
    except Interpreted:  # a discarded loop instance: the interpreting reader, from a clean start
        reader = Reader(mapping.root, what, delimiters.component)
        reader.run(segments)
        reader.sure = False  # the certifying checks are the generated reader's
    # in the model's field order, so the canonical check takes the envelope as it is instead of rebuilding it
    env = {
        "partner": partner if isinstance(partner, str) else partner.id,
        "documentType": code,
        "x12Version": group.version if group is not None else mapping.version,
    }
    if interchange is not None:
        env["interchangeControlNumber"] = interchange.control_number
    if group is not None:
        env["groupControlNumber"] = group.control_number
    env["transactionSetControlNumber"] = transaction_set.control_number
    if interchange is not None:
        env.update(interchangeSender=":".join(interchange.sender), interchangeReceiver=":".join(interchange.receiver))
    return what, reader, env


def x12_to_canonical(transaction_set: TransactionSet, delimiters: Delimiters, partner: PartnerProfile | str,
                     mapping: CompiledMap, *, interchange: Interchange | None = None,
                     group: FunctionalGroup | None = None) -> tuple[Document, list[MappingWarning]]:
    """Map one transaction set; MappingError (no partial document) when it cannot be mapped."""
    what, data, warnings = _mapped(transaction_set, delimiters, partner, mapping, interchange, group)
    try:
        document = mapping.spec.model.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(what, exc) from None
    assert isinstance(document, Document)
    return document, warnings


def x12_to_dict(transaction_set: TransactionSet, delimiters: Delimiters, partner: PartnerProfile | str,
                mapping: CompiledMap, *, interchange: Interchange | None = None,
                group: FunctionalGroup | None = None) -> tuple[dict[str, Any], list[MappingWarning]]:
    """As ``x12_to_canonical``, but the document's JSON form (``to_dict``) without building pydantic models.

    The generated reader certifies most documents itself (``finish``); the others go through the model's checker,
    and pydantic where that is not certain.
    """
    what, reader, env = _read(transaction_set, delimiters, partner, mapping, interchange, group)
    if mapping.finish is not None:
        done = mapping.finish(reader, env)
        if done is not None:
            return done, reader.warnings
    try:
        return mapping.canonical.read_form(_with_envelope(reader, env)), reader.warnings
    except ValidationError as exc:
        raise _validation_error(what, exc) from None


def _leaves(obj: Any, prefix: str, pattern: str, out: list[tuple[str, str]]) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not prefix and key in SKIPPED_FIELDS:
                continue
            _leaves(value, f"{prefix}{key}.", f"{pattern}{key}.", out)
    elif isinstance(obj, list):
        for n, item in enumerate(obj):
            _leaves(item, f"{prefix[:-1]}[{n}].", f"{pattern[:-1]}[].", out)
    elif obj is not None:
        out.append((prefix[:-1], pattern[:-1]))


def to_dict(document: Document) -> dict[str, Any]:
    """The JSON form of a canonical document: camelCase, ISO dates, decimals as strings, no nulls/empty lists."""
    return dump(document)


def canonical_to_x12(document: Document | dict[str, Any], partner: PartnerProfile | str, mapping: CompiledMap,
                     delimiters: Delimiters | None = None) -> list[Segment]:
    """Body segments (no ST/SE) for one canonical document; MappingError naming the field that cannot be placed."""
    return list(map(Segment, _body(document, partner, mapping, delimiters)[0]))


def canonical_to_body(document: Document | dict[str, Any], partner: PartnerProfile | str, mapping: CompiledMap,
                      delimiters: Delimiters | None = None) -> WrittenBody:
    """``canonical_to_x12`` written out with the partner's delimiters: what ``envelope`` takes at the least cost."""
    elements, what, delimiters = _body(document, partner, mapping, delimiters)
    return x12_writer.write_body(elements, delimiters, what)


def _body(document: Document | dict[str, Any], partner: PartnerProfile | str, mapping: CompiledMap,
          delimiters: Delimiters | None) -> tuple[list[list[str]], str, Delimiters]:
    """The body's element lists, the document's description for errors, and the delimiters they are meant for."""
    code = mapping.transaction_set
    what = _what(partner, code, None)
    model = MODELS[code]
    try:
        if isinstance(document, model):
            data = dump(document)
        else:
            check = mapping.canonical if mapping.canonical.model is model else ModelChecker(model)
            data = check.json_form(document.model_dump(by_alias=True) if isinstance(document, Document) else document)
    except ValidationError as exc:
        raise _validation_error(what, exc) from None
    if not mapping.placed(data):
        leaves: list[tuple[str, str]] = []
        _leaves(data, "", "", leaves)
        for concrete, pattern in leaves:
            if pattern not in mapping.placeable:
                raise MappingError(f"{what}: field {concrete} has no place in map {mapping.files[-1]} "
                                   f"(add it to the map or leave it out)")
    if delimiters is None:
        delimiters = delimiters_for(partner, mapping.version[:5]) if isinstance(partner, PartnerProfile) else \
            _DEFAULT_DELIMITERS
    writer = Writer(mapping.root, what, delimiters.component, data)
    walk_for(mapping.root)(data, writer)  # the generated form of writer.run()
    return writer.out, what, delimiters


def envelope(partner: PartnerProfile, mapping: CompiledMap, bodies: Sequence[list[Segment] | WrittenBody], *,
             isa13: int, gs06: int, st02_start: int, when: datetime, version: str | None = None) -> bytes:
    """One interchange with one group holding a set per body, with the caller's control numbers, as bytes.

    Sender and receiver follow the set's direction in the profile (an inbound 850 comes from the partner, which is
    what simulators and tests need); GS08 is the profile's version for the set unless ``version`` is given.
    """
    if partner.x12 is None:
        raise MappingError(f"partner {partner.id} has no x12 section")
    x = partner.x12
    settings = partner.transaction_set(mapping.transaction_set)
    reference = settings.implementation_reference if version is None else None
    version = version or settings.version
    isa12 = version[:5]
    delimiters = partner.delimiters(isa12)
    ours, theirs = (x.our_qualifier, x.our_id), (x.their_qualifier, x.their_id)
    gs_ours, gs_theirs = x.our_gs_id, x.their_gs_id
    if settings.direction is Direction.INBOUND:
        ours, theirs, gs_ours, gs_theirs = theirs, ours, gs_theirs, gs_ours
    sets = [x12_writer.transaction_set(mapping.transaction_set, str(st02_start + n).zfill(4), body, reference)
            for n, body in enumerate(bodies)]
    group = x12_writer.GroupSpec(FUNCTIONAL_IDS[mapping.transaction_set], gs_ours, gs_theirs, gs06, version, sets)
    ic = x12_writer.build_interchange(ours, theirs, isa12, [group], isa13, delimiters, when, usage=x.usage)
    return x12_writer.serialize(ic, delimiters)
