"""Example request bodies shown in the OpenAPI document (one per outbound transaction set)."""

from __future__ import annotations

from typing import Any

_MONEY = {"currencyCode": "USD", "amount": "12.50"}

SUBMIT_EXAMPLES: dict[str, dict[str, Any]] = {
    "850": {
        "partner": "generic",
        "document": {
            "purchaseOrderNumber": "4500012345",
            "orderDetails": {
                "purchaseOrderDate": "2026-11-20",
                "purchaseOrderType": "NE",
                "items": [
                    {
                        "itemSequenceNumber": "1",
                        "vendorProductIdentifier": "VP-1001",
                        "orderedQuantity": {"amount": 12, "unitOfMeasure": "EA"},
                        "netCost": _MONEY,
                    }
                ],
            },
        },
    },
    "855": {
        "partner": "amazon",
        "document": {
            "purchaseOrderNumber": "4500012345",
            "acknowledgementCode": "AC",
            "acknowledgementDate": "2026-11-21",
            "items": [
                {
                    "itemSequenceNumber": "1",
                    "amazonProductIdentifier": "B000123456",
                    "orderedQuantity": {"amount": 12, "unitOfMeasure": "EA"},
                    "netCost": _MONEY,
                    "itemAcknowledgements": [
                        {"acknowledgementCode": "IA", "acknowledgedQuantity": {"amount": 12, "unitOfMeasure": "EA"}}
                    ],
                }
            ],
        },
    },
    "856": {
        "partner": "amazon",
        "document": {
            "shipmentIdentifier": "ASN-0001",
            "shipmentConfirmationDate": "2026-11-22",
            "orders": [
                {
                    "purchaseOrderNumber": "4500012345",
                    "packs": [
                        {
                            "sscc": "000123456789012343",
                            "items": [
                                {
                                    "amazonProductIdentifier": "B000123456",
                                    "shippedQuantity": {"amount": 12, "unitOfMeasure": "EA"},
                                }
                            ],
                        }
                    ],
                }
            ],
        },
    },
    "810": {
        "partner": "amazon",
        "document": {
            "invoiceNumber": "INV-0001",
            "invoiceDate": "2026-11-22",
            "purchaseOrderNumber": "4500012345",
            "items": [
                {
                    "itemSequenceNumber": "1",
                    "buyerProductIdentifier": "B000123456",
                    "invoicedQuantity": {"amount": 12, "unitOfMeasure": "EA"},
                    "netCost": _MONEY,
                }
            ],
            "invoiceTotal": {"currencyCode": "USD", "amount": "150.00"},
        },
    },
    "180": {
        "partner": "generic",
        "document": {
            "returnAuthorizationNumber": "RMA-0001",
            "returnDate": "2026-11-22",
            "items": [{"vendorProductIdentifier": "VP-1001", "returnQuantity": {"amount": 1, "unitOfMeasure": "EA"}}],
        },
    },
}
