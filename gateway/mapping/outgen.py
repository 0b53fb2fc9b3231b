"""A map's whole JSON -> X12 walk as generated Python: one function per map, per list of objects and per HL level.

``outbound.Writer`` interprets the compiled plan node by node, one emitter call per node and a "where" string
per list item; the code here does the same walk with the plan unrolled, each segment's code (``emitgen``) in
line and "where" kept as (parent, list path, index) until a message needs its text (``_place``).

An object in a list (a line item, an HL level's object) goes to a function specialised to its layout of keys, made
on first use (objects of one kind repeat a few layouts): it takes the values in one step, and a field whose key is
absent, or holds non-empty text as the layout function checks first, is written without a test. Any other value
goes to the general function of the same place, and anything but a dict where the map expects an object to the
Writer itself (the same instance, so output and HL numbers carry on). Tests compare all of it with the Writer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.mapping.compiled import CHL, HL_LEVEL, LOOP_LIST, SEG_LIST, SEG_ONE, CBlock, CLoop, CSeg
from gateway.mapping.emitgen import segment_lines
from gateway.mapping.outbound import Writer
from gateway.partners.profile import PartnerProfile
from gateway.x12.model import Delimiters

Walk = Callable[[dict[str, Any], Writer], None]
_MAX_LAYOUTS = 64  # past this many layouts at one place, the general function alone


def _place(where: str | tuple[Any, str, int]) -> str:
    """The text of a lazy ``where``: "orders[0].packs[2]." from (("", "orders", 0), "packs", 2)."""
    if isinstance(where, str):
        return where
    parent, base, index = where
    return f"{_place(parent)}{base}[{index}]."


@dataclass(frozen=True)
class _Where:
    """Where a block's object is, for messages: a run-time value (text or lazy, see ``_place``) + fixed text."""

    value: str  # an expression
    suffix: str = ""

    def __add__(self, text: str) -> _Where:
        return _Where(self.value, self.suffix + text)

    def expr(self) -> str:
        if self.value == "''":
            return repr(self.suffix)
        return f"_place({self.value})" + (f" + {self.suffix!r}" if self.suffix else "")

    def item(self, base: str, index: str) -> str:
        """The lazy where of item ``index`` of the list at ``base`` below this object."""
        return f"({self.value}, {self.suffix + base!r}, {index})"


