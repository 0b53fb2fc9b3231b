"""Canonical model rules: SSCC-18 check digits, 855 quantities, 810 totals, camelCase JSON."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from pydantic import ValidationError

from gateway.canonical import MODELS, Invoice, ShipNotice, check_sscc, json_schema


def test_sscc_check_digit() -> None:
    assert check_sscc("007121610006156802") == "007121610006156802"  # from a real carton label sample
    with pytest.raises(ValueError, match="check digit 3, expected 2"):
        check_sscc("007121610006156803")
    with pytest.raises(ValueError, match="18 digits"):
        check_sscc("0071216100061568")
    with pytest.raises(ValueError, match="18 digits"):  # digits, but not ASCII ones (Arabic-Indic)
        check_sscc("\u0660" * 17 + "0")


def test_sscc_check_digit_against_the_gs1_rule_on_random_bodies() -> None:
    rng = random.Random("sscc")
    for _ in range(2000):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        weighted = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
        digit = (10 - weighted % 10) % 10
        assert check_sscc(f"{body}{digit}") == f"{body}{digit}"
        with pytest.raises(ValueError, match=f"check digit {(digit + 1) % 10}, expected {digit}"):
            check_sscc(f"{body}{(digit + 1) % 10}")


def test_ship_notice_refuses_bad_sscc_with_its_path() -> None:
    with pytest.raises(ValidationError) as err:
        ShipNotice.model_validate({"shipmentIdentifier": "A", "shipmentConfirmationDate": "2026-01-01",
                                   "orders": [{"purchaseOrderNumber": "1", "packs": [{"sscc": "007121610006156803"}]}]})
    assert err.value.errors()[0]["loc"] == ("orders", 0, "packs", 0, "sscc")


def test_invoice_total_computed_or_checked() -> None:
    base = {"invoiceNumber": "I1", "invoiceDate": "2026-01-01", "currencyCode": "USD",
            "items": [{"invoicedQuantity": {"amount": "3"}, "netCost": {"amount": "2.50"},
                       "allowanceDetails": [{"amount": "0.50"}]}],
            "chargeDetails": [{"amount": "1.25"}], "taxDetails": [{"taxType": "ST", "taxAmount": "0.60"}]}
    invoice = Invoice.model_validate(base)
    assert invoice.invoice_total is not None and invoice.invoice_total.amount == Decimal("8.85")
    assert invoice.invoice_total.currency_code == "USD"
    with pytest.raises(ValidationError, match="disagrees"):
        Invoice.model_validate({**base, "invoiceTotal": {"amount": "8.86"}})


def test_invoice_amounts_beyond_the_cent_are_a_validation_error_not_a_crash() -> None:
    huge = {"invoiceNumber": "I2", "invoiceDate": "2026-01-01",
            "items": [{"invoicedQuantity": {"amount": 6.55e204}, "netCost": {"amount": -2.61e112}}]}
    with pytest.raises(ValidationError, match="amounts too large to total to the cent"):
        Invoice.model_validate(huge)
    with pytest.raises(ValidationError, match="amounts too large"):
        Invoice.model_validate({**huge, "items": [{"invoicedQuantity": {"amount": "1"}, "netCost": {"amount": "1"}}],
                                "invoiceTotal": {"amount": "1e40"}})


def test_models_registry_and_camel_case() -> None:
    assert set(MODELS) == {"850", "855", "856", "810", "180"}
    props = json_schema("856")["properties"]
    assert "shipmentIdentifier" in props and "shipment_identifier" not in props  # type: ignore[operator]
