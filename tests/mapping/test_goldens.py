"""Every golden pair beside the maps: X12 -> JSON, JSON -> X12 (byte-exact), and X12 -> JSON -> X12 -> JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.mapping import goldens
from gateway.partners import load_registry

REPO = Path(__file__).resolve().parents[2]
CASES = goldens.discover(load_registry(REPO / "partners"), REPO / "maps")


def test_every_partner_set_and_base_version_has_a_golden() -> None:
    names = {c.name for c in CASES}
    for partner in load_registry(REPO / "partners"):
        assert partner.x12 is not None
        for code in partner.x12.transaction_sets:
            assert f"{partner.id}/{code}" in names
    for code in ("850", "855", "856", "810", "180"):
        assert f"base/{code}-005010" in names  # 004010 base maps are the generic partner's


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_x12_to_json_matches_golden(case: goldens.GoldenCase) -> None:
    documents = goldens.x12_to_json(case, case.x12_path.read_bytes())
    assert goldens.dumps(documents) == case.json_path.read_text(encoding="utf-8")  # byte-exact, key order too
    assert all(d["unmapped"] == [] for d in documents), "goldens must be fully mapped"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_json_to_x12_matches_golden_bytes(case: goldens.GoldenCase) -> None:
    documents = json.loads(case.json_path.read_text(encoding="utf-8"))
    assert goldens.json_to_x12(case, documents) == case.x12_path.read_bytes()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_round_trip_is_stable(case: goldens.GoldenCase) -> None:
    first = goldens.x12_to_json(case, case.x12_path.read_bytes())
    again = goldens.x12_to_json(case, goldens.json_to_x12(case, first))
    assert again == first


def test_written_delimiters_are_the_partners(registry) -> None:  # type: ignore[no-untyped-def]
    case = next(c for c in CASES if c.name == "amazon/856")
    data = case.x12_path.read_bytes()
    assert data[104:107] == b">~\n"  # ISA16 component separator, terminator, line break
    assert b"*^*00501*" in data  # repetition separator in ISA11 for 005010
