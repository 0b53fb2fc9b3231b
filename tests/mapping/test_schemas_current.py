"""The checked-in JSON Schemas under docs/schemas are the ones the models generate (regenerate: acorn maps schemas)."""

from __future__ import annotations

from pathlib import Path

from gateway.cli.mapping_cmd import schema_files

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def test_checked_in_schemas_are_current() -> None:
    expected = schema_files()
    for name, text in expected.items():
        path = SCHEMAS / name
        assert path.exists(), f"{path} missing: run `acorn maps schemas`"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `acorn maps schemas`"


def test_schemas_use_sp_api_names() -> None:
    text = schema_files()["850-purchase-order.schema.json"]
    for name in ("purchaseOrderNumber", "orderDetails", "itemSequenceNumber", "amazonProductIdentifier",
                 "vendorProductIdentifier", "orderedQuantity", "unitOfMeasure", "netCost", "currencyCode",
                 "shipToParty", "sellingParty", "shipWindow", "deliveryWindow", "unmapped", "envelope"):
        assert f'"{name}"' in text
