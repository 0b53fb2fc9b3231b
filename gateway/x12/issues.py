"""Validation problems as data: where, what was expected, what was found, and the X12 ack code."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Level(StrEnum):
    """Which envelope level a problem belongs to, which decides the ack segment that reports it."""

    INTERCHANGE = "interchange"  # TA1
    GROUP = "group"  # AK9
    TRANSACTION_SET = "transaction_set"  # AK5 / IK5
    SEGMENT = "segment"  # AK3 / IK3
    ELEMENT = "element"  # AK4 / IK4


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation problem.

    ``code`` is the X12 code for the ack segment of ``level``: TA105 for interchange,
    AK905 for group, AK502 for transaction set, AK304/IK304 for segment, AK403/IK403 for element.
    """

    level: Level
    code: str
    message: str
    severity: Severity = Severity.ERROR
    interchange: str | None = None  # ISA13
    group: str | None = None  # GS06
    transaction_set: str | None = None  # ST02
    transaction_set_code: str | None = None  # ST01
    segment_id: str | None = None
    segment_position: int | None = None  # position within the transaction set (AK302)
    segment_number: int | None = None  # position within the file
    offset: int | None = None  # byte offset within the file
    loop_id: str | None = None  # AK303
    element_position: int | None = None  # AK401
    component_position: int | None = None
    element_reference: int | None = None  # data element reference number (AK402)
    expected: str | None = None
    found: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def where(self) -> str:
        """Human location, e.g. 'ISA13 000000001 / GS06 1 / ST02 0001 / segment 7 PO1, element 02'."""
        parts: list[str] = []
        if self.interchange is not None:
            parts.append(f"ISA13 {self.interchange}")
        if self.group is not None:
            parts.append(f"GS06 {self.group}")
        if self.transaction_set is not None:
            parts.append(f"ST02 {self.transaction_set}")
        if self.segment_id is not None:
            seg = f"segment {self.segment_position} {self.segment_id}" if self.segment_position else self.segment_id
            if self.element_position is not None:
                seg += f", element {self.element_position:02d}"
                if self.component_position is not None:
                    seg += f"-{self.component_position}"
            parts.append(seg)
        if self.offset is not None:
            parts.append(f"byte {self.offset}")
        return " / ".join(parts)

    def __str__(self) -> str:
        text = f"{self.where()}: {self.message}" if self.where() else self.message
        if self.expected is not None and self.found is not None:
            text += f" (expected {self.expected!r}, found {self.found!r})"
        elif self.found is not None:
            text += f" (found {self.found!r})"
        elif self.expected is not None:
            text += f" (expected {self.expected!r})"
        return text
