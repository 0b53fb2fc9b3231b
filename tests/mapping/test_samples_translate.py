"""The shared public samples translate with the generic profile into the expected business content."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.errors import MappingError
from gateway.mapping import load_partner_map, to_dict, x12_to_canonical
from gateway.partners import PartnerRegistry
from gateway.x12.reader import read

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "x12"
MAPS = Path(__file__).resolve().parents[2] / "maps"
pytestmark = pytest.mark.samples


def _translate(registry: PartnerRegistry, name: str) -> list[tuple[dict[str, Any], list[str]]]:
    assert SAMPLES.is_dir(), f"shared samples missing at {SAMPLES}"
    partner = registry.get("generic")
    out = []
    for ic in read((SAMPLES / name).read_bytes()):
        for group in ic.groups:
            for tset in group.transaction_sets:
                mapping = load_partner_map(partner, tset.code, MAPS)
                doc, warnings = x12_to_canonical(tset, ic.delimiters, partner, mapping, interchange=ic, group=group)
                out.append((to_dict(doc), [str(w) for w in warnings]))
    return out


def test_samples_850(registry: PartnerRegistry) -> None:
    [(po, warnings)] = _translate(registry, "aaronhuggins__node-x12__850.edi")
    assert po["purchaseOrderNumber"] == "08292233294"
    details = po["orderDetails"]
    assert details["purchaseOrderDate"] == "2010-11-27"
    assert details["purchaseOrderType"] == "StandAlone"
    assert details["shipToParty"] == {"partyId": "0003947268292", "partyIdQualifier": "9", "name": "XYZ RETAIL",
                                      "address": {"addressLine1": "31875 SOLON RD", "city": "SOLON",
                                                  "stateOrRegion": "OH", "postalCode": "44139"}}
    items = details["items"]
    assert [i["orderedQuantity"]["amount"] for i in items] == ["120", "220", "126", "76", "72", "696"]
    assert items[0]["vendorProductIdentifier"] == "AB3542"
    assert items[0]["buyerCatalogNumber"] == "065322-117"
    total = sum(Decimal(i["orderedQuantity"]["amount"]) * Decimal(i["netCost"]["amount"]) for i in items)
    assert total == Decimal("13045.94")  # the sample's own AMT*1
    # What the generic map does not read is kept, with its position, and reported.
    assert {"segmentPosition": 7, "segmentId": "PKG", "value": "PKG*F*68***PALLETIZE SHIPMENT"} in po["unmapped"]
    assert any(u.get("element") == "PO108" and u["value"] == "PR*RO" for u in po["unmapped"])
    assert any("segment 7 PKG" in w for w in warnings)


def test_samples_855(registry: PartnerRegistry) -> None:
    [(ack, _)] = _translate(registry, "aaronhuggins__node-x12__855.edi")
    assert ack["purchaseOrderNumber"] == "POTEST1112"
    assert ack["acknowledgementCode"] == "AcceptedNoChanges"
    assert ack["shipToParty"]["name"] == "EDI TEST ACCOUNT-SUFFIX"
    codes = [[a["acknowledgementCode"] for a in i["itemAcknowledgements"]] for i in ack["items"]]
    assert codes == [["Accepted"], ["Rejected"], ["Rejected"], ["Accepted"]]
    assert ack["items"][0]["ean"] == "9780446360265"

    sets = _translate(registry, "bots-edi__bots-plugins__855-004010UCS-01.x12")
    assert [d["purchaseOrderNumber"] for d, _ in sets][:3] == ["194207", "194208", "194721"]
    assert len(sets[0][0]["items"]) == 26
    assert sets[0][0]["items"][0]["upcCaseCode"] == "001119432383"


def test_samples_856_sopi_with_sscc(registry: PartnerRegistry) -> None:
    [(asn, _)] = _translate(registry, "Inteligenz__X12Parser__FromGregarican.txt")
    assert asn["shipmentIdentifier"] == "521649209219"
    assert asn["transportationDetails"]["billOfLadingNumber"] == "521649209219"
    assert asn["transportationDetails"]["carrierScac"] == "FED2"
    [order] = asn["orders"]
    assert order["purchaseOrderNumber"] == "SO/VINCE1"
    [pack] = order["packs"]
    assert pack["sscc"] == "007121610006156802"
    assert pack["items"][0]["upc"] == "883932284904"
    assert pack["items"][0]["shippedQuantity"] == {"amount": "1", "unitOfMeasure": "EA"}


def test_samples_856_bad_sscc_check_digit_is_refused(registry: PartnerRegistry) -> None:
    with pytest.raises(MappingError) as err:
        _translate(registry, "olmelabs__EdiEngine__856.Crossdock.OK.edi")
    message = str(err.value)
    assert "partner generic, 856 ST02 0001" in message
    assert "orders[0].packs[0].sscc" in message
    assert "SSCC 000715670002152360 has check digit 0, expected 3" in message


def test_samples_810(registry: PartnerRegistry) -> None:
    invoices = [d for d, _ in _translate(registry, "bots-edi__bots-plugins__810-004010VICS-01.x12")]
    assert [i["invoiceNumber"] for i in invoices] == ["465266", "465267"]
    assert [i["invoiceTotal"]["amount"] for i in invoices] == ["8432.02", "1129.92"]
    assert [len(i["items"]) for i in invoices] == [4, 1]
    first = invoices[0]
    assert first["items"][0]["chargeDetails"] == [{"type": "D360", "amount": "58.87", "percentQualifier": "2",
                                                   "percent": "7"}]
    assert first["billToParty"]["name"] == "MACDONALDS CONSOLIDATED LTD"
    assert first["shipmentSummary"]["unitsShipped"] == "1464"
