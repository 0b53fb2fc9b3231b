"""180 return merchandise authorization and notification."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from gateway.canonical.common import Document, Party, ProductIdentifiers, Quantity


class ReturnItem(ProductIdentifiers):
    item_sequence_number: str | None = None
    return_quantity: Quantity
    purchase_order_number: str | None = None


class ReturnAuthorization(Document):
    document_type: Literal["180"] = "180"
    return_authorization_number: str = Field(min_length=1)  # BGN02
    purpose_code: str | None = None  # BGN01
    return_date: date  # BGN03
    selling_party: Party | None = None
    return_from_party: Party | None = None
    return_to_party: Party | None = None
    items: list[ReturnItem] = Field(min_length=1)
