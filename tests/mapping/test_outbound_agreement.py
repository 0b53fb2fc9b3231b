"""JSON -> X12: the generated walk (outgen) and placement test (placegen) agree with their references.

The references are the interpreted ``Writer`` (outbound.py) and a plain recursive reading of the map's path
tree written here. Both sides run on every golden document, as checked (the JSON form), and on seeded mutations
of them that the canonical check would refuse or reshape (nulls, empty text, other types, lists of text, missing
objects...), so the fallbacks to the Writer and the general placement loop are exercised too.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from gateway.errors import MappingError
from gateway.mapping import goldens
from gateway.mapping.engine import _LEAF, SKIPPED_FIELDS, CompiledMap
from gateway.mapping.outbound import Writer
from gateway.mapping.outgen import walk_for
from gateway.partners import load_registry

REPO = Path(__file__).resolve().parents[2]
CASES = goldens.discover(load_registry(REPO / "partners"), REPO / "maps")
MUTATIONS = 40  # per golden document; the whole file runs in a few seconds
REPLACEMENTS: list[Any] = [None, "", "0", 0, 7, 1.5, True, [], ["x"], [None], [{}], {}, {"x": "1"}, "NE", "ZZ",
                           "2026-01-31", "12:30", "A*B", "1" * 40]


def _documents(case: goldens.GoldenCase) -> list[dict[str, Any]]:
    raw = json.loads(case.json_path.read_text(encoding="utf-8"))
    return [case.mapping.canonical.json_form({k: v for k, v in d.items() if k != "envelope"}) for d in raw]


def _spots(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (dict keys and list indexes), parents before children."""
    out = [path] if path else []
    if isinstance(obj, dict):
        for key, value in obj.items():
            out += _spots(value, (*path, key))
    elif isinstance(obj, list):
        for n, value in enumerate(obj):
            out += _spots(value, (*path, n))
    return out


def _mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        spots = _spots(doc)
        if not spots:
            break
        *parents, last = rng.choice(spots)
        holder: Any = doc
        for step in parents:
            holder = holder[step]
        choice = rng.random()
        if choice < 0.2 and isinstance(holder, dict):
            del holder[last]
        elif choice < 0.3 and isinstance(holder, dict):
            holder[f"extra{rng.randint(0, 9)}"] = rng.choice(REPLACEMENTS)  # a key the map does not know
        else:
            holder[last] = copy.deepcopy(rng.choice(REPLACEMENTS))
    return doc


def _reference_out(mapping: CompiledMap, doc: dict[str, Any]) -> tuple[str, Any]:
    writer = Writer(mapping.root, "what", ">", doc)
    try:
        return "ok", ([s.elements for s in writer.run()], writer.hl_counter)
    except MappingError as exc:
        return "error", str(exc)
    except (TypeError, ArithmeticError) as exc:  # unchecked input (a number where a list goes...): fail alike
        return "crash", f"{type(exc).__name__}: {exc}"


def _generated_out(mapping: CompiledMap, doc: dict[str, Any]) -> tuple[str, Any]:
    writer = Writer(mapping.root, "what", ">", doc)
    try:
        walk_for(mapping.root)(doc, writer)
        return "ok", ([s.elements for s in writer.out], writer.hl_counter)
    except MappingError as exc:
        return "error", str(exc)
    except (TypeError, ArithmeticError) as exc:  # unchecked input (a number where a list goes...): fail alike
        return "crash", f"{type(exc).__name__}: {exc}"


def _reference_placed(tree: dict[Any, Any], obj: dict[str, Any], skipped: frozenset[str]) -> bool:
    for key, value in obj.items():
        if key in skipped:
            continue
        if type(value) is dict:
            if key not in tree or not _reference_placed(tree[key], value, frozenset()):
                return False
        elif type(value) is list:
            below = tree.get(f"{key}[]")
            if below is None or any(type(x) is not dict or not _reference_placed(below, x, frozenset())
                                    for x in value):
                return False
        elif value is not None and _LEAF not in tree.get(key, {}):
            return False
    return True


def _both_agree(mapping: CompiledMap, doc: dict[str, Any]) -> None:
    assert _generated_out(mapping, doc) == _reference_out(mapping, doc)
    expected = _reference_placed(mapping.placeable_tree, doc, frozenset(SKIPPED_FIELDS))
    assert mapping.placed(doc) is expected
    assert mapping.placed(doc) is expected  # again: now through the function made for this layout


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_generated_output_agrees_on_goldens(case: goldens.GoldenCase) -> None:
    for doc in _documents(case):
        kind, _ = _reference_out(case.mapping, doc)
        assert kind == "ok"
        _both_agree(case.mapping, doc)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_generated_output_agrees_on_mutated_documents(case: goldens.GoldenCase) -> None:
    rng = random.Random(f"outbound-{case.name}")
    kinds = set()
    for doc in _documents(case):
        for _ in range(MUTATIONS):
            mutated = _mutate(doc, rng)
            kinds.add(_reference_out(case.mapping, mutated)[0])
            _both_agree(case.mapping, mutated)
    assert "ok" in kinds  # the mutations do not all end in an error
