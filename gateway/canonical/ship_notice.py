"""856 ship notice: shipment, orders, tares (pallets), packs (cartons, SSCC-18) and items (SOTPI / SOPI / SOI)."""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import Field, field_validator

from gateway.canonical.common import (
    CanonicalModel,
    Document,
    Measurement,
    Party,
    ProductIdentifiers,
    Quantity,
    check_sscc,
)


class TransportationDetails(CanonicalModel):
    carrier_scac: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,4}$")
    carrier_name: str | None = None  # TD505 routing
    transportation_method: str | None = None  # TD504
    bill_of_lading_number: str | None = None  # REF*BM
    carrier_shipment_reference_number: str | None = None  # REF*CN (PRO number)


class ShipmentMeasurements(CanonicalModel):
    packaging_code: str | None = None  # TD101
    carton_count: int | None = None  # TD102
    gross_shipment_weight: Measurement | None = None  # TD106..TD108


class ShippedItem(ProductIdentifiers):
    item_sequence_number: str | None = None
    shipped_quantity: Quantity
    ordered_quantity: Quantity | None = None
    lot_number: str | None = None
    expiry_date: date | None = None


class Pack(CanonicalModel):
    sscc: str | None = None
    weight: Measurement | None = None
    items: list[ShippedItem] = Field(default_factory=list)

    @field_validator("sscc")
    @classmethod
    def _sscc(cls, value: str | None) -> str | None:
        return value if value is None else check_sscc(value)


class Tare(CanonicalModel):
    sscc: str | None = None
    packs: list[Pack] = Field(default_factory=list)

    @field_validator("sscc")
    @classmethod
    def _sscc(cls, value: str | None) -> str | None:
        return value if value is None else check_sscc(value)


class ShipmentOrder(CanonicalModel):
    purchase_order_number: str
    purchase_order_date: date | None = None
    invoice_number: str | None = None
    department_number: str | None = None
    buying_party: Party | None = None
    carton_count: int | None = None
    tares: list[Tare] = Field(default_factory=list)
    packs: list[Pack] = Field(default_factory=list)
    items: list[ShippedItem] = Field(default_factory=list)


class ShipNotice(Document):
    document_type: Literal["856"] = "856"
    shipment_identifier: str = Field(min_length=1)  # BSN02
    shipment_confirmation_type: str | None = None  # BSN01 translated
    shipment_confirmation_date: date  # BSN03
    shipment_confirmation_time: time | None = None  # BSN04
    hierarchical_structure_code: str | None = None  # BSN05
    shipped_date: date | None = None  # DTM*011
    estimated_delivery_date: date | None = None  # DTM*017 / 067
    transportation_details: TransportationDetails | None = None
    shipment_measurements: ShipmentMeasurements | None = None
    ship_from_party: Party | None = None
    ship_to_party: Party | None = None
    selling_party: Party | None = None
    fob_payment_method: str | None = None  # FOB01
    orders: list[ShipmentOrder] = Field(min_length=1)
