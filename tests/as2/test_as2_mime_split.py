"""split_multipart: delimiter lines found with bytes.find give the parts the RFC 2046 grammar (as a regex) gives."""

from __future__ import annotations

import random
import re

import pytest

from gateway.as2.mime import parse_entity, split_multipart
from gateway.errors import AS2Error

BOUNDARY = "b0"


def reference_split(body: bytes, boundary: str) -> list[bytes] | str:
    """The definition the splitter replaced: a delimiter starts the body or follows a line break, may be closing,
    may carry blanks, and ends its line or the body; parts run between delimiter lines."""
    delimiter = b"--" + boundary.encode("latin-1")
    pattern = re.compile(rb"(?:^|\r?\n)" + re.escape(delimiter) + rb"(--)?[ \t]*(?:\r?\n|$)")
    parts: list[bytes] = []
    start: int | None = None
    for match in pattern.finditer(body):
        if start is not None:
            parts.append(body[start : match.start()])
        if match.group(1):
            return parts
        start = match.end()
    return "no boundary" if start is None else "no closing boundary"


def split(body: bytes, boundary: str = BOUNDARY) -> list[bytes] | str:
    entity = parse_entity(f'Content-Type: multipart/signed; boundary="{boundary}"\r\n\r\n'.encode() + body)
    try:
        return split_multipart(entity)
    except AS2Error as exc:
        return "no boundary" if "not found" in str(exc) else "no closing boundary"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"--b0\r\nA\r\n--b0\r\nB\r\n--b0--\r\n", [b"A", b"B"]),
        (b"preamble\r\n--b0\r\nA\r\n--b0--", [b"A"]),  # closing delimiter at the very end, no line break
        (b"--b0 \t\nA\n--b0--\n", [b"A"]),  # bare LF and blanks after the delimiter
        (b"--b0\r\nA --b0 inside\r\n--b0x\r\n--b0--\r\n", [b"A --b0 inside\r\n--b0x"]),  # not delimiter lines
        (b"--b0\r\n--b0\r\nB\r\n--b0--\r\n", [b"--b0\r\nB"]),  # the first line break belongs to the first line
        (b"--b0\r\nA\r\n--b0--\r", "no closing boundary"),  # CR alone does not end the line
        (b"A\r\nB\r\n", "no boundary"),
    ],
)
def test_delimiter_lines(body: bytes, expected: list[bytes] | str) -> None:
    assert split(body) == expected == reference_split(body, BOUNDARY)


def test_agrees_with_the_grammar_on_generated_bodies() -> None:
    rng = random.Random(4)
    pieces = [b"--b0", b"--b0--", b"\r\n", b"\n", b"\r", b" ", b"\t", b"x", b"-", b"b0", b"--"]
    for _ in range(3000):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert split(body) == reference_split(body, BOUNDARY), body
