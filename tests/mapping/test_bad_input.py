"""Bad maps, bad profiles and bad documents: precise errors (file:line, field path, segment) and no output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gateway.errors import ConfigError, MappingError
from gateway.mapping import canonical_to_x12, goldens, load_map, load_partner_map, x12_to_canonical
from gateway.partners import PartnerRegistry, load_partner
from gateway.x12.reader import read

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "maps" / "mappings"


def _map_with(tmp_path: Path, old: str, new: str, name: str = "850-004010.yaml") -> Path:
    text = (BASE / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_map_field_typo_names_file_line_and_suggestion(tmp_path: Path) -> None:
    path = _map_with(tmp_path, "BEG03: purchaseOrderNumber", "BEG03: purchaseOrderNumbr")
    with pytest.raises(ConfigError) as err:
        load_map(path)
    assert err.value.path == str(path) and err.value.line == _line_of(path, "purchaseOrderNumbr")
    assert "unknown field 'purchaseOrderNumbr' in PurchaseOrder (did you mean 'purchaseOrderNumber'?)" in str(err.value)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  - segment: CUR", "  - segment: CRU", "unknown segment id 'CRU'"),
    ("      BEG06: orderDetails.contractNumber", "      BEG13: orderDetails.contractNumber",
     "BEG has elements BEG01..BEG12, not BEG13"),
    ("    required: true\n    elements:\n      BEG01", "    requird: true\n    elements:\n      BEG01",
     "unknown key 'requird' in segment (did you mean 'required'?)"),
    ("{path: orderDetails.purchaseOrderType, codes: po_type}", "{path: orderDetails.purchaseOrderType, codes: potype}",
     "unknown code table 'potype'"),
    ("CTT01: {compute: count(orderDetails.items)}", "CTT01: {compute: total(orderDetails.items)}",
     "compute must be one of"),
    ("      BEG01: orderDetails.purchaseOrderPurpose", "      N101: orderDetails.purchaseOrderPurpose",
     "element reference 'N101' is not an element of BEG"),
])
def test_map_mistakes_are_config_errors_with_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = _map_with(tmp_path, old, new)
    with pytest.raises(ConfigError) as err:
        load_map(path)
    assert expected in str(err.value)
    assert err.value.path == str(path) and err.value.line is not None
    assert str(err.value).startswith(f"{path}:{err.value.line}: ")


def test_override_naming_a_missing_node_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "850.yaml"
    path.write_text("extends: 850-004010\noverride:\n  N1*XX/N1*XX:\n    elements: {N103: {const: '92'}}\n")
    with pytest.raises(ConfigError) as err:
        load_map(path, search=[BASE])
    assert err.value.line == 3 and "no node 'N1*XX/N1*XX' in the base map" in str(err.value)


def test_partner_profile_unknown_key_names_line(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    folder.mkdir()
    text = (REPO / "partners" / "generic" / "partner.yaml").read_text().replace("id: generic", "id: acme")
    text = text.replace("  their_gs_id: GENERICRETAIL", "  their_gs_id: GENERICRETAIL\n  thier_gln: '0614141000005'")
    (folder / "partner.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_partner(folder / "partner.yaml")
    assert "unknown key 'x12.thier_gln'" in str(err.value)
    assert err.value.line == _line_of(folder / "partner.yaml", "thier_gln")


def _generic_850(registry: PartnerRegistry) -> tuple[bytes, object]:
    partner = registry.get("generic")
    return (REPO / "partners" / "generic" / "golden" / "850.x12").read_bytes(), partner


def test_850_missing_beg_is_an_error_naming_the_set(registry: PartnerRegistry) -> None:
    data, partner = _generic_850(registry)
    data = b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"BEG*"))
    [ic] = read(data)
    tset = ic.groups[0].transaction_sets[0]
    with pytest.raises(MappingError) as err:
        x12_to_canonical(tset, ic.delimiters, partner, load_partner_map(partner, "850", REPO / "maps"))  # type: ignore[arg-type]
    assert "partner generic, 850 ST02 0301: required segment BEG is missing" in str(err.value)


def test_810_tds_disagreeing_with_lines_is_an_error(registry: PartnerRegistry) -> None:
    partner = registry.get("generic")
    data = (REPO / "partners" / "generic" / "golden" / "810.x12").read_bytes().replace(b"TDS*98065~", b"TDS*98066~")
    [ic] = read(data)
    tset = ic.groups[0].transaction_sets[0]
    with pytest.raises(MappingError) as err:
        x12_to_canonical(tset, ic.delimiters, partner, load_partner_map(partner, "810", REPO / "maps"))
    assert "invoiceTotal (TDS01) 980.66 disagrees with its lines, charges, allowances and taxes, which add up to " \
           "980.65" in str(err.value)


def test_810_json_total_disagreeing_is_refused_before_any_segment(registry: PartnerRegistry) -> None:
    partner = registry.get("amazon")
    doc = json.loads((REPO / "partners" / "amazon" / "golden" / "810.json").read_text())[0]
    doc["invoiceTotal"]["amount"] = "999.99"
    with pytest.raises(MappingError, match=r"partner amazon, 810: invoice INV-88001: invoiceTotal"):
        canonical_to_x12(doc, partner, load_partner_map(partner, "810", REPO / "maps"))


def test_810_json_without_total_gets_it_computed(registry: PartnerRegistry) -> None:
    partner = registry.get("amazon")
    doc = json.loads((REPO / "partners" / "amazon" / "golden" / "810.json").read_text())[0]
    del doc["invoiceTotal"]
    segments = canonical_to_x12(doc, partner, load_partner_map(partner, "810", REPO / "maps"))
    assert ["TDS", "32200"] in [s.elements for s in segments]


def test_json_field_the_map_cannot_place_is_an_error(registry: PartnerRegistry) -> None:
    partner = registry.get("amazon")
    doc = json.loads((REPO / "partners" / "amazon" / "golden" / "850.json").read_text())[0]
    doc["orderDetails"]["items"][1]["buyerCatalogNumber"] = "CAT-9"  # Amazon's map has no CB qualifier
    with pytest.raises(MappingError) as err:
        canonical_to_x12(doc, partner, load_partner_map(partner, "850", REPO / "maps"))
    assert "field orderDetails.items[1].buyerCatalogNumber has no place in map" in str(err.value)


def test_unknown_json_field_is_an_error(registry: PartnerRegistry) -> None:
    partner = registry.get("generic")
    doc = json.loads((REPO / "partners" / "generic" / "golden" / "855.json").read_text())[0]
    doc["items"][0]["colour"] = "red"
    with pytest.raises(MappingError, match=r"field items\[0\]\.colour: Extra inputs are not permitted"):
        canonical_to_x12(doc, partner, load_partner_map(partner, "855", REPO / "maps"))


def test_value_outside_code_table_is_an_error(registry: PartnerRegistry) -> None:
    partner = registry.get("amazon")
    doc = json.loads((REPO / "partners" / "amazon" / "golden" / "855.json").read_text())[0]
    doc["acknowledgementCode"] = "Rejected"  # RJ is removed from Amazon's table
    with pytest.raises(MappingError, match=r"field acknowledgementCode: value 'Rejected' is not in code table"):
        canonical_to_x12(doc, partner, load_partner_map(partner, "855", REPO / "maps"))


def test_855_quantity_may_not_go_up(registry: PartnerRegistry) -> None:
    partner = registry.get("amazon")
    doc = json.loads((REPO / "partners" / "amazon" / "golden" / "855.json").read_text())[0]
    doc["items"][2]["itemAcknowledgements"][0]["acknowledgedQuantity"]["amount"] = "13"
    with pytest.raises(MappingError, match="acknowledged quantity 13 exceeds ordered quantity 12"):
        canonical_to_x12(doc, partner, load_partner_map(partner, "855", REPO / "maps"))


def test_unknown_hl_parent_is_an_error(registry: PartnerRegistry) -> None:
    case = next(c for c in goldens.discover(registry, REPO / "maps") if c.name == "walmart/856")
    data = case.x12_path.read_bytes().replace(b"HL*4*3*I~", b"HL*4*9*I~")
    with pytest.raises(MappingError, match=r"segment 15 HL, HL02: HL02 parent '9' is not an earlier HL01"):
        goldens.x12_to_json(case, data)


def test_cli_writes_nothing_on_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from gateway.cli import app

    src = tmp_path / "bad.x12"
    good = (REPO / "partners" / "generic" / "golden" / "810.x12").read_bytes()
    src.write_bytes(good.replace(b"TDS*98065~", b"TDS*1~"))
    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["translate", str(src), "--partner", "generic", "--out", str(out)])
    assert result.exit_code == 1
    assert not out.exists()
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "disagrees with its lines" in errors[0]
    shutil.rmtree(tmp_path)


@pytest.mark.parametrize(("ctt", "warned"), [
    (b"CTT*3*42~", None), (b"CTT*3*42.0~", None), (b"CTT*3*41~", "CTT02 says 41 but the document has 42 (sum("),
    (b"CTT*2*42~", "CTT01 says 2 but the document has 3 (count(")])
def test_ctt_totals_are_checked_on_input(registry: PartnerRegistry, ctt: bytes, warned: str | None) -> None:
    from gateway.mapping import x12_to_dict

    data = (REPO / "partners" / "amazon" / "golden" / "850.x12").read_bytes().replace(b"CTT*3*42~", ctt)
    partner = registry.get("amazon")
    ic = read(data)[0]
    _, warnings = x12_to_dict(ic.groups[0].transaction_sets[0], ic.delimiters, partner,
                              load_partner_map(partner, "850", REPO / "maps"))
    about_ctt = [str(w) for w in warnings if "CTT" in str(w)]
    assert about_ctt == [] if warned is None else len(about_ctt) == 1 and warned in about_ctt[0]


def test_more_product_ids_than_po1_qualifier_pairs_is_an_error(registry: PartnerRegistry) -> None:
    partner = registry.get("generic")
    doc = json.loads((REPO / "partners" / "generic" / "golden" / "850.json").read_text())[0]
    doc["orderDetails"]["items"][0].update(upc="012345678905", ean="4006381333931", isbn="9780306406157",
                                           vendorPartNumber="VP-1")  # six ids for five PO106..PO115 pairs
    with pytest.raises(MappingError, match=r"field orderDetails\.items\[0\]\.\w+: no free PO1 qualifier element"):
        canonical_to_x12(doc, partner, load_partner_map(partner, "850", REPO / "maps"))


def test_810_total_with_more_than_the_implied_decimals_is_an_error(registry: PartnerRegistry) -> None:
    partner = registry.get("generic")
    doc = json.loads((REPO / "partners" / "generic" / "golden" / "810.json").read_text())[0]
    doc["invoiceTotal"]["amount"] = "980.654"  # agrees with the lines to the cent, but TDS01 has 2 decimals
    with pytest.raises(MappingError, match=r"field invoiceTotal\.amount: 980\.654 has more than 2 decimals"):
        canonical_to_x12(doc, partner, load_partner_map(partner, "810", REPO / "maps"))


def test_unknown_po1_qualifier_is_kept_in_unmapped(registry: PartnerRegistry) -> None:
    from gateway.mapping import x12_to_dict

    golden = (REPO / "partners" / "amazon" / "golden" / "850.x12").read_bytes()
    data = golden.replace(b"*VN*ACN-1001~", b"*VN*ACN-1001*ZZ*MYSTERY~", 1)
    assert data != golden
    partner = registry.get("amazon")
    ic = read(data)[0]
    doc, warnings = x12_to_dict(ic.groups[0].transaction_sets[0], ic.delimiters, partner,
                                load_partner_map(partner, "850", REPO / "maps"))
    assert [u for u in doc["unmapped"] if u.get("element") == "PO110"] == [
        {"segmentPosition": 7, "segmentId": "PO1", "element": "PO110", "value": "ZZ*MYSTERY"}]
    assert any("qualifier 'ZZ' is not in the map" in str(w) for w in warnings)
    assert doc["orderDetails"]["items"][0]["vendorProductIdentifier"] == "ACN-1001"
