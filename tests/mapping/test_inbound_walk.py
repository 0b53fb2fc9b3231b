"""``inbound.walk`` (computed counts and sums: CTT01, CTT02, TDS ...) against a plain reading of its rule.

The rule: at each step take ``key`` from every object, drop nulls and non-objects, and flatten lists one level. The
walk has short cuts (one object in hand, no list among the values); random JSON-like data must walk the same.
"""

from __future__ import annotations

import random
from typing import Any

from gateway.mapping.inbound import walk

KEYS = ("a", "b", "c")


def _plain(obj: Any, path: list[str]) -> list[Any]:
    current = [obj]
    for key in path:
        values = []
        for item in current:
            if not isinstance(item, dict):
                continue
            value = item.get(key)
            if isinstance(value, list):
                values.extend(value)
            elif value is not None:
                values.append(value)
        current = values
    return current


def _data(rng: random.Random, depth: int) -> Any:
    kind = rng.random()
    if depth == 0 or kind < 0.2:
        return rng.choice(["1", "", "x", 7, None])
    if kind < 0.45:
        return [_data(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    return {k: _data(rng, depth - 1) for k in KEYS if rng.random() < 0.7}


def test_walk_follows_its_rule() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        doc = _data(rng, 4)
        path = [rng.choice(KEYS) for _ in range(rng.randint(1, 4))]
        assert walk(doc, path) == _plain(doc, path), (doc, path)


def test_walk_does_not_hand_out_the_document_lists() -> None:
    items = [{"q": "1"}, {"q": "2"}]
    doc = {"items": items}
    found = walk(doc, ["items"])
    assert found == items
    assert found is not items
