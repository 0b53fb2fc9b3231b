"""Each block of a map becomes one generated Python function for X12 -> JSON: the reader's loop, unrolled.

``Reader.run`` interprets the compiled blocks (a stack of frames searched per segment); the functions made here
do the same walk as recursive descent: a block's function takes the segments it knows, hands a segment some
enclosing block knows back to its caller, and keeps the rest in ``unmapped``. They call the same generated fillers
and the same ``Reader`` methods for everything unusual, so warnings and errors read the same. A repeated loop the
map reads once (a discarded instance) is the one case left to ``Reader.run``: ``read`` raises ``Interpreted``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.mapping.compiled import CHL, HL_LEVEL, LOOP_LIST, LOOP_ONE, SEG_LIST, SEG_ONE, CBlock, CLoop, CSeg
from gateway.mapping.readcert import Place

# read(reader, element lists of the body segments) -> None: fills the reader's doc, unmapped and warnings as
# ``Reader.run`` does
BlockReader = Callable[[Any, list[list[str]]], None]


class Interpreted(Exception):  # noqa: N818 - a signal, not an error
    """This set needs the interpreting reader (a discarded loop instance); nothing the caller keeps was changed."""


class _Gen:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"Interpreted": Interpreted}
        self.sources: list[str] = []
        self.names: dict[int, str] = {}  # id(CBlock) -> its function
        self.late: list[tuple[str, dict[str, str]]] = []  # HL level tables: level code -> function name

    def const(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def block(self, block: CBlock) -> str:
        """The function ``b(r, segs, i, n, obj) -> i`` reading one instance of ``block`` from ``segs[i]``."""
        found = self.names.get(id(block))
        if found is not None:
            return found
        name = self.names[id(block)] = f"b{len(self.names)}"
        lines = [f"def {name}(r, segs, i, n, obj):"]
        tracked = sorted({c.idx for c in block.nodes if _kind(c) != SEG_LIST})
        lines += [f"    s{idx} = False" for idx in tracked]
        lines += [f"    L{c.idx} = None" for c in block.nodes if _kind(c) in (SEG_LIST, LOOP_LIST)]
        lines += ["    while i < n:", "        el = segs[i]", "        sid = el[0]"]
        branches: list[str] = []
        own: dict[str, list[CSeg | CLoop | CHL]] = {}
        for c in block.nodes:
            own.setdefault(_trigger_id(c), []).append(c)
        # IDs that repeat are tested first, loops of them (line items, HL levels) before single segments (REF,
        # DTM ...); the order matters only among one ID's nodes
        repeating = sorted(own.items(), key=lambda kv: min(_RANK.get(_kind(c), 2) for c in kv[1]))
        for sid, nodes in repeating:
            for c in nodes:
                test = f"sid == {sid!r}" + "".join(f" and {term}" for term in _match_terms(c))
                branches.append(f"        {'elif' if branches else 'if'} {test}:")
                branches += self.take(c, block.place)
        up = self.outer_test(block)
        tail = "        else:" if branches else "        if True:"
        branches.append(tail)
        if up is not None:
            branches += [f"            if {up}:", "                break"]
        branches.append("            r.keep(i + 2, el, 'segment not consumed by the map')")
        lines += branches
        lines.append("        i += 1")
        lines += self.required(block, tracked, "i + 2", "segs[i][0] if i < n else 'SE'")
        lines.append("    return i")
        self.sources.append("\n".join(lines))
        return name

    def outer_test(self, block: CBlock) -> str | None:
        """The test "some enclosing block takes this segment": the block's resolve table past its own routes."""
        table = _outer(block)
        if not table:
            return None
        plain = frozenset(sid for sid, matchers in table.items() if any(m is None for m in matchers))
        qualified = {sid: tuple(m for m in ms if m is not None) for sid, ms in table.items() if sid not in plain}
        test = f"sid in {self.const('up', plain)}"
        if qualified:
            lookup = self.const("upq", qualified)
            test = f"({test} or any(m(el) for m in {lookup}.get(sid, ())))"
        return test

    def required(self, block: CBlock, tracked: list[int], pos: str, sid: str) -> list[str]:
        """On leaving an instance: a required node not seen raises the reader's error (built only then)."""
        if not block.required:
            return []
        missing = " or ".join(f"not s{idx}" if idx in tracked else "True" for idx in block.required)
        lines = [f"    if {missing}:", "        seen = set()"]
        lines += [f"        if s{idx}:\n            seen.add({idx})" for idx in tracked]
        lines.append(f"        r.check_required([None, None, seen, False, {self.const('blk', block)}], {pos}, {sid})")
        return lines

    def hl_entry(self, c: CHL) -> str:
        """The function ``h(r, segs, i, n, el) -> i`` entering the level an HL opens and reading it.

        The usual HL (new HL01, a known level, a parent of an allowed level) is taken in line, as
        ``Reader.hl_enter`` would; anything else goes to ``hl_enter`` itself, which raises its error or keeps the
        segment (a level the map lacks: ``Interpreted``). Nothing is changed before the test that sends it there.
        """
        levels = {code: self.block(lv.block) for code, lv in c.levels.items()}
        table = self.const("lv", levels)  # function names until they exist (see build_reader)
        self.late.append((table, levels))
        name = f"h{len(self.names)}_{c.idx}"
        hl = self.const("hl", c)
        lines = [f"def {name}(r, segs, i, n, el):", "    if len(el) > 3:", "        hls = r.hl",
                 "        hid = el[1]", "        code = el[3]", "        if hid and hid not in hls:"]
        first = True
        # list levels first, the map's deepest (last) first: items outnumber packs, packs orders; the top level
        # comes once per set (the tests exclude each other: only their cost depends on the order)
        for code, level in sorted(reversed(c.levels.items()), key=lambda kv: kv[1].list_path is None):
            test = f"code == {code!r}"
            if level.list_path is None:
                lines += [f"            {'if' if first else 'elif'} {test} and not el[2]:",
                          "                o = r.doc"]
            else:
                parents = self.const("par", frozenset(level.parents))
                lines += [f"            {'if' if first else 'elif'} {test}:",
                          "                parent = hls.get(el[2])",
                          f"                if parent is None or parent[0] not in {parents}:",
                          f"                    return {name}_slow(r, segs, i, n, el)",
                          *_append(level.list_path, "                ", "L", "parent[1]", fresh=True,
                                   created=self.parent_places(c, level.parents))]
            ends = c.levels[code].scope_end if level.list_path is not None else []
            if ends:
                lines += [f"                hls[hid] = ({code!r}, o)",
                          f"                i = {levels[code]}(r, segs, i + 1, n, o)",
                          *("                " + x for x in ends), "                return i"]
            else:
                lines += [f"                hls[hid] = ({code!r}, o)",
                          f"                return {levels[code]}(r, segs, i + 1, n, o)"]
            first = False
        lines += [f"    return {name}_slow(r, segs, i, n, el)", "",
                  f"def {name}_slow(r, segs, i, n, el):",
                  "    r.sure = False  # never taken by a set read to the end: hl_enter raises or keeps the HL",
                  f"    entered = r.hl_enter({hl}, el, i + 2)", "    if entered is None:",
                  "        raise Interpreted  # a level the map lacks",
                  f"    return {table}[entered[1]](r, segs, i + 1, n, entered[0])"]
        self.sources.append("\n".join(lines))
        return name

    def take(self, c: CSeg | CLoop | CHL, place: Place | None) -> list[str]:
        """The body of the branch that takes a segment for node ``c`` of a block (whose object is at ``place``)."""
        kind = _kind(c)
        ind = "            "
        if kind == HL_LEVEL:
            assert isinstance(c, CHL)
            return [f"{ind}s{c.idx} = True", f"{ind}i = {self.hl_entry(c)}(r, segs, i, n, el)", f"{ind}continue"]
        assert not isinstance(c, CHL)
        seg = c if isinstance(c, CSeg) else c.trigger
        fill = self.const("fill", seg.fill)
        path = c.node.list_path or c.node.path
        out: list[str] = []
        if kind in (SEG_ONE, LOOP_ONE):
            out += [f"{ind}if s{c.idx}:"]
            if kind == LOOP_ONE:  # a repeat is a discarded instance: Reader.run's business
                out.append(f"{ind}    raise Interpreted")
            else:
                again = f"{c.node.key} appears again; the map reads it once here"
                out += [f"{ind}    r.keep(i + 2, el, {again!r})", f"{ind}    i += 1", f"{ind}    continue"]
            out.append(f"{ind}s{c.idx} = True")
            out += _target(path, ind, "o", place=place)
        else:
            if kind == LOOP_LIST:
                out.append(f"{ind}s{c.idx} = True")
            out += _append(path, ind, f"L{c.idx}", place=place)
        out.append(f"{ind}{fill}(o, el, len(el), r, i + 2)")
        if seg.computed:
            out.append(f"{ind}r.counts.append(({self.const('cs', seg)}, i + 2, el))")
        if isinstance(c, CLoop):
            inner = self.block(c.block)
            passed = _passed(c.block)
            if passed:  # an instance with nothing of its own (a line item of PO1 alone) is left without a call
                out += [f"{ind}i += 1", f"{ind}if i < n and segs[i][0] not in {self.const('pass', passed)}:",
                        f"{ind}    i = {inner}(r, segs, i, n, o)"]
            else:
                out += [f"{ind}i = {inner}(r, segs, i + 1, n, o)"]
            out += [ind + line for line in c.scope_end] + [f"{ind}continue"]
        else:
            out += [ind + line for line in c.scope_end]
        return out

    def parent_places(self, c: CHL, parents: tuple[str, ...]) -> Created | None:
        """Order marks for a level's list made in its parent's object, whose model is the parent level's."""
        places = [c.levels[p].block.place for p in parents]
        if any(p is None for p in places):
            return None

        def created(var: str, key: str, depth: int) -> list[str]:
            ranks = {p: pl.cert.facts(pl.model) for p, pl in zip(parents, places, strict=True)
                     if pl is not None and pl.model is not None}
            if depth or len(ranks) < len(parents) or any(key not in f.rank for f in ranks.values()):
                return ["r.sure = False"]
            table = self.const("rk", {p: f.rank for p, f in ranks.items()})
            return [f"rk = {table}[parent[0]]", f"if {var} and rk[next(reversed({var}))] > rk[{key!r}]:",
                    f"    r.fix.append((rk, {var}))"]

        return created


