"""A trading partner profile (partners/<id>/partner.yaml): X12 identities, maps, delivery, deadlines, AS2."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.errors import ConfigError
from gateway.partners.as2_section import AS2Section
from gateway.x12.model import Delimiters

DOCUMENT_TYPES = ("850", "855", "856", "810", "180", "997", "999")
FUNCTIONAL_IDS = {"850": "PO", "855": "PR", "856": "SH", "810": "IN", "180": "AN", "997": "FA", "999": "FA"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AckKind(StrEnum):
    NONE = "none"
    FA997 = "997"
    FA999 = "999"


class Direction(StrEnum):
    INBOUND = "inbound"  # partner -> us (850, 810 credit ...)
    OUTBOUND = "outbound"  # us -> partner (855, 856, 810)


class WriteDelimiters(_Strict):
    """What we write to this partner (we read whatever each ISA declares)."""

    element: str = Field(default="*", min_length=1, max_length=1)
    component: str = Field(default=">", min_length=1, max_length=1)
    repetition: str = Field(default="^", min_length=1, max_length=1)
    segment: str = Field(default="~", min_length=1, max_length=1)
    line_break: str = Field(default="\n", pattern=r"^(|\n|\r\n)$")

    @model_validator(mode="after")
    def _distinct(self) -> WriteDelimiters:
        chars = [self.element, self.component, self.repetition, self.segment]
        if len(set(chars)) != 4:
            raise ValueError(f"delimiters must be four different characters, got {chars}")
        if any(c.isalnum() or c == " " for c in chars):
            raise ValueError("delimiters must not be letters, digits or spaces")
        return self

    def for_version(self, isa12: str) -> Delimiters:
        """Model delimiters for an interchange version (no repetition separator before 00501)."""
        repetition = self.repetition if isa12 >= "00501" else None
        return Delimiters(self.element, self.component, repetition, self.segment, self.line_break)


class TransactionSetSettings(_Strict):
    """One transaction set this partner exchanges: version, direction and mapping file."""

    version: str = Field(pattern=r"^00[0-9]{4}")  # GS08, e.g. 004010 or 005010 (or 004010VICS)
    direction: Direction
    map: Path  # relative to the profile file
    implementation_reference: str | None = None  # ST03 (005010+)

    @property
    def isa_version(self) -> str:
        """ISA12 for this GS08: 00401 or 00501."""
        return self.version[:5]


class X12Section(_Strict):
    our_qualifier: str = Field(min_length=2, max_length=2)
    our_id: str = Field(min_length=1, max_length=15)
    their_qualifier: str = Field(min_length=2, max_length=2)
    their_id: str = Field(min_length=1, max_length=15)
    our_gs_id: str = Field(min_length=2, max_length=15)
    their_gs_id: str = Field(min_length=2, max_length=15)
    usage: str = Field(default="P", pattern=r"^[PT]$")  # ISA15
    our_gln: str | None = Field(default=None, pattern=r"^\d{13}$")
    their_gln: str | None = Field(default=None, pattern=r"^\d{13}$")
    scacs: list[str] = Field(default_factory=list)
    delimiters: WriteDelimiters = Field(default_factory=WriteDelimiters)
    transaction_sets: dict[str, TransactionSetSettings]
    ack_inbound: AckKind = AckKind.FA997  # what we send for their groups
    ack_outbound: AckKind = AckKind.FA997  # what we expect for ours
    values: dict[str, str] = Field(default_factory=dict)  # ${name} values the maps may use

    @field_validator("transaction_sets")
    @classmethod
    def _known_sets(cls, value: dict[str, TransactionSetSettings]) -> dict[str, TransactionSetSettings]:
        for code in value:
            if code not in FUNCTIONAL_IDS:
                raise ValueError(f"unknown transaction set {code!r}; known: {', '.join(FUNCTIONAL_IDS)}")
        return value

    @field_validator("scacs")
    @classmethod
    def _scac(cls, value: list[str]) -> list[str]:
        for scac in value:
            if not re.fullmatch(r"[A-Z]{2,4}", scac):
                raise ValueError(f"SCAC must be 2-4 capital letters, got {scac!r}")
        return value


class DeliveryTarget(_Strict):
    """Where an inbound document type goes: a signed webhook, the pull queue, or a directory."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    document_types: list[str] = Field(default_factory=list)  # empty: every type
    webhook_url: str | None = None
    secret_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")  # env var holding the secret
    pull_queue: bool = False
    directory: Path | None = None

    @model_validator(mode="after")
    def _one_channel(self) -> DeliveryTarget:
        channels = [self.webhook_url is not None, self.pull_queue, self.directory is not None]
        if sum(channels) != 1:
            raise ValueError(f"delivery {self.name}: choose exactly one of webhook_url, pull_queue, directory")
        if self.webhook_url is not None and self.secret_env is None:
            raise ValueError(f"delivery {self.name}: a webhook needs secret_env (the variable holding its secret)")
        return self


def _duration(value: object) -> object:
    """Accept '24h', '30m', '90s', '2d' or seconds."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", value)
        if m:
            unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
            return timedelta(**{unit: float(m.group(1))})
    return value


class Deadlines(_Strict):
    acknowledgement_855: timedelta = timedelta(hours=24)  # 855 after the 850
    ship_notice_856: timedelta = timedelta(minutes=30)  # ASN after departure
    ship_notice_after_order: timedelta = timedelta(days=7)  # 856 after the 850 (the monitor's "late" list)
    invoice_after_order: timedelta = timedelta(days=14)  # 810 after the 850 (the monitor's "late" list)
    functional_ack: timedelta = timedelta(hours=24)  # their 997/999 for our sets, ours for theirs
    mdn: timedelta = timedelta(minutes=10)  # asynchronous MDN

    @field_validator("*", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        return _duration(value)


class PartnerProfile(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    x12: X12Section | None = None
    as2: AS2Section | None = None
    deliveries: list[DeliveryTarget] = Field(default_factory=list)
    deadlines: Deadlines = Field(default_factory=Deadlines)
    path: Path | None = None  # the profile file (set by the loader)

    def transaction_set(self, code: str) -> TransactionSetSettings:
        """The settings of one transaction set; ConfigError naming the partner when it does not exchange it."""
        if self.x12 is None or code not in self.x12.transaction_sets:
            known = ", ".join(self.x12.transaction_sets) if self.x12 else "none"
            raise ConfigError(f"partner {self.id} does not exchange transaction set {code} (it has: {known})",
                              path=str(self.path) if self.path else None)
        return self.x12.transaction_sets[code]

    def delimiters(self, isa12: str = "00401") -> Delimiters:
        return (self.x12.delimiters if self.x12 else WriteDelimiters()).for_version(isa12)

    def targets_for(self, document_type: str) -> list[DeliveryTarget]:
        return [t for t in self.deliveries if not t.document_types or document_type in t.document_types]
