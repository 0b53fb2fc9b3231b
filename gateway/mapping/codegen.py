"""Each segment node of a map becomes one generated Python function (the hot path of X12 -> JSON).

The generated code only indexes lists and sets dict keys; everything unusual (an unknown code, a bad date, an
element the map does not read) calls back into the Reader, which records it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.mapping.readcert import UNSURE, Place, Slot
from gateway.mapping.spec import ElementSpec

Filler = Callable[[dict[str, Any], list[str], int, Any, int], None]


@dataclass(slots=True)
class Write:
    """One element's value set at a path below the fill's object."""

    path: tuple[str, ...]
    var: str  # the local holding the value (empty: nothing is set)
    ranks: tuple[int, ...]  # the keys' positions in their models (element order when not certifying)
    chain: list[tuple[Any, Slot]] | None  # (model, slot) per key, when certifying and the model has the path


def _set(lines: list[str], path: tuple[str, ...], value: str, indent: str) -> None:
    target = "obj"
    for depth, key in enumerate(path[:-1]):
        lines.append(f"{indent}t{depth} = {target}.get({key!r})")
        lines.append(f"{indent}if t{depth} is None:")
        lines.append(f"{indent}    t{depth} = {target}[{key!r}] = {{}}")
        target = f"t{depth}"
    lines.append(f"{indent}{target}[{path[-1]!r}] = {value}")


def build_matcher(matches: tuple[tuple[int, str], ...], soft: tuple[tuple[int, str], ...]
                  ) -> Callable[[list[str]], bool]:
    """``match(el)``: the qualifiers that select a node (BEG01 const ...) are there; soft ones, when present, agree."""
    terms = [f"(el[{i}] if n > {i} else '') == {const!r}" for i, const in matches]
    terms += [f"not (n > {i} and el[{i}] and el[{i}] != {const!r})" for i, const in soft]
    code = "def match(el):\n    n = len(el)\n    return " + (" and ".join(terms) or "True")
    namespace: dict[str, Any] = {}
    exec(compile(code, "<map match>", "exec"), namespace)  # noqa: S102 - built from a checked map
    matcher: Callable[[list[str]], bool] = namespace["match"]
    return matcher


def build_filler(seg: str, elements: list[Any], unconsumed: tuple[int, ...], composite: dict[int, frozenset[int]],
                 pairs: Any, target: Place | None = None, fresh: bool = False) -> Filler:
    """``fill(obj, el, n, reader, pos)`` for one compiled segment node (``elements`` are CElement).

    A short segment is padded with empty elements first, so each element costs one truth test; trailing elements
    the map does not read are tested as one run. Values are read and converted in element order (so warnings and
    errors come in that order), then set, nested objects looked up once per segment. With a ``target`` (where the
    node's object sits in the canonical model; ``fresh``: a new list item), the keys are set in the model's
    field order and each value gets the checks that keep the certifying reader's answer certain (readcert).
    """
    namespace: dict[str, Any] = {}
    read = [e.index for e in elements if e.path is not None]
    if pairs is not None:
        read += [q + 1 for q in pairs.qualifiers]
    last = max(read, default=0)
    inside = [i for i in unconsumed if i <= last]
    tail = [i for i in unconsumed if i > last]
    size = last + 1
    namespace["BLANKS"] = [""] * size
    lines = ["def fill(obj, el, n, reader, pos):", f"    if n < {size}:", "        el = el + BLANKS[n:]"]
    cert = target is not None and target.model is not None
    if target is not None and not cert:
        lines.append(f"    {UNSURE.format(r='reader')}")
    if pairs is not None:
        lines += _pairs(seg, pairs, namespace, target if cert else None, fresh)
    writes: list[Write] = []
    for k, e in enumerate(elements):
        spec: ElementSpec = e.spec
        if e.path is None:
            continue
        i = e.index
        v = f"v{k}"
        if e.component is not None:
            lines.append(f"    parts = el[{i}].split(reader.component)")
            lines.append(f"    {v} = parts[{e.component - 1}] if len(parts) >= {e.component} else ''")
        else:
            lines.append(f"    {v} = el[{i}]")
        chain = target.cert.chain(target.model, e.path) if cert and target and target.model else None
        body: list[str] = []
        if e.codes is not None:
            namespace[f"codes{k}"] = e.codes
            namespace[f"spec{k}"] = spec
            body.append(f"w = codes{k}.get({v})")
            body.append(f"{v} = reader.code_miss(spec{k}, {seg!r}, {v}, pos) if w is None else w")
        elif e.to_json is not None:
            namespace[f"conv{k}"] = e.to_json
            namespace[f"spec{k}"] = spec
            body.append("try:")
            body.append(f"    {v} = conv{k}({v})")
            body.append("except ValueError as exc:")
            body.append(f"    raise reader.fail(str(exc), pos, {seg!r}, spec{k}.ref) from None")
        if cert:
            assert target is not None
            if chain is None:
                body.append(UNSURE.format(r="reader"))
            else:
                body += target.cert.value_lines(chain[-1][1], "reader", e.codes is not None, v)
        if body:
            lines += [f"    if {v}:", *("        " + line for line in body)]
        ranks = tuple(slot.rank for _, slot in chain) if chain else (k,)
        writes.append(Write(e.path, v, ranks, chain))
    if cert:
        assert target is not None
        writes.sort(key=lambda w: w.ranks)
        lines += _order_first(target, writes, pairs, fresh)
    taken = frozenset(p[0] for p in pairs.table.values()) if pairs is not None else frozenset()
    lines += _writes(writes, "obj", 0, "    ", target if cert else None, fresh, taken)
    for i in inside:
        lines.append(f"    if el[{i}]:")
        lines.append(f"        reader.leftover({seg!r}, {i}, el[{i}], pos, {composite.get(i)!r})")
    if tail:  # past every element the map reads: usually absent, so checked only when the segment is that long
        namespace["TAIL"] = {i: composite.get(i) for i in tail}
        lines.append(f"    if n > {tail[0]}:")
        lines.append("        for i, comps in TAIL.items():")
        lines.append("            if i < n and el[i]:")
        lines.append(f"                reader.leftover({seg!r}, i, el[i], pos, comps)")
    code = "\n".join(lines)
    if target is not None:  # the certifier's memos and rank tables the lines name
        namespace.update(target.cert.namespace)
    exec(compile(code, f"<map {seg}>", "exec"), namespace)  # noqa: S102 - code built above from a checked map
    filler: Filler = namespace["fill"]
    return filler


def _pairs(seg: str, pairs: Any, namespace: dict[str, Any], target: Place | None, fresh: bool) -> list[str]:
    """Qualifier/value pairs (PO106/07 ...): the qualifier picks the field; set as they come, order marked."""
    lines: list[str] = []
    if pairs.table and all(len(path) == 1 for path in pairs.table.values()):
        namespace["PAIRS"] = {qual: path[0] for qual, path in pairs.table.items()}
        extra: list[str] = []
        if target is not None and target.model is not None:
            facts = target.cert.facts(target.model)
            checks = {}
            for path in pairs.table.values():
                slot = facts.slots.get(path[0])
                body = target.cert.value_lines(slot, "r") if slot is not None and slot.kind != "int" \
                    else [UNSURE.format(r="r")]  # a number from a pair: left to the checker
                if body:
                    code = "def check(v, r):\n" + "\n".join("    " + line for line in body)
                    local = dict(target.cert.namespace)
                    exec(compile(code, f"<map {seg} pair>", "exec"), local)  # noqa: S102 - from the model
                    checks[path[0]] = local["check"]
            if checks:
                namespace["PCHECK"] = checks
                extra += ["c = PCHECK.get(key)", "if c is not None:", "    c(v, reader)"]
            if fresh:  # a new object: the pairs' ranks so far, in a local
                lines.append("    last = -1")
                extra += [f"rk = {facts.rank_name}[key]", "if rk < last:",
                          f"    reader.fix.append(({facts.rank_name}, obj))", "last = rk"]
            elif not target.root:
                extra += target.cert.order_lines(target.model, "obj", "", "reader", dynamic="key")
        for q in pairs.qualifiers:
            lines += [f"    v = el[{q + 1}]", "    if v:", f"        key = PAIRS.get(el[{q}])",
                      "        if key is None:", f"            reader.pair_miss({seg!r}, {q}, el[{q}], v, pos)",
                      "        else:", *("            " + line for line in extra), "            obj[key] = v"]
        return lines
    for q in pairs.qualifiers:  # the same with nested field paths: one test per qualifier (never certain)
        lines += [f"    v = el[{q + 1}]", "    if v:", f"        qualifier = el[{q}]"]
        for n, (qual, path) in enumerate(pairs.table.items()):
            lines.append(f"        {'elif' if n else 'if'} qualifier == {qual!r}:")
            if target is not None:
                lines.append(f"            {UNSURE.format(r='reader')}")
            _set(lines, path, "v", "            ")
        lines.append("        else:" if pairs.table else "        if True:")
        lines.append(f"            reader.pair_miss({seg!r}, {q}, qualifier, v, pos)")
    return lines


def _order_first(target: Place, writes: list[Write], pairs: Any, fresh: bool) -> list[str]:
    """Before the keys of a segment go into an object that may hold others: mark it if one of a later field is
    there already (checked once, against the first of this segment's keys)."""
    assert target.model is not None
    if target.root or not writes:
        return []
    first = min(w.ranks[0] for w in writes)
    if fresh:
        facts = target.cert.facts(target.model)
        paired = [facts.rank[p[0]] for p in (pairs.table.values() if pairs is not None else ())
                  if p[0] in facts.rank]
        if not paired or max(paired) < first:
            return []
    return ["    " + line for line in target.cert.order_lines(target.model, "obj", "", "reader", rank=first)]


def _writes(writes: list[Write], var: str, depth: int, ind: str, target: Place | None, fresh: bool,
            taken: frozenset[str] = frozenset(), tested: str = "") -> list[str]:
    """Set each value at its path below ``var``; writes below one key share its lookup (they are adjacent).

    ``fresh`` (certifying, so sorted: each nested key has one group): the objects below are made here, without a
    lookup, unless a pair may have set the key (``taken``). ``tested``: a value already known to be non-empty.
    """
    lines: list[str] = []
    n = 0
    while n < len(writes):
        w = writes[n]
        key = w.path[depth]
        if len(w.path) == depth + 1:
            body = [f"{var}[{key!r}] = {w.var}"]
            if w.chain is not None and w.chain[-1][1].kind == "int":
                body.append(f"reader.ints.append(({var}, {key!r}))")
            lines += [ind + line for line in body] if w.var == tested else \
                [f"{ind}if {w.var}:", *(f"{ind}    {line}" for line in body)]
            n += 1
            continue
        group = [w]
        while n + len(group) < len(writes) and len(writes[n + len(group)].path) > depth + 1 \
                and writes[n + len(group)].path[depth] == key:
            group.append(writes[n + len(group)])
        n += len(group)
        t = f"t{depth}"
        one = group[0].var if len(group) == 1 else ""
        inner = ind if one == tested and one else ind + "    "
        if inner != ind:
            lines.append(f"{ind}if {' or '.join(g.var for g in group)}:")
        if fresh and target is not None and (depth or key not in taken):
            lines.append(f"{inner}{t} = {var}[{key!r}] = {{}}")
        else:
            lines += [f"{inner}{t} = {var}.get({key!r})", f"{inner}if {t} is None:",
                      f"{inner}    {t} = {var}[{key!r}] = {{}}"]
            if target is not None and not fresh and all(g.chain is not None for g in group):
                model = group[0].chain[depth + 1][0]  # type: ignore[index]
                first = min(g.ranks[depth + 1] for g in group)
                check = target.cert.order_lines(model, t, "", "reader", rank=first)
                if check:
                    lines += [f"{inner}else:", *(f"{inner}    {line}" for line in check)]
        lines += _writes(group, t, depth + 1, inner, target, fresh, taken, one)
    return lines
