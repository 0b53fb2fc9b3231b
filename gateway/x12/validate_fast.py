"""Whole-set fast path: one regular expression per grammar that matches exactly the valid transaction set bodies.

The grammar (order, usage, max use, loop repeats, element formats and code lists) is a regular language, so a
body that ``fullmatch``es is valid and needs no walk; only sets that fail it (or break the HL hierarchy, which is
not regular) are walked segment by segment to say what is wrong. Atomic groups and possessive quantifiers keep the
match linear: like the walker, the regex never backtracks into a loop it has left.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gateway.x12.grammar_model import LoopDef, SegmentDef
from gateway.x12.model import Segment, TransactionSet
from gateway.x12.scanner import RawBody
from gateway.x12.validate_elements import compile_segment, element_pattern

_MAX_REPEAT = 65535  # larger counted repeats are treated as unbounded by the fast path (the walker counts them)
_GUARDED_RUN = 3  # optional siblings in a row that get one lookahead of their segment IDs in front


def _quantifier(required: bool, limit: int | None) -> str:
    if limit is not None and limit > _MAX_REPEAT:
        limit = None
    if limit == 1:
        return "" if required else "?+"
    low = 1 if required else 0
    if limit is None:
        return "++" if required else "*+"
    return f"{{{low},{limit}}}+"


class BodyPattern:
    """The body (between ST and SE) of one grammar as a regex for one set of delimiters and terminator."""

    def __init__(self, root: LoopDef, element_sep: str, component_sep: str, token: str) -> None:
        self.element_sep, self.component_sep, self.token = element_sep, component_sep, token
        stop = token[0]
        self._segments: dict[int, str] = {}
        self._stop = stop
        body = self._sequence(root.children[1:-1])
        self.fullmatch: Callable[[str], object] = re.compile(body, re.DOTALL).fullmatch
        e, t = re.escape(element_sep), re.escape(token)
        value = f"([^{e}{re.escape(stop)}]*)"
        # a literal prefix lets the regex engine skip ahead; a body starting with HL gets the token prepended
        self._hl_find: Callable[[str], list[tuple[str, str, str]]] = re.compile(
            f"{t}HL{e}{value}{e}{value}{e}{value}").findall
        self._hl_head = "HL" + element_sep

    def hl_triples(self, text: str) -> list[tuple[str, str, str]]:
        """(HL01, HL02, HL03) of every HL segment of a body, in order."""
        return self._hl_find(self.token + text if text.startswith(self._hl_head) else text)

    def _segment(self, seg: SegmentDef) -> str:
        key = id(seg)
        if key not in self._segments:
            elements = element_pattern(compile_segment(seg), self.element_sep, self.component_sep, self._stop)
            self._segments[key] = re.escape(seg.segment_id) + elements + re.escape(self.token)
        return self._segments[key]

    def _node(self, node: SegmentDef | LoopDef) -> str:
        if isinstance(node, SegmentDef):
            return f"(?:{self._segment(node)}){_quantifier(node.required, node.max_use)}"
        first = node.children[0]
        assert isinstance(first, SegmentDef)
        inner = self._segment(first) + self._sequence(node.children[1:])
        return f"(?>{inner}){_quantifier(node.required, node.repeat)}"

    def _sequence(self, nodes: tuple[SegmentDef | LoopDef, ...]) -> str:
        """Siblings in order; a run of optional ones is skipped in one step when the next segment starts none.

        Each optional sibling costs the regex engine a repeat set-up even when the text cannot start it; a line
        item loop has dozens of them. The lookahead is one alternation of segment IDs, which the engine rejects
        by first character, so a run that cannot match is passed at once; when it can, the run matches as before.
        """
        out: list[str] = []
        run: list[SegmentDef | LoopDef] = []

        def flush() -> None:
            if len(run) >= _GUARDED_RUN:
                ids = sorted({_segment_id(n) for n in run}, key=lambda i: (-len(i), i))
                guard = "|".join(re.escape(i) for i in ids)
                out.append(f"(?:(?={guard}){''.join(self._node(n) for n in run)})?+")
            else:
                out.extend(self._node(n) for n in run)
            run.clear()

        for node in nodes:
            if node.required:
                flush()
                out.append(self._node(node))
            else:
                run.append(node)
        flush()
        return "".join(out)


def _segment_id(node: SegmentDef | LoopDef) -> str:
    return node.segment_id if isinstance(node, SegmentDef) else node.first_segment.segment_id


def hl_parents(root: LoopDef) -> dict[str, frozenset[str]]:
    """HL03 level -> the levels its parent may have ('' = top level), from the nesting of HL loops."""
    out: dict[str, set[str]] = {}

    def walk(loop: LoopDef, parent_levels: frozenset[str]) -> None:
        for child in loop.children:
            if not isinstance(child, LoopDef):
                continue
            first = child.first_segment
            key = first.key() if first.segment_id == "HL" else None
            levels = frozenset(key[1]) if key is not None else parent_levels
            if key is not None:
                for level in levels:
                    out.setdefault(level, set()).update(parent_levels)
            walk(child, levels if key is not None else parent_levels)

    walk(root, frozenset({""}))
    return {k: frozenset(v) for k, v in out.items()}


def hl_consistent(triples: tuple[tuple[str, str, str], ...], parents: dict[str, frozenset[str]]) -> bool:
    """True when HL01 counts 1, 2, 3 ... and every HL02 names the nearest open HL of an allowed parent level."""
    stack: list[tuple[str, str]] = []  # (level, HL01) of the open HLs
    for n, (hl01, hl02, level) in enumerate(triples, 1):
        if hl01 != str(n):
            return False
        allowed = parents.get(level, frozenset())
        while stack and stack[-1][0] not in allowed:
            stack.pop()
        if stack:
            if hl02 != stack[-1][1]:
                return False
        elif "" not in allowed or hl02:
            return False
        stack.append((level, hl01))
    return True


class SetSource:
    """Where the segments of a set came from: numbers and byte offsets, computed only for segments with issues."""

    def __init__(self, tset: TransactionSet, body: list[Segment] | None, parts: list[RawPart] | None) -> None:
        self.tset, self.body, self.parts = tset, body, parts

    def locate(self, index: int) -> tuple[int | None, int | None]:
        """(segment number in the file, byte offset) of the segment at 0-based ``index`` in the set (ST = 0)."""
        seg: Segment | None = None
        if index == 0:
            seg = self.tset.header
        elif self.body is not None:
            seg = self.body[index - 1] if index - 1 < len(self.body) else self.tset.trailer
        elif self.parts is not None:
            for first, number, pieces, offset, token_len in self.parts:
                if first <= index < first + len(pieces):
                    k = index - first
                    return number + k, offset + sum(len(p) + token_len for p in pieces[:k])
            seg = self.tset.trailer
        pos = seg.position if seg is not None else None
        return (pos.segment_number, pos.offset) if pos is not None else (None, None)


# (index of the first piece in the set, its segment number, the segment texts, its byte offset, terminator length)
RawPart = tuple[int, int, list[str], int, int]


def raw_parts(tset: TransactionSet, element_sep: str) -> list[RawPart] | None:
    """The body as segment texts straight from the reader's unsplit text, when it kept it (clean regions).

    Reads the reader's pending bodies (TransactionSet._pending, scanner.RawBody) without building Segment objects:
    the validator's fast path needs only each segment's text. Anything else falls back to ``tset.segments``.
    """
    pending = getattr(tset, "_pending", None)
    if not pending or not all(isinstance(p, RawBody) and p.element == element_sep for p in pending):
        return None
    parts: list[RawPart] = []
    index = 1
    for part in pending:
        pieces = part.text.split(part.token)
        if pieces and pieces[-1] == "":
            pieces.pop()
        if len(pieces) != part.count:
            return None
        parts.append((index, part.first_number, pieces, part.offset, len(part.token)))
        index += len(pieces)
    return parts if index - 1 == tset.segment_count else None
