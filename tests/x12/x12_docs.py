"""Builders for the X12 test documents (850/855/856/810/180/997 in 004010 and 005010), written with our writer."""

from __future__ import annotations

from datetime import datetime

from gateway.x12.model import Delimiters, TransactionSet
from gateway.x12.writer import GroupSpec, build_interchange, serialize, transaction_set

WHEN = datetime(2026, 1, 5, 9, 30)
D4 = Delimiters(element="*", component=">", segment="~", suffix="\n")
D5 = Delimiters(element="*", component=">", repetition="^", segment="~", suffix="\n")

BODIES: dict[str, tuple[str, list[list[str]]]] = {
    "850": ("PO", [["BEG", "00", "NE", "PO1001", "", "20260105"], ["REF", "CR", "C1"],
                   ["DTM", "064", "20260110"], ["N1", "ST", "", "92", "RNO1"],
                   ["PO1", "1", "10", "EA", "9.25", "", "BP", "B000000001", "UP", "012345678905"],
                   ["CTT", "1"]]),
    "855": ("PR", [["BAK", "00", "AC", "PO1001", "20260105"],
                   ["PO1", "1", "10", "EA", "9.25", "", "BP", "B000000001"], ["ACK", "IA", "10", "EA"],
                   ["CTT", "1"]]),
    "856": ("SH", [["BSN", "00", "SH1", "20260105", "0930"], ["HL", "1", "", "S"], ["TD5", "", "2", "UPSN"],
                   ["HL", "2", "1", "O"], ["PRF", "PO1001"], ["HL", "3", "2", "P"],
                   ["MAN", "GM", "000123456789012345"], ["HL", "4", "3", "I"],
                   ["LIN", "", "BP", "B000000001"], ["SN1", "", "10", "EA"], ["CTT", "4"]]),
    "810": ("IN", [["BIG", "20260105", "INV1", "", "PO1001"], ["IT1", "1", "10", "EA", "9.25", "", "BP", "B1"],
                   ["TDS", "9250"], ["CTT", "1"]]),
    "180": ("AN", [["BGN", "00", "RMA1", "20260105"], ["N1", "ST", "", "92", "RNO1"],
                   ["BLI", "BP", "B000000001", "1", "EA"], ["QTY", "39", "1"]]),
    "997": ("FA", [["AK1", "PO", "1"], ["AK2", "850", "0001"], ["AK5", "A"], ["AK9", "A", "1", "1", "1"]]),
}


def tset(code: str, st02: str = "0001", version: str = "004010") -> TransactionSet:
    body = BODIES[code][1]
    return transaction_set(code, st02, body, version if version.startswith("005") else None)


def document(code: str = "850", version: str = "004010", *, sets: int = 1, isa13: int = 1, gs06: int = 1,
             delimiters: Delimiters | None = None, ack_requested: bool = False) -> bytes:
    """A valid interchange with one group of ``sets`` transaction sets of ``code``."""
    five = version.startswith("005")
    d = delimiters or (D5 if five else D4)
    fid = BODIES[code][0]
    spec = GroupSpec(fid, "SENDER", "RECEIVER", gs06, version,
                     [tset(code, f"{i:04d}", version) for i in range(1, sets + 1)])
    ic = build_interchange(("ZZ", "SENDER"), ("ZZ", "RECEIVER"), "00501" if five else "00401", [spec], isa13, d,
                           WHEN, ack_requested=ack_requested)
    return serialize(ic)
