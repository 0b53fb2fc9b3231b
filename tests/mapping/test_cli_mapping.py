"""``acorn translate`` and ``acorn maps ...`` through the real CLI app: exit codes and one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_translate_x12_to_json_and_back(tmp_path: Path) -> None:
    out = tmp_path / "po.json"
    result = runner.invoke(app, ["translate", str(REPO / "partners/amazon/golden/850.x12"), "--partner", "amazon",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["purchaseOrderNumber"] == "4500012345"
    back = tmp_path / "po.x12"
    result = runner.invoke(app, ["translate", str(out), "--partner", "amazon", "--out", str(back), "--isa13", "101",
                                 "--gs06", "101", "--st02", "101"])
    assert result.exit_code == 0, result.output
    golden = (REPO / "partners/amazon/golden/850.x12").read_bytes()
    # Same bytes apart from the ISA/GS date and time, which are now.
    assert back.read_bytes()[106:].split(b"~\n", 2)[2] == golden[106:].split(b"~\n", 2)[2]


def test_translate_reports_unmapped_as_warnings(tmp_path: Path) -> None:
    sample = REPO / ".." / "shared" / "samples" / "x12" / "aaronhuggins__node-x12__850.edi"
    if not sample.exists():
        pytest.fail("shared samples missing")
    result = runner.invoke(app, ["translate", str(sample), "--partner", "generic", "--out", str(tmp_path / "o.json")])
    assert result.exit_code == 0
    assert "warning: partner generic, 850 ST02 000000010, segment 7 PKG: segment not consumed by the map" in \
        result.output


def test_translate_unreadable_and_unknown_partner(tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    result = runner.invoke(app, ["translate", str(junk), "--partner", "amazon"])
    assert result.exit_code == 2 and "neither X12" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["translate", str(REPO / "partners/amazon/golden/850.x12"), "--partner", "nobody"])
    assert result.exit_code == 2 and "unknown partner 'nobody'" in result.output
    result = runner.invoke(app, ["translate", str(tmp_path / "missing.x12"), "--partner", "amazon"])
    assert result.exit_code == 2


def test_translate_json_names_the_document_of_a_file_that_fails(tmp_path: Path) -> None:
    documents = json.loads((REPO / "partners/amazon/golden/850.json").read_text())
    second = json.loads(json.dumps(documents[0]))
    second["purchaseOrderNumber"] = "45~01"  # the segment terminator inside a value
    src = tmp_path / "pos.json"
    src.write_text(json.dumps([documents[0], second]))
    result = runner.invoke(app, ["translate", str(src), "--partner", "amazon", "--st02", "7"])
    assert result.exit_code == 1
    assert "document 2 of 2 (ST02 0008): partner amazon, 850 segment 2 BEG: BEG03 contains the delimiter '~': " \
        "'45~01'" in result.output
    second["purchaseOrderNumber"] = "4501"
    second["orderDetails"]["items"][0]["buyerCatalogNumber"] = "X"  # a field the amazon map does not write
    src.write_text(json.dumps([documents[0], second]))
    result = runner.invoke(app, ["translate", str(src), "--partner", "amazon"])
    assert result.exit_code == 1
    assert "document 2 of 2 (ST02 0002): partner amazon, 850: field orderDetails.items[0].buyerCatalogNumber has " \
        "no place in map" in result.output


def test_translate_json_for_a_set_the_partner_does_not_exchange(tmp_path: Path) -> None:
    src = tmp_path / "ra.json"
    shutil.copy(REPO / "partners/generic/golden/180.json", src)
    result = runner.invoke(app, ["translate", str(src), "--partner", "walmart"])
    assert result.exit_code == 2
    assert "partner walmart does not exchange transaction set 180" in result.output


def test_maps_check_passes_on_the_repository() -> None:
    result = runner.invoke(app, ["maps", "check"])
    assert result.exit_code == 0, result.output
    assert "ok      " in result.output


def test_maps_check_fails_on_a_broken_partner_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    partners = tmp_path / "partners"
    shutil.copytree(REPO / "partners", partners, ignore=shutil.ignore_patterns("golden"))
    broken = partners / "walmart" / "maps" / "856.yaml"
    broken.write_text(broken.read_text().replace("HL/S/N1*ST/N1*ST:", "HL/S/N1*ZZ/N1*ZZ:"))
    monkeypatch.setenv("ACORN_PARTNERS_DIR", str(partners))
    monkeypatch.setenv("ACORN_MAPS_DIR", str(REPO / "maps"))
    result = runner.invoke(app, ["maps", "check"])
    assert result.exit_code == 1
    assert f"{broken}:" in result.output and "no node 'HL/S/N1*ZZ/N1*ZZ'" in result.output


def test_maps_goldens_check_passes() -> None:
    result = runner.invoke(app, ["maps", "goldens"])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok") >= 19
