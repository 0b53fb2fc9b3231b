"""X12 <-> canonical JSON throughput (MB/s, documents/s) on generated 20 MB 850 and 856 files.

Run: .venv/bin/python -m bench.translate [--mb 20]
The files are written by the mapping engine itself (JSON -> X12 with the amazon profile, so every segment is
mapped), into bench/out/ (gitignored). Beside each figure: a plain bytes.split loop over the same file.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import time
from pathlib import Path
from typing import Any

from gateway.mapping import CompiledMap, canonical_to_x12, envelope, load_partner_map, x12_to_canonical
from gateway.partners import PartnerProfile, load_registry
from gateway.x12.envelope import check_interchange
from gateway.x12.reader import iter_transaction_sets

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
SETS_PER_INTERCHANGE = 1000


def _sscc(n: int) -> str:
    body = f"00614141{n:09d}"
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _template(code: str) -> dict[str, Any]:
    golden = json.loads((REPO / "partners" / "amazon" / "golden" / f"{code}.json").read_text())[0]
    golden.pop("envelope")
    golden.pop("unmapped")
    if code == "850":  # 20 lines per order
        line = golden["orderDetails"]["items"][0]
        golden["orderDetails"]["items"] = [
            {**copy.deepcopy(line), "itemSequenceNumber": str(n), "vendorProductIdentifier": f"ACN-{n:04d}"}
            for n in range(1, 21)]
    else:  # SOPI: one order, 8 cartons of 2 items
        order = golden["orders"][0]
        item = order["tares"][0]["packs"][0]["items"][0]
        order.pop("tares")
        order["packs"] = [{"sscc": "", "items": [copy.deepcopy(item), copy.deepcopy(item)]} for _ in range(8)]
    return golden


def _documents(code: str, count: int) -> list[str]:
    template = _template(code)
    out = []
    for n in range(count):
        doc = copy.deepcopy(template)
        if code == "850":
            doc["purchaseOrderNumber"] = f"45{n:08d}"
        else:
            doc["shipmentIdentifier"] = f"ASN-{n:08d}"
            for k, pack in enumerate(doc["orders"][0]["packs"]):
                pack["sscc"] = _sscc(n * 8 + k)
        out.append(json.dumps(doc))
    return out


def json_to_x12(partner: PartnerProfile, mapping: CompiledMap, texts: list[str]) -> bytes:
    """JSON text -> parsed -> mapped -> enveloped X12 bytes, interchanges of 1000 sets."""
    chunks = []
    for start in range(0, len(texts), SETS_PER_INTERCHANGE):
        bodies = [canonical_to_x12(json.loads(t), partner, mapping) for t in texts[start:start + SETS_PER_INTERCHANGE]]
        n = start // SETS_PER_INTERCHANGE + 1
        chunks.append(envelope(partner, mapping, bodies, isa13=n, gs06=n, st02_start=1,
                               when=__import__("datetime").datetime(2026, 1, 15, 10, 30)))
    return b"".join(chunks)


def x12_to_json(partner: PartnerProfile, mapping: CompiledMap, path: Path) -> tuple[int, int]:
    """Stream sets, check envelopes, map, serialise JSON; returns (documents, JSON bytes)."""
    docs = size = 0
    seen: set[int] = set()
    for item in iter_transaction_sets(path):
        if id(item.interchange) not in seen:  # envelope validation once per interchange
            seen.add(id(item.interchange))
            check_interchange(item.interchange)
        doc, _ = x12_to_canonical(item.transaction_set, item.interchange.delimiters, partner, mapping,
                                  interchange=item.interchange, group=item.group)
        size += len(doc.model_dump_json(by_alias=True, exclude_none=True))
        docs += 1
    return docs, size


def plain_split(path: Path) -> int:
    data = path.read_bytes()
    return sum(len(seg.split(b"*")) for seg in data.split(b"~"))


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=20.0)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    registry = load_registry(REPO / "partners")
    amazon = registry.get("amazon")
    print("| set | direction | MB | seconds | MB/s | documents/s | plain split MB/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for code in ("850", "856"):
        mapping = load_partner_map(amazon, code, REPO / "maps")
        one = len(json_to_x12(amazon, mapping, _documents(code, 1)))
        count = int(args.mb * 1e6 / max(one - 200, 1))
        texts = _documents(code, count)
        seconds, data = _timed(json_to_x12, amazon, mapping, texts)
        path = OUT / f"translate_{code}_{int(args.mb)}mb.x12"
        path.write_bytes(data)
        mb = len(data) / 1e6
        split_s, _ = _timed(plain_split, path)
        json_mb = sum(len(t) for t in texts) / 1e6
        print(f"| {code} | JSON -> X12 ({json_mb:.1f} MB JSON in) | {mb:.1f} | {seconds:.2f} | {mb / seconds:.1f} "
              f"| {count / seconds:,.0f} | {mb / split_s:.1f} |")
        seconds, (docs, _) = _timed(x12_to_json, amazon, mapping, path)
        assert docs == count
        print(f"| {code} | X12 -> JSON (read, envelope check, map, JSON) | {mb:.1f} | {seconds:.2f} | "
              f"{mb / seconds:.1f} | {docs / seconds:,.0f} | {mb / split_s:.1f} |")


if __name__ == "__main__":
    main()
