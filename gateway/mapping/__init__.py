"""The mapping engine: one declarative map per transaction set and version drives X12 <-> canonical JSON."""

from gateway.mapping.engine import (
    CompiledMap,
    canonical_to_body,
    canonical_to_x12,
    envelope,
    load_map,
    load_partner_map,
    to_dict,
    x12_to_canonical,
    x12_to_dict,
)
from gateway.mapping.inbound import MappingWarning

__all__ = [
    "CompiledMap", "MappingWarning", "canonical_to_body", "canonical_to_x12", "envelope", "load_map",
    "load_partner_map", "to_dict", "x12_to_canonical", "x12_to_dict",
]
