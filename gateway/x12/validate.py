"""Fast structural validation of transaction sets against the grammars in ``maps/x12``.

Each grammar is compiled once into per-loop dispatch tables (segment ID -> candidate children); a transaction set
is then walked segment by segment with a stack of open loops, checking order, loop nesting, usage, max use, loop
repeats, element type/length/codes and, for HL segments, the parent/child structure. Problems are ``Issue``s with
the 997/999 codes ack.py renders (AK304/IK304 for segments, AK403/IK403 for elements).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from gateway.errors import GrammarError
from gateway.x12.grammar import GrammarLibrary, library
from gateway.x12.grammar_model import Grammar, LoopDef, SegmentDef
from gateway.x12.issues import Issue, Level
from gateway.x12.model import Delimiters, TransactionSet
from gateway.x12.validate_elements import CompiledElement, check_elements, compile_segment
from gateway.x12.validate_fast import BodyPattern, SetSource, hl_consistent, hl_parents, raw_parts, set_text
from gateway.x12.validate_regex import fast_pattern

# AK304 / IK304 codes
UNRECOGNIZED, UNEXPECTED, MISSING, LOOP_OVER, SEGMENT_OVER, ELEMENT_ERRORS = "1", "2", "3", "4", "5", "8"
HL_VALUE = "7"  # AK403 for an HL01/HL02 that breaks the hierarchy (the standard has no closer code)


_HL_MEMO = 4096  # hierarchy shapes remembered per compiled grammar


class _Child:
    """One child of a compiled loop: a segment or a loop, with what identifies its first segment."""

    __slots__ = ("segment", "loop", "required", "limit", "key_pos", "key_codes", "segment_id", "specs", "loop_id",
                 "fast")

    def __init__(self, node: SegmentDef | LoopDef, owner_id: str, compiler: _Compiler) -> None:
        first = node if isinstance(node, SegmentDef) else node.first_segment
        self.segment: SegmentDef | None = node if isinstance(node, SegmentDef) else None
        self.loop: _Loop | None = compiler.loop(node) if isinstance(node, LoopDef) else None
        self.required = node.required
        self.limit = node.max_use if isinstance(node, SegmentDef) else node.repeat
        key = first.key()
        self.key_pos = key[0] if key is not None else 0
        self.key_codes: frozenset[str] | None = key[1] if key is not None else None
        self.segment_id = first.segment_id
        self.specs: tuple[CompiledElement, ...] = compiler.specs(node) if isinstance(node, SegmentDef) else ()
        self.fast = fast_pattern(self.specs, compiler.element_sep, compiler.component_sep)
        self.loop_id = owner_id


class _Loop:
    __slots__ = ("loop_id", "children", "dispatch", "is_hl", "required_before")

    def __init__(self, loop_id: str | None, is_hl: bool) -> None:
        self.loop_id = loop_id  # as AK303 / IK303 shows it (None outside any loop)
        self.children: list[_Child] = []
        self.dispatch: dict[str, tuple[int, ...]] = {}
        self.is_hl = is_hl
        self.required_before: list[int] = [0]  # required children among children[:i], to skip needless scans


def _loop_code(node: LoopDef, root: bool) -> str | None:
    """AK303 loop identifier: the grammar's own when it is a short code (999's 2000), else the first segment ID."""
    if root:
        return None
    if len(node.loop_id) <= 4 and node.loop_id.isalnum():
        return node.loop_id
    return node.first_segment.segment_id


class _Compiler:
    def __init__(self, element_sep: str, component_sep: str) -> None:
        self.root = True
        self.element_sep, self.component_sep = element_sep, component_sep
        self._specs: dict[int, tuple[CompiledElement, ...]] = {}

    def specs(self, seg: SegmentDef) -> tuple[CompiledElement, ...]:
        return self._specs.setdefault(id(seg), compile_segment(seg))

    def loop(self, node: LoopDef) -> _Loop:
        out = _Loop(_loop_code(node, self.root), node.first_segment.segment_id == "HL")
        self.root = False
        table: dict[str, list[int]] = {}
        for i, child in enumerate(node.children):
            compiled = _Child(child, node.loop_id, self)
            out.children.append(compiled)
            out.required_before.append(out.required_before[-1] + compiled.required)
            if i:  # the first child starts an iteration: it is matched from the parent, never inside
                table.setdefault(compiled.segment_id, []).append(i)
        out.dispatch = {k: tuple(v) for k, v in table.items()}
        return out


class CompiledGrammar:
    """A grammar compiled for walking with one pair of delimiters, plus the set of every segment ID it knows."""

    def __init__(self, grammar: Grammar, element_sep: str = "*", component_sep: str = ":") -> None:
        self.grammar = grammar
        self.element_sep = element_sep
        self.root = _Compiler(element_sep, component_sep).loop(grammar.body)
        self.known = frozenset(s.segment_id for s in grammar.segments())
        self.component_sep = component_sep
        self.hl_parents = hl_parents(grammar.body)
        self._bodies: dict[tuple[str, bool], BodyPattern] = {}
        self._hl_memo: dict[str, bool] = {}

    def set_matches(self, text: str, token: str) -> bool:
        """Whether a whole set's text (ST to SE, every segment followed by ``token``) is valid (the fast path)."""
        key = (token, text.isascii())  # ASCII text gets the pattern whose value classes are bitmap tests
        pattern = self._bodies.get(key)
        if pattern is None:
            pattern = self._bodies[key] = BodyPattern(self.grammar.body, self.element_sep, self.component_sep,
                                                      token, key[1])
        if pattern.fullmatch(text) is None:
            return False
        if not self.hl_parents:
            return True
        # The pattern guarantees HL01 and HL03 (so their separators) in every HL; the verdict on a hierarchy
        # depends only on its HL segments, and the same shapes recur set after set.
        hls = pattern.hl_key(text)
        verdict = self._hl_memo.get(hls)
        if verdict is None:
            verdict = hl_consistent(pattern.hl_triples(hls), self.hl_parents)
            if len(self._hl_memo) >= _HL_MEMO:
                self._hl_memo.clear()
            self._hl_memo[hls] = verdict
        return verdict


