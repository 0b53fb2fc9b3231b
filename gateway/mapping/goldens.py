"""Golden files beside the maps: ``<dir>/golden/<name>.x12`` + ``.json``, checked (and regenerated) both ways.

``partners/<id>/golden/<set>.x12`` runs with that partner's map for the set; ``maps/mappings/golden/
<set>-<version>.x12`` runs the base map of that name with the ``generic`` partner's identities.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.mapping.engine import (
    CompiledMap,
    canonical_to_body,
    envelope,
    load_map,
    load_partner_map,
    x12_to_dict,
)
from gateway.partners.loader import PartnerRegistry
from gateway.partners.profile import PartnerProfile
from gateway.x12.reader import read

# Goldens are written with this ISA/GS date so JSON -> X12 is byte-exact.
GOLDEN_WHEN = datetime(2026, 1, 15, 10, 30)
BASE_PARTNER = "generic"


@dataclass(frozen=True, slots=True)
class GoldenCase:
    name: str  # e.g. amazon/856 or base/850-005010
    x12_path: Path
    json_path: Path
    partner: PartnerProfile
    mapping: CompiledMap
    version: str | None  # GS08 override for base maps


def discover(registry: PartnerRegistry, maps_dir: Path) -> list[GoldenCase]:
    cases: list[GoldenCase] = []
    for partner in registry:
        assert partner.path is not None
        for x12 in sorted((partner.path.parent / "golden").glob("*.x12")):
            mapping = load_partner_map(partner, x12.stem, maps_dir)
            cases.append(GoldenCase(f"{partner.id}/{x12.stem}", x12, x12.with_suffix(".json"), partner, mapping, None))
    base = registry.get(BASE_PARTNER)
    for x12 in sorted((maps_dir / "mappings" / "golden").glob("*.x12")):
        mapping = load_map(maps_dir / "mappings" / f"{x12.stem}.yaml", search=[maps_dir / "mappings"])
        cases.append(GoldenCase(f"base/{x12.stem}", x12, x12.with_suffix(".json"), base, mapping, mapping.version))
    return cases


def x12_to_json(case: GoldenCase, data: bytes) -> list[dict[str, Any]]:
    """Every transaction set of ``data`` as canonical JSON dicts."""
    out = []
    for ic in read(data):
        for group in ic.groups:
            for tset in group.transaction_sets:
                doc, _ = x12_to_dict(tset, ic.delimiters, case.partner, case.mapping, interchange=ic, group=group)
                out.append(doc)
    return out


def json_to_x12(case: GoldenCase, documents: list[dict[str, Any]]) -> bytes:
    """One interchange with the control numbers of the first document's envelope."""
    env = documents[0].get("envelope", {})
    bodies = [canonical_to_body(doc, case.partner, case.mapping) for doc in documents]
    return envelope(case.partner, case.mapping, bodies, isa13=int(env.get("interchangeControlNumber", 1)),
                    gs06=int(env.get("groupControlNumber", 1)),
                    st02_start=int(env.get("transactionSetControlNumber", 1)), when=GOLDEN_WHEN,
                    version=case.version)


def dumps(documents: list[dict[str, Any]]) -> str:
    return json.dumps(documents, indent=2, ensure_ascii=False) + "\n"


def regenerate(case: GoldenCase) -> None:
    """Rewrite the JSON from the X12, then the X12 from that JSON (review the diff before committing)."""
    documents = x12_to_json(case, case.x12_path.read_bytes())
    case.json_path.write_text(dumps(documents), encoding="utf-8")
    case.x12_path.write_bytes(json_to_x12(case, documents))
