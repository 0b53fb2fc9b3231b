"""Writer.compute's sums of whole quantities (texts parsed once, then looked up) against the Decimal sum."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.mapping import goldens, outbound
from gateway.mapping.convert import format_number
from gateway.mapping.outbound import Writer
from gateway.mapping.outgen import walk_for
from gateway.partners import load_registry

CASES = goldens.discover(load_registry(Path(__file__).resolve().parents[2] / "partners"),
                         Path(__file__).resolve().parents[2] / "maps")


def _reference_sum(values: list[Any]) -> str:
    return format_number(sum((Decimal(str(v)) for v in values), start=Decimal(0)))


def _writer(doc: dict[str, Any]) -> Writer:
    return Writer(None, "what", ">", doc)  # type: ignore[arg-type]  # compute reads the document only


def test_sums_agree_with_the_decimal_sum_on_random_quantities() -> None:
    rng = random.Random(7)
    for _ in range(300):
        texts = [rng.choice(["0", "007", "24", "1" * 25, str(rng.randint(0, 10**6)), "12.50", "-3", "1e3", ""])
                 for _ in range(rng.randint(0, 12))]
        doc = {"items": [{"qty": {"amount": t}} for t in texts if t]}
        values = [t for t in texts if t]
        expected = _reference_sum(values) if values else "0"
        assert _writer(doc).compute(("sum", "items.qty.amount")) == expected, texts


def test_the_parsed_quantities_stay_bounded() -> None:
    doc = {"items": [{"n": str(n)} for n in range(outbound._WHOLE_LIMIT + 50)]}
    assert _writer(doc).compute(("sum", "items.n")) == str(sum(range(outbound._WHOLE_LIMIT + 50)))
    assert len(outbound._WHOLE) <= outbound._WHOLE_LIMIT
    assert _writer({"items": [{"n": "4096"}, {"n": "4097"}]}).compute(("sum", "items.n")) == "8193"


@pytest.mark.parametrize("case", [c for c in CASES if c.mapping.transaction_set == "856"], ids=lambda c: c.name)
def test_hl_count_by_the_levels_counter_is_the_count_of_hl_segments(case: goldens.GoldenCase) -> None:
    assert outbound.hl_counted(case.mapping.root)
    for doc in json.loads(case.json_path.read_text(encoding="utf-8")):
        data = case.mapping.canonical.json_form({k: v for k, v in doc.items() if k != "envelope"})
        writer = Writer(case.mapping.root, "what", ">", data)
        walk_for(case.mapping.root)(data, writer)
        assert writer.compute(("segments", "HL")) == str([e[0] for e in writer.out].count("HL"))
        assert writer.compute(("segments", "LIN")) == str([e[0] for e in writer.out].count("LIN"))
