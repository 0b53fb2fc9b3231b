"""Each segment node of a map becomes one generated Python function for JSON -> X12 (the hot path of output).

``emit(obj, writer, where, force)`` does what ``Writer.segment`` describes: reads the node's fields from ``obj``,
translates codes and formats values, fills computed and constant elements, and appends the segment unless it has
no data and is not forced. Errors call back into the writer, which names the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.x12.model import Segment

Emitter = Callable[[dict[str, Any], Any, str, bool], bool]


class _Prefixes(dict[tuple[str, ...], str]):
    """Local names for the objects on the way to fields (``orderedQuantity`` of ``.amount`` and ``.unit``): each
    read once at the top of ``emit`` rather than once per field below it."""

    def name(self, path: tuple[str, ...]) -> str:
        found = self.get(path)
        if found is None:
            if len(path) > 1:
                self.name(path[:-1])
            found = self[path] = f"o{len(self)}"
        return found

    def lines(self) -> list[str]:
        out = []
        for path, name in self.items():  # parents are named before their children
            if len(path) == 1:
                out.append(f"    {name} = obj.get({path[0]!r})")  # obj is a dict (see the top of emit)
            else:
                parent = self[path[:-1]]
                out.append(f"    {name} = {parent}.get({path[-1]!r}) if isinstance({parent}, dict) else None")
        return out


def _get(lines: list[str], path: tuple[str, ...], indent: str, prefixes: _Prefixes) -> None:
    """``v`` = the value at ``path`` below ``obj``, None when a step is missing or not an object."""
    if len(path) == 1:
        lines.append(f"{indent}v = obj.get({path[0]!r})")
    else:
        parent = prefixes.name(path[:-1])
        lines.append(f"{indent}v = {parent}.get({path[-1]!r}) if isinstance({parent}, dict) else None")


def _assign(lines: list[str], index: int, component: int | None, indent: str) -> None:
    if component is None:
        lines.append(f"{indent}el[{index}] = text")
    else:
        lines.append(f"{indent}parts = comps.setdefault({index}, [])")
        lines.append(f"{indent}parts.extend([''] * ({component} - len(parts)))")
        lines.append(f"{indent}parts[{component - 1}] = text")


def build_emitter(seg: str, elements: list[Any], pairs: Any, size: int) -> Emitter:
    """The output function of one compiled segment node (``elements`` are CElement)."""
    namespace: dict[str, Any] = {"Segment": Segment}
    lines = ["def emit(obj, w, where, force):", "    if not isinstance(obj, dict):",
             "        obj = {}  # every field reads as missing, as for any non-object",
             f"    el = {[seg] + [''] * size!r}", "    filled = False"]
    head = len(lines)  # the prefix reads go here, once the fields below have named them
    prefixes = _Prefixes()
    has_comps = any(e.component is not None for e in elements)
    if has_comps:
        lines.append("    comps = {}")
    for k, e in enumerate(elements):
        spec = e.spec
        indent = "    "
        if spec.when is not None:
            _get(lines, spec.when, indent, prefixes)
            lines.append(f"{indent}if not (v is None or v == ''):")
            indent += "    "
        if e.path is not None:
            where = ".".join(e.path)
            _get(lines, e.path, indent, prefixes)
            lines.append(f"{indent}if v is None or v == '':")
            if spec.default is not None:
                lines.append(f"{indent}    text = {spec.default!r}")
                _assign(lines, e.index, e.component, indent + "    ")
            else:
                lines.append(f"{indent}    pass")
            lines.append(f"{indent}else:")
            inner = indent + "    "
            lines.append(f"{inner}filled = True")
            if e.reverse is not None:
                namespace[f"rev{k}"], namespace[f"codes{k}"] = e.reverse, e.codes or {}
                namespace[f"unknown{k}"] = f" is not in code table {spec.codes} (known: {', '.join(sorted(e.reverse))})"
                lines += [f"{inner}s = str(v)", f"{inner}text = rev{k}.get(s)", f"{inner}if text is None:",
                          f"{inner}    if s in codes{k}:",
                          f"{inner}        text = s  # already an X12 code (kept as is on input)",
                          f"{inner}    else:",
                          f"{inner}        raise w.fail('value ' + repr(v) + unknown{k}, where + {where!r})"]
            elif e.to_x12 is str:
                lines.append(f"{inner}text = v if type(v) is str else str(v)")
            else:
                namespace[f"conv{k}"] = e.to_x12
                lines += [f"{inner}try:", f"{inner}    text = conv{k}(v)",
                          f"{inner}except (ValueError, ArithmeticError) as exc:",
                          f"{inner}    raise w.fail(str(exc), where + {where!r}) from None"]
            _assign(lines, e.index, e.component, inner)
        elif spec.const is not None:
            lines.append(f"{indent}text = {spec.const!r}")
            _assign(lines, e.index, e.component, indent)
        else:
            namespace[f"compute{k}"] = spec.compute
            lines += [f"{indent}text = w.compute(compute{k})", f"{indent}filled = True"]
            _assign(lines, e.index, e.component, indent)
    if pairs is not None:
        slots = list(pairs.qualifiers)
        lines.append("    free = 0")
        for qual, path in pairs.table.items():
            _get(lines, path, "    ", prefixes)
            namespace["SLOTS"] = tuple(slots)
            message = f"no free {seg} qualifier element left for {qual}"
            lines += ["    if not (v is None or v == ''):", f"        if free >= {len(slots)}:",
                      f"            raise w.fail({message!r}, where + {'.'.join(path)!r})",
                      "        q = SLOTS[free]", "        free += 1", f"        el[q] = {qual!r}",
                      "        el[q + 1] = v if type(v) is str else str(v)", "        filled = True"]
    lines += ["    if not (filled or force):", "        return False"]
    if has_comps:
        lines += ["    for index, parts in comps.items():", "        while parts and parts[-1] == '':",
                  "            parts.pop()", "        el[index] = w.component.join(parts)"]
    lines += ["    n = len(el)", "    while n > 1 and el[n - 1] == '':", "        n -= 1", "    del el[n:]",
              "    w.out.append(Segment(el))", "    return True"]
    lines[head:head] = prefixes.lines()
    exec(compile("\n".join(lines), f"<map {seg} out>", "exec"), namespace)  # noqa: S102 - from a checked map
    emitter: Emitter = namespace["emit"]
    return emitter
