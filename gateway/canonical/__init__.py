"""Canonical documents (850, 855, 856, 810, 180) as pydantic models; ``MODELS`` maps ST01 to the model."""

from __future__ import annotations

from pydantic import BaseModel

from gateway.canonical.acknowledgement import PurchaseOrderAcknowledgement
from gateway.canonical.common import (
    Address,
    ChargeOrAllowance,
    DateWindow,
    Document,
    Envelope,
    Money,
    Party,
    Quantity,
    Reference,
    UnmappedSegment,
    check_sscc,
)
from gateway.canonical.invoice import Invoice
from gateway.canonical.purchase_order import PurchaseOrder
from gateway.canonical.return_authorization import ReturnAuthorization
from gateway.canonical.ship_notice import ShipNotice

MODELS: dict[str, type[Document]] = {
    "850": PurchaseOrder,
    "855": PurchaseOrderAcknowledgement,
    "856": ShipNotice,
    "810": Invoice,
    "180": ReturnAuthorization,
}


def model_for(document_type: str) -> type[Document]:
    """The canonical model of a transaction set code; KeyError names the known ones."""
    try:
        return MODELS[document_type]
    except KeyError:
        raise KeyError(f"no canonical model for transaction set {document_type!r} (known: {sorted(MODELS)})") from None


def json_schema(document_type: str) -> dict[str, object]:
    """JSON Schema (draft 2020-12) of one document type, in camelCase."""
    model: type[BaseModel] = model_for(document_type)
    schema = model.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


__all__ = [
    "MODELS", "Address", "ChargeOrAllowance", "DateWindow", "Document", "Envelope", "Invoice", "Money", "Party",
    "PurchaseOrder", "PurchaseOrderAcknowledgement", "Quantity", "Reference", "ReturnAuthorization", "ShipNotice",
    "UnmappedSegment", "check_sscc", "json_schema", "model_for",
]