def _outer(block: CBlock) -> dict[str, list[Any]]:
    """Segment ID -> the qualifier tests (None: any segment) of the enclosing blocks' routes, from ``resolve``."""
    table: dict[str, list[Any]] = {}
    for sid, cands in block.resolve.items():
        matchers = [route[1] for up, route in cands if up > 0]
        if matchers:
            table[sid] = matchers
    return table


def _passed(block: CBlock) -> frozenset[str]:
    """IDs a loop's block hands straight back on its first segment (none of its own, an enclosing block takes any
    segment with it); empty when the block has required nodes, whose check must run on leaving."""
    if block.required:
        return frozenset()
    own = {_trigger_id(c) for c in block.nodes}
    return frozenset(sid for sid, matchers in _outer(block).items() if sid not in own and None in matchers)


_RANK = {LOOP_LIST: 0, HL_LEVEL: 0, SEG_LIST: 1}  # where a segment ID's tests go in a block's chain


def _kind(c: CSeg | CLoop | CHL) -> int:
    if isinstance(c, CHL):
        return HL_LEVEL
    listed = bool(c.node.list_path)
    if isinstance(c, CSeg):
        return SEG_LIST if listed else SEG_ONE
    return LOOP_LIST if listed else LOOP_ONE


def _trigger_id(c: CSeg | CLoop | CHL) -> str:
    return c.seg if isinstance(c, CSeg) else c.trigger.seg if isinstance(c, CLoop) else "HL"


