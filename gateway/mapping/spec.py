"""A mapping file as data: parsed from YAML, checked key by key against the canonical model (errors name file:line)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from gateway.errors import ConfigError
from gateway.mapping.fields import FieldRef, default_type, resolve
from gateway.mapping.segments import SEGMENT_ELEMENTS
from gateway.partners.yamlsrc import LDict, LList, where

TYPES = {"string", "date", "time", "int", "decimal", "implied", "sscc", "sscc18"}
DATE_FORMATS = {"CCYYMMDD": 8, "YYMMDD": 6}
COMPUTES = {"count", "sum", "segments"}
_ELEMENT_RE = re.compile(r"^([A-Z][A-Z0-9]{1,2})(\d{2})(?:-(\d{1,2}))?$")
_COMPUTE_RE = re.compile(r"^(\w+)\(([\w.]+)\)$")


@dataclass(slots=True)
class ElementSpec:
    ref: str  # e.g. BEG03 or PID05-1
    index: int
    component: int | None
    path: tuple[str, ...] | None = None
    const: str | None = None
    codes: str | None = None
    type: str = "string"
    date_format: str = "CCYYMMDD"
    decimals: int = 2
    default: str | None = None
    compute: tuple[str, str] | None = None
    when: tuple[str, ...] | None = None  # output the element only when this (relative) path has a value
    file: str = ""
    line: int = 0


@dataclass(slots=True)
class PairsSpec:
    """Qualifier/value element pairs (PO106/07, PO108/09 ...) where the qualifier picks the JSON field."""

    qualifiers: list[int]  # element indexes of the qualifiers; the value is the next element
    table: dict[str, tuple[str, ...]]  # qualifier -> path


@dataclass(slots=True)
class SegmentNode:
    key: str
    segment: str
    path: tuple[str, ...] = ()
    list_path: tuple[str, ...] | None = None
    elements: list[ElementSpec] = field(default_factory=list)
    pairs: PairsSpec | None = None
    required: bool = False
    when: tuple[str, ...] | None = None
    file: str = ""
    line: int = 0


@dataclass(slots=True)
class LoopNode:
    key: str
    path: tuple[str, ...] = ()
    list_path: tuple[str, ...] | None = None
    children: list[Node] = field(default_factory=list)
    required: bool = False
    when: tuple[str, ...] | None = None
    file: str = ""
    line: int = 0


@dataclass(slots=True)
class HLLevel:
    code: str
    list_path: tuple[str, ...] | None  # None for the shipment level (the document itself)
    parents: tuple[str, ...]
    children: list[Node]


@dataclass(slots=True)
class HLNode:
    key: str
    levels: dict[str, HLLevel]
    child_code: bool = False
    file: str = ""
    line: int = 0


Node = SegmentNode | LoopNode | HLNode


@dataclass(slots=True)
class MapSpec:
    transaction_set: str
    version: str
    functional_id: str
    model: type[BaseModel]
    structure: list[Node]
    codes: dict[str, dict[str, str]]
    implementation_reference: str | None = None
    files: tuple[str, ...] = ()


def _fail(message: str, node: Any, key: str | None = None) -> ConfigError:
    return ConfigError(message, **where(node, key))


def check_keys(node: Any, allowed: set[str], what: str) -> LDict:
    if not isinstance(node, LDict):
        raise _fail(f"{what} must be a mapping, got {type(node).__name__}", node)
    for key in node:
        if key not in allowed:
            import difflib

            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _fail(f"unknown key {key!r} in {what}{hint}; allowed: {', '.join(sorted(allowed))}", node, key)
    return node


def _bool(node: LDict, key: str) -> bool:
    value = node.get(key, "false")
    if value not in ("true", "false"):
        raise _fail(f"{key} must be true or false, got {value!r}", node, key)
    return value == "true"


def _path(text: Any, node: Any, key: str) -> tuple[str, ...]:
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*", text):
        raise _fail(f"{key} must be a dotted field path like orderDetails.items, got {text!r}", node, key)
    return tuple(text.split("."))


class _Parser:
    def __init__(self, codes: dict[str, dict[str, str]], variables: dict[str, str]) -> None:
        self.codes = codes
        self.variables = variables

    def _resolve(self, model: type[BaseModel], path: tuple[str, ...], node: Any, key: str) -> FieldRef:
        try:
            return resolve(model, path)
        except ValueError as exc:
            raise _fail(str(exc), node, key) from None

    def _text(self, value: Any, node: Any, key: str) -> str:
        if not isinstance(value, str):
            raise _fail(f"{key} must be text, got {type(value).__name__}", node, key)
        for name in re.findall(r"\$\{(\w+)\}", value):
            if name not in self.variables:
                raise _fail(f"unknown partner value ${{{name}}} (the profile's x12.values has: "
                            f"{', '.join(sorted(self.variables)) or 'none'})", node, key)
            value = value.replace(f"${{{name}}}", self.variables[name])
        return value

    def structure(self, items: Any, model: type[BaseModel], what: str) -> list[Node]:
        if not isinstance(items, LList):
            raise _fail(f"{what} must be a list of segments/loops", items)
        nodes: list[Node] = []
        keys: set[str] = set()
        for item in items:
            node = self.node(item, model)
            if node.key in keys:
                raise _fail(f"two nodes named {node.key!r} in {what}: give one an 'id'", item)
            keys.add(node.key)
            nodes.append(node)
        return nodes

    def node(self, item: Any, model: type[BaseModel]) -> Node:
        if isinstance(item, LDict) and "loop" in item:
            return self.loop(item, model)
        if isinstance(item, LDict) and "hl" in item:
            return self.hl(item, model)
        return self.segment(item, model)

    def _target(self, item: LDict, model: type[BaseModel]) -> tuple[tuple[str, ...], tuple[str, ...] | None,
                                                                       type[BaseModel]]:
        if "path" in item and "list" in item:
            raise _fail("a node takes 'path' (one object) or 'list' (one object per occurrence), not both", item)
        if "list" in item:
            lp = _path(item["list"], item, "list")
            ref = self._resolve(model, lp, item, "list")
            if not ref.is_list or ref.model is None:
                raise _fail(f"list {item['list']!r} is not a list of objects in {model.__name__}", item, "list")
            return (), lp, ref.model
        if "path" in item:
            p = _path(item["path"], item, "path")
            ref = self._resolve(model, p, item, "path")
            if ref.model is None or ref.is_list:
                raise _fail(f"path {item['path']!r} must name one object in {model.__name__}", item, "path")
            return p, None, ref.model
        return (), None, model

    def segment(self, item: Any, model: type[BaseModel]) -> SegmentNode:
        item = check_keys(item, {"segment", "id", "path", "list", "elements", "pairs", "required", "if"}, "segment")
        seg = item.get("segment")
        if seg not in SEGMENT_ELEMENTS:
            raise _fail(f"unknown segment id {seg!r}", item, "segment")
        path, list_path, target = self._target(item, model)
        elements_node = item.get("elements", LDict())
        if not isinstance(elements_node, LDict):
            raise _fail("elements must map element references (e.g. BEG03) to fields", item, "elements")
        elements = [self.element(seg, ref, spec, elements_node, target) for ref, spec in elements_node.items()
                    if spec is not None]
        pairs = self.pairs(seg, item["pairs"], target) if "pairs" in item else None
        consts = [e.const for e in elements if e.const is not None and e.when is None]
        key = str(item.get("id") or (f"{seg}*{consts[0]}" if consts else seg))
        when = _path(item["if"], item, "if") if "if" in item else None
        return SegmentNode(key, seg, path, list_path, elements, pairs, _bool(item, "required"), when,
                           item.file, item.line)

    def element(self, seg: str, ref: str, spec: Any, parent: LDict, model: type[BaseModel]) -> ElementSpec:
        m = _ELEMENT_RE.match(ref)
        if not m or m.group(1) != seg:
            raise _fail(f"element reference {ref!r} is not an element of {seg} (write e.g. {seg}01 or {seg}01-2)",
                        parent, ref)
        index, comp = int(m.group(2)), int(m.group(3)) if m.group(3) else None
        if not 1 <= index <= SEGMENT_ELEMENTS[seg]:
            raise _fail(f"{seg} has elements {seg}01..{seg}{SEGMENT_ELEMENTS[seg]:02d}, not {ref}", parent, ref)
        if isinstance(spec, str):
            spec = LDict({"path": spec})
            spec.file, spec.line, spec.key_lines = parent.file, parent.line_of(ref), {}
        spec = check_keys(spec, {"path", "const", "codes", "type", "format", "decimals", "default", "compute", "if"},
                          f"element {ref}")
        out = ElementSpec(ref, index, comp, file=spec.file, line=spec.line)
        if "path" in spec:
            out.path = _path(spec["path"], spec, "path")
            fref = self._resolve(model, out.path, spec, "path")
            if fref.model is not None:
                raise _fail(f"path {spec['path']!r} names an object; map its fields instead", spec, "path")
            out.type = default_type(fref.scalar)
        if "const" in spec:
            out.const = self._text(spec["const"], spec, "const")
        if "type" in spec:
            if spec["type"] not in TYPES:
                raise _fail(f"unknown type {spec['type']!r}; known: {', '.join(sorted(TYPES))}", spec, "type")
            out.type = spec["type"]
        if "format" in spec:
            if spec["format"] not in DATE_FORMATS:
                raise _fail(f"unknown date format {spec['format']!r}; known: CCYYMMDD, YYMMDD", spec, "format")
            out.date_format = spec["format"]
        if "decimals" in spec:
            if not str(spec["decimals"]).isdigit():
                raise _fail("decimals must be a whole number", spec, "decimals")
            out.decimals = int(spec["decimals"])
        if "codes" in spec:
            if spec["codes"] not in self.codes:
                raise _fail(f"unknown code table {spec['codes']!r}; tables: {', '.join(sorted(self.codes))}",
                            spec, "codes")
            out.codes = spec["codes"]
        if "default" in spec:
            out.default = self._text(spec["default"], spec, "default")
        if "if" in spec:
            out.when = _path(spec["if"], spec, "if")
        if "compute" in spec:
            cm = _COMPUTE_RE.match(str(spec["compute"]))
            if not cm or cm.group(1) not in COMPUTES:
                raise _fail(f"compute must be one of count(list.path), sum(list.path.field), segments(ID); got "
                            f"{spec['compute']!r}", spec, "compute")
            out.compute = (cm.group(1), cm.group(2))
        if sum(x is not None for x in (out.path, out.const, out.compute)) != 1:
            raise _fail(f"element {ref} needs exactly one of path, const or compute", spec)
        return out

    def pairs(self, seg: str, spec: Any, model: type[BaseModel]) -> PairsSpec:
        spec = check_keys(spec, {"qualifiers", "fields"}, "pairs")
        quals = spec.get("qualifiers")
        if not isinstance(quals, LList) or not quals:
            raise _fail("pairs.qualifiers must list the qualifier elements, e.g. [PO106, PO108]", spec, "qualifiers")
        indexes = []
        for ref in quals:
            m = _ELEMENT_RE.match(str(ref))
            if not m or m.group(1) != seg or m.group(3):
                raise _fail(f"{ref!r} is not an element of {seg}", spec, "qualifiers")
            indexes.append(int(m.group(2)))
        table_node = check_keys(spec.get("fields"), set(spec.get("fields") or ()), "pairs.fields")
        table: dict[str, tuple[str, ...]] = {}
        for qual, text in table_node.items():
            if text is None:
                continue
            path = _path(text, table_node, qual)
            self._resolve(model, path, table_node, qual)
            twin = next((q for q, p in table.items() if p == path), None)
            if twin is not None:
                raise _fail(f"qualifiers {twin} and {qual} both map to {text}: the output direction would be "
                            "ambiguous (keep one)", table_node, qual)
            table[qual] = path
        return PairsSpec(indexes, table)

    def loop(self, item: LDict, model: type[BaseModel]) -> LoopNode:
        item = check_keys(item, {"loop", "id", "path", "list", "structure", "required", "if"}, "loop")
        path, list_path, target = self._target(item, model)
        children = self.structure(item.get("structure"), target, f"loop {item['loop']}")
        first = children[0] if children else None
        if not isinstance(first, SegmentNode) or first.segment != item["loop"]:
            raise _fail(f"loop {item['loop']} must start with segment {item['loop']}", item, "structure")
        key = str(item.get("id") or first.key)
        when = _path(item["if"], item, "if") if "if" in item else None
        return LoopNode(key, path, list_path, children, _bool(item, "required"), when, item.file, item.line)

    def hl(self, item: LDict, model: type[BaseModel]) -> HLNode:
        item = check_keys(item, {"hl", "id", "levels", "child_code"}, "hl")
        levels_node = check_keys(item.get("levels"), set(item.get("levels") or ()), "hl.levels")
        levels: dict[str, HLLevel] = {}
        models: dict[str, type[BaseModel]] = {}
        for code, spec in levels_node.items():
            spec = check_keys(spec, {"list", "parent", "structure"}, f"hl level {code}")
            parents: tuple[str, ...] = ()
            list_path: tuple[str, ...] | None = None
            if "list" not in spec:
                if "parent" in spec:
                    raise _fail(f"hl level {code} has a parent, so it needs a 'list'", spec)
                target = model
            else:
                parents = tuple(str(spec.get("parent", "")).replace(",", " ").split())
                for parent in parents:
                    if parent not in models:
                        raise _fail(f"hl level {code}: parent level {parent!r} must be declared before it", spec,
                                    "parent")
                if not parents:
                    raise _fail(f"hl level {code} needs a parent level", spec)
                list_path = _path(spec["list"], spec, "list")
                ref = self._resolve(models[parents[0]], list_path, spec, "list")
                if ref.model is None or not ref.is_list:
                    raise _fail(f"list {spec['list']!r} is not a list of objects", spec, "list")
                for parent in parents[1:]:
                    self._resolve(models[parent], list_path, spec, "list")
                target = ref.model
            models[code] = target
            levels[code] = HLLevel(code, list_path, parents,
                                   self.structure(spec.get("structure", LList()), target, f"hl level {code}"))
        if sum(1 for lv in levels.values() if lv.list_path is None) != 1:
            raise _fail("hl needs exactly one top level (without 'list'), the shipment", item, "levels")
        return HLNode(str(item.get("id") or "HL"), levels, _bool(item, "child_code"), item.file, item.line)


def parse_codes(node: Any) -> dict[str, dict[str, str]]:
    if node is None:
        return {}
    node = check_keys(node, set(node) if isinstance(node, LDict) else set(), "codes")
    tables: dict[str, dict[str, str]] = {}
    for name, table in node.items():
        table = check_keys(table, set(table) if isinstance(table, LDict) else set(), f"code table {name}")
        reverse: dict[str, str] = {}
        for code, value in table.items():
            if not isinstance(value, str):
                raise _fail(f"code {code!r} in table {name} must map to text", table, code)
            if value in reverse:
                raise _fail(f"table {name}: {value!r} is the translation of both {reverse[value]!r} and {code!r}; "
                            "the output direction would be ambiguous", table, code)
            reverse[value] = code
        tables[name] = dict(table)
    return tables


def parse_map(data: LDict, model_for: Any, variables: dict[str, str], files: tuple[str, ...]) -> MapSpec:
    """Turn merged YAML (see overrides.py) into a MapSpec; every problem is a ConfigError with file and line."""
    data = check_keys(data, {"transaction_set", "version", "functional_id", "implementation_reference", "codes",
                             "structure", "description"}, "mapping file")
    for key in ("transaction_set", "version", "functional_id", "structure"):
        if key not in data:
            raise _fail(f"mapping file needs {key!r}", data)
    try:
        model = model_for(data["transaction_set"])
    except KeyError as exc:
        raise _fail(str(exc.args[0]), data, "transaction_set") from None
    codes = parse_codes(data.get("codes"))
    structure = _Parser(codes, variables).structure(data["structure"], model, "structure")
    return MapSpec(data["transaction_set"], data["version"], data["functional_id"], model, structure, codes,
                   data.get("implementation_reference"), files)
