"""Grammar files (maps/x12): valid against pyx12's schemas, compiled by the loader, named in element lookups."""

from __future__ import annotations

import shutil
import sys
from importlib.resources import files
from pathlib import Path

import pytest
from lxml import etree

from gateway.errors import GrammarError
from gateway.x12.grammar import DEFAULT_MAPS_DIR, GrammarLibrary, element_name, library
from gateway.x12.grammar_model import LoopDef, SegmentDef

GRAMMAR_DIR = DEFAULT_MAPS_DIR / "x12"
PYX12_MAPS = Path(str(files("pyx12") / "map"))
TABLES = {"maps.xml": "maps.xsd", "dataele.xml": "dataele.xsd", "codes.xml": "codes.xsd"}
EXPECTED = {(c, v) for c in ("850", "855", "856", "810", "180", "997") for v in ("004010", "005010")} | {
    ("999", "005010")}


@pytest.mark.parametrize("path", sorted(GRAMMAR_DIR.glob("*.xml")), ids=lambda p: p.name)
def test_every_grammar_file_is_valid_against_pyx12_schema(path: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(PYX12_MAPS / TABLES.get(path.name, "map.xsd"))))
    document = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    assert schema.validate(document), schema.error_log


def test_library_has_every_set_and_version() -> None:
    lib = library()
    assert set(lib.available()) == EXPECTED
    grammars = lib.load_all()
    assert len(grammars) == len(EXPECTED)
    for g in grammars:
        first, last = g.body.children[0], g.body.children[-1]
        assert isinstance(first, SegmentDef) and first.segment_id == "ST"
        assert isinstance(last, SegmentDef) and last.segment_id == "SE"
    assert lib.get("850", "004010VICS") is lib.get("850", "004010")  # industry GS08 suffixes map to the standard
    assert lib.get("830", "004010") is None


def _hl_tree(loop: LoopDef) -> dict[str, object]:
    out: dict[str, object] = {}
    for child in loop.children:
        if isinstance(child, LoopDef) and child.first_segment.segment_id == "HL":
            key = child.first_segment.key()
            assert key is not None and key[0] == 3
            out["/".join(sorted(key[1]))] = _hl_tree(child)
    return out


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_856_hierarchical_levels(version: str) -> None:
    grammar = library().get("856", version)
    assert grammar is not None
    # shipment > order > (tare > pack > item | pack > item | item): SOTPI, SOPI and SOI
    assert _hl_tree(grammar.body) == {"S": {"O": {"T": {"P": {"I": {}}}, "P": {"I": {}}, "I": {}}}}


def test_element_names_for_the_monitor() -> None:
    assert element_name("850", "004010", "BEG", 3) == "Purchase Order Number"
    assert element_name("856", "005010", "HL", 3) == "Hierarchical Level Code"
    assert element_name("850", "005010", "REF", 4, 1) == "Reference Identification Qualifier"
    assert element_name("999", "005010X231A1", "IK4", 1, 1) == "Element Position in Segment"
    assert element_name("850", "004010", "BEG", 99) is None
    assert element_name("850", "004010", "XYZ", 1) is None
    assert element_name("830", "004010", "BEG", 1) is None
    el = library().element("810", "004010", "IT1", 2)
    assert el is not None and (el.data_element, el.data_type, el.min_length, el.max_length) == ("358", "R", 1, 10)


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "x12"
    shutil.copytree(GRAMMAR_DIR, target, ignore=shutil.ignore_patterns("source"))
    return target


def test_grammar_error_names_file_and_line(tmp_path: Path) -> None:
    grammar_dir = _copy(tmp_path)
    path = grammar_dir / "850.004010.xml"
    lines = path.read_text().splitlines()
    bad = next(i for i, line in enumerate(lines) if "<data_ele>324</data_ele>" in line)
    lines[bad] = lines[bad].replace("324", "99999")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(GrammarError, match=r"850\.004010\.xml:\d+: BEG03: data element 99999 is not in dataele"):
        GrammarLibrary(grammar_dir).get("850", "004010")
    path.write_text("<transaction xid='850'>\n<name>broken</name>\n<loop>\n")
    with pytest.raises(GrammarError, match=r"850\.004010\.xml:\d+: not well-formed XML"):
        GrammarLibrary(grammar_dir).get("850", "004010")


def test_entities_are_not_expanded(tmp_path: Path) -> None:
    grammar_dir = _copy(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    path = grammar_dir / "997.004010.xml"
    text = path.read_text().replace('<?xml version="1.0" encoding="utf-8"?>',
                                    f'<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY x SYSTEM "file://{secret}">]>')
    original = "<name>997 Functional Acknowledgment (004010)</name>"
    assert original in text
    path.write_text(text.replace(original, "<name>Acknowledgment &x;</name>", 1))
    grammar = GrammarLibrary(grammar_dir).get("997", "004010")
    assert grammar is not None and "TOPSECRET" not in grammar.name


def test_missing_directory_is_a_grammar_error(tmp_path: Path) -> None:
    with pytest.raises(GrammarError, match="no maps.xml"):
        library(tmp_path)


def test_checked_in_grammars_match_their_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_maps", GRAMMAR_DIR / "source" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "build_maps", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "OUT", tmp_path)
    module.main()
    for built in tmp_path.glob("*.xml"):
        assert built.read_text() == (GRAMMAR_DIR / built.name).read_text(), f"{built.name}: run build.py"
