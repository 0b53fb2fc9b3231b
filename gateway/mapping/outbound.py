"""Canonical JSON dict -> X12 body segments (element lists), driven by the same compiled map (computed values
filled here)."""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter
from typing import Any

from gateway.errors import MappingError
from gateway.mapping.compiled import CHL, HL_LEVEL, LOOP_LIST, SEG_LIST, SEG_ONE, CBlock
from gateway.mapping.convert import format_number
from gateway.mapping.readwalk import all_whole, walk

_FIRST = itemgetter(0)
_WHOLE_LIMIT = 4096


class _Whole(dict[str, int]):
    """Whole quantities by their text (bounded): ``int`` of text costs more than a look-up, and they repeat."""

    def __missing__(self, text: str) -> int:
        value = int(text)
        if len(self) < _WHOLE_LIMIT:
            self[text] = value
        return value


_WHOLE = _Whole()


def hl_counted(root: CBlock) -> bool:
    """Whether every HL segment of the map's output is an HL level's (then the Writer's counter counts them)."""
    return root.hl_levels_only


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
        if obj is None:
            return None
    return obj


class Writer:
    def __init__(self, root: CBlock, what: str, component: str, doc: dict[str, Any]) -> None:
        self.root = root
        self.what = what
        self.component = component
        self.doc = doc
        self.out: list[list[str]] = []  # element lists, ID first
        self.hl_counter = 0

    def fail(self, message: str, field: str) -> MappingError:
        return MappingError(f"{self.what}: field {field}: {message}")

    def run(self) -> list[list[str]]:
        self.block(self.root, self.doc, "")
        return self.out

    def block(self, block: CBlock, obj: dict[str, Any], where: str) -> None:
        for kind, when, path, emit, inner, base, required in block.plan:
            if kind == HL_LEVEL:
                self.hierarchy(inner, inner.top, obj, None, where)  # type: ignore[arg-type,union-attr]
                continue
            if when is not None and _get(obj, when) in (None, "", []):
                continue
            if kind in (SEG_LIST, LOOP_LIST):
                items = _get(obj, path) or []
                base = where + base
                if kind == SEG_LIST:
                    for n, item in enumerate(items):
                        emit(item, self, f"{base}[{n}].", True)  # type: ignore[misc]
                else:
                    for n, item in enumerate(items):
                        sub = f"{base}[{n}]."
                        if emit(item, self, sub, True):  # type: ignore[misc]
                            self.block(inner, item, sub)  # type: ignore[arg-type]
            else:
                target = _get(obj, path) if path else obj
                if target is None:
                    if required:
                        raise self.fail("is required by the map but missing", where + ".".join(path))
                    continue
                sub = where + base
                if kind == SEG_ONE:
                    emit(target, self, sub, required)  # type: ignore[misc]
                elif emit(target, self, sub, True):  # type: ignore[misc]
                    self.block(inner, target, sub)  # type: ignore[arg-type]

    def compute(self, compute: tuple[str, str]) -> str:
        func, arg = compute
        if func == "segments" and arg == "HL" and hl_counted(self.root):  # each level adds one HL and counts it
            return str(self.hl_counter)
        if func == "segments":  # the IDs of the segments so far, taken in C
            return str(list(map(_FIRST, self.out)).count(arg))
        values = walk(self.doc, arg.split("."))
        if func == "count":
            return str(len(values))
        if all_whole(values):  # whole quantities, the usual case: the same text as the Decimal sum, cheaper
            return str(sum(map(_WHOLE.__getitem__, values)))
        return format_number(sum((Decimal(str(v)) for v in values), start=Decimal(0)))

    def hierarchy(self, hl: CHL, code: str, obj: dict[str, Any], parent: int | None, where: str) -> None:
        self.hl_counter += 1
        number = self.hl_counter
        children = hl.children[code]
        el = ["HL", str(number), "" if parent is None else str(parent), code]
        if hl.node.child_code:
            el.append("1" if any(_get(obj, path) for _, path, _ in children) else "0")
        self.out.append(el)
        self.block(hl.levels[code].block, obj, where)
        for child_code, path, base in children:
            for n, item in enumerate(_get(obj, path) or []):
                self.hierarchy(hl, child_code, item, number, f"{where}{base}[{n}].")
