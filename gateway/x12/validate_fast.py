"""Whole-set fast path: one regular expression per grammar that matches exactly the valid transaction set bodies.

The grammar (order, usage, max use, loop repeats, element formats and code lists) is a regular language, so a
body that ``fullmatch``es is valid and needs no walk; only sets that fail it (or break the HL hierarchy, which is
not regular) are walked segment by segment to say what is wrong. Atomic groups and possessive quantifiers keep the
match linear: like the walker, the regex never backtracks into a loop it has left.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable

from gateway.x12.grammar_model import LoopDef, SegmentDef
from gateway.x12.model import Segment, TransactionSet
from gateway.x12.scanner import RawBody
from gateway.x12.validate_elements import compile_segment
from gateway.x12.validate_regex import element_pattern

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
    """A whole transaction set (ST, body, SE) of one grammar as a regex for one set of delimiters and terminator."""

    def __init__(self, root: LoopDef, element_sep: str, component_sep: str, token: str, ascii_only: bool = False
                 ) -> None:
        self.element_sep, self.component_sep, self.token = element_sep, component_sep, token
        self.ascii_only = ascii_only
        stop = token[0]
        self._segments: dict[int, str] = {}
        self._stop = stop
        children = root.children
        st, se = children[0], children[-1]
        assert isinstance(st, SegmentDef) and isinstance(se, SegmentDef)
        whole = self._segment(st) + self._sequence(children[1:-1]) + self._segment(se)
        self.fullmatch: Callable[[str], object] = re.compile(whole, re.DOTALL).fullmatch
        self._hl_marker = token + "HL" + element_sep

    def hl_key(self, text: str) -> str:
        """The HL segments of a set's text without their ID, joined by the terminator (ST comes first: every HL
        follows a terminator, and no value holds one once the pattern has matched)."""
        marker, token = self._hl_marker, self.token
        find = text.find
        skip = len(marker)
        found: list[str] = []
        pos = find(marker)
        while pos >= 0:
            end = find(token, pos + skip)
            found.append(text[pos + skip:end])
            pos = find(marker, end)
        return token.join(found)

    def hl_triples(self, key: str) -> tuple[tuple[str, str, str], ...]:
        """(HL01, HL02, HL03) of every HL segment in an ``hl_key``."""
        if not key:
            return ()
        sep = self.element_sep
        return tuple((parts[0], parts[1], parts[2]) for parts in
                     ((segment.split(sep) + ["", ""])[:3] for segment in key.split(self.token)))

    def _segment(self, seg: SegmentDef) -> str:
        key = id(seg)
        if key not in self._segments:
            elements = element_pattern(compile_segment(seg), self.element_sep, self.component_sep, self._stop,
                                       self.ascii_only)
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
            out.append(self._guarded(run))
            run.clear()

        for node in nodes:
            if node.required:
                flush()
                out.append(self._node(node))
            else:
                run.append(node)
        flush()
        return "".join(out)

    def _optional(self, node: SegmentDef | LoopDef) -> str:
        """An optional sibling as an alternation with an empty branch, entered only when its first segment ID
        starts here (the engine rejects the branch by its first character)."""
        if isinstance(node, SegmentDef):
            one, limit = self._segment(node), node.max_use
        else:
            first = node.children[0]
            assert isinstance(first, SegmentDef)
            one, limit = self._segment(first) + "(?>" + self._sequence(node.children[1:]) + ")", node.repeat
        more = "" if limit == 1 else f"(?:{one}){_quantifier(False, None if limit is None else limit - 1)}"
        return f"(?:{one}{more}|)"

    def _guarded(self, run: list[SegmentDef | LoopDef]) -> str:
        """A run of optional siblings; three or more behind one lookahead of their first segment IDs.

        The lookahead is a prefix tree of the IDs (one branch per first character, which the engine rejects
        without entering it), so a run that cannot start here is passed at once. Inside, the siblings are tried
        in order as alternations with an empty branch, in one atomic group: as greedy and final as possessive
        repeats, without their set-up for every sibling that is not there.
        """
        if len(run) < _GUARDED_RUN:
            return "".join(self._node(n) for n in run)
        inner = "".join(self._optional(n) for n in run)
        return f"(?:(?={_prefix_tree({_segment_id(n) for n in run})})(?>{inner}))?+"


def set_text(tset: TransactionSet, element_sep: str, terminator: str) -> tuple[str, str] | None:
    """The whole set as one text (ST, body, SE, each followed by the token) and that token; None when the fast path
    cannot tell (no SE, or a body read with other delimiters or an unterminated last segment).

    A body the reader kept unsplit (scanner.RawBody) is used as it is; anything else is joined from its segments.
    """
    trailer = tset.trailer
    if trailer is None:
        return None
    parts = tset.pending_parts()
    head, tail = element_sep.join(tset.header.elements), element_sep.join(trailer.elements)
    if len(parts) == 1:  # the usual case, without the general one's generators
        part = parts[0]
        if isinstance(part, RawBody) and part.element == element_sep:
            token = part.token
            return ("".join((head, token, part.text, tail, token)), token) if part.text.endswith(token) else None
    token = terminator
    if parts and all(isinstance(p, RawBody) and p.element == element_sep for p in parts):
        raw = typing.cast(list[RawBody], parts)
        token = raw[0].token
        if any(p.token != token or not p.text.endswith(token) for p in raw):
            return None
        body = "".join(p.text for p in raw)
    else:
        segments = tset.segments
        if any(token in e for seg in segments for e in seg.elements):
            return None
        body = "".join(element_sep.join(seg.elements) + token for seg in segments)
    return head + token + body + tail + token, token


def _prefix_tree(ids: set[str]) -> str:
    """An alternation that matches where any of ``ids`` starts, one branch per first character (the engine
    rejects a branch by its first character without entering it)."""
    branches: list[str] = []
    for first in sorted({i[0] for i in ids}):
        rest = {i[1:] for i in ids if i[0] == first}
        head = re.escape(first)
        branches.append(head if "" in rest else head + _prefix_tree(rest))
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


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
