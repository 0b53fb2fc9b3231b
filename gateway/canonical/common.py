"""Shared canonical building blocks: money, quantities, parties, addresses, references, envelope, unmapped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class CanonicalModel(BaseModel):
    """camelCase JSON, unknown fields refused (a field nobody can place is an error, not silently dropped)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Money(CanonicalModel):
    amount: Decimal
    currency_code: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class Quantity(CanonicalModel):
    amount: Decimal
    unit_of_measure: str | None = None
    unit_size: Decimal | None = None


class Measurement(CanonicalModel):
    value: Decimal
    unit_of_measure: str | None = None


class Address(CanonicalModel):
    name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state_or_region: str | None = None
    postal_code: str | None = None
    country_code: str | None = None


class Party(CanonicalModel):
    """A trading party; ``partyId`` is the partner's own id (vendor code, FC code), ``gln`` a GS1 location."""

    party_id: str | None = None
    party_id_qualifier: str | None = None
    gln: str | None = Field(default=None, pattern=r"^\d{13}$")
    duns: str | None = None
    name: str | None = None
    address: Address | None = None


class Reference(CanonicalModel):
    qualifier: str
    value: str | None = None
    description: str | None = None


class DateWindow(CanonicalModel):
    start: dt.date | None = None
    end: dt.date | None = None


class DateEntry(CanonicalModel):
    """A dated event not promoted to a named field (DTM qualifier kept as data)."""

    qualifier: str
    date: dt.date | None = None
    time: dt.time | None = None


class ChargeOrAllowance(CanonicalModel):
    type: str | None = None  # SAC02 code, e.g. D360
    amount: Decimal | None = None
    percent: Decimal | None = None
    percent_qualifier: str | None = None  # SAC06
    description: str | None = None
    method_of_handling: str | None = None  # SAC12


class Envelope(CanonicalModel):
    """Where the document came from or goes to: partner and control numbers (ISA13 / GS06 / ST02)."""

    partner: str | None = None
    document_type: str | None = None  # ST01
    x12_version: str | None = None  # GS08
    interchange_control_number: str | None = None  # ISA13
    group_control_number: str | None = None  # GS06
    transaction_set_control_number: str | None = None  # ST02
    interchange_sender: str | None = None
    interchange_receiver: str | None = None


class UnmappedSegment(CanonicalModel):
    """A segment (or one element of a mapped segment) the map did not consume, with its position."""

    segment_position: int  # within the transaction set, ST = 1
    segment_id: str
    element: str | None = None  # e.g. PO110 when only one element was left over
    value: str


class Document(CanonicalModel):
    """Fields every canonical document carries."""

    envelope: Envelope | None = None
    unmapped: list[UnmappedSegment] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)


def check_sscc(value: str) -> str:
    """An SSCC-18 with a valid GS1 mod-10 check digit."""
    if len(value) != 18 or not (value.isascii() and value.isdigit()):
        raise ValueError(f"SSCC must be 18 digits, got {value!r}")
    # GS1 weights 3,1,3,1... over the first 17 digits; ASCII digits are their code points less 48 ("0")
    total = 3 * (sum(value[0:17:2].encode()) - 48 * 9) + sum(value[1:17:2].encode()) - 48 * 8
    expected = (10 - total % 10) % 10
    if ord(value[17]) - 48 != expected:
        raise ValueError(f"SSCC {value} has check digit {value[17]}, expected {expected}")
    return value


class ProductIdentifiers(CanonicalModel):
    """Product ids of a line, named after the SP-API vendor model where it has one."""

    amazon_product_identifier: str | None = None  # ASIN (BP at Amazon)
    vendor_product_identifier: str | None = None  # VN
    vendor_part_number: str | None = None  # VP
    buyer_product_identifier: str | None = None  # BP / IN elsewhere
    buyer_catalog_number: str | None = None  # CB
    ean: str | None = None  # EN
    upc: str | None = None  # UP
    upc_case_code: str | None = None  # UA
    isbn: str | None = None  # IB
    gtin: str | None = Field(default=None, pattern=r"^\d{14}$")  # UK (GTIN-14)
    description: str | None = None
