"""Every golden X12 file, and the X12 the maps write from every golden JSON, passes the grammar validator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.mapping import goldens
from gateway.partners import load_registry
from gateway.x12.reader import read
from gateway.x12.validate import validate_transaction_set

REPO = Path(__file__).resolve().parents[2]
CASES = goldens.discover(load_registry(REPO / "partners"), REPO / "maps")

def _issues(data: bytes) -> list[str]:
    found = []
    for ic in read(data):
        for group in ic.groups:
            for tset in group.transaction_sets:
                found += [str(i) for i in validate_transaction_set(tset, ic.delimiters, group.version)]
    return found


def test_every_set_and_version_is_covered() -> None:
    names = {c.name for c in CASES}
    assert {"base/180-005010", "generic/180", "amazon/180"} <= names
    assert {f"base/{code}-005010" for code in ("850", "855", "856", "810", "180")} <= names


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_golden_x12_passes_the_grammar(case: goldens.GoldenCase) -> None:
    assert _issues(case.x12_path.read_bytes()) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_x12_written_from_golden_json_passes_the_grammar(case: goldens.GoldenCase) -> None:
    documents = json.loads(case.json_path.read_text(encoding="utf-8"))
    assert _issues(goldens.json_to_x12(case, documents)) == []
