"""The certifying reader (readcert: the canonical check folded into the generated reader) against pydantic.

``x12_to_dict`` answers from the reader itself when it is certain (``CompiledMap.finish``) and through the model's
checker otherwise. Whatever the route, its answer must be ``dump(model.model_validate(reader output))``, with the
same warnings, or the same MappingError: on every golden X12 of every partner, and on mutations of them (segments
dropped, repeated, moved, truncated, qualifiers changed, element values replaced by odd text). Bounded and seeded.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.canonical.fastpath import dump
from gateway.errors import MappingError
from gateway.mapping import load_partner_map
from gateway.mapping.engine import CompiledMap, _mapped, _read, _validation_error, x12_to_dict
from gateway.partners import PartnerProfile, PartnerRegistry
from gateway.x12.model import Segment, TransactionSet
from gateway.x12.reader import iter_transaction_sets

from .conftest import MAPS_DIR, PARTNERS_DIR
from .test_readgen_agreement import _mutate as _reshape

GOLDENS = sorted(PARTNERS_DIR.glob("*/golden/*.x12"))
MUTATIONS = 40
ODD_VALUES = ["", "0", "01", "1.0", "-0", "1E3", " 1", "12a", "20260230", "20261301", "991231", "2500", "123",
              "ABC", "abc", "AB", "\u0663", "99999999999999999999", "12345678901234", "1234567890123",
              "00006141410000000005", "00006141410000000006", "006141410000000005", "ZZ", "Q9", "BP", "UK", "GM"]

Case = tuple[PartnerProfile, CompiledMap, TransactionSet, Any]


def _answer(case: Case, tset: TransactionSet) -> Any:
    partner, mapping, _, item = case
    try:
        doc, warnings = x12_to_dict(tset, item.interchange.delimiters, partner, mapping,
                                    interchange=item.interchange, group=item.group)
    except MappingError as exc:
        return ("error", str(exc))
    except ArithmeticError as exc:  # CTT02 holding no number: the reader's sum check raises (both routes alike)
        return ("raised", repr(exc))
    return json.dumps(doc), [str(w) for w in warnings]


def _reference(case: Case, tset: TransactionSet) -> Any:
    partner, mapping, _, item = case
    try:
        what, data, warnings = _mapped(tset, item.interchange.delimiters, partner, mapping, item.interchange,
                                       item.group)
        try:
            return json.dumps(dump(mapping.spec.model.model_validate(data))), [str(w) for w in warnings]
        except ValidationError as exc:
            raise _validation_error(what, exc) from None
    except MappingError as exc:
        return ("error", str(exc))
    except ArithmeticError as exc:
        return ("raised", repr(exc))


def _certified(case: Case, tset: TransactionSet) -> bool:
    partner, mapping, _, item = case
    if mapping.finish is None:
        return False
    try:
        _, reader, env = _read(tset, item.interchange.delimiters, partner, mapping, item.interchange, item.group)
    except (MappingError, ArithmeticError):
        return False
    return mapping.finish(reader, env) is not None


def _with_segments(tset: TransactionSet, body: list[list[str]]) -> TransactionSet:
    """The set with another body (ST and SE kept), as the reader would have built it."""
    return TransactionSet(tset.header, [Segment(list(el)) for el in body], tset.trailer)


def _mutate(rng: random.Random, body: list[list[str]]) -> list[list[str]]:
    """The readgen agreement test's segment mutations, then odd values in a few elements."""
    out = [list(el) for el in _reshape(rng, body)]
    for _ in range(rng.randint(0, 3)):
        k = rng.randrange(len(out)) if out else 0
        if out and len(out[k]) > 1:
            out[k][rng.randrange(1, len(out[k]))] = rng.choice(ODD_VALUES)
    return out


@pytest.fixture(scope="module")
def cases(registry: PartnerRegistry) -> list[Case]:
    items = [(registry.get(path.parent.parent.name), item) for path in GOLDENS for item in iter_transaction_sets(path)]
    return [(partner, load_partner_map(partner, item.transaction_set.code, MAPS_DIR), item.transaction_set, item)
            for partner, item in items]


def test_goldens_are_certified_and_agree(cases: list[Case]) -> None:
    certified = 0
    for case in cases:
        tset = case[2]
        answer = _answer(case, tset)
        assert answer == _reference(case, tset)
        assert answer[0] != "error"
        certified += _certified(case, tset)
    # every map whose model has no model validator (the 810's total) certifies its goldens
    assert certified >= sum(c[1].finish is not None for c in cases) > 0


def test_mutated_sets_agree_with_pydantic(cases: list[Case]) -> None:
    rng = random.Random(5)
    certified = uncertain = errors = 0
    for case in cases:
        tset = case[2]
        body = [seg.elements for seg in tset.segments]
        for _ in range(MUTATIONS):
            mutated = _with_segments(tset, _mutate(rng, body))
            answer = _answer(case, mutated)
            assert answer == _reference(case, mutated), [s.elements for s in mutated.segments]
            if answer[0] in ("error", "raised"):
                errors += 1
            elif _certified(case, mutated):
                certified += 1
            else:
                uncertain += 1
    assert certified > uncertain > 0  # the certifying route is the usual one; doubt falls back
    assert errors  # bad input reaches the error paths too


def test_a_disordered_line_item_is_put_in_model_order(cases: list[Case]) -> None:
    """PO1 with its product ids in the reverse of the model's order, CTP and PID after: reordered, certified."""
    case = next(c for c in cases if c[0].id == "amazon" and c[2].code == "850")
    tset = case[2]
    body = [seg.elements for seg in tset.segments]
    po1 = next(n for n, el in enumerate(body) if el[0] == "PO1")
    body[po1] = ["PO1", "1", "24", "EA", "12.50", "PE", "VN", "ACN-1", "BP", "B00X"]
    body[po1 + 1:po1 + 1] = [["PID", "F", "", "", "", "A widget"], ["CTP", "", "RES", "19.99"], ["PO4", "6"]]
    mutated = _with_segments(tset, body)
    assert _certified(case, mutated)
    answer = _answer(case, mutated)
    assert answer == _reference(case, mutated)
    item = json.loads(answer[0])["orderDetails"]["items"][0]
    assert list(item)[:3] == ["amazonProductIdentifier", "vendorProductIdentifier", "description"]
    assert item["orderedQuantity"] == {"amount": "24", "unitOfMeasure": "EA", "unitSize": "6"}


def test_doubtful_values_fall_back_and_read_the_same(cases: list[Case]) -> None:
    """A decimal, a date, a pattern and an SSCC check digit the reader cannot vouch for: not certified, same answer."""
    case = next(c for c in cases if c[0].id == "amazon" and c[2].code == "850")
    tset = case[2]
    body = [seg.elements for seg in tset.segments]
    po1 = next(n for n, el in enumerate(body) if el[0] == "PO1")
    for change in (("PO1", 2, "1E3"), ("PO1", 4, "012.5"), ("BEG", 5, "20260230"), ("PO1", 6, "UK")):
        mutated_body = [list(el) for el in body]
        row = po1 if change[0] == "PO1" else next(n for n, el in enumerate(body) if el[0] == change[0])
        mutated_body[row] += [""] * (change[1] + 1 - len(mutated_body[row]))
        mutated_body[row][change[1]] = change[2]
        mutated = _with_segments(tset, mutated_body)
        assert not _certified(case, mutated), change
        assert _answer(case, mutated) == _reference(case, mutated), change