@dataclass
class _Prefixes:
    """The objects on the way to a block's fields (``orderDetails`` ...): variable per path, and their reads."""

    names: dict[tuple[str, ...], str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    dicts: set[str] = field(default_factory=set)  # names known to hold a dict


@dataclass
class _Scope:
    """The object a function's code reads: its variable, and its layout when the function is specialised."""

    obj: str
    known: dict[str, str] | None = None  # key -> variable of its value
    assumed: set[tuple[str, str]] = field(default_factory=set)  # (key, "str" or "dict") the code takes for granted

    def first(self, key: str) -> str:
        if self.known is None:
            return f"{self.obj}.get({key!r})"
        return self.known.get(key, "None")


class _Layouts(dict[tuple[str, ...], Callable[..., None]]):
    """The functions of one place (a list of objects, an HL level) per layout of keys, made on first use."""

    def __init__(self, gen: _Gen, site: Any, general: str) -> None:
        super().__init__()
        self.gen = gen
        self.site = site
        self.general = general

    def __missing__(self, keys: tuple[str, ...]) -> Callable[..., None]:
        general: Callable[..., None] = self.gen.namespace[self.general]
        if len(self) >= _MAX_LAYOUTS:
            return general
        with self.gen.lock:  # one generator, its names and namespace: one thread at a time
            found = self.get(keys) or self.gen.specialised(self.site, keys, self.general)
            self[keys] = found
        return found


class _Gen:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"WHEN_EMPTY": (None, "", []), "_place": _place}
        self.functions: list[str] = []
        self.hl_names: dict[tuple[int, str], str] = {}
        self.counter = 0
        self.lock = threading.Lock()

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def constant(self, value: Any, stem: str) -> str:
        name = self.fresh(stem)
        self.namespace[name] = value
        return name

    def read(self, target: str, scope: _Scope, path: tuple[str, ...], prefixes: _Prefixes) -> list[str]:
        """``target`` = the value at ``path`` below the dict (None past a missing step or a non-object)."""
        if not path:
            return [f"{target} = {scope.obj}"]
        if len(path) == 1:
            return [f"{target} = {scope.first(path[0])}"]
        parent = self.prefix(scope, path[:-1], prefixes)
        return [f"{target} = {self.below(parent, path[-1], prefixes)}"]

    def below(self, parent: str, key: str, prefixes: _Prefixes) -> str:
        """The value at ``key`` of the object named ``parent`` (None unless a dict)."""
        if parent in prefixes.dicts:
            return f"{parent}.get({key!r})"
        return f"{parent}.get({key!r}) if isinstance({parent}, dict) else None"

    def prefix(self, scope: _Scope, path: tuple[str, ...], prefixes: _Prefixes) -> str:
        """The variable holding the value at ``path`` below the object, read once at the top of the block."""
        name = prefixes.names.get(path)
        if name is None:
            name = self.fresh("p")
            if len(path) == 1:
                line = scope.first(path[0])
                if scope.known is not None and path[0] in scope.known:  # taken for a dict, as the layout checks
                    scope.assumed.add((path[0], "dict"))
                    prefixes.dicts.add(name)
            else:
                line = self.below(self.prefix(scope, path[:-1], prefixes), path[-1], prefixes)
            prefixes.names[path] = name
            prefixes.lines.append(f"{name} = {line}")  # parents come first
        return name

    def segment(self, seg: CSeg, scope: _Scope, where: _Where, force: bool) -> list[str]:
        return segment_lines(seg.seg, seg.elements, seg.node.pairs, seg.size, self.namespace, obj=scope.obj,
                             where=where.expr(), force=force, tag=self.fresh("_"), append="append",
                             known=scope.known, assumed=scope.assumed)

    def node(self, c: CSeg | CLoop, scope: _Scope, where: _Where, force: bool) -> list[str]:
        """One node on the dict of ``scope``: its (trigger) segment, then a loop's own block."""
        if isinstance(c, CSeg):
            return self.segment(c, scope, where, force)
        return self.segment(c.trigger, scope, where, True) + self.block(c.block, scope, where)

    def fallback(self, c: CSeg | CLoop, obj: str, here: str, force: bool) -> list[str]:
        """The Writer's own calls for a node whose object is not a dict (``here``: its where as text)."""
        trigger = c if isinstance(c, CSeg) else c.trigger
        lines = [f"{self.constant(trigger.emit, 'emit')}({obj}, w, {here}, {force})"]
        if isinstance(c, CLoop):
            lines.append(f"w.block({self.constant(c.block, 'block')}, {obj}, {here})")
        return lines

    def block(self, block: CBlock, scope: _Scope, where: _Where) -> list[str]:
        """The plan of ``block`` over the dict of ``scope`` (Writer.block unrolled)."""
        lines: list[str] = []
        prefixes = _Prefixes()
        for c, (kind, when, path, _emit, _inner, base, required) in zip(block.nodes, block.plan, strict=True):
            if kind == HL_LEVEL:
                assert isinstance(c, CHL)
                lines += self.hl_call(c, c.top, scope.obj, "None", where.expr())
                continue
            assert not isinstance(c, CHL)
            step: list[str] = []
            if kind in (SEG_LIST, LOOP_LIST):
                items, index, item = self.fresh("items"), self.fresh("i"), self.fresh("x")
                site = self.constant(_Layouts(self, c, self.items_function(c)), "items")
                here = where.item(base, index)
                step += self.read(items, scope, path, prefixes)
                step += [f"for {index}, {item} in enumerate({items} or []):", f"    if isinstance({item}, dict):",
                         f"        {site}[tuple({item})]({item}, w, append, {here})", "    else:",
                         *_indent(self.fallback(c, item, f"_place({here})", True), "        ")]
            elif not path:
                step += self.node(c, scope, where + base, required)
            else:
                target = self.fresh("t")
                step += self.read(target, scope, path, prefixes)
                step.append(f"if {target} is None:")
                if required:
                    missing = (where + ".".join(path)).expr()
                    step.append(f"    raise w.fail('is required by the map but missing', {missing})")
                else:
                    step.append("    pass")
                force = required if kind == SEG_ONE else True
                step += [f"elif isinstance({target}, dict):",
                         *_indent(self.node(c, _Scope(target), where + base, force), "    "), "else:",
                         *_indent(self.fallback(c, target, (where + base).expr(), force), "    ")]
            if when is not None:
                condition = self.fresh("c")
                lines += self.read(condition, scope, when, prefixes)
                lines.append(f"if {condition} not in WHEN_EMPTY:")
                step = _indent(step, "    ")
            lines += step
        return prefixes.lines + lines

    # the functions of places where objects repeat: an item of a list, an HL level

    def items_body(self, c: CSeg | CLoop, scope: _Scope) -> list[str]:
        return self.node(c, scope, _Where("here"), True)

    def items_function(self, c: CSeg | CLoop) -> str:
        """The general function for one object of a listed node: ``f(obj, w, append, here)``."""
        name = self.fresh("item")
        self.functions.append("\n".join([f"def {name}(obj, w, append, here):",
                                         *_indent(self.items_body(c, _Scope("obj")), "    ")]))
        return name

    def hl_body(self, site: tuple[CHL, str], scope: _Scope) -> list[str]:
        hl, code = site
        children = hl.children[code]
        kids = {path: self.fresh("kids") for _, path, _ in children}
        lines = ["append = w.out.append", "w.hl_counter += 1", "number = w.hl_counter",
                 f"el = ['HL', str(number), '' if parent is None else str(parent), {code!r}]"]
        for path, name in kids.items():
            lines += self.read(name, scope, path, _Prefixes()) if len(path) == 1 else \
                [f"{name} = {scope.obj}", *(f"{name} = {name}.get({k!r}) if isinstance({name}, dict) else None"
                                            for k in path)]
        if hl.node.child_code:
            test = " or ".join(kids.values()) or "False"
            lines.append(f"el.append('1' if {test} else '0')")
        lines.append("append(el)")
        lines += self.block(hl.levels[code].block, scope, _Where("where"))
        for child, path, base in children:
            index, item = self.fresh("i"), self.fresh("x")
            lines += [f"for {index}, {item} in enumerate({kids[path]} or []):",
                      *_indent(self.hl_call(hl, child, item, "number", f"_place((where, {base!r}, {index}))",
                                            f"(where, {base!r}, {index})"), "    ")]
        return lines

    def hl_call(self, hl: CHL, code: str, obj: str, parent: str, text: str, lazy: str | None = None) -> list[str]:
        """Call the function of HL level ``code`` for ``obj`` (the Writer's own for a non-object)."""
        site = self.hierarchy(hl, code)
        return [f"if isinstance({obj}, dict):", f"    {site}[tuple({obj})]({obj}, w, {parent}, {lazy or text})",
                "else:", f"    w.hierarchy({self.constant(hl, 'hl')}, {code!r}, {obj}, {parent}, {text})"]

    def hierarchy(self, hl: CHL, code: str) -> str:
        """The layouts of one HL level's function ``f(obj, w, parent, where)``, made once per level."""
        key = (id(hl), code)
        name = self.hl_names.get(key)
        if name is None:
            name = self.hl_names[key] = self.fresh(f"hl_{code}_")
            general = self.fresh(f"hl_{code}_all")
            self.namespace[name] = _Layouts(self, (hl, code), general)
            self.functions.append("\n".join([f"def {general}(obj, w, parent, where):",
                                             *_indent(self.hl_body((hl, code), _Scope("obj")), "    ")]))
        return name

    def specialised(self, site: Any, keys: tuple[str, ...], general: str) -> Callable[..., None]:
        """The function of ``site`` for objects with exactly ``keys``, in that order."""
        start = len(self.functions)
        known = {key: f"v{n}" for n, key in enumerate(keys)}
        scope = _Scope("obj", known)
        if isinstance(site, tuple):
            params, body = "obj, w, parent, where", self.hl_body(site, scope)
        else:
            params, body = "obj, w, append, here", self.items_body(site, scope)
        lines = [f"def layout({params}):"]
        if keys:
            lines.append(f"    {', '.join(known.values())}, = obj.values()")
        if scope.assumed:
            tests = " and ".join(f"type({known[k]}) is str and {known[k]}" if kind == "str" else
                                 f"type({known[k]}) is dict" for k, kind in sorted(scope.assumed))
            lines += [f"    if not ({tests}):", f"        return {general}({params})"]
        lines += _indent(body, "    ")
        if len(self.functions) > start:  # general functions of places inside this one, made just now
            exec(compile("\n\n".join(self.functions[start:]), "<map walk out>", "exec"), self.namespace)  # noqa: S102
        made: dict[str, Any] = {}  # the namespace's names are globals; the new function lands here
        exec(compile("\n".join(lines), "<map walk out layout>", "exec"), self.namespace, made)  # noqa: S102
        found: Callable[..., None] = made["layout"]
        return found


def _indent(lines: list[str], indent: str) -> list[str]:
    return [indent + line for line in lines]


def build_walk(root: CBlock) -> Walk:
    """Generate the walk of a compiled map: ``walk(doc, writer)`` appends the body segments to ``writer.out``."""
    gen = _Gen()
    root_name = gen.constant(root, "root")
    body = gen.block(root, _Scope("doc"), _Where("''"))
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


_DELIMITERS: dict[tuple[int, str], tuple[PartnerProfile, Delimiters]] = {}


def delimiters_for(partner: PartnerProfile, isa12: str) -> Delimiters:
    """The partner's delimiters for an ISA12 (the profile builds Delimiters on each ask; profiles are frozen, so
    the answer is kept per profile object)."""
    found = _DELIMITERS.get((id(partner), isa12))
    if found is not None and found[0] is partner:
        return found[1]
    delimiters = partner.delimiters(isa12)
    if len(_DELIMITERS) >= 256:  # profiles reloaded again and again: start over
        _DELIMITERS.clear()
    _DELIMITERS[(id(partner), isa12)] = (partner, delimiters)
    return delimiters
