"""The generated reader's in-line HL entry (readgen ``hl_entry``) against ``Reader.run``, every way an HL goes wrong.

Each HL of every golden 856 is changed in one way at a time (HL01 empty or repeated, HL02 unknown, naming a level not
allowed as parent or set on the top level, HL03 unknown, the segment cut short); both readers must give the same
document, unmapped list and warnings, or the same MappingError. A level the map lacks is ``Interpreted`` by design.
Also the short cut past a loop instance with nothing of its own (not taken when the loop has a required segment).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.mapping import load_map, load_partner_map
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


def test_a_loop_with_a_required_segment_is_always_entered(tmp_path: Path) -> None:
    """A line item loop whose PID is required: the generated reader enters the loop's block even when the next
    segment is another PO1 (its "leave at once" short cut is only for loops with nothing required)."""
    base = MAPS_DIR / "mappings"
    text = (base / "850-004010.yaml").read_text(encoding="utf-8")
    old = "      - segment: PID\n        elements: {PID01: {const: F}, PID05: description}\n"
    assert old in text
    path = tmp_path / "850-004010.yaml"
    path.write_text(text.replace(old, old.replace("      - segment: PID\n", "      - segment: PID\n"
                                                  "        required: true\n")), encoding="utf-8")
    mapping = load_map(path, search=[base])
    segments = next(iter(iter_transaction_sets(PARTNERS_DIR / "generic" / "golden" / "850.x12"))
                    ).transaction_set.element_lists()
    assert sum(el[0] == "PO1" for el in segments) > 1
    without_pid = [el for el in segments if el[0] not in ("CTP", "PID", "PO4")]  # items of PO1 alone
    generated = _outcome(without_pid, mapping, True)
    assert generated == _outcome(without_pid, mapping, False)
    assert generated[0] == "error" and "required segment PID*F is missing" in generated[1]
