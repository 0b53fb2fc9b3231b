"""Each segment node of a map becomes generated Python for JSON -> X12 (the hot path of output).

``segment_lines`` writes the code for one node: read the node's fields from a dict, translate codes and format
values, fill computed and constant elements, and append the segment unless it has no data and is not forced.
``build_emitter`` wraps it as ``emit(obj, writer, where, force)`` (what ``Writer`` calls); ``outgen`` inlines the
same lines into the generated walk of a whole map. Errors call back into the writer, which names the field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

Emitter = Callable[[dict[str, Any], Any, str, bool], bool]


class _Prefixes(dict[tuple[str, ...], str]):
    """Local names for the objects on the way to fields (``orderedQuantity`` of ``.amount`` and ``.unit``): each
    read once at the top of the segment's code rather than once per field below it.

    ``known``: the object's values already taken by key (a layout of keys, see ``outgen``): a key there reads as
    its variable, any other key as None.
    """

    def __init__(self, obj: str, known: dict[str, str] | None = None,
                 assumed: set[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.obj = obj
        self.known = known
        self.assumed = assumed if assumed is not None else set()
        self.dicts: set[str] = set()  # names taken for dicts (their keys are in ``assumed``)

    def first(self, key: str) -> str:
        """The expression for ``obj.get(key)``."""
        if self.known is None:
            return f"{self.obj}.get({key!r})"
        return self.known.get(key, "None")

    def name(self, path: tuple[str, ...]) -> str:
        found = self.get(path)
        if found is None:
            if len(path) > 1:
                self.name(path[:-1])
            found = self[path] = f"o{len(self)}"
            if len(path) == 1 and self.known is not None and path[0] in self.known:
                self.assumed.add((path[0], "dict"))
                self.dicts.add(found)
        return found

    def below(self, parent: str, key: str) -> str:
        """The expression for the value at ``key`` of the object named ``parent`` (None unless a dict)."""
        if parent in self.dicts:
            return f"{parent}.get({key!r})"
        return f"{parent}.get({key!r}) if isinstance({parent}, dict) else None"

    def lines(self) -> list[str]:
        out = []
        for path, name in self.items():  # parents are named before their children
            if len(path) == 1:
                out.append(f"{name} = {self.first(path[0])}")  # the object is a dict (see the callers)
            else:
                out.append(f"{name} = {self.below(self[path[:-1]], path[-1])}")
        return out


def _get(lines: list[str], path: tuple[str, ...], indent: str, prefixes: _Prefixes) -> None:
    """``v`` = the value at ``path`` below the object, None when a step is missing or not an object."""
    if len(path) == 1:
        lines.append(f"{indent}v = {prefixes.first(path[0])}")
    else:
        lines.append(f"{indent}v = {prefixes.below(prefixes.name(path[:-1]), path[-1])}")


def _assign(lines: list[str], target: str, index: int, component: int | None, indent: str) -> None:
    """``target`` (the element's slot) = ``text``, or ``text`` into its component list."""
    if component is None:
        lines.append(f"{indent}{target} = text")
    else:
        lines.append(f"{indent}parts = comps.setdefault({index}, [])")
        lines.append(f"{indent}parts.extend([''] * ({component} - len(parts)))")
        lines.append(f"{indent}parts[{component - 1}] = text")


class _Slots:
    """Where the code puts each element's text: ``el[i]`` of a list made first (``by_list``), or a local ``e_i``
    each, the list made once at the end from them, and from the texts known when the code is written (a constant,
    a layout's value) in place, which saves a store and a load per element."""

    def __init__(self, by_list: bool, writes: Counter[int]) -> None:
        self.by_list = by_list
        self.writes = writes  # index -> how many elements (and qualifier pairs) write it
        self.fixed: dict[int, str] = {}  # index -> expression put straight into the list

    def __call__(self, index: int) -> str:
        return f"el[{index}]" if self.by_list else f"e_{index}"

    def put(self, lines: list[str], index: int, component: int | None, indent: str, value: str) -> None:
        """Code that sets element ``index`` (or a component of it) to the expression ``value``."""
        if self.by_list or component is not None:
            lines.append(f"{indent}text = {value}")
            _assign(lines, self(index), index, component, indent)
        elif not indent and self.writes[index] == 1:
            self.fixed[index] = value
        else:
            lines.append(f"{indent}{self(index)} = {value}")

    def values(self, seg: str, last: int, written: dict[int, str]) -> str:
        """The list expression of the segment (not ``by_list``): fixed texts, locals, '' for what nothing writes."""
        items = [repr(seg)] + [self.fixed.get(i) or (self(i) if i in written else "''") for i in range(1, last + 1)]
        return f"[{', '.join(items)}]"

    def start(self, written: dict[int, str]) -> str | None:
        """The locals' first value (not ``by_list``): '' for those that may stay unwritten."""
        empty = [self(i) for i, how in sorted(written.items()) if how != "filled" and i not in self.fixed]
        return f"{' = '.join(empty)} = ''" if empty else None


def segment_lines(seg: str, elements: list[Any], pairs: Any, size: int, namespace: dict[str, Any], *,
                  obj: str = "obj", where: str = "where", force: bool | None = None, tag: str = "",
                  append: str = "w.out.append", known: dict[str, str] | None = None,
                  assumed: set[tuple[str, str]] | None = None, by_list: bool = False) -> list[str]:
    """Code (unindented) that emits one segment node (``elements`` are CElement) from the dict named ``obj``.

    ``where`` is an expression for the "path." of ``obj`` in messages; ``force`` True or False when known here,
    None to test a ``force`` variable at run time. Leaves ``filled or force`` true exactly when it appended.
    With ``known`` (the object's layout: key -> variable of its value), a field of the object itself is written
    without a test when its key is absent or holds non-empty text, and an object on the way to a field is read
    without a test when its key holds a dict: each such (key, "str" or "dict") is added to ``assumed``, which
    the caller must make sure of before this code runs. ``by_list``: the elements go into a list made first (the
    plain form, which the tests hold the other to); a segment with components or qualifier pairs placed at run
    time is written so in any case.
    """
    tracked = force is not True  # when forced, whether anything was filled does not matter
    lines = ["el = LIST"] + (["filled = False"] if tracked else [])  # LIST: once the last element is known
    state: dict[int, str] = {}  # element index -> "filled" (always non-empty text) or "dynamic" (may be empty)

    def mark(index: int, filled_here: bool) -> None:
        if filled_here:
            state[index] = "filled"
        else:
            state[index] = "dynamic"

    filled = ["filled = True"] if tracked else []
    head = len(lines)  # the prefix reads go here, once the fields below have named them
    if assumed is None:
        assumed = set()
    prefixes = _Prefixes(obj, known, assumed)
    has_comps = any(e.component is not None for e in elements)
    static_pairs = pairs is not None and known is not None and all(len(p) == 1 for p in pairs.table.values())
    writes = Counter(e.index for e in elements)
    writes.update(q + n for q in (pairs.qualifiers if pairs is not None else ()) for n in (0, 1))
    slot = _Slots(by_list or has_comps or (pairs is not None and not static_pairs), writes)
    if has_comps:
        lines.append("comps = {}")
    for k, e in enumerate(elements):
        spec = e.spec
        indent = ""
        if spec.when is not None:
            _get(lines, spec.when, indent, prefixes)
            lines.append(f"{indent}if not (v is None or v == ''):")
            indent += "    "
        if e.path is not None:
            field = ".".join(e.path)
            plain = e.reverse is None and e.to_x12 is str and e.component is None
            key = e.path[0]
            if known is not None and (key not in known or (len(e.path) == 1 and plain)):
                if key in known:  # non-empty text (assumed): no test
                    assumed.add((key, "str"))
                    lines += [indent + line for line in filled]
                    slot.put(lines, e.index, None, indent, known[key])
                    mark(e.index, not indent)
                elif spec.default is not None:  # absent: the default
                    slot.put(lines, e.index, e.component, indent, repr(spec.default))
                    mark(e.index, not indent and spec.default != "" and e.component is None)
                elif indent:
                    lines.append(f"{indent}pass")
                continue
            _get(lines, e.path, indent, prefixes)
            mark(e.index, False)
            if plain:  # text as is: the common case first
                lines += [f"{indent}if type(v) is str and v:", *(f"{indent}    {line}" for line in filled),
                          f"{indent}    {slot(e.index)} = v", f"{indent}elif v is None or v == '':"]
                lines.append(f"{indent}    {slot(e.index)} = {spec.default!r}" if spec.default is not None
                             else f"{indent}    pass")
                lines += [f"{indent}else:", *(f"{indent}    {line}" for line in filled),
                          f"{indent}    {slot(e.index)} = str(v)"]
                continue
            lines.append(f"{indent}if v is None or v == '':")
            if spec.default is not None:
                lines.append(f"{indent}    text = {spec.default!r}")
                _assign(lines, slot(e.index), e.index, e.component, indent + "    ")
            else:
                lines.append(f"{indent}    pass")
            lines.append(f"{indent}else:")
            inner = indent + "    "
            lines += [inner + line for line in filled]
            if e.reverse is not None:
                rev, codes, unknown = f"rev{tag}_{k}", f"codes{tag}_{k}", f"unknown{tag}_{k}"
                namespace[rev], namespace[codes] = e.reverse, e.codes or {}
                namespace[unknown] = f" is not in code table {spec.codes} (known: {', '.join(sorted(e.reverse))})"
                lines += [f"{inner}s = str(v)", f"{inner}text = {rev}.get(s)", f"{inner}if text is None:",
                          f"{inner}    if s in {codes}:",
                          f"{inner}        text = s  # already an X12 code (kept as is on input)",
                          f"{inner}    else:",
                          f"{inner}        raise w.fail('value ' + repr(v) + {unknown}, {where} + {field!r})"]
            elif e.to_x12 is str:
                lines.append(f"{inner}text = v if type(v) is str else str(v)")
            else:
                conv = f"conv{tag}_{k}"
                namespace[conv] = e.to_x12
                lines += [f"{inner}try:", f"{inner}    text = {conv}(v)",
                          f"{inner}except (ValueError, ArithmeticError) as exc:",
                          f"{inner}    raise w.fail(str(exc), {where} + {field!r}) from None"]
            _assign(lines, slot(e.index), e.index, e.component, inner)
        elif spec.const is not None:
            slot.put(lines, e.index, e.component, indent, repr(spec.const))
            mark(e.index, not indent and spec.const != "" and e.component is None)
        else:
            compute = f"compute{tag}_{k}"
            namespace[compute] = spec.compute
            lines += [f"{indent}text = w.compute({compute})", *(indent + line for line in filled)]
            _assign(lines, slot(e.index), e.index, e.component, indent)
            mark(e.index, not indent and e.component is None)  # a count or a sum: never empty
    if static_pairs and known is not None:
        # which qualifiers are filled is known from the layout: each goes straight to its slot
        free = 0
        for qual, path in pairs.table.items():
            if path[0] not in known:
                continue
            if free >= len(pairs.qualifiers):
                message = f"no free {seg} qualifier element left for {qual}"
                lines.append(f"raise w.fail({message!r}, {where} + {'.'.join(path)!r})")
                break
            assumed.add((path[0], "str"))
            q = pairs.qualifiers[free]
            free += 1
            slot.put(lines, q, None, "", repr(qual))
            slot.put(lines, q + 1, None, "", known[path[0]])
            lines += filled
            mark(q, True)
            mark(q + 1, True)
    elif pairs is not None:
        slots = f"SLOTS{tag}"
        namespace[slots] = tuple(pairs.qualifiers)
        for q in pairs.qualifiers:
            mark(q, False)
            mark(q + 1, False)
        lines.append("free = 0")
        for qual, path in pairs.table.items():
            _get(lines, path, "", prefixes)
            message = f"no free {seg} qualifier element left for {qual}"
            lines += ["if not (v is None or v == ''):", f"    if free >= {len(pairs.qualifiers)}:",
                      f"        raise w.fail({message!r}, {where} + {'.'.join(path)!r})",
                      f"    q = {slots}[free]", "    free += 1", f"    el[q] = {qual!r}",
                      "    el[q + 1] = v if type(v) is str else str(v)", *("    " + line for line in filled)]
    body = []
    if has_comps:
        body += ["for index, parts in comps.items():", "    while parts and parts[-1] == '':",
                 "        parts.pop()", "    el[index] = w.component.join(parts)"]
    # the list goes up to the last element anything writes; trailing empty elements go (never the segment ID),
    # which takes no test when the last one is always non-empty text
    last = max(state, default=0)
    trim = bool(last) and state[last] != "filled"
    if slot.by_list:
        lines[0] = f"el = {[seg] + [''] * last!r}"
    else:
        lines[0] = slot.start(state) or ""
        body.append(f"el = {slot.values(seg, last, state)}" if trim else f"{append}({slot.values(seg, last, state)})")
    if trim:
        body += ["while el[-1] == '':", "    del el[-1]"]
    if slot.by_list or trim:
        body.append(f"{append}(el)")
    sure = "filled = True" in lines  # set at the top level: always filled
    if force is False and not any(line.strip() == "filled = True" for line in lines):
        return []  # nothing can fill it (every field absent in this layout): no code at all
    if force is True or (force is False and sure):
        lines += body
    else:
        lines.append("if filled or force:" if force is None else "if filled:")
        lines += ["    " + line for line in body]
    lines[head:head] = prefixes.lines()
    return lines if lines[0] else lines[1:]


def build_emitter(seg: str, elements: list[Any], pairs: Any, size: int) -> Emitter:
    """The output function of one compiled segment node (``elements`` are CElement)."""
    namespace: dict[str, Any] = {}
    body = segment_lines(seg, elements, pairs, size, namespace, by_list=True)  # the plain form: the reference
    lines = ["def emit(obj, w, where, force):", "    if not isinstance(obj, dict):",
             "        obj = {}  # every field reads as missing, as for any non-object",
             *("    " + line for line in body), "    return filled or force"]
    exec(compile("\n".join(lines), f"<map {seg} out>", "exec"), namespace)  # noqa: S102 - from a checked map
    emitter: Emitter = namespace["emit"]
    return emitter
