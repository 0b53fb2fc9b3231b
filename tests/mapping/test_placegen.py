"""Generated placement test: True only when every non-null leaf is at a path the map writes."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.mapping.engine import _LEAF, _tree
from gateway.mapping.placegen import build_placed

PATHS = frozenset({"number", "details.date", "details.window.start", "items[].sku", "items[].qty.amount",
                   "items[].marks[].code"})
placed = build_placed(_tree(PATHS), _LEAF, frozenset({"envelope", "unmapped"}))


@pytest.mark.parametrize("doc", [
    {},
    {"number": "1", "details": {"date": "2026-01-01", "window": {"start": "x"}}},
    {"items": [{"sku": "A", "qty": {"amount": "2"}, "marks": [{"code": "Z"}]}, {"sku": "B"}]},
    {"number": None, "other": None, "details": {"nothing": None}},  # nulls have no place to need
    {"envelope": {"anything": {"deep": 1}}, "unmapped": [{"segmentId": "X"}]},  # the skipped top-level keys
    {"items": []},
])
def test_placed(doc: dict[str, Any]) -> None:
    assert placed(doc) is True


@pytest.mark.parametrize("doc", [
    {"other": "1"},  # unknown leaf
    {"details": {"date": "2026-01-01", "time": "10:00"}},  # unknown leaf one level down
    {"details": {"window": {"start": "x", "end": "y"}}},
    {"items": [{"sku": "A"}, {"colour": "red"}]},  # in the second item only
    {"items": [{"marks": [{"code": "Z", "kind": "Q"}]}]},
    {"number": {"nested": "1"}},  # an object where the map writes text
    {"number": ["1"]},
    {"details": "text"},  # text where the map expects an object
    {"items": ["A"]},  # list items that are not objects: left to the precise walk
    {"unmapped": "x", "envelope": 1, "documentType": {"a": 1}},  # only envelope/unmapped are skipped here
])
def test_not_placed(doc: dict[str, Any]) -> None:
    assert placed(doc) is False
