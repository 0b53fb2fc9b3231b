"""The X12 writer's one-pass body text agrees with its segment-by-segment text on random bodies."""

from __future__ import annotations

import random

import pytest

from gateway.x12.model import Delimiters, Segment
from gateway.x12.writer import _Out

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
