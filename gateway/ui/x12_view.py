"""X12 shown one segment per line, each element titled with its name from the grammar."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial
from pathlib import Path
from typing import Any

from gateway.errors import AcornError
from gateway.ui.views import X12Element, X12Line
from gateway.x12.grammar import element_name
from gateway.x12.issues import Issue
from gateway.x12.scanner import iter_segments

NameLookup = Callable[[str, str, str, int], str | None]  # (ST01, GS08, segment ID, position)


def element_names(maps_dir: Path | None) -> NameLookup | None:
    """``element_name(st01, gs08, segment_id, position)`` over the grammars of ``maps_dir`` (None: the bundled ones);
    None switches titles to references only."""
    return partial(element_name, maps_dir=maps_dir)


def _title(lookup: NameLookup | None, context: tuple[str, str], segment_id: str, position: int) -> str:
    ref = f"{segment_id}{position:02d}"
    if lookup is None or not all(context):
        return ref
    try:
        name = lookup(context[0], context[1], segment_id, position)
    except (AcornError, KeyError, ValueError):  # an element the grammar does not know keeps its reference only
        name = None
    return f"{ref} {name}" if name else ref


def x12_lines(raw: bytes, bad_positions: Collection[int] = (), maps_dir: Path | None = None) -> list[X12Line]:
    """Segments of ``raw`` with their own delimiters; ``position`` is the place in the transaction set (0 outside).

    Element titles come from the grammars under ``maps_dir`` (the gateway's ``Settings.maps_dir``).
    """
    lookup = element_names(maps_dir)
    stream = iter_segments(raw)
    lines: list[X12Line] = []
    gs08 = st01 = ""
    for segment in stream:
        if segment.id == "GS":
            gs08 = segment[8]
        elif segment.id == "ST":
            st01 = segment[1]
        delimiters = stream.delimiters
        sep = delimiters.element if delimiters else "*"
        term = delimiters.segment if delimiters else "~"
        position = segment.position.set_position if segment.position and segment.position.set_position else 0
        elements = [X12Element(segment.id, segment.id)] + [
            X12Element(value, _title(lookup, (st01, gs08), segment.id, index))
            for index, value in enumerate(segment.elements[1:], start=1)
        ]
        lines.append(X12Line(position, elements, sep, term, bad=position in bad_positions and position > 0))
    return lines


def issue_text(stored: dict[str, Any]) -> tuple[int | None, str]:
    """(segment position, readable text) of one stored validation issue (``Issue.to_dict`` form)."""
    try:
        issue = Issue(**stored)
    except TypeError:  # written by another version: show what it says rather than nothing
        return stored.get("segment_position"), str(stored.get("message") or stored)
    return issue.segment_position, str(issue)
