"""The X12 writer's one-pass body text agrees with its segment-by-segment text on random bodies, and a body
written ahead (``canonical_to_body``) gives the interchange its segments give."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from gateway.mapping import canonical_to_body, canonical_to_x12, envelope, goldens
from gateway.partners import load_registry
from gateway.x12.model import Delimiters, Segment
from gateway.x12.writer import _Out

REPO = Path(__file__).resolve().parents[2]
CASES = goldens.discover(load_registry(REPO / "partners"), REPO / "maps")
DELIMITERS = [Delimiters(), Delimiters(element="*", component=">", segment="~", suffix="\n"),
              Delimiters(element="|", component="^", repetition="{", segment="\\", suffix="\r\n")]
PIECES = ["", "", "A", "BEG", "00", "12.50", "ZZ TOP", "a*b", "x~y", "line\nbreak", "cr\r", "p|q", "back\\slash",
          "c>d", "e^f"]


def _body(rng: random.Random) -> list[Segment]:
    body = []
    for _ in range(rng.randint(0, 6)):
        size = rng.randint(0, 6)
        elements = [rng.choice(["N1", "PO1", "", "REF"])] + [rng.choice(PIECES) for _ in range(size)]
        body.append(Segment(elements if rng.random() > 0.03 else []))
    return body


@pytest.mark.parametrize("delimiters", DELIMITERS, ids=["plain", "tilde-newline", "pipe-crlf"])
def test_one_pass_text_is_the_segments_texts(delimiters: Delimiters) -> None:
    rng = random.Random(f"body-{delimiters.element}{delimiters.suffix!r}")
    out = _Out(delimiters, "latin-1")
    refused = accepted = 0
    for _ in range(3000):
        body = _body(rng)
        texts = [out.text(seg) for seg in body]
        if None in texts:
            assert out.texts(body) is None
            refused += 1
        else:
            assert out.texts(body) == "".join(t for t in texts if t is not None)
            accepted += 1
    assert refused > 100 and accepted > 100  # both ways are exercised


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bodies_written_ahead_give_the_interchange_of_their_segments(case: goldens.GoldenCase) -> None:
    documents = json.loads(case.json_path.read_text(encoding="utf-8"))
    env = documents[0]["envelope"]
    numbers = {"isa13": int(env.get("interchangeControlNumber", 1)), "gs06": int(env.get("groupControlNumber", 1)),
               "st02_start": 1, "when": goldens.GOLDEN_WHEN, "version": case.version}
    segments = [canonical_to_x12(doc, case.partner, case.mapping) for doc in documents]
    written = [canonical_to_body(doc, case.partner, case.mapping) for doc in documents]
    expected = envelope(case.partner, case.mapping, segments, **numbers)
    assert envelope(case.partner, case.mapping, written, **numbers) == expected
    mixed = [w if n % 2 else s for n, (s, w) in enumerate(zip(segments, written, strict=True))]
    assert envelope(case.partner, case.mapping, mixed, **numbers) == expected