class _Frame:
    __slots__ = ("loop", "cur", "counts", "hl_id")

    def __init__(self, loop: _Loop, hl_id: str | None) -> None:
        self.loop = loop
        self.cur = 0
        self.counts = [0] * len(loop.children)
        self.counts[0] = 1
        self.hl_id = hl_id


class _Walk:
    """Walks one transaction set given as segment texts (no element lists unless a segment needs a closer look)."""

    def __init__(self, compiled: CompiledGrammar, tset: TransactionSet, delimiters: Delimiters,
                 source: SetSource) -> None:
        self.compiled = compiled
        self.tset = tset
        self.component = delimiters.component
        self.sep = delimiters.element
        self.source = source
        self.stack = [_Frame(compiled.root, None)]
        self.issues: list[Issue] = []
        self.hl_count = 0

    def issue(self, level: Level, code: str, message: str, index: int, segment_id: str, loop_id: str | None,
              **extra: Any) -> None:
        number, offset = self.source.locate(index)
        self.issues.append(Issue(
            level, code, message, transaction_set=self.tset.control_number, transaction_set_code=self.tset.code,
            segment_id=segment_id, segment_position=index + 1, segment_number=number, offset=offset,
            loop_id=loop_id, **extra))

    def missing(self, frame: _Frame, start: int, stop: int, index: int) -> None:
        before = frame.loop.required_before
        if stop <= start or before[stop] == before[start]:
            return
        for i in range(start, stop):
            child = frame.loop.children[i]
            if child.required and not frame.counts[i]:
                kind = "loop" if child.loop is not None else "segment"
                self.issue(Level.SEGMENT, MISSING, f"required {kind} {child.segment_id} missing", index,
                           child.segment_id, frame.loop.loop_id, expected=child.segment_id)

    def close_above(self, depth: int, index: int) -> None:
        while len(self.stack) - 1 > depth:
            frame = self.stack.pop()
            self.missing(frame, frame.cur + 1, len(frame.loop.children), index)

    def step(self, raw: str, index: int) -> None:
        cut = raw.find(self.sep)
        sid = raw if cut < 0 else raw[:cut]
        stack = self.stack
        depth = len(stack) - 1
        while depth >= 0:
            frame = stack[depth]
            idxs = frame.loop.dispatch.get(sid)
            if idxs is not None:
                for idx in idxs:
                    if idx < frame.cur:
                        continue
                    child = frame.loop.children[idx]
                    if child.key_codes is not None:
                        elements = raw.split(self.sep)
                        kp = child.key_pos
                        if (elements[kp] if kp < len(elements) else "") not in child.key_codes:
                            continue
                    self.enter(depth, frame, idx, child, raw, sid, index)
                    return
            depth -= 1
        known = sid in self.compiled.known
        self.issue(Level.SEGMENT, UNEXPECTED if known else UNRECOGNIZED,
                   "segment not expected here" if known else "segment ID not in this transaction set", index, sid,
                   stack[-1].loop.loop_id)

    def enter(self, depth: int, frame: _Frame, idx: int, child: _Child, raw: str, sid: str, index: int) -> None:
        if len(self.stack) - 1 > depth:
            self.close_above(depth, index)
        if idx > frame.cur:
            self.missing(frame, frame.cur + 1, idx, index)
            frame.cur = idx
        count = frame.counts[idx] = frame.counts[idx] + 1
        limit = child.limit
        if child.loop is None:
            if limit is not None and count > limit:
                self.issue(Level.SEGMENT, SEGMENT_OVER, f"segment used more than {limit} times", index, sid,
                           frame.loop.loop_id)
            self.elements(child, raw, sid, index, frame.loop.loop_id)
            return
        loop = child.loop
        if limit is not None and count > limit:
            self.issue(Level.SEGMENT, LOOP_OVER, f"loop {loop.loop_id} occurs more than {limit} times", index, sid,
                       loop.loop_id)
        hl_id = self.hl(raw.split(self.sep), index, frame, loop) if loop.is_hl else None
        self.stack.append(_Frame(loop, hl_id))
        self.elements(loop.children[0], raw, sid, index, loop.loop_id)

    def elements(self, child: _Child, raw: str, sid: str, index: int, loop_id: str | None) -> None:
        if child.fast(raw, len(sid)) is not None:
            return
        for pos, comp, code, message, expected, found, ref in check_elements(raw.split(self.sep), child.specs,
                                                                              self.component):
            self.issue(Level.ELEMENT, code, f"{sid}{pos:02d}: {message}", index, sid, loop_id,
                       element_position=pos, component_position=comp,
                       element_reference=int(ref) if ref.isdigit() else None, expected=expected, found=found)

    def hl(self, elements: list[str], index: int, parent: _Frame, loop: _Loop) -> str:
        """HL01 numbered 1, 2, 3 ... in order; HL02 names the HL of the enclosing level (grammar nesting)."""
        self.hl_count += 1
        hl01 = elements[1] if len(elements) > 1 else ""
        hl02 = elements[2] if len(elements) > 2 else ""
        level = elements[3] if len(elements) > 3 else ""
        if hl01 != str(self.hl_count):
            self.issue(Level.ELEMENT, HL_VALUE, f"HL01 must be {self.hl_count} (HL IDs count up from 1)", index,
                       "HL", loop.loop_id, element_position=1, element_reference=628,
                       expected=str(self.hl_count), found=hl01)
        expected = parent.hl_id or ""
        if hl02 != expected:
            what = f"the parent HL {expected}" if expected else "no parent (top level)"
            self.issue(Level.ELEMENT, HL_VALUE, f"HL02 must name {what} for a {level} level under "
                       f"{parent.loop.loop_id}", index, "HL", loop.loop_id, element_position=2,
                       element_reference=734, expected=expected or None, found=hl02)
        return hl01


