"""850 purchase order, after the SP-API vendor orders model (purchaseOrderNumber, orderDetails, items)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from gateway.canonical.common import (
    CanonicalModel,
    ChargeOrAllowance,
    DateEntry,
    DateWindow,
    Document,
    Money,
    Party,
    ProductIdentifiers,
    Quantity,
)


class OrderItem(ProductIdentifiers):
    item_sequence_number: str | None = None
    ordered_quantity: Quantity
    net_cost: Money | None = None
    list_price: Money | None = None
    unit_price_basis: str | None = None  # PO105


class PaymentTerms(CanonicalModel):
    terms_type: str | None = None  # ITD01
    basis_date_code: str | None = None  # ITD02
    discount_percent: str | None = None  # ITD03 (kept as written)
    discount_due_days: int | None = None  # ITD05
    net_due_days: int | None = None  # ITD07
    description: str | None = None  # ITD12


class OrderDetails(CanonicalModel):
    purchase_order_date: date
    purchase_order_type: str | None = None  # BEG02, translated by the partner's code table
    purchase_order_purpose: str | None = None  # BEG01
    release_number: str | None = None  # BEG04
    contract_number: str | None = None  # BEG06
    currency_code: str | None = None  # CUR02
    customer_order_number: str | None = None
    department_number: str | None = None
    payment_method: str | None = None
    ship_window: DateWindow | None = None
    delivery_window: DateWindow | None = None
    dates: list[DateEntry] = Field(default_factory=list)
    payment_terms: PaymentTerms | None = None
    carrier_routing: str | None = None  # TD505
    buying_party: Party | None = None
    selling_party: Party | None = None
    ship_to_party: Party | None = None
    bill_to_party: Party | None = None
    charge_details: list[ChargeOrAllowance] = Field(default_factory=list)
    allowance_details: list[ChargeOrAllowance] = Field(default_factory=list)
    items: list[OrderItem] = Field(min_length=1)
    total_amount: Money | None = None  # AMT*TT / AMT*1


class PurchaseOrder(Document):
    document_type: Literal["850"] = "850"
    purchase_order_number: str = Field(min_length=1)
    order_details: OrderDetails
