"""The generated checker gives exactly pydantic's JSON form, and defers to pydantic whenever it is not certain."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.canonical import MODELS
from gateway.canonical.fastpath import FAIL, checker, dump, json_form

REPO = Path(__file__).resolve().parents[2]
GOLDENS = sorted([*REPO.glob("partners/*/golden/*.json"), *REPO.glob("maps/mappings/golden/*.json")])
ODD_VALUES: list[Any] = [None, "", " 1", "1.0", "01", "-0", "1E3", "2026-02-30", "2026-01-10", "12:30", "12:30:00",
                         "25:00:00", "\u00b2", "\u0663", "0", 7, 2.5, True, [], {}, "x\n", "ABC",
                         "0061414100000000051", "00614141000000005"]


def _documents() -> list[dict[str, Any]]:
    return [doc for path in GOLDENS for doc in json.loads(path.read_text())]


def _reference(model: Any, data: Any) -> dict[str, Any] | type[ValidationError]:
    try:
        return dump(model.model_validate(data))
    except ValidationError:
        return ValidationError


def _leaf_paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _leaf_paths(v, (*prefix, k))] + ([prefix] if prefix else [])
    if isinstance(obj, list):
        return [p for n, v in enumerate(obj) for p in _leaf_paths(v, (*prefix, n))] + [prefix]
    return [prefix]


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


@pytest.mark.parametrize("doc", _documents(), ids=lambda d: str(d.get("envelope", {}).get("partner")) + "-"
                         + str(d.get("documentType")))
def test_goldens_take_the_fast_path_unless_a_model_validator_applies(doc: dict[str, Any]) -> None:
    model = MODELS[doc["documentType"]]
    out = checker(model)(doc)
    reference = dump(model.model_validate(doc))
    if doc["documentType"] == "810":  # Invoice has a model validator (the total): its subtree is pydantic's
        assert out == reference
    else:
        assert out is not FAIL
    assert json.dumps(json_form(model, doc)) == json.dumps(reference)  # same keys in the same order
    bare = {k: v for k, v in doc.items() if k not in ("documentType", "unmapped")}  # as a map produces it
    assert json.dumps(json_form(model, bare)) == json.dumps(reference)  # defaults in the model's field order


def test_mutated_documents_agree_with_pydantic() -> None:
    """Every leaf of every golden replaced by odd values: same JSON form, or a ValidationError on both paths."""
    rng = random.Random(3)
    checked = 0
    for doc in _documents():
        model = MODELS[doc["documentType"]]
        paths = _leaf_paths(doc)
        # Bounded for the suite's time budget: a sample of leaves per golden, a sample of odd values per leaf.
        for path in rng.sample(paths, min(len(paths), 15)):
            for value in rng.sample(ODD_VALUES, 4):
                mutated = copy.deepcopy(doc)
                _set(mutated, path, value)
                expected = _reference(model, mutated)
                if expected is ValidationError:
                    with pytest.raises(ValidationError):
                        json_form(model, mutated)
                else:
                    assert json.dumps(json_form(model, mutated)) == json.dumps(expected), (path, value)
                checked += 1
    assert checked > 300


def test_unknown_and_python_named_keys_go_to_pydantic() -> None:
    doc = next(d for d in _documents() if d["documentType"] == "850")
    model = MODELS["850"]
    extra = {**doc, "surprise": 1}
    assert checker(model)(extra) is FAIL
    with pytest.raises(ValidationError, match="surprise"):
        json_form(model, extra)
    by_name = {("purchase_order_number" if k == "purchaseOrderNumber" else k): v for k, v in doc.items()}
    assert checker(model)(by_name) is FAIL
    assert json_form(model, by_name) == dump(model.model_validate(doc))


def test_an_object_already_in_json_form_comes_back_as_is_and_a_changed_one_is_rebuilt() -> None:
    doc = next(d for d in _documents() if d["documentType"] == "850")
    model = MODELS["850"]
    check = checker(model)
    first = check(copy.deepcopy(doc))
    item = first["orderDetails"]["items"][0]
    again = check(first)
    assert again == first and again["orderDetails"]["items"][0] is item  # in model order, nothing changed
    moved = copy.deepcopy(first)
    moved["orderDetails"]["items"][0] = dict(reversed(list(item.items())))  # same fields, other order
    assert list(check(moved)["orderDetails"]["items"][0]) == list(item)
    whole = copy.deepcopy(first)
    whole["orderDetails"]["items"][0]["orderedQuantity"]["amount"] = 24  # a number becomes its text
    rebuilt = check(whole)["orderDetails"]["items"][0]
    assert rebuilt is not whole["orderDetails"]["items"][0] and rebuilt["orderedQuantity"]["amount"] == "24"