def infer_version(tset: TransactionSet, delimiters: Delimiters) -> str:
    """004010 or 005010: ST03 when present, else 00501+ interchanges are the ones with a repetition separator."""
    st03 = tset.implementation_reference
    if st03[:6].isdigit():
        return st03[:6]
    return "005010" if delimiters.repetition is not None else "004010"


class Validator:
    """Validates transaction sets against one grammar library; compiled grammars are cached per set/version."""

    def __init__(self, grammars: GrammarLibrary) -> None:
        self.grammars = grammars
        self._compiled: dict[tuple[str, str, str, str], CompiledGrammar | None] = {}

    def compiled(self, code: str, version: str, delimiters: Delimiters) -> CompiledGrammar | None:
        """The grammar compiled for these delimiters (the fast path matches the segment text), or None."""
        key = (code, version[:6], delimiters.element, delimiters.component)
        if key not in self._compiled:
            grammar = self.grammars.get(code, version)
            self._compiled[key] = (CompiledGrammar(grammar, delimiters.element, delimiters.component)
                                   if grammar is not None else None)
        return self._compiled[key]

    def validate(self, tset: TransactionSet, delimiters: Delimiters, version: str | None = None) -> list[Issue]:
        """Issues of one transaction set; ``version`` is GS08 (inferred from ST03 / the delimiters when None).

        GrammarError when there is no grammar for the set and version (the caller decides what that means).
        """
        version = version or infer_version(tset, delimiters)
        compiled = self.compiled(tset.code, version, delimiters)
        if compiled is None:
            have = ", ".join(f"{c}/{v}" for c, v in self.grammars.available())
            raise GrammarError(f"no grammar for transaction set {tset.code} in {version[:6]} "
                               f"(ST02 {tset.control_number}); grammars: {have}")
        sep = delimiters.element
        # through the method, not inlined: the agreement tests patch it to make the walker take every set
        if self._fast_valid(compiled, tset, sep, delimiters.segment):
            return []
        parts = raw_parts(tset, sep)
        body = None if parts is not None else tset.segments
        walk = _Walk(compiled, tset, delimiters, SetSource(tset, body, parts))
        walk.elements(compiled.root.children[0], sep.join(tset.header.elements), "ST", 0, compiled.root.loop_id)
        step = walk.step
        index = 0
        if parts is not None:
            for _first, _number, pieces, _offset, _token in parts:
                for raw in pieces:
                    index += 1
                    step(raw, index)
        else:
            for seg in tset.segments:
                index += 1
                step(sep.join(seg.elements), index)
        index += 1
        if tset.trailer is not None:
            step(sep.join(tset.trailer.elements), index)
        walk.close_above(0, index)
        root = walk.stack[0]
        # SE itself is the envelope's business (AK502 2) when missing
        walk.missing(root, root.cur + 1, len(root.loop.children) - (tset.trailer is None), index)
        return walk.issues

    __call__ = validate

    @staticmethod
    def _fast_valid(compiled: CompiledGrammar, tset: TransactionSet, sep: str, terminator: str) -> bool:
        found = set_text(tset, sep, terminator)
        return found is not None and compiled.set_matches(found[0], found[1])


@lru_cache(maxsize=8)
def validator_for(maps_dir: Path | None = None) -> Validator:
    """The cached validator of ``<maps_dir>/x12`` (default: the repository's ``maps``; pass Settings.maps_dir)."""
    return Validator(library(maps_dir))


def default_validator() -> Callable[[TransactionSet, Delimiters, str | None], list[Issue]]:
    """The cached validator for the default maps directory, as the ``(tset, delimiters, GS08)`` callable."""
    return validator_for(None).validate


def validate_transaction_set(tset: TransactionSet, delimiters: Delimiters, version: str | None = None) -> list[Issue]:
    """Issues of one transaction set against the default grammars; ``version`` is the group's GS08 when known."""
    return validator_for(None).validate(tset, delimiters, version)
