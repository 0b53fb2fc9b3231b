"""Generate large 850 (004010) and 856 (005010) files for the X12 read benchmarks (into bench/out/)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from gateway.x12.model import Delimiters
from gateway.x12.writer import GroupSpec, build_interchange, serialize, transaction_set

OUT = Path(__file__).resolve().parent / "out"
WHEN = datetime(2026, 1, 5, 9, 30)


def _po(n: int, lines: int) -> list[list[str]]:
    body = [["BEG", "00", "NE", f"PO{n:08d}", "", "20260105"], ["REF", "CR", f"CUST{n}"],
            ["CSH", "N"], ["DTM", "064", "20260110"], ["DTM", "063", "20260120"], ["N1", "ST", "", "92", "RNO1"]]
    for i in range(1, lines + 1):
        body.append(["PO1", str(i), str(10 + i % 7), "EA", f"{9 + i % 5}.25", "", "BP", f"B00{i:07d}",
                     "UP", f"0{i:011d}"])
        body.append(["CTP", "", "RES", "12.99"])
    body.append(["CTT", str(lines)])
    return body


def _asn(n: int, items: int) -> list[list[str]]:
    body = [["BSN", "00", f"SH{n:08d}", "20260105", "0930"], ["HL", "1", "", "S"], ["TD1", "CTN", "4"],
            ["TD5", "", "2", "UPSN"], ["REF", "BM", f"BOL{n}"], ["DTM", "011", "20260105"],
            ["N1", "ST", "", "92", "RNO1"], ["HL", "2", "1", "O"], ["PRF", f"PO{n:08d}"]]
    hl = 2
    for i in range(items):
        hl += 1
        body += [["HL", str(hl), "2", "P"], ["MAN", "GM", f"00{n:09d}{i:07d}"]]
        hl += 1
        body += [["HL", str(hl), str(hl - 1), "I"], ["LIN", "", "BP", f"B00{i:07d}", "UP", f"0{i:011d}"],
                 ["SN1", "", "12", "EA"], ["DTM", "036", "20270101"]]
    body.append(["CTT", str(hl)])
    return body


def generate(kind: str, size: int, path: Path) -> Path:
    """Write interchanges of 1000 transaction sets each until the file reaches ``size`` bytes."""
    d4 = Delimiters(element="*", component=">", segment="~", suffix="\n")
    d5 = Delimiters(element="*", component=">", repetition="^", segment="~", suffix="\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    isa13 = 0
    with open(path, "wb") as fh:
        while written < size:
            isa13 += 1
            if kind == "850":
                sets = [transaction_set("850", f"{i:04d}", _po(isa13 * 1000 + i, 20)) for i in range(1, 1001)]
                spec = GroupSpec("PO", "AMAZON", "VENDOR", isa13, "004010", sets)
                ic = build_interchange(("ZZ", "AMAZON"), ("ZZ", "VENDOR"), "00401", [spec], isa13, d4, WHEN)
            else:
                sets = [transaction_set("856", f"{i:04d}", _asn(isa13 * 1000 + i, 8), "005010")
                        for i in range(1, 1001)]
                spec = GroupSpec("SH", "VENDOR", "AMAZON", isa13, "005010", sets)
                ic = build_interchange(("ZZ", "VENDOR"), ("ZZ", "AMAZON"), "00501", [spec], isa13, d5, WHEN)
            data = serialize(ic)
            fh.write(data)
            written += len(data)
    return path


def generate_single_interchange(size: int, path: Path) -> Path:
    """One 850 interchange and group of ``size`` bytes (blocks of 1000 sets repeated; ST02s repeat per block)."""
    d4 = Delimiters(element="*", component=">", segment="~", suffix="\n")
    sets = [transaction_set("850", f"{i:04d}", _po(i, 20)) for i in range(1, 1001)]
    spec = GroupSpec("PO", "AMAZON", "VENDOR", 1, "004010", sets)
    data = serialize(build_interchange(("ZZ", "AMAZON"), ("ZZ", "VENDOR"), "00401", [spec], 1, d4, WHEN))
    head, block = data[: data.index(b"ST*")], data[data.index(b"ST*") : data.rindex(b"GE*")]
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "wb") as fh:
        fh.write(head)
        written = len(head)
        while written < size:
            fh.write(block)
            written += len(block)
            count += 1000
        fh.write(f"GE*{count}*1~\nIEA*1*000000001~\n".encode())
    return path


if __name__ == "__main__":
    kind, mb = sys.argv[1], int(sys.argv[2])
    print(generate(kind, mb * 1_000_000, OUT / f"{kind}_{mb}mb.x12"))
