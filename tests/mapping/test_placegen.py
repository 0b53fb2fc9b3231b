"""Generated placement test: True only when no non-null leaf sits at a path the map does not write."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from gateway.mapping.placegen import build_placed, has_leaf


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Mark(_Model):
    code: str | None = None
    kind: str | None = None


class Qty(_Model):
    amount: str
    unit: str | None = None


class Item(_Model):
    sku: str | None = None
    colour: str | None = None
    qty: Qty | None = None
    marks: list[Mark] = []
    tags: list[str] = []


class Window(_Model):
    start: str | None = None
    end: str | None = None


class Details(_Model):
    date: str | None = None
    time: str | None = None
    window: Window | None = None


class Doc(_Model):
    number: str | None = None
    other: str | None = None
    details: Details | None = None
    items: list[Item] = []
    extra: dict[str, Any] | None = None
    notes: list[str] = []
    envelope: dict[str, Any] | None = None


PATHS = frozenset({"number", "details.date", "details.window.start", "items[].sku", "items[].qty.amount",
                   "items[].marks[].code", "items[].tags[]", "extra.known"})
placed = build_placed(Doc, PATHS, frozenset({"envelope"}))


@pytest.mark.parametrize("doc", [
    {},
    {"number": "1", "details": {"date": "2026-01-01", "window": {"start": "x"}}},
    {"items": [{"sku": "A", "qty": {"amount": "2"}, "marks": [{"code": "Z"}], "tags": ["t"]}, {"sku": "B"}]},
    {"number": None, "other": None, "details": {"time": None}},  # nulls have no place to need
    {"envelope": {"anything": {"deep": 1}}},  # the skipped top-level key
    {"items": [], "notes": [], "details": {}, "extra": {"known": "k", "more": None}},
    {"items": [{"marks": []}]},
])
def test_placed(doc: dict[str, Any]) -> None:
    assert placed(doc) is True


@pytest.mark.parametrize("doc", [
    {"other": "1"},  # a field the map does not write
    {"details": {"date": "2026-01-01", "time": "10:00"}},  # one level down
    {"details": {"window": {"start": "x", "end": "y"}}},
    {"items": [{"sku": "A"}, {"colour": "red"}]},  # in the second item only
    {"items": [{"marks": [{"code": "Z", "kind": "Q"}]}]},
    {"items": [{"qty": {"amount": "1", "unit": "EA"}}]},
    {"notes": ["n"]},  # a list of values the map does not write
    {"extra": {"known": "k", "unknown": "u"}},  # free-form content: each leaf looked up
    {"extra": {"known": {"deeper": "x"}}},
])
def test_not_placed(doc: dict[str, Any]) -> None:
    assert placed(doc) is False


def test_a_map_that_places_every_field_needs_no_look() -> None:
    every = frozenset({"code", "kind"})
    assert build_placed(Mark, every, frozenset())({"code": "A", "kind": "B"}) is True
    assert build_placed(Mark, frozenset({"code"}), frozenset())({"code": "A", "kind": "B"}) is False


@pytest.mark.parametrize(("value", "expected"), [
    (None, False), ({}, False), ([], False), ({"a": None, "b": [None, {}]}, False), ("", True), (0, True),
    ({"a": [{"b": "x"}]}, True), (False, True),
])
def test_has_leaf(value: Any, expected: bool) -> None:
    assert has_leaf(value) is expected
