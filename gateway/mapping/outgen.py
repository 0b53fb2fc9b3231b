"""A map's whole JSON -> X12 walk as generated Python: one function per map and per HL level, segment code inline.

``outbound.Writer`` interprets the compiled plan node by node, one emitter call per node and a "where" string
per list item; the code here does the same walk with the plan unrolled, each segment's code (``emitgen``) in
line and "where" built only when an error needs it. Anything but a dict where the map expects an object is
handed to the Writer itself (the same instance, so output and HL numbers carry on), which keeps the generated
code to the common case and the behaviour identical; tests compare the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.mapping.compiled import CHL, HL_LEVEL, LOOP_LIST, SEG_LIST, SEG_ONE, CBlock, CLoop, CSeg
from gateway.mapping.emitgen import segment_lines
from gateway.mapping.outbound import Writer

Walk = Callable[[dict[str, Any], Writer], None]
# "where" for messages as pieces: text, or code (a variable) marked by a tuple
Where = list[str | tuple[str]]


def _expr(where: Where) -> str:
    """The Python expression for a ``where``: adjacent texts merged, variables as they are."""
    parts: list[str] = []
    text = ""
    for piece in where:
        if isinstance(piece, tuple):
            if text:
                parts.append(repr(text))
                text = ""
            parts.append(piece[0])
        else:
            text += piece
    if text or not parts:
        parts.append(repr(text))
    return " + ".join(parts)


def _indent(lines: list[str], indent: str) -> list[str]:
    return [indent + line for line in lines]


@dataclass
class _Prefixes:
    """The objects on the way to a block's fields (``orderDetails`` ...): variable per path, and their reads."""

    names: dict[tuple[str, ...], str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


class _Gen:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"WHEN_EMPTY": (None, "", []), "_place": _place}
        self.functions: list[str] = []
        self.hl_names: dict[tuple[int, str], str] = {}
        self.counter = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def constant(self, value: Any, stem: str) -> str:
        name = self.fresh(stem)
        self.namespace[name] = value
        return name

    def read(self, target: str, obj: str, path: tuple[str, ...], prefixes: _Prefixes | None = None
             ) -> list[str]:
        """``target`` = the value at ``path`` below the dict ``obj`` (None past a missing step or a non-object).

        With ``prefixes`` (the objects on the way, named for the whole block), only the last step is read here.
        """
        if not path:
            return [f"{target} = {obj}"]
        if prefixes is not None and len(path) > 1:
            parent = self.prefix(obj, path[:-1], prefixes)
            return [f"{target} = {parent}.get({path[-1]!r}) if isinstance({parent}, dict) else None"]
        lines = [f"{target} = {obj}.get({path[0]!r})"]
        for key in path[1:]:
            lines.append(f"{target} = {target}.get({key!r}) if isinstance({target}, dict) else None")
        return lines

    def prefix(self, obj: str, path: tuple[str, ...], prefixes: _Prefixes) -> str:
        """The variable holding the value at ``path`` below ``obj``, read once at the top of the block."""
        name = prefixes.names.get(path)
        if name is None:
            parent = obj if len(path) == 1 else self.prefix(obj, path[:-1], prefixes)
            name = prefixes.names[path] = self.fresh("p")
            test = "" if len(path) == 1 else f" if isinstance({parent}, dict) else None"
            prefixes.lines.append(f"{name} = {parent}.get({path[-1]!r}){test}")  # parents come first
        return name

    def segment(self, seg: CSeg, obj: str, where: Where, force: bool) -> list[str]:
        return segment_lines(seg.seg, seg.elements, seg.node.pairs, seg.size, self.namespace, obj=obj,
                             where=_expr(where), force=force, tag=self.fresh("_"), append="append")

    def node(self, c: CSeg | CLoop, obj: str, where: Where, force: bool) -> list[str]:
        """One node on the dict ``obj``: its (trigger) segment, then a loop's own block."""
        if isinstance(c, CSeg):
            return self.segment(c, obj, where, force)
        return self.segment(c.trigger, obj, where, True) + self.block(c.block, obj, where)

    def fallback(self, c: CSeg | CLoop, obj: str, where: Where, force: bool) -> list[str]:
        """The Writer's own calls for a node whose object is not a dict."""
        trigger = c if isinstance(c, CSeg) else c.trigger
        emit, here = self.constant(trigger.emit, "emit"), _expr(where)
        lines = [f"{emit}({obj}, w, {here}, {force})"]
        if isinstance(c, CLoop):
            lines.append(f"w.block({self.constant(c.block, 'block')}, {obj}, {here})")
        return lines

    def guarded(self, c: CSeg | CLoop, obj: str, where: Where, force: bool) -> list[str]:
        return [f"if isinstance({obj}, dict):", *_indent(self.node(c, obj, where, force), "    "), "else:",
                *_indent(self.fallback(c, obj, where, force), "    ")]

    def block(self, block: CBlock, obj: str, where: Where) -> list[str]:
        """The plan of ``block`` over the dict ``obj`` (Writer.block unrolled)."""
        lines: list[str] = []
        prefixes = _Prefixes()
        for c, (kind, when, path, _emit, _inner, base, required) in zip(block.nodes, block.plan, strict=True):
            if kind == HL_LEVEL:
                assert isinstance(c, CHL)
                lines.append(f"{self.hierarchy(c, c.top)}({obj}, w, None, {_expr(where)})")
                continue
            assert not isinstance(c, CHL)
            step: list[str] = []
            if kind in (SEG_LIST, LOOP_LIST):
                items, index, item = self.fresh("items"), self.fresh("i"), self.fresh("x")
                sub = [*where, base, "[", (f"str({index})",), "]."]
                step += self.read(items, obj, path, prefixes)
                step += [f"for {index}, {item} in enumerate({items} or []):",
                         *_indent(self.guarded(c, item, sub, True), "    ")]
            elif not path:
                step += self.node(c, obj, [*where, base], required)
            else:
                target = self.fresh("t")
                step += self.read(target, obj, path, prefixes)
                step.append(f"if {target} is None:")
                if required:
                    missing = _expr([*where, ".".join(path)])
                    step.append(f"    raise w.fail('is required by the map but missing', {missing})")
                else:
                    step.append("    pass")
                step.append("else:")
                step += _indent(self.guarded(c, target, [*where, base], required if kind == SEG_ONE else True),
                                "    ")
            if when is not None:
                condition = self.fresh("c")
                lines += self.read(condition, obj, when, prefixes)
                lines.append(f"if {condition} not in WHEN_EMPTY:")
                step = _indent(step, "    ")
            lines += step
        return prefixes.lines + lines

    def hierarchy(self, hl: CHL, code: str) -> str:
        """The function of one HL level (made once per level; child levels are named, then written).

        Its ``where`` is text at the top level and (parent's where, list path, index) below, made into text only
        for a message or the Writer (``_place``).
        """
        key = (id(hl), code)
        name = self.hl_names.get(key)
        if name is not None:
            return name
        name = self.hl_names[key] = self.fresh(f"hl_{code}_")
        children = hl.children[code]
        reads = {path: self.fresh("kids") for _, path, _ in children}
        lines = [f"def {name}(obj, w, parent, where):", "    if not isinstance(obj, dict):",
                 f"        w.hierarchy({self.constant(hl, 'hl')}, {code!r}, obj, parent, _place(where))",
                 "        return", "    append = w.out.append", "    w.hl_counter += 1", "    number = w.hl_counter",
                 f"    el = ['HL', str(number), '' if parent is None else str(parent), {code!r}]"]
        for path, kids in reads.items():
            lines += _indent(self.read(kids, "obj", path), "    ")
        if hl.node.child_code:
            test = " or ".join(reads.values()) or "False"
            lines.append(f"    el.append('1' if {test} else '0')")
        lines.append("    append(Segment(el))")
        lines += _indent(self.block(hl.levels[code].block, "obj", [("_place(where)",)]), "    ")
        for child, path, base in children:
            index, item = self.fresh("i"), self.fresh("x")
            lines += [f"    for {index}, {item} in enumerate({reads[path]} or []):",
                      f"        {self.hierarchy(hl, child)}({item}, w, number, (where, {base!r}, {index}))"]
        self.functions.append("\n".join(lines))
        return name


