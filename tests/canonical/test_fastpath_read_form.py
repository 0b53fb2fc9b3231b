"""``ModelChecker.read_form`` (documents a map reader made) answers exactly as ``json_form`` and as pydantic.

It is the same generated checker with its own layout table; the documents are the goldens, mutated leaf by leaf,
given to one ``ModelChecker`` alternately through both methods, so the two tables fill from the same layouts.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gateway.canonical import MODELS
from gateway.canonical.fastpath import ModelChecker, dump

REPO = Path(__file__).resolve().parents[2]
GOLDENS = sorted(REPO.glob("partners/*/golden/*.json"))
ODD_VALUES: list[Any] = [None, "", "1.0", "01", "2026-02-30", "2026-01-10", "12:30:00", 7, [], {}, "x\n", "ABC"]


def _answer(call: Any, data: Any) -> Any:
    try:
        return json.dumps(call(data))
    except ValidationError as exc:
        return ("error", str(exc))


def _leaves(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _leaves(v, (*prefix, k))]
    if isinstance(obj, list):
        return [p for n, v in enumerate(obj) for p in _leaves(v, (*prefix, n))]
    return [prefix]


def test_read_form_is_json_form() -> None:
    rng = random.Random(7)
    checkers: dict[str, ModelChecker] = {}
    compared = failed = 0
    for path in GOLDENS:
        for doc in json.loads(path.read_text()):
            code = doc["documentType"]
            check = checkers.setdefault(code, ModelChecker(MODELS[code]))
            variants = [doc]
            for leaf in rng.sample(_leaves(doc), min(10, len(_leaves(doc)))):
                mutated = copy.deepcopy(doc)
                target = mutated
                for key in leaf[:-1]:
                    target = target[key]
                target[leaf[-1]] = rng.choice(ODD_VALUES)
                variants.append(mutated)
            for n, data in enumerate(variants):
                first, second = (check.read_form, check.json_form) if n % 2 else (check.json_form, check.read_form)
                answer = _answer(first, data)
                assert answer == _answer(second, data)
                try:
                    reference: Any = json.dumps(dump(MODELS[code].model_validate(data)))
                except ValidationError as exc:
                    reference = ("error", str(exc))
                assert answer == reference
                compared += 1
                failed += isinstance(answer, tuple)
    assert compared > 100
    assert failed  # invalid documents are among them
