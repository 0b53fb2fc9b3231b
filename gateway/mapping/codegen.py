"""Each segment node of a map becomes one generated Python function (the hot path of X12 -> JSON).

The generated code only indexes lists and sets dict keys; everything unusual (an unknown code, a bad date, an
element the map does not read) calls back into the Reader, which records it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.mapping.spec import ElementSpec

Filler = Callable[[dict[str, Any], list[str], int, Any, int], None]


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
                 pairs: Any) -> Filler:
    """``fill(obj, el, n, reader, pos)`` for one compiled segment node (``elements`` are CElement).

    A short segment is padded with empty elements first, so each element costs one truth test; trailing elements
    the map does not read are tested as one run.
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
    if pairs is not None and pairs.table and all(len(path) == 1 for path in pairs.table.values()):
        namespace["PAIRS"] = {qual: path[0] for qual, path in pairs.table.items()}
        for q in pairs.qualifiers:  # qualifier/value pairs (PO106/07 ...): the qualifier picks the field
            lines += [f"    v = el[{q + 1}]", "    if v:", f"        key = PAIRS.get(el[{q}])",
                      "        if key is None:", f"            reader.pair_miss({seg!r}, {q}, el[{q}], v, pos)",
                      "        else:", "            obj[key] = v"]
    elif pairs is not None:  # the same with nested field paths: one test per qualifier
        for q in pairs.qualifiers:
            lines += [f"    v = el[{q + 1}]", "    if v:", f"        qualifier = el[{q}]"]
            for n, (qual, path) in enumerate(pairs.table.items()):
                lines.append(f"        {'elif' if n else 'if'} qualifier == {qual!r}:")
                _set(lines, path, "v", "            ")
            lines.append("        else:" if pairs.table else "        if True:")
            lines.append(f"            reader.pair_miss({seg!r}, {q}, qualifier, v, pos)")
    for k, e in enumerate(elements):
        spec: ElementSpec = e.spec
        if e.path is None:
            continue
        i = e.index
        if e.component is not None:
            lines.append(f"    parts = el[{i}].split(reader.component)")
            lines.append(f"    v = parts[{e.component - 1}] if len(parts) >= {e.component} else ''")
        else:
            lines.append(f"    v = el[{i}]")
        lines.append("    if v:")
        if e.codes is not None:
            namespace[f"codes{k}"] = e.codes
            namespace[f"spec{k}"] = spec
            lines.append(f"        w = codes{k}.get(v)")
            lines.append(f"        v = reader.code_miss(spec{k}, {seg!r}, v, pos) if w is None else w")
        elif e.to_json is not None:
            namespace[f"conv{k}"] = e.to_json
            namespace[f"spec{k}"] = spec
            lines.append("        try:")
            lines.append(f"            v = conv{k}(v)")
            lines.append("        except ValueError as exc:")
            lines.append(f"            raise reader.fail(str(exc), pos, {seg!r}, spec{k}.ref) from None")
        _set(lines, e.path, "v", "        ")
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
    exec(compile(code, f"<map {seg}>", "exec"), namespace)  # noqa: S102 - code built above from a checked map
    filler: Filler = namespace["fill"]
    return filler
