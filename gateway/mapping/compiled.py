"""A MapSpec compiled for speed: per-block dispatch tables by segment ID, converters bound once, paths as tuples."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from gateway.mapping import convert
from gateway.mapping.codegen import Filler, build_filler, build_matcher
from gateway.mapping.emitgen import Emitter, build_emitter
from gateway.mapping.readcert import Certifier, Place, Scope
from gateway.mapping.readwalk import build_walker
from gateway.mapping.segments import SEGMENT_ELEMENTS
from gateway.mapping.spec import ElementSpec, HLNode, LoopNode, MapSpec, Node, SegmentNode


@dataclass(slots=True)
class CElement:
    spec: ElementSpec
    index: int
    component: int | None
    path: tuple[str, ...] | None
    to_json: Callable[[str], str] | None
    to_x12: Callable[[object], str]
    codes: dict[str, str] | None  # X12 code -> JSON value
    reverse: dict[str, str] | None  # JSON value -> X12 code
    values: Callable[[object], list[object]] | None = None  # generated: a computed element's values (readwalk)


@dataclass(slots=True)
class CSeg:
    node: SegmentNode
    idx: int  # position in its block (for "seen" tracking)
    seg: str
    matches: tuple[tuple[int, str], ...]  # (element index, const) that select this node on input
    soft: tuple[tuple[int, str], ...]  # consts written only with their field: must match when present
    elements: list[CElement]
    unconsumed: tuple[int, ...]  # element indexes the map does not read
    composite: dict[int, frozenset[int]]  # element index -> consumed components
    size: int  # highest element index written
    fill: Filler  # generated: X12 elements -> JSON fields (see codegen)
    always: bool  # no qualifier conditions: every segment with this ID matches
    computed: tuple[int, ...]  # indexes of computed elements (CTT01 ...) to check on input
    emit: Emitter  # generated: JSON fields -> one output segment (see emitgen)
    prefix: str = ""  # "path." of the node's object, for error messages on output
    base: str = ""  # "list.path" of a repeating node
    match: Callable[[list[str]], bool] = bool  # generated: do this segment's elements select the node?
    scope_end: list[str] = field(default_factory=list)  # a list item's required-field checks (readcert)


# What an input segment that selects a node does (the first element of a Route)
SEG_ONE, SEG_LIST, LOOP_ONE, LOOP_LIST, HL_LEVEL = range(5)
# (kind, the generated qualifier test or None when every segment with the ID matches, the node,
#  its path or list path, the filler of its (trigger) segment; None for HL)
Step = tuple[int, "tuple[str, ...] | None", tuple[str, ...], "Emitter | None", "CBlock | CHL | None", str, bool]
Route = tuple[int, Callable[[list[str]], bool] | None, "CSeg | CLoop | CHL", tuple[str, ...], Filler | None]


@dataclass(slots=True)
class CBlock:
    nodes: list[CSeg | CLoop | CHL]
    # segment ID -> the nodes it may select, in map order
    dispatch: dict[str, list[Route]] = field(default_factory=dict)
    required: tuple[int, ...] = ()
    # output: per node (kind, condition path, path or list path, the (trigger) emitter, inner block, where, required)
    plan: list[Step] = field(default_factory=list)
    # segment ID -> (blocks to leave, route) over this block and the blocks around it, innermost first: what
    # Reader.search finds from a frame of this block outwards, for the generated reader (readgen; see ``_link``)
    resolve: dict[str, tuple[tuple[int, Route], ...]] = field(default_factory=dict)
    place: Place | None = None  # where the block's object sits in the canonical model (certifying reader)
    # the root only: no segment node writes HL, so every HL of the output is a level's (the Writer counts them)
    hl_levels_only: bool = False


@dataclass(slots=True)
class CLoop:
    node: LoopNode
    idx: int
    trigger: CSeg
    block: CBlock  # the loop's own nodes after the trigger
    prefix: str = ""
    base: str = ""
    scope_end: list[str] = field(default_factory=list)  # an instance's required-field checks (readcert)


@dataclass(slots=True)
class CLevel:
    code: str
    list_path: tuple[str, ...] | None
    parents: tuple[str, ...]
    block: CBlock
    scope_end: list[str] = field(default_factory=list)  # a level object's required-field checks (readcert)


@dataclass(slots=True)
class CHL:
    node: HLNode
    idx: int
    levels: dict[str, CLevel]
    top: str  # code of the level without a parent (the shipment)
    # level code -> its child levels as (code, list path, "list.path" for messages), in map order
    children: dict[str, list[tuple[str, tuple[str, ...], str]]] = field(default_factory=dict)


class _Remembered(dict[str, str]):
    """One element's X12 -> JSON conversions by input text, filled on first use (bounded); a ValueError is not kept.

    Dates, times and implied decimals repeat set after set; ``__getitem__`` of a hit runs no Python code.
    """

    __slots__ = ("convert",)

    def __init__(self, convert: Callable[[str], str]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, text: str) -> str:
        value = self.convert(text)
        if len(self) < _REMEMBERED:
            self[text] = value
        return value


_REMEMBERED = 4096
_REPEATING = frozenset({"date", "time", "implied"})  # element types whose values recur across sets


def _element(spec: ElementSpec, codes: dict[str, dict[str, str]]) -> CElement:
    table = codes.get(spec.codes) if spec.codes else None
    reverse = {v: k for k, v in table.items()} if table else None
    to_json = convert.inbound(spec)
    if to_json is not None and spec.type in _REPEATING:
        to_json = _Remembered(to_json).__getitem__
    return CElement(spec, spec.index, spec.component, spec.path, to_json, convert.outbound(spec), table, reverse)


def _segment(node: SegmentNode, idx: int, codes: dict[str, dict[str, str]], place: Place | None,
             trigger: bool = False, fresh: bool = False) -> CSeg:
    """A segment node; ``place`` is its block's (or, for a loop's ``trigger``, the loop object's) place."""
    target = place
    if place is not None and not trigger:
        target, fresh = place.at(node.path, node.list_path)
    if target is not None:
        for e in node.elements:
            if e.path is not None:
                target.wrote(e.path)
        for p in (node.pairs.table.values() if node.pairs else ()):
            target.wrote(p)
    elements = [_element(e, codes) for e in node.elements]
    if place is not None:
        for ce in elements:
            if ce.spec.compute is not None and ce.spec.compute[0] in ("count", "sum"):
                ce.values = build_walker(place.cert, tuple(ce.spec.compute[1].split(".")))
    matches = tuple((e.index, e.const) for e in node.elements
                    if e.const is not None and e.when is None and e.component is None)
    soft = tuple((e.index, e.const) for e in node.elements
                 if e.const is not None and e.when is not None and e.component is None)
    used = {e.index for e in node.elements}
    composite: dict[int, set[int]] = {}
    for e in node.elements:
        if e.component is not None:
            composite.setdefault(e.index, set()).add(e.component)
    if node.pairs:
        for q in node.pairs.qualifiers:
            used.update((q, q + 1))
    size = max([e.index for e in node.elements] + [q + 1 for q in (node.pairs.qualifiers if node.pairs else [])]
               + [1])
    unconsumed = tuple(i for i in range(1, SEGMENT_ELEMENTS[node.segment] + 1) if i not in used or i in composite)
    frozen = {k: frozenset(v) for k, v in composite.items()}
    fill = build_filler(node.segment, elements, unconsumed, frozen, node.pairs, target, fresh)
    computed = tuple(e.index for e in node.elements if e.compute is not None)
    emit = build_emitter(node.segment, elements, node.pairs, size)
    ends = target.scope_end("o") if target is not None and fresh and not trigger else []
    return CSeg(node, idx, node.segment, matches, soft, elements, unconsumed, frozen, size, fill,
                not matches and not soft, computed, emit, *_where(node), build_matcher(matches, soft), ends)


