"""Segment IDs a retail mapping may name, with their element counts (X12 004010/005010), to catch typos on load."""

from __future__ import annotations

SEGMENT_ELEMENTS: dict[str, int] = {
    "ACK": 29, "AMT": 3, "BAK": 12, "BEG": 12, "BGN": 9, "BIG": 10, "BLI": 13, "BSN": 7, "CAD": 10, "CSH": 25,
    "CTP": 11, "CTT": 7, "CUR": 21, "DTM": 6, "FOB": 9, "HL": 4, "IT1": 25, "ITD": 15, "ISS": 6, "LIN": 31, "LX": 1,
    "MAN": 6, "MEA": 10, "MSG": 3, "N1": 6, "N2": 2, "N3": 2, "N4": 7, "N9": 7, "NTE": 2, "PER": 9, "PID": 9,
    "PKG": 9, "PO1": 25, "PO4": 21, "PRF": 7, "QTY": 4, "RDR": 5, "REF": 4, "SAC": 16, "SCH": 12, "SDQ": 23,
    "SLN": 28, "SN1": 8, "TD1": 10, "TD3": 10, "TD4": 5, "TD5": 15, "TDS": 4, "TXI": 10, "YNQ": 10,
}
