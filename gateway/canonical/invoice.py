"""810 invoice, after the SP-API vendor invoices model; the total must agree with the lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import Field, model_validator

from gateway.canonical.common import (
    CanonicalModel,
    ChargeOrAllowance,
    Document,
    Measurement,
    Money,
    Party,
    ProductIdentifiers,
    Quantity,
)

CENT = Decimal("0.01")


class PaymentTerms(CanonicalModel):
    terms_type: str | None = None  # ITD01
    basis_date_code: str | None = None  # ITD02
    discount_percent: Decimal | None = None  # ITD03
    discount_due_date: date | None = None  # ITD04
    discount_due_days: int | None = None  # ITD05
    net_due_date: date | None = None  # ITD06
    net_due_days: int | None = None  # ITD07
    discount_amount: Decimal | None = None  # ITD08 (implied 2 decimals in X12)
    description: str | None = None  # ITD12


class TaxDetail(CanonicalModel):
    tax_type: str  # TXI01
    tax_amount: Decimal | None = None
    tax_rate: Decimal | None = None


class InvoiceItem(ProductIdentifiers):
    item_sequence_number: str | None = None
    invoiced_quantity: Quantity
    net_cost: Money
    unit_price_basis: str | None = None
    retail_price: Money | None = None  # CTP*UCP
    pack_size: Decimal | None = None  # CTP04
    purchase_order_number: str | None = None
    charge_details: list[ChargeOrAllowance] = Field(default_factory=list)
    allowance_details: list[ChargeOrAllowance] = Field(default_factory=list)

    def extended(self) -> Decimal:
        charges = sum((c.amount or Decimal(0) for c in self.charge_details), start=Decimal(0))
        allowances = sum((a.amount or Decimal(0) for a in self.allowance_details), start=Decimal(0))
        return self.invoiced_quantity.amount * self.net_cost.amount + charges - allowances


class ShipmentSummary(CanonicalModel):
    units_shipped: Decimal | None = None
    unit_of_measure: str | None = None
    weight: Measurement | None = None


class Invoice(Document):
    document_type: Literal["810"] = "810"
    invoice_number: str = Field(min_length=1)  # BIG02
    invoice_date: date  # BIG01
    purchase_order_number: str | None = None  # BIG04
    purchase_order_date: date | None = None  # BIG03
    invoice_type: str | None = None  # BIG07
    currency_code: str | None = None
    remit_to_party: Party | None = None
    bill_to_party: Party | None = None
    ship_to_party: Party | None = None
    ship_from_party: Party | None = None
    selling_party: Party | None = None
    payment_terms: PaymentTerms | None = None
    items: list[InvoiceItem] = Field(min_length=1)
    charge_details: list[ChargeOrAllowance] = Field(default_factory=list)
    allowance_details: list[ChargeOrAllowance] = Field(default_factory=list)
    tax_details: list[TaxDetail] = Field(default_factory=list)
    shipment_summary: ShipmentSummary | None = None
    invoice_total: Money | None = None  # TDS01; computed from the lines when absent

    def computed_total(self) -> Decimal:
        """Lines (quantity x cost, with their charges and allowances) + header charges - allowances + taxes."""
        total = sum((i.extended() for i in self.items), start=Decimal(0))
        total += sum((c.amount or Decimal(0) for c in self.charge_details), start=Decimal(0))
        total -= sum((a.amount or Decimal(0) for a in self.allowance_details), start=Decimal(0))
        total += sum((t.tax_amount or Decimal(0) for t in self.tax_details), start=Decimal(0))
        return total.quantize(CENT)

    @model_validator(mode="after")
    def _total_agrees(self) -> Invoice:
        try:
            computed = self.computed_total()
            stated = self.invoice_total.amount.quantize(CENT) if self.invoice_total is not None else None
        except InvalidOperation:  # quantize needs more digits than the decimal context holds
            raise ValueError(f"invoice {self.invoice_number}: amounts too large to total to the cent") from None
        if self.invoice_total is None:
            self.invoice_total = Money(amount=computed, currency_code=self.currency_code)
        elif stated != computed:
            raise ValueError(
                f"invoice {self.invoice_number}: invoiceTotal (TDS01) {self.invoice_total.amount} disagrees with "
                f"its lines, charges, allowances and taxes, which add up to {computed}"
            )
        return self
