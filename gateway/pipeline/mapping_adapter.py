"""The ``Mappings`` port over gateway.mapping: each partner's compiled map per transaction set, loaded once."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from gateway.errors import MappingError
from gateway.mapping import CompiledMap, canonical_to_x12, load_partner_map, x12_to_dict
from gateway.partners.profile import PartnerProfile
from gateway.pipeline.partner_adapter import PartnerDirectory
from gateway.pipeline.ports import Canonical, PartnerView
from gateway.x12.model import FunctionalGroup, Interchange, Segment, TransactionSet

# The canonical field each document type is searched by (Document.po_number holds the purchase order number).
_PO_FIELD = "purchaseOrderNumber"


class MapCache:
    """Compiled maps by (partner, transaction set); compiling happens on first use and is shared by threads."""

    def __init__(self, partners: PartnerDirectory, maps_dir: Path) -> None:
        self.partners = partners
        self.maps_dir = Path(maps_dir)
        self._maps: dict[tuple[str, str], CompiledMap] = {}
        self._lock = threading.Lock()

    def get(self, partner_id: str, transaction_set: str) -> tuple[PartnerProfile, CompiledMap]:
        profile = self.partners.profile(partner_id)
        key = (partner_id, transaction_set)
        with self._lock:
            compiled = self._maps.get(key)
            if compiled is None:
                compiled = self._maps[key] = load_partner_map(profile, transaction_set, self.maps_dir)
        return profile, compiled


class MappingPort:
    """Implements ``Mappings``: X12 transaction set -> canonical JSON, canonical JSON -> X12 body segments."""

    def __init__(self, maps: MapCache) -> None:
        self.maps = maps

    def to_canonical(
        self, partner: PartnerView, interchange: Interchange, group: FunctionalGroup, transaction_set: TransactionSet
    ) -> Canonical:
        profile, compiled = self.maps.get(partner.id, transaction_set.code)
        data, _warnings = x12_to_dict(transaction_set, interchange.delimiters, profile, compiled,
                                      interchange=interchange, group=group)
        po_number = data.get(_PO_FIELD)
        return Canonical(transaction_set.code, data, po_number=str(po_number) if po_number is not None else None)

    def from_canonical(self, partner: PartnerView, document_type: str, data: dict[str, Any]) -> list[Segment]:
        if not isinstance(data, dict):
            raise MappingError(f"partner {partner.id}, {document_type}: the document must be a JSON object")
        profile, compiled = self.maps.get(partner.id, document_type)
        return canonical_to_x12(data, profile, compiled)
