"""X12 one segment per line: the interchange's own delimiters, element names when the grammar has them, issues."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gateway.ui import x12_view
from gateway.x12.issues import Issue, Level

MAPS_DIR = Path(__file__).resolve().parents[2] / "maps"

ODD_DELIMITERS = (
    b"ISA|00|          |00|          |ZZ|AMAZON         |ZZ|ACORNVENDOR    |260115|1030|U|00401|000000101|0|P|>\n"
    b"GS|PO|AMAZON|ACORNVENDOR|20260115|1030|101|X|004010\nST|850|0101\nBEG|00|NE|4500012345||20260110\n"
    b"SE|3|0101\nGE|1|101\nIEA|1|000000101\n"
)


def test_lines_keep_the_interchanges_delimiters_and_set_positions() -> None:
    lines = x12_view.x12_lines(ODD_DELIMITERS, bad_positions={2})
    assert [line.elements[0].value for line in lines] == ["ISA", "GS", "ST", "BEG", "SE", "GE", "IEA"]
    assert {(line.sep, line.term) for line in lines} == {("|", "\n")}
    assert [line.position for line in lines] == [0, 0, 1, 2, 3, 0, 0]
    assert [line.bad for line in lines] == [False, False, False, True, False, False, False]
    beg = lines[3]
    assert [e.value for e in beg.elements] == ["BEG", "00", "NE", "4500012345", "", "20260110"]
    assert beg.elements[3].title.startswith("BEG03")


def test_element_names_come_from_the_grammar_for_the_set_and_version() -> None:
    beg = x12_view.x12_lines(ODD_DELIMITERS)[3]
    assert beg.elements[3].title == "BEG03 Purchase Order Number"


def test_element_names_come_from_the_configured_maps_directory(tmp_path: Path) -> None:
    shutil.copytree(MAPS_DIR / "x12", tmp_path / "x12")
    grammar = tmp_path / "x12" / "850.004010.xml"
    grammar.write_text(grammar.read_text().replace("<name>Purchase Order Number</name>",
                                                   "<name>PO Number (site grammar)</name>"))
    beg = x12_view.x12_lines(ODD_DELIMITERS, maps_dir=tmp_path)[3]
    assert beg.elements[3].title == "BEG03 PO Number (site grammar)"


def test_without_a_grammar_titles_are_references(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(x12_view, "element_names", lambda maps_dir: None)
    beg = x12_view.x12_lines(ODD_DELIMITERS)[3]
    assert [e.title for e in beg.elements[1:]] == ["BEG01", "BEG02", "BEG03", "BEG04", "BEG05"]


def test_stored_issues_read_as_their_location_and_message() -> None:
    stored = Issue(Level.ELEMENT, "7", "invalid code value", interchange="000000101", group="101",
                   transaction_set="0101", segment_id="BEG", segment_position=2, element_position=2,
                   expected="NE or SA", found="XX").to_dict()
    position, text = x12_view.issue_text(stored)
    assert position == 2
    assert text == ("ISA13 000000101 / GS06 101 / ST02 0101 / segment 2 BEG, element 02: invalid code value "
                    "(expected 'NE or SA', found 'XX')")
    assert x12_view.issue_text({"message": "from another version", "severity_level": 3}) == (
        None, "from another version")
