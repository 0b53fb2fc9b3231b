"""The generated reader's in-line HL entry (readgen ``hl_entry``) against ``Reader.run``, every way an HL goes wrong.

Each HL of every golden 856 is changed in one way at a time (HL01 empty or repeated, HL02 unknown, naming a level not
allowed as parent or set on the top level, HL03 unknown, the segment cut short); both readers must give the same
document, unmapped list and warnings, or the same MappingError. A level the map lacks is ``Interpreted`` by design.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.mapping import load_partner_map
from gateway.mapping.readgen import Interpreted
from gateway.partners import PartnerRegistry
from gateway.x12.reader import iter_transaction_sets

from .conftest import MAPS_DIR, PARTNERS_DIR
from .test_readgen_agreement import _outcome  # the same comparison (document, unmapped, warnings, counts)

GOLDENS = sorted(PARTNERS_DIR.glob("*/golden/856.x12"))


def _variants(segments: list[list[str]]) -> Iterator[tuple[str, list[list[str]]]]:
    hls = [k for k, el in enumerate(segments) if el[0] == "HL"]
    ids = [segments[k][1] for k in hls]
    levels = sorted({segments[k][3] for k in hls if len(segments[k]) > 3})
    for k in hls:
        el = segments[k]

        def changed(new: list[str], k: int = k) -> list[list[str]]:
            return [*segments[:k], new, *segments[k + 1:]]

        yield "HL01 empty", changed(["HL", "", *el[2:]])
        yield "HL01 repeated", changed(["HL", ids[0], *el[2:]])
        yield "HL02 unknown", changed(["HL", el[1], "999", *el[3:]])
        yield "HL02 on every level", changed(["HL", el[1], ids[0], *el[3:]])
        for other in ids:
            yield "HL02 another HL", changed(["HL", el[1], other, *el[3:]])
        for level in levels:
            yield "HL03 another level", changed(["HL", el[1], el[2], level, *el[4:]])
        yield "HL03 unknown", changed(["HL", el[1], el[2], "ZZ", *el[4:]])
        yield "HL03 missing", changed(el[:3])
        yield "HL02 and HL03 missing", changed(el[:2])


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: p.parent.parent.name)
def test_hl_variants_read_the_same(golden: Path, registry: PartnerRegistry) -> None:
    partner = registry.get(golden.parent.parent.name)
    compared = errors = interpreted = 0
    for item in iter_transaction_sets(golden):
        mapping = load_partner_map(partner, item.transaction_set.code, MAPS_DIR)
        for what, segments in _variants(item.transaction_set.element_lists()):
            try:
                generated = _outcome(segments, mapping, True)
            except Interpreted:
                interpreted += 1
                continue
            assert generated == _outcome(segments, mapping, False), what
            compared += 1
            errors += generated[0] == "error"
    assert compared > interpreted
    assert errors  # the error paths are reached
    assert compared > errors  # and so are documents read without an error