def _place(where: str | tuple[Any, str, int]) -> str:
    """The text of an HL level's ``where``: "orders[0].packs[2]." (see ``_Gen.hierarchy``)."""
    if isinstance(where, str):
        return where
    parent, base, index = where
    return f"{_place(parent)}{base}[{index}]."


def build_walk(root: CBlock) -> Walk:
    """Generate the walk of a compiled map: ``walk(doc, writer)`` appends the body segments to ``writer.out``."""
    gen = _Gen()
    root_name = gen.constant(root, "root")
    body = gen.block(root, "doc", [])
    lines = ["def walk(doc, w):", "    if not isinstance(doc, dict):", f"        w.block({root_name}, doc, '')",
             "        return", "    append = w.out.append", *_indent(body, "    ")]
    gen.functions.append("\n".join(lines))
    exec(compile("\n\n".join(gen.functions), "<map walk out>", "exec"), gen.namespace)  # noqa: S102 - from the map
    walk: Walk = gen.namespace["walk"]
    return walk


_WALKS: dict[int, tuple[CBlock, Walk]] = {}


def walk_for(root: CBlock) -> Walk:
    """The generated walk of a compiled map, made on first use (a few maps at a time are live: kept by id)."""
    found = _WALKS.get(id(root))
    if found is not None and found[0] is root:
        return found[1]
    walk = build_walk(root)
    if len(_WALKS) >= 64:  # maps reloaded again and again (tests, reloads): forget the oldest
        del _WALKS[next(iter(_WALKS))]
    _WALKS[id(root)] = (root, walk)
    return walk
