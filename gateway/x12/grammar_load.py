"""Load pyx12-format grammar files (maps.xml, dataele.xml, transaction maps) with lxml into grammar structures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from gateway.errors import GrammarError
from gateway.x12.grammar_model import ElementDef, Grammar, LoopDef, Node, SegmentDef


@dataclass(frozen=True, slots=True)
class DataElement:
    number: str
    data_type: str
    min_length: int
    max_length: int
    name: str


@dataclass(frozen=True, slots=True)
class MapEntry:
    """One line of maps.xml: ISA12, GS08, GS01 and the grammar file they select."""

    icvn: str
    vriic: str
    fic: str
    abbr: str
    file: str


def _parser() -> etree.XMLParser:
    # No entity expansion, no network, no huge trees: grammar files are trusted-ish configuration, but a
    # partner-supplied or corrupted file must not reach out or blow up memory.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def parse_xml(path: Path) -> etree._Element:
    """The root element of an XML file, or GrammarError naming the file and line."""
    try:
        return etree.parse(str(path), _parser()).getroot()
    except OSError as exc:
        raise GrammarError(f"{path}: cannot read grammar file: {exc}") from None
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno is not None else 0
        raise GrammarError(f"{path}:{line}: not well-formed XML: {exc.msg}") from None


def _fail(path: Path, node: etree._Element, message: str) -> GrammarError:
    return GrammarError(f"{path}:{node.sourceline}: {message}")


def _text(path: Path, node: etree._Element, tag: str) -> str:
    child = node.find(tag)
    if child is None or child.text is None or not child.text.strip():
        raise _fail(path, node, f"<{node.tag} xid={node.get('xid')!r}> has no <{tag}>")
    return child.text.strip()


def _count(path: Path, node: etree._Element, value: str) -> int | None:
    if value.startswith(">"):
        return None
    if not value.isdigit() or int(value) < 1:
        raise _fail(path, node, f"expected a positive count or '>1', found {value!r}")
    return int(value)


def _usage(path: Path, node: etree._Element) -> bool:
    usage = _text(path, node, "usage")
    if usage not in ("R", "S", "N"):
        raise _fail(path, node, f"usage must be R, S or N, found {usage!r}")
    return usage == "R"


def load_data_elements(path: Path) -> dict[str, DataElement]:
    """dataele.xml: data element number to type and length."""
    root = parse_xml(path)
    out: dict[str, DataElement] = {}
    for node in root.iter("data_ele"):
        number, data_type = node.get("ele_num"), node.get("data_type")
        lo, hi = node.get("min_len", ""), node.get("max_len", "")
        if not number or not data_type or not lo.isdigit() or not hi.isdigit():
            raise _fail(path, node, "data_ele needs ele_num, data_type, min_len and max_len")
        out[number] = DataElement(number, data_type, int(lo), int(hi), node.get("name", ""))
    return out


def load_index(path: Path) -> list[MapEntry]:
    """maps.xml: which grammar file serves which ISA12 / GS08 / GS01."""
    root = parse_xml(path)
    out: list[MapEntry] = []
    for version in root.iter("version"):
        for m in version.iter("map"):
            if not m.text or not m.text.strip():
                raise _fail(path, m, "map entry without a file name")
            out.append(MapEntry(version.get("icvn", ""), m.get("vriic", ""), m.get("fic", ""), m.get("abbr", ""),
                                m.text.strip()))
    return out


class _Compiler:
    def __init__(self, path: Path, elements: dict[str, DataElement]) -> None:
        self.path, self.elements = path, elements

    def element(self, node: etree._Element, position: int, xid: str) -> ElementDef:
        ref = _text(self.path, node, "data_ele")
        name = _text(self.path, node, "name")
        required = _usage(self.path, node)
        if node.tag == "composite":
            components = tuple(self.element(c, i, c.get("xid") or f"{xid}-{i:02d}")
                               for i, c in enumerate(node.findall("element"), 1))
            if not components:
                raise _fail(self.path, node, f"composite {xid} has no elements")
            return ElementDef(xid, position, ref, name, required, "", 0, 0, None, components)
        de = self.elements.get(ref)
        if de is None:
            raise _fail(self.path, node, f"{xid}: data element {ref} is not in dataele.xml")
        codes_node = node.find("valid_codes")
        codes = None
        if codes_node is not None:
            values = [c.text.strip() for c in codes_node.findall("code") if c.text and c.text.strip()]
            codes = frozenset(values) if values else None
        return ElementDef(xid, position, ref, name, required, de.data_type, de.min_length, de.max_length, codes)

    def segment(self, node: etree._Element) -> SegmentDef:
        sid = node.get("xid", "")
        elements: list[ElementDef] = []
        for child in node:
            if child.tag not in ("element", "composite"):
                continue
            seq = _text(self.path, child, "seq")
            if not seq.isdigit():
                raise _fail(self.path, child, f"seq must be a number, found {seq!r}")
            elements.append(self.element(child, int(seq), child.get("xid") or f"{sid}{int(seq):02d}"))
        elements.sort(key=lambda e: e.position)
        full: list[ElementDef] = []
        for e in elements:  # positions the grammar skips are not used: keep them as optional placeholders
            while len(full) + 1 < e.position:
                full.append(ElementDef(f"{sid}{len(full) + 1:02d}", len(full) + 1, "", "not used", False, "AN", 0,
                                       0, None))
            full.append(e)
        return SegmentDef(sid, _text(self.path, node, "name"), _usage(self.path, node), _text(self.path, node, "pos"),
                          _count(self.path, node, _text(self.path, node, "max_use")), tuple(full),
                          node.sourceline or 0)

    def loop(self, node: etree._Element, flatten_wrappers: bool) -> LoopDef:
        children: list[Node] = []
        for child in node:
            if child.tag == "segment":
                children.append(self.segment(child))
            elif child.tag == "loop":
                sub = self.loop(child, False)
                if flatten_wrappers and child.get("type") == "wrapper":
                    children.extend(sub.children)  # tables (heading/detail/summary) do not nest in the data
                elif sub.children:
                    children.append(sub)
        if children and not isinstance(children[0], SegmentDef) and node.get("type") not in ("wrapper", "explicit"):
            raise _fail(self.path, node, f"loop {node.get('xid')} must start with a segment")
        return LoopDef(node.get("xid", ""), _text(self.path, node, "name"), _usage(self.path, node),
                       _text(self.path, node, "pos"), _count(self.path, node, _text(self.path, node, "repeat")),
                       tuple(children), node.sourceline or 0)


def load_grammar(path: Path, version: str, elements: dict[str, DataElement]) -> Grammar:
    """Compile one transaction map; GrammarError names the file and line of the first problem."""
    root = parse_xml(path)
    if root.tag != "transaction":
        raise _fail(path, root, f"expected <transaction>, found <{root.tag}>")
    st_loop = root.find("loop/loop/loop[@xid='ST_LOOP']")
    if st_loop is None:
        raise _fail(path, root, "no ISA_LOOP/GS_LOOP/ST_LOOP: not a transaction set map")
    body = _Compiler(path, elements).loop(st_loop, True)
    if not body.children or not isinstance(body.children[0], SegmentDef) or body.children[0].segment_id != "ST":
        raise _fail(path, st_loop, "ST_LOOP must start with the ST segment")
    last = body.children[-1]
    if not isinstance(last, SegmentDef) or last.segment_id != "SE":
        raise _fail(path, st_loop, "ST_LOOP must end with the SE segment")
    return Grammar(root.get("xid", ""), version, _text(path, root, "name"), str(path), body)