def _match_terms(c: CSeg | CLoop | CHL) -> list[str]:
    """The qualifier tests of ``codegen.build_matcher``, inline (no call per segment)."""
    if isinstance(c, CHL):
        return []
    seg = c if isinstance(c, CSeg) else c.trigger
    terms = [f"(el[{i}] if len(el) > {i} else '') == {const!r}" for i, const in seg.matches]
    return terms + [f"not (len(el) > {i} and el[{i}] and el[{i}] != {const!r})" for i, const in seg.soft]


# lines for the creation of ``key`` in the object held in ``var``, ``depth`` steps below a node's base object
Created = Callable[[str, str, int], list[str]]


def _placed(place: Place | None, path: tuple[str, ...]) -> Created | None:
    """Order marks for the objects and lists a block makes on the way to a node's object (readcert)."""
    if place is None or place.model is None:
        return None
    chain = place.cert.chain(place.model, path)

    def created(var: str, key: str, depth: int) -> list[str]:
        if chain is None:
            return ["r.sure = False"]
        if depth == 0 and place.root:  # the document's top level is rebuilt in the model's order
            return []
        return place.cert.order_lines(chain[depth][0], var, key, "r")

    return created


def _target(path: tuple[str, ...], ind: str, var: str, base: str = "obj", place: Place | None = None,
            created: Created | None = None) -> list[str]:
    """``var`` = the object at ``path`` below ``base``, made on the way."""
    created = created or _placed(place, path)
    lines = [f"{ind}{var} = {base}"]
    for depth, key in enumerate(path):
        lines += [f"{ind}t = {var}.get({key!r})", f"{ind}if t is None:"]
        lines += [f"{ind}    {line}" for line in (created(var, key, depth) if created else [])]
        lines += [f"{ind}    t = {var}[{key!r}] = {{}}", f"{ind}{var} = t"]
    return lines


