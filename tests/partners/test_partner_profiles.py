"""Partner profiles: the repository's three load, lookups work, mistakes name file and line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gateway.errors import ConfigError, NotFoundError
from gateway.partners import Direction, load_partner, load_registry

REPO = Path(__file__).resolve().parents[2]


def test_repository_profiles_load() -> None:
    registry = load_registry(REPO / "partners")
    assert sorted(p.id for p in registry) == ["amazon", "generic", "walmart"]
    amazon = registry.get("amazon")
    assert amazon.x12 is not None and amazon.as2 is not None
    assert amazon.transaction_set("856").version == "005010"
    assert amazon.transaction_set("850").version == "004010"
    assert amazon.transaction_set("850").direction is Direction.INBOUND
    assert amazon.transaction_set("850").map == REPO / "partners" / "amazon" / "maps" / "850.yaml"
    assert amazon.deadlines.acknowledgement_855 == timedelta(hours=24)
    assert amazon.deadlines.ship_notice_856 == timedelta(minutes=30)
    assert amazon.delimiters("00501").repetition == "^" and amazon.delimiters("00401").repetition is None
    assert [t.name for t in amazon.targets_for("850")] == ["erp-orders", "pull"]
    assert [t.name for t in amazon.targets_for("810")] == ["pull"]
    # The AS2 block's relative paths are resolved against the profile directory.
    assert amazon.as2.their_certificates[0].path.is_absolute()


def test_lookups() -> None:
    registry = load_registry(REPO / "partners")
    assert registry.by_interchange("08", "925485US00     ").id == "walmart"  # type: ignore[union-attr]
    assert registry.by_interchange("ZZ", "AMAZON").id == "amazon"  # type: ignore[union-attr]
    assert registry.by_interchange("01", "AMAZON") is None
    assert registry.by_as2_ids("WALMART-SIM", "ACORNVENDOR").id == "walmart"  # type: ignore[union-attr]
    assert registry.by_as2_ids("ACORNVENDOR", "WALMART-SIM") is None
    with pytest.raises(NotFoundError, match="unknown partner 'acme'"):
        registry.get("acme")


def _profile(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "generic"
    folder.mkdir(exist_ok=True)
    text = (REPO / "partners" / "generic" / "partner.yaml").read_text()
    assert old in text
    (folder / "partner.yaml").write_text(text.replace(old, new, 1))
    return folder / "partner.yaml"


@pytest.mark.parametrize(("old", "new", "expected", "needle"), [
    ("  their_id: GENERICRETAIL", "  their_id: GENERICRETAIL\n  colour: blue", "unknown key 'x12.colour'", "colour"),
    ("  our_qualifier: ZZ", "  our_qualifier: ZZZ", "x12.our_qualifier: String should have at most 2", "ZZZ"),
    ('"850": {version: "004010"', '"851": {version: "004010"', "unknown transaction set '851'", "transaction_sets"),
    ('delimiters: {element: "*"', 'delimiters: {element: ">"', "four different characters", "delimiters"),
])
def test_profile_mistakes_name_the_line(tmp_path: Path, old: str, new: str, expected: str, needle: str) -> None:
    path = _profile(tmp_path, old, new)
    with pytest.raises(ConfigError) as err:
        load_partner(path)
    assert expected in str(err.value)
    lines = path.read_text().splitlines()
    assert err.value.line is not None and needle in lines[err.value.line - 1]
