"""855 purchase order acknowledgement, after the SP-API orderAcknowledgement model."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from gateway.canonical.common import CanonicalModel, Document, Money, Party, ProductIdentifiers, Quantity


class ItemAcknowledgement(CanonicalModel):
    acknowledgement_code: str  # ACK01 translated: Accepted / Backordered / Rejected
    acknowledged_quantity: Quantity
    scheduled_ship_date: date | None = None
    scheduled_delivery_date: date | None = None


class AcknowledgementItem(ProductIdentifiers):
    item_sequence_number: str | None = None
    ordered_quantity: Quantity
    net_cost: Money | None = None
    unit_price_basis: str | None = None
    item_acknowledgements: list[ItemAcknowledgement] = Field(default_factory=list)

    @model_validator(mode="after")
    def _never_up(self) -> AcknowledgementItem:
        total = sum((a.acknowledged_quantity.amount for a in self.item_acknowledgements), start=0)
        if total > self.ordered_quantity.amount:
            raise ValueError(
                f"item {self.item_sequence_number or '?'}: acknowledged quantity {total} exceeds ordered "
                f"quantity {self.ordered_quantity.amount} (a quantity may go down, never up)"
            )
        return self


class PurchaseOrderAcknowledgement(Document):
    document_type: Literal["855"] = "855"
    purchase_order_number: str = Field(min_length=1)
    acknowledgement_code: str  # BAK02 translated, e.g. AcceptedWithChanges
    purpose_code: str | None = None  # BAK01
    acknowledgement_date: date
    purchase_order_date: date | None = None  # BAK09
    vendor_order_number: str | None = None  # BAK08
    currency_code: str | None = None
    selling_party: Party | None = None
    ship_to_party: Party | None = None
    buying_party: Party | None = None
    items: list[AcknowledgementItem] = Field(default_factory=list)