def _append(path: tuple[str, ...], ind: str, cache: str, base: str = "obj", fresh: bool = False,
            place: Place | None = None, created: Created | None = None) -> list[str]:
    """``o`` = a new object appended to the list at ``path`` below ``base``; the list is looked up once per block
    instance and held in the local ``cache`` (``fresh``: looked up each time, as ``inbound._append`` does)."""
    created = created or _placed(place, path)
    lines = [f"{ind}if {cache} is None:"] if not fresh else []
    inner = ind if fresh else ind + "    "
    lines += _target(path[:-1], inner, "p", base, created=created)
    last = path[-1]
    lines += [f"{inner}{cache} = p.get({last!r})", f"{inner}if {cache} is None:"]
    lines += [f"{inner}    {line}" for line in (created("p", last, len(path) - 1) if created else [])]
    lines += [f"{inner}    {cache} = p[{last!r}] = []", f"{ind}o = {{}}", f"{ind}{cache}.append(o)"]
    return lines


def build_reader(root: CBlock) -> BlockReader:
    """``read(reader, segments)`` for a compiled map (see the module docstring)."""
    gen = _Gen()
    top = gen.block(root)
    source = "\n\n".join(gen.sources) + f"""


def read(r, segs):
    n = len(segs)
    i = {top}(r, segs, 0, n, r.doc)
    if i != n:
        raise AssertionError("the top block returned early")
    r.check_counts()
"""
    if root.place is not None:  # the certifier's tables, named in the lines readcert made
        gen.namespace.update(root.place.cert.namespace)
    exec(compile(source, "<map reader>", "exec"), gen.namespace)  # noqa: S102 - generated from a checked map
    for table, levels in gen.late:
        gen.namespace[table] = {k: gen.namespace[v] for k, v in levels.items()}
    read: BlockReader = gen.namespace["read"]
    return read