def _where(node: SegmentNode | LoopNode) -> tuple[str, str]:
    return "".join(f"{p}." for p in node.path), ".".join(node.list_path or ())


def _block(nodes: list[Node], codes: dict[str, dict[str, str]], skip_first: bool = False,
           place: Place | None = None) -> CBlock:
    compiled: list[CSeg | CLoop | CHL] = []
    for idx, node in enumerate(nodes):
        if skip_first and idx == 0:
            continue
        if isinstance(node, SegmentNode):
            compiled.append(_segment(node, idx, codes, place))
        elif isinstance(node, LoopNode):
            first = node.children[0]
            assert isinstance(first, SegmentNode)
            inner, fresh = place.at(node.path, node.list_path) if place is not None else (None, False)
            loop = CLoop(node, idx, _segment(first, 0, codes, inner, True, fresh),
                         _block(node.children, codes, True, inner), *_where(node))
            if inner is not None and fresh:
                loop.scope_end = inner.scope_end("o")
            compiled.append(loop)
        else:
            compiled.append(_hl(node, idx, codes, place))
    block = CBlock(compiled, place=place)
    for c in compiled:
        block.dispatch.setdefault(c.seg if isinstance(c, CSeg) else c.trigger.seg if isinstance(c, CLoop) else "HL",
                                  []).append(_route(c))
    block.required = tuple(c.idx for c in compiled if not isinstance(c, CHL) and c.node.required)
    block.plan = [_step(c) for c in compiled]
    return block


def _hl(node: HLNode, idx: int, codes: dict[str, dict[str, str]], place: Place | None) -> CHL:
    """An HL node: each level's block, in the place of its object (the document, or an item of its parents)."""
    places = _level_places(node, place)
    levels = {c: CLevel(c, lv.list_path, lv.parents, _block(lv.children, codes, place=places.get(c)))
              for c, lv in node.levels.items()}
    for c, level in levels.items():
        found = places.get(c)
        if found is not None and level.list_path is not None:
            level.scope_end = found.scope_end("o")
    top = next(c for c, lv in node.levels.items() if lv.list_path is None)
    children = {code: [(c, lv.list_path, ".".join(lv.list_path)) for c, lv in levels.items()
                       if code in lv.parents and lv.list_path is not None] for code in levels}
    return CHL(node, idx, levels, top, children)


