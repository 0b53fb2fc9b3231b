"""The generated walkers of computed elements (readwalk) give ``inbound.walk``'s values on any data."""

from __future__ import annotations

import random
from typing import Any

from gateway.canonical import MODELS
from gateway.mapping.inbound import walk
from gateway.mapping.readcert import Certifier
from gateway.mapping.readwalk import build_walker

PATHS = [("orderDetails", "items"), ("orderDetails", "items", "orderedQuantity", "amount"),
         ("orderDetails", "items", "netCost"), ("orderDetails", "nothing", "amount")]
LEAVES: list[Any] = [None, "1", "2.5", "", 7, [], ["1", "2"], {}, {"amount": "3"}, [{"amount": "4"}]]


def _shape(rng: random.Random, depth: int, keys: tuple[str, ...]) -> Any:
    """Data roughly of the model's shape at ``keys``, with odd values anywhere."""
    if not keys or rng.random() < 0.15:
        return rng.choice(LEAVES)
    if keys[0] == "items" and rng.random() < 0.8:
        return [_shape_object(rng, depth, keys[1:]) for _ in range(rng.randint(0, 3))]
    return _shape_object(rng, depth, keys)


def _shape_object(rng: random.Random, depth: int, keys: tuple[str, ...]) -> Any:
    if rng.random() < 0.1:
        return rng.choice(LEAVES)
    if not keys:
        return {"amount": rng.choice(LEAVES)}
    out = {keys[0]: _shape(rng, depth + 1, keys[1:])} if rng.random() < 0.85 else {}
    if rng.random() < 0.2:
        out["other"] = "x"
    return out


def test_walkers_agree_with_walk() -> None:
    cert = Certifier(MODELS["850"])
    rng = random.Random(2)
    walkers = [(build_walker(cert, path), list(path)) for path in PATHS]
    found = 0
    for _ in range(3000):
        doc = _shape_object(rng, 0, ("orderDetails", "items", "orderedQuantity", "amount"))
        if type(doc) is not dict:
            continue
        for values, path in walkers:
            expected = walk(doc, path)
            assert values(doc) == expected, (doc, path)
            found += bool(expected)
    assert found > 300
