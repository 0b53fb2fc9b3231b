"""``acorn x12 validate`` / ``acorn x12 ack`` through typer's CliRunner."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.x12.issues import Issue, Level
from gateway.x12.model import Delimiters, TransactionSet

from .x12_docs import document

runner = CliRunner()


def _file(tmp_path: Path, data: bytes, name: str = "in.x12") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_validate_valid_file_exit_0(tmp_path: Path) -> None:
    result = runner.invoke(app, ["x12", "validate", str(_file(tmp_path, document("850", sets=2)))])
    assert result.exit_code == 0, result.output
    assert "2 transaction set(s)" in result.output and "valid" in result.output


def test_validate_problems_exit_1_and_json(tmp_path: Path) -> None:
    path = _file(tmp_path, document("850").replace(b"SE*8*0001", b"SE*5*0001"))
    result = runner.invoke(app, ["x12", "validate", str(path)])
    assert result.exit_code == 1
    assert "SE01 does not match" in result.output and "ST02 0001" in result.output
    result = runner.invoke(app, ["x12", "validate", str(path), "--json"])
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert body["valid"] is False and body["issues"][0]["code"] == "4"
    assert body["interchanges"][0]["groups"][0]["transaction_sets"][0]["st02"] == "0001"


def test_validate_unreadable_exit_2_one_line_no_traceback(tmp_path: Path) -> None:
    for data in (b"", b"\x89PNG\r\n\x1a\n\x00\x00", b"ISA*00*  "):
        result = runner.invoke(app, ["x12", "validate", str(_file(tmp_path, data))])
        assert result.exit_code == 2
        assert "Traceback" not in result.output and "cannot read as X12" in result.output
        assert "byte" in result.output
    result = runner.invoke(app, ["x12", "validate", str(tmp_path / "missing.x12")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_ack_prints_997_and_999(tmp_path: Path) -> None:
    result = runner.invoke(app, ["x12", "ack", str(_file(tmp_path, document("850"))), "--isa13", "42"])
    assert result.exit_code == 0, result.output
    assert "ST*997*0001~" in result.output and "AK9*A*1*1*1~" in result.output and "*000000042*" in result.output
    result = runner.invoke(app, ["x12", "ack", str(_file(tmp_path, document("856", "005010")))])
    assert "ST*999*0001*005010X231A1~" in result.output


def test_ack_includes_ta1_for_interchange_problem(tmp_path: Path) -> None:
    data = document("850").replace(b"IEA*1*000000001", b"IEA*1*000000009")
    result = runner.invoke(app, ["x12", "ack", str(_file(tmp_path, data))])
    assert result.exit_code == 0
    assert "TA1*000000001*260105*0930*R*001~" in result.output


def test_ack_unreadable_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["x12", "ack", str(_file(tmp_path, b"nope"))])
    assert result.exit_code == 2 and "cannot read as X12" in result.output


def test_validate_unsupported_set_from_option(tmp_path: Path) -> None:
    path = _file(tmp_path, document("180"))
    assert runner.invoke(app, ["x12", "validate", str(path), "--sets", "850,180"]).exit_code == 0
    result = runner.invoke(app, ["x12", "validate", str(path), "--sets", "850, 856"])
    assert result.exit_code == 1 and "transaction set 180 is not supported" in result.output


def test_validate_uses_grammar_validator_when_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str, str | None]] = []

    def fake(tset: TransactionSet, delimiters: Delimiters, version: str | None = None) -> list[Issue]:
        calls.append((tset.code, delimiters.segment, version))
        return [Issue(Level.SEGMENT, "2", "unexpected segment", segment_id="REF", segment_position=3)]

    module = types.ModuleType("gateway.x12.validate")
    module.validate_transaction_set = fake  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gateway.x12.validate", module)
    result = runner.invoke(app, ["x12", "validate", str(_file(tmp_path, document("850"))), "--json"])
    assert result.exit_code == 1 and calls == [("850", "~", "004010")]
    body = json.loads(result.output)
    assert body["grammar_checked"] is True
    assert body["issues"][0]["transaction_set"] == "0001" and body["issues"][0]["group"] == "1"
    ack = runner.invoke(app, ["x12", "ack", str(_file(tmp_path, document("850")))])
    assert "AK3*REF*3**2~" in ack.output and "AK5*R*5~" in ack.output


def test_ack_skips_acknowledgement_groups(tmp_path: Path) -> None:
    data = document("997") + document("850", isa13=2)
    result = runner.invoke(app, ["x12", "ack", str(_file(tmp_path, data)), "--isa13", "7", "--gs06", "3"])
    assert result.exit_code == 0
    assert result.output.count("ISA*") == 1 and "AK1*PO*1~" in result.output and "AK1*FA" not in result.output
    assert "*000000007*" in result.output and "GS*FA*RECEIVER*SENDER*" in result.output
    assert "*3*X*004010~" in result.output
