"""Trading partner profiles: ``PartnerProfile``, ``load_partner``, ``load_registry``, ``PartnerRegistry``."""

from gateway.partners.loader import PartnerRegistry, load_partner, load_registry
from gateway.partners.profile import (
    AckKind,
    Deadlines,
    DeliveryTarget,
    Direction,
    PartnerProfile,
    TransactionSetSettings,
    WriteDelimiters,
    X12Section,
)

__all__ = [
    "AckKind", "Deadlines", "DeliveryTarget", "Direction", "PartnerProfile", "PartnerRegistry",
    "TransactionSetSettings", "WriteDelimiters", "X12Section", "load_partner", "load_registry",
]
