"""What the simulated internal system answers to an 850: an 855, then an 856 and an 810 (canonical JSON)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

_ID_KEYS = ("amazonProductIdentifier", "vendorProductIdentifier", "ean", "upc", "vendorPartNumber")


def _identifiers(item: dict[str, Any]) -> dict[str, Any]:
    ids = {k: item[k] for k in _ID_KEYS if k in item}
    ids["itemSequenceNumber"] = item.get("itemSequenceNumber")
    return ids


def _quantity(amount: Any, unit: str = "EA") -> dict[str, str]:
    return {"amount": str(amount), "unitOfMeasure": unit}


def _items(order: dict[str, Any]) -> list[dict[str, Any]]:
    details = order.get("orderDetails") or {}
    return list(details.get("items") or [])


def _ship_to(order: dict[str, Any]) -> dict[str, Any]:
    return dict((order.get("orderDetails") or {}).get("shipToParty") or {})


def _sscc(po: str, n: int) -> str:
    """An 18-digit SSCC with a valid GS1 check digit, stable per order and carton."""
    body = "0" + "614141" + str(int(hashlib.sha256(f"{po}:{n}".encode()).hexdigest(), 16))[-10:]
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def acknowledgement(order: dict[str, Any], today: date) -> dict[str, Any]:
    """Every line accepted in full, shipping in two days."""
    ship = (today + timedelta(days=2)).isoformat()
    lines = []
    for item in _items(order):
        ordered = item["orderedQuantity"]
        lines.append({
            **_identifiers(item),
            "orderedQuantity": ordered,
            "netCost": item.get("netCost"),
            "unitPriceBasis": item.get("unitPriceBasis", "PE"),
            "itemAcknowledgements": [{
                "acknowledgementCode": "Accepted",
                "acknowledgedQuantity": ordered,
                "scheduledShipDate": ship,
            }],
        })
    return {
        "purchaseOrderNumber": order["purchaseOrderNumber"],
        "acknowledgementCode": "AcceptedNoChanges",
        "purposeCode": "00",
        "acknowledgementDate": today.isoformat(),
        "shipToParty": _ship_to(order),
        "items": lines,
    }


def ship_notice(order: dict[str, Any], today: date) -> dict[str, Any]:
    """One pallet with one carton per line, shipped today by UPS."""
    po = order["purchaseOrderNumber"]
    packs = []
    for n, item in enumerate(_items(order), start=1):
        packs.append({
            "sscc": _sscc(po, n),
            "items": [{
                **_identifiers(item),
                "shippedQuantity": item["orderedQuantity"],
                "orderedQuantity": item["orderedQuantity"],
            }],
        })
    return {
        "shipmentIdentifier": f"ASN-{po}",
        "shipmentConfirmationType": "Original",
        "shipmentConfirmationDate": today.isoformat(),
        "shipmentConfirmationTime": "14:30:00",
        "hierarchicalStructureCode": "0001",
        "shippedDate": today.isoformat(),
        "estimatedDeliveryDate": (today + timedelta(days=2)).isoformat(),
        "transportationDetails": {
            "carrierScac": "UPSN",
            "carrierName": "UPS FREIGHT",
            "transportationMethod": "M",
            "billOfLadingNumber": f"BOL{po[-6:]}",
            "carrierShipmentReferenceNumber": f"PRO{po[-7:]}",
        },
        "shipmentMeasurements": {
            "packagingCode": "CTN",
            "cartonCount": len(packs),
            "grossShipmentWeight": {"value": f"{2.5 * max(1, len(packs)):.1f}", "unitOfMeasure": "LB"},
        },
        "shipFromParty": {"partyId": "ACRNV", "partyIdQualifier": "92", "name": "ACORN VENDOR INC"},
        "shipToParty": _ship_to(order),
        "orders": [{
            "purchaseOrderNumber": po,
            "purchaseOrderDate": (order.get("orderDetails") or {}).get("purchaseOrderDate", today.isoformat()),
            "tares": [{"sscc": _sscc(po, 0), "packs": packs}],
        }],
    }


def invoice(order: dict[str, Any], today: date) -> dict[str, Any]:
    """Every line invoiced at the ordered cost; the total is quantity times cost."""
    lines, total = [], Decimal("0")
    for item in _items(order):
        amount = Decimal(str(item["orderedQuantity"]["amount"]))
        cost = Decimal(str((item.get("netCost") or {}).get("amount", "0")))
        total += amount * cost
        lines.append({
            **_identifiers(item),
            "invoicedQuantity": item["orderedQuantity"],
            "netCost": item.get("netCost"),
            "unitPriceBasis": item.get("unitPriceBasis", "PE"),
        })
    po = order["purchaseOrderNumber"]
    return {
        "invoiceNumber": f"INV-{po}",
        "invoiceDate": today.isoformat(),
        "purchaseOrderNumber": po,
        "references": [{"qualifier": "VR", "value": "ACRNV"}],
        "remitToParty": {
            "name": "ACORN VENDOR INC",
            "address": {"addressLine1": "100 MAIN ST", "city": "SEATTLE", "stateOrRegion": "WA",
                        "postalCode": "98101", "countryCode": "US"},
        },
        "shipToParty": _ship_to(order),
        "paymentTerms": {"termsType": "01", "basisDateCode": "3", "netDueDays": 60},
        "items": lines,
        "invoiceTotal": {"amount": f"{total:.2f}"},
    }


REPLIES = (("855", acknowledgement), ("856", ship_notice), ("810", invoice))