def _level_places(node: HLNode, place: Place | None) -> dict[str, Place]:
    """Each level's place: the top level is the document; a level under several parents has one item model."""
    if place is None:
        return {}
    doc = Place(place.cert, place.doc.model, True, place.doc, (), place.doc)
    places: dict[str, Place] = {}
    for _ in node.levels:  # parents first, whatever the map's order of levels
        for code, level in node.levels.items():
            if code in places or not all(p in places for p in level.parents):
                continue
            if level.list_path is None:
                places[code] = doc
                continue
            for p in level.parents:
                places[p].wrote(level.list_path)
            models = {places[p].model_at(level.list_path, "list") for p in level.parents}
            model = models.pop() if len(models) == 1 else None
            places[code] = Place(place.cert, model, False, Scope(model), (), place.doc)
    for code in node.levels:  # parents that never resolve: never certain
        places.setdefault(code, Place(place.cert, None, False, Scope(None), (), place.doc))
    return places


def _step(c: CSeg | CLoop | CHL) -> Step:
    if isinstance(c, CHL):
        return (HL_LEVEL, None, (), None, c, "", False)
    kind = _route(c)[0]
    node = c.node
    listed = kind in (SEG_LIST, LOOP_LIST)
    emit = c.emit if isinstance(c, CSeg) else c.trigger.emit
    inner = c.block if isinstance(c, CLoop) else None
    return (kind, node.when, (node.list_path or ()) if listed else node.path, emit, inner,
            c.base if listed else c.prefix, node.required)


def _route(c: CSeg | CLoop | CHL) -> Route:
    if isinstance(c, CHL):
        return (HL_LEVEL, None, c, (), None)
    seg = c if isinstance(c, CSeg) else c.trigger
    match = None if seg.always else seg.match
    listed = bool(c.node.list_path)
    kind = (SEG_LIST if listed else SEG_ONE) if isinstance(c, CSeg) else (LOOP_LIST if listed else LOOP_ONE)
    return (kind, match, c, c.node.list_path or c.node.path, seg.fill)


def compile_spec(spec: MapSpec, cert: Certifier | None = None) -> CBlock:
    """The compiled blocks of a map; with a ``cert``, its fills and blocks carry the certifying reader's checks."""
    root = _block(spec.structure, spec.codes, place=cert.root() if cert is not None else None)
    _link(root, ())
    root.hl_levels_only = "HL" not in set(_segment_ids(root))
    return root


def _segment_ids(block: CBlock) -> Iterator[str]:
    """The IDs of the segment nodes of a block and of everything in it (HL levels not counted)."""
    for c in block.nodes:
        if isinstance(c, CHL):
            for level in c.levels.values():
                yield from _segment_ids(level.block)
        elif isinstance(c, CLoop):
            yield c.trigger.seg
            yield from _segment_ids(c.block)
        else:
            yield c.seg


def _link(block: CBlock, outer: tuple[CBlock, ...]) -> None:
    """Fill ``resolve`` for ``block`` and every block inside it; ``outer`` are the blocks around it, innermost first.

    The reader's frames always follow the map's nesting (a loop's block sits on its parent's, an HL level's on the
    block holding the HL), so the frames below a block's frame are exactly ``outer``.
    """
    chain = (block, *outer)
    table: dict[str, list[tuple[int, Route]]] = {}
    for up, b in enumerate(chain):
        for sid, routes in b.dispatch.items():
            table.setdefault(sid, []).extend((up, r) for r in routes)
    block.resolve = {sid: tuple(cands) for sid, cands in table.items()}
    for c in block.nodes:
        if isinstance(c, CLoop):
            _link(c.block, chain)
        elif isinstance(c, CHL):
            for level in c.levels.values():
                _link(level.block, chain)


def placeable_paths(block: CBlock, prefix: str = "") -> set[str]:
    """Every JSON leaf path (list indexes as ``[]``) the map can write to X12."""
    out: set[str] = set()

    def seg_paths(c: CSeg, base: str) -> None:
        for e in c.elements:
            if e.path is not None:
                out.add(base + ".".join(e.path))
        if c.node.pairs:
            out.update(base + ".".join(p) for p in c.node.pairs.table.values())

    def target(node: SegmentNode | LoopNode, base: str) -> str:
        if node.list_path:
            return base + ".".join(node.list_path) + "[]."
        if node.path:
            return base + ".".join(node.path) + "."
        return base

    def walk(b: CBlock, base: str) -> None:
        for c in b.nodes:
            if isinstance(c, CSeg):
                seg_paths(c, target(c.node, base))
            elif isinstance(c, CLoop):
                inner = target(c.node, base)
                seg_paths(c.trigger, inner)
                walk(c.block, inner)
            else:
                bases: dict[str, set[str]] = {c.top: {base}}
                for code, level in c.levels.items():
                    if level.list_path is not None:
                        bases[code] = {p + ".".join(level.list_path) + "[]." for parent in level.parents
                                       for p in bases[parent]}
                    for b2 in bases[code]:
                        walk(level.block, b2)

    walk(block, prefix)
    return out
