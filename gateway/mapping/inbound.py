"""X12 body segments -> canonical JSON dict, driven by a compiled map; what it does not consume is kept."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.errors import MappingError
from gateway.mapping.compiled import CHL, HL_LEVEL, LOOP_LIST, SEG_LIST, SEG_ONE, CBlock, CSeg, Route
from gateway.mapping.readwalk import all_whole, is_whole, walk
from gateway.mapping.spec import ElementSpec


@dataclass(frozen=True, slots=True)
class MappingWarning:
    """Something the map did not consume or could not translate; the data is kept in ``unmapped`` or as is."""

    message: str
    segment_position: int | None = None
    segment_id: str | None = None
    element: str | None = None

    def __str__(self) -> str:
        where = f"segment {self.segment_position} {self.segment_id}" if self.segment_position else ""
        if self.element:
            where += f", {self.element}"
        return f"{where}: {self.message}" if where else self.message


# A block being read: [its dispatch table, the object it fills, indexes of its nodes seen, discard (a repeat
# of a loop the map reads once: only kept in unmapped), the block]. A list, not an object: one per loop instance.
Frame = list[Any]


def _frame(block: CBlock, obj: dict[str, Any], discard: bool = False) -> Frame:
    return [block.dispatch, obj, set(), discard, block]


def _target(obj: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:  # get before set: setdefault would build a throwaway dict per step
        sub = obj.get(key)
        if sub is None:
            sub = obj[key] = {}
        obj = sub
    return obj


def _append(obj: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    *parents, last = path
    for key in parents:
        sub = obj.get(key)
        if sub is None:
            sub = obj[key] = {}
        obj = sub
    new: dict[str, Any] = {}
    items = obj.get(last)
    if items is None:
        obj[last] = [new]
    else:
        items.append(new)
    return new


class Reader:
    """One run over one transaction set body."""

    def __init__(self, root: CBlock, what: str, component: str) -> None:
        self.root = root
        self.what = what  # e.g. "partner amazon, 850 ST02 0001"
        self.component = component
        self.doc: dict[str, Any] = {}
        self.unmapped: list[dict[str, Any]] = []
        self.warnings: list[MappingWarning] = []
        self.hl: dict[str, tuple[str, dict[str, Any]]] = {}
        self.counts: list[tuple[CSeg, int, list[str]]] = []
        # the certifying reader (readcert): False on any doubt; objects to put in model order; numbers to convert
        self.sure = True
        self.fix: list[tuple[dict[str, int], dict[str, Any]]] = []
        self.ints: list[tuple[dict[str, Any], str]] = []

    def fail(self, message: str, pos: int, seg: str, element: str | None = None) -> MappingError:
        where = f"segment {pos} {seg}" + (f", {element}" if element else "")
        return MappingError(f"{self.what}, {where}: {message}")

    def keep(self, pos: int, el: list[str], why: str) -> None:
        self.unmapped.append({"segmentPosition": pos, "segmentId": el[0], "value": "*".join(el)})
        self.warnings.append(MappingWarning(why, pos, el[0]))

    def run(self, segments: list[list[str]]) -> dict[str, Any]:  # noqa: C901 - the hot loop, kept in one place
        """Read a set's body segments (each its element list, ID first) into ``doc``, ``unmapped``, ``warnings``."""
        stack = [_frame(self.root, self.doc)]
        counts = self.counts
        pos = 1  # ST is position 1
        for el in segments:
            pos += 1
            sid = el[0]
            depth, route = self.search(stack, sid, el)
            if route is None:
                if depth >= 0:  # inside a discarded loop instance
                    self.keep(pos, el, "inside a repeated loop the map reads once")
                else:
                    self.keep(pos, el, "segment not consumed by the map")
                continue
            if depth + 1 < len(stack):
                for popped in reversed(stack[depth + 1:]):  # innermost first, as at the end of the set
                    if popped[4].required:
                        self.check_required(popped, pos, sid)
                del stack[depth + 1:]
            frame = stack[depth]
            kind, _, hit, path, fill = route
            if kind == SEG_LIST:
                fill(_append(frame[1], path), el, len(el), self, pos)  # type: ignore[misc]
                if hit.computed:  # type: ignore[union-attr]
                    counts.append((hit, pos, el))  # type: ignore[arg-type]
            elif kind == SEG_ONE:
                seen = frame[2]
                if hit.idx in seen:
                    self.keep(pos, el, f"{hit.node.key} appears again; the map reads it once here")
                    continue
                seen.add(hit.idx)
                fill(_target(frame[1], path), el, len(el), self, pos)  # type: ignore[misc]
                if hit.computed:  # type: ignore[union-attr]
                    counts.append((hit, pos, el))  # type: ignore[arg-type]
            elif kind == HL_LEVEL:
                frame[2].add(hit.idx)
                stack.append(self.hl_level(hit, el, pos))  # type: ignore[arg-type]
            else:
                seen = frame[2]
                if kind == LOOP_LIST:
                    obj = _append(frame[1], path)
                elif hit.idx in seen:
                    self.keep(pos, el, f"loop {hit.node.key} appears again; the map reads it once here")
                    stack.append(_frame(hit.block, {}, discard=True))  # type: ignore[union-attr]
                    continue
                else:
                    obj = _target(frame[1], path)
                seen.add(hit.idx)
                fill(obj, el, len(el), self, pos)  # type: ignore[misc]
                trigger = hit.trigger  # type: ignore[union-attr]
                if trigger.computed:
                    counts.append((trigger, pos, el))
                stack.append(_frame(hit.block, obj))  # type: ignore[union-attr]
        for frame in reversed(stack):
            self.check_required(frame, len(segments) + 2, "SE")
        self.check_counts()
        return self.doc

    @staticmethod
    def search(stack: list[Frame], sid: str, el: list[str]) -> tuple[int, Route | None]:
        """(depth, route) of the frame that takes a segment, searched outwards; (-1, None) when no frame does.

        A discarded loop instance keeps every segment its block does not know (its depth with no route).
        """
        depth = len(stack) - 1
        while depth >= 0:
            frame = stack[depth]
            cands = frame[0].get(sid)
            if cands is None:
                if frame[3]:
                    return depth, None
            else:
                for cand in cands:
                    match = cand[1]
                    if match is None or match(el):
                        return depth, cand
            depth -= 1
        return -1, None

    def hl_level(self, hl: CHL, el: list[str], pos: int) -> Frame:
        entered = self.hl_enter(hl, el, pos)
        if entered is None:
            return _frame(CBlock([]), {}, discard=True)
        return _frame(hl.levels[entered[1]].block, entered[0])

    def hl_enter(self, hl: CHL, el: list[str], pos: int) -> tuple[dict[str, Any], str] | None:
        """(the object, the level code) an HL segment opens; None for a level the map lacks (kept in unmapped)."""
        n = len(el)
        hl_id, parent_id, code = (el[1] if n > 1 else ""), (el[2] if n > 2 else ""), (el[3] if n > 3 else "")
        level = hl.levels.get(code)
        if not hl_id or hl_id in self.hl:
            raise self.fail(f"HL01 {hl_id!r} is empty or used twice", pos, "HL", "HL01")
        if level is None:
            self.keep(pos, el, f"HL level code {code!r} is not in the map (levels: {', '.join(hl.levels)})")
            return None
        if level.list_path is None:
            if parent_id:
                raise self.fail(f"top level {code} must not have a parent (HL02 {parent_id!r})", pos, "HL", "HL02")
            obj = self.doc
        else:
            parent = self.hl.get(parent_id)
            if parent is None:
                raise self.fail(f"HL02 parent {parent_id!r} is not an earlier HL01", pos, "HL", "HL02")
            if parent[0] not in level.parents:
                raise self.fail(f"level {code} under {parent[0]} is not in the map (allowed parents: "
                                f"{', '.join(level.parents)})", pos, "HL", "HL03")
            obj = _append(parent[1], level.list_path)
        self.hl[hl_id] = (code, obj)
        return obj, code

    def check_required(self, frame: Frame, pos: int, sid: str) -> None:
        block, seen = frame[4], frame[2]
        for idx in block.required:
            if idx not in seen:
                node = next(c for c in block.nodes if c.idx == idx)
                key = node.node.key
                raise MappingError(f"{self.what}: required segment {key} is missing (before segment {pos} {sid}); "
                                   f"map {node.node.file}:{node.node.line}")

    def pair_miss(self, seg: str, q: int, qualifier: str, value: str, pos: int) -> None:
        """A qualifier/value pair whose qualifier the map does not know: kept in unmapped."""
        ref = f"{seg}{q:02d}"
        text = f"{qualifier}*{value}"
        self.unmapped.append({"segmentPosition": pos, "segmentId": seg, "element": ref, "value": text})
        self.warnings.append(MappingWarning(f"qualifier {qualifier!r} is not in the map; kept in unmapped", pos, seg,
                                            ref))

    def code_miss(self, spec: ElementSpec, seg: str, value: str, pos: int) -> str:
        """An X12 code outside the map's table: kept as is, with a warning."""
        self.warnings.append(MappingWarning(f"code {value!r} is not in table {spec.codes}; kept as is", pos, seg,
                                            spec.ref))
        return value

    def leftover(self, seg: str, index: int, value: str, pos: int, comps: frozenset[int] | None) -> None:
        """A non-empty element the map does not read (or unread components of a composite): kept in unmapped."""
        if comps is not None:
            parts = value.split(self.component)
            if not any(p and k + 1 not in comps for k, p in enumerate(parts)):
                return
        ref = f"{seg}{index:02d}"
        self.unmapped.append({"segmentPosition": pos, "segmentId": seg, "element": ref, "value": value})
        self.warnings.append(MappingWarning("element not consumed by the map; kept in unmapped", pos, seg, ref))

    def check_counts(self) -> None:
        """Computed elements read back (CTT01 ...) must agree with the document, else a warning."""
        for c, pos, el in self.counts:
            for e in c.elements:
                if e.spec.compute is None or e.index >= len(el) or not el[e.index]:
                    continue
                func, arg = e.spec.compute
                if func == "count":
                    expected = str(len(e.values(self.doc) if e.values else walk(self.doc, arg.split("."))))
                elif func == "sum":
                    values = e.values(self.doc) if e.values else walk(self.doc, arg.split("."))
                    text = el[e.index]
                    if is_whole(text) and all_whole(values) and int(text) == sum(map(int, values)):
                        continue  # whole quantities, the usual case: no Decimal
                    try:
                        total = sum((Decimal(str(v)) for v in values), start=Decimal(0))
                    except ArithmeticError:
                        continue
                    expected = format(total.normalize(), "f")
                    if Decimal(text) == total:
                        continue
                else:
                    continue
                if el[e.index] != expected:
                    self.warnings.append(MappingWarning(
                        f"{e.spec.ref} says {el[e.index]} but the document has {expected} ({func}({arg}))",
                        pos, c.seg, e.spec.ref))
