"""JSON -> X12: the generated walk (outgen) and placement test (placegen) agree with their references.

The references are the interpreted ``Writer`` (outbound.py) and, for placement, the plain rule: every non-null leaf
of the document's JSON form is at a path the map writes. The walk runs on every golden document, as checked (the
JSON form), and on seeded mutations of them that the canonical check would refuse or reshape (nulls, empty text,
other types, lists of text, missing objects...), so the fallbacks to the Writer are exercised too. Placement takes
documents in their JSON form only (the canonical check runs first): the goldens, the mutations the check accepts,
and each golden with every field of its model that the map does not write filled in, one at a time.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from gateway.errors import MappingError
from gateway.mapping import goldens
from gateway.mapping.engine import CompiledMap, _leaves, canonical_to_x12
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
        return "ok", (writer.run(), writer.hl_counter)
    except MappingError as exc:
        return "error", str(exc)
    except (TypeError, ArithmeticError) as exc:  # unchecked input (a number where a list goes...): fail alike
        return "crash", f"{type(exc).__name__}: {exc}"


def _generated_out(mapping: CompiledMap, doc: dict[str, Any]) -> tuple[str, Any]:
    writer = Writer(mapping.root, "what", ">", doc)
    try:
        walk_for(mapping.root)(doc, writer)
        return "ok", (writer.out, writer.hl_counter)
    except MappingError as exc:
        return "error", str(exc)
    except (TypeError, ArithmeticError) as exc:  # unchecked input (a number where a list goes...): fail alike
        return "crash", f"{type(exc).__name__}: {exc}"


def _reference_placed(mapping: CompiledMap, doc: dict[str, Any]) -> bool:
    leaves: list[tuple[str, str]] = []
    _leaves(doc, "", "", leaves)
    return all(pattern in mapping.placeable for _, pattern in leaves)


def _both_agree(mapping: CompiledMap, doc: dict[str, Any]) -> None:
    assert _generated_out(mapping, doc) == _reference_out(mapping, doc)
    try:
        form = mapping.canonical.json_form(doc)
    except ValidationError:
        return
    assert mapping.placed(form) is _reference_placed(mapping, form)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The canonical model class inside a field's annotation (Optional, list...), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _value_fields(model: type[BaseModel], obj: dict[str, Any], pattern: str) -> list[tuple[dict[str, Any], str, str]]:
    """(object, key, path pattern) of each field of ``model`` that holds a value (not an object) in ``obj``, and
    the same below, for the objects present."""
    out = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        inner = _model_of(info.annotation)
        if inner is None:
            out.append((obj, key, f"{pattern}{key}"))
            continue
        value = obj.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                out += _value_fields(inner, item, f"{pattern}{key}[]." if isinstance(value, list) else
                                     f"{pattern}{key}.")
    return out


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


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_field_the_map_does_not_write_is_refused(case: goldens.GoldenCase) -> None:
    model = case.mapping.canonical.model
    refused = 0
    for n, doc in enumerate(_documents(case)):
        for index, (_, key, pattern) in enumerate(_value_fields(model, doc, "")):
            if pattern in case.mapping.placeable or (not pattern.count(".") and key in SKIPPED):
                continue
            filled = copy.deepcopy(doc)
            holder = _value_fields(model, filled, "")[index][0]  # the same object in the copy
            for value in FILLERS:  # the first value the canonical check accepts for this field
                holder[key] = value
                try:
                    form = case.mapping.canonical.json_form(filled)
                except ValidationError:
                    continue
                if _reference_placed(case.mapping, form):
                    continue  # an empty list, say: nothing to place
                assert case.mapping.placed(form) is False, (n, pattern)
                with pytest.raises(MappingError, match="has no place in map"):
                    canonical_to_x12(filled, case.partner, case.mapping)
                refused += 1
                break
    unplaced = {p for p in _all_patterns(model) if p not in case.mapping.placeable}
    assert refused or not unplaced


FILLERS: list[Any] = ["X1", "2026-01-31", "12:30:00", "1", 1, True, ["X1"], "0061414100000000018", "1234567890123"]
SKIPPED = {"envelope", "unmapped", "documentType"}


def _all_patterns(model: type[BaseModel], pattern: str = "") -> set[str]:
    out = set()
    for name, info in model.model_fields.items():
        key = info.alias or name
        inner = _model_of(info.annotation)
        if inner is None:
            if pattern or key not in SKIPPED:
                out.add(f"{pattern}{key}")
        else:
            out |= _all_patterns(inner, f"{pattern}{key}.")
    return out
