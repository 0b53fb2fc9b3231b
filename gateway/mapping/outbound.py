"""Canonical JSON dict -> X12 body segments, driven by the same compiled map (computed values filled here)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gateway.errors import MappingError
from gateway.mapping.compiled import CHL, CBlock, CSeg
from gateway.mapping.convert import format_number
from gateway.mapping.inbound import walk
from gateway.x12.model import Segment


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
        self.out: list[Segment] = []
        self.hl_counter = 0

    def fail(self, message: str, field: str) -> MappingError:
        return MappingError(f"{self.what}: field {field}: {message}")

    def run(self) -> list[Segment]:
        self.block(self.root, self.doc, "")
        return self.out

    def block(self, block: CBlock, obj: dict[str, Any], where: str) -> None:
        for c in block.nodes:
            if isinstance(c, CHL):
                self.hierarchy(c, c.top, obj, None, where)
                continue
            node = c.node
            if node.when is not None and _get(obj, node.when) in (None, "", []):
                continue
            if node.list_path is not None:
                items = _get(obj, node.list_path) or []
                base = where + c.base
                if isinstance(c, CSeg):
                    emit = c.emit
                    for n, item in enumerate(items):
                        emit(item, self, f"{base}[{n}].", True)
                else:
                    emit, inner = c.trigger.emit, c.block
                    for n, item in enumerate(items):
                        sub = f"{base}[{n}]."
                        if emit(item, self, sub, True):
                            self.block(inner, item, sub)
            else:
                target = _get(obj, node.path) if node.path else obj
                if target is None:
                    if node.required:
                        raise self.fail("is required by the map but missing", where + ".".join(node.path))
                    continue
                sub = where + c.prefix
                if isinstance(c, CSeg):
                    c.emit(target, self, sub, node.required)
                elif c.trigger.emit(target, self, sub, True):
                    self.block(c.block, target, sub)

    def compute(self, compute: tuple[str, str]) -> str:
        func, arg = compute
        if func == "segments":
            return str(sum(1 for s in self.out if s.elements[0] == arg))
        values = walk(self.doc, arg.split("."))
        if func == "count":
            return str(len(values))
        return format_number(sum((Decimal(str(v)) for v in values), start=Decimal(0)))

    def hierarchy(self, hl: CHL, code: str, obj: dict[str, Any], parent: int | None, where: str) -> None:
        self.hl_counter += 1
        number = self.hl_counter
        children = hl.children[code]
        el = ["HL", str(number), "" if parent is None else str(parent), code]
        if hl.node.child_code:
            el.append("1" if any(_get(obj, path) for _, path, _ in children) else "0")
        self.out.append(Segment(el))
        self.block(hl.levels[code].block, obj, where)
        for child_code, path, base in children:
            for n, item in enumerate(_get(obj, path) or []):
                self.hierarchy(hl, child_code, item, number, f"{where}{base}[{n}].")
