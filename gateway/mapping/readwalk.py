"""The values at a path of JSON data, for computed elements (CTT01 count, CTT02 sum) in both directions.

``walk`` takes any JSON data; the walker ``build_walker`` makes knows from the canonical model which steps are
objects and which are lists, so it loops only where a list is, with no per-step scans. Any value of another shape
than the model's hands the whole walk to ``walk``, so the answer is always ``walk``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from gateway.mapping.readcert import Certifier

Walker = Callable[[Any], list[Any]]


def build_walker(cert: Certifier, path: tuple[str, ...]) -> Walker:
    """``values(doc)`` = ``walk(doc, list(path))`` for a path from the document through the model's fields."""
    model: type[BaseModel] | None = cert.model
    kinds = []
    for key in path:
        slot = cert.facts(model).slots.get(key) if model is not None else None
        if slot is None:
            return lambda doc: walk(doc, list(path))
        kinds.append(slot.kind)
        model = slot.model
    lines = ["def values(doc):", "    out = []"]
    ind = "    "
    var = "doc"
    for depth, (key, kind) in enumerate(zip(path, kinds, strict=True)):
        value = f"x{depth}"
        last = depth == len(path) - 1
        lines += [f"{ind}{value} = {var}.get({key!r})"]
        if last:  # as walk: a list is flattened, None dropped, anything else kept
            lines += [f"{ind}if type({value}) is list:", f"{ind}    out.extend({value})",
                      f"{ind}elif {value} is not None:", f"{ind}    out.append({value})"]
            break
        lines += [f"{ind}if {value} is not None:"]
        ind += "    "
        if kind == "list":
            item = f"y{depth}"
            lines += [f"{ind}if type({value}) is not list:", f"{ind}    return FALLBACK(doc)",
                      f"{ind}for {item} in {value}:", f"{ind}    if type({item}) is not dict:",
                      f"{ind}        return FALLBACK(doc)"]
            ind += "    "
            var = item
        else:
            lines += [f"{ind}if type({value}) is not dict:", f"{ind}    return FALLBACK(doc)"]
            var = value
    lines.append("    return out")
    namespace: dict[str, Any] = {"FALLBACK": lambda doc: walk(doc, list(path))}
    exec(compile("\n".join(lines), f"<map walk {'.'.join(path)}>", "exec"), namespace)  # noqa: S102 - from the map
    values: Walker = namespace["values"]
    return values


def is_whole(text: str) -> bool:
    return text.isdigit() and text.isascii()


def all_whole(values: list[Any]) -> bool:
    """Every value is text of ASCII digits (checked on the joined text: one pass, no call per value)."""
    try:
        joined = "".join(values)
    except TypeError:  # something other than text
        return False
    return "" not in values and (not joined or is_whole(joined))


def walk(obj: Any, path: list[str]) -> list[Any]:
    """Values at ``path`` below ``obj`` (JSON data: dicts and lists), lists flattened (count of a list counts its
    items). One comprehension per step; the flattening and null-dropping loops run only when needed."""
    current = [obj]
    for key in path:
        if len(current) == 1:  # the steps down to the first list: no comprehension, no scans
            item = current[0]
            value = item.get(key) if isinstance(item, dict) else None
            current = [] if value is None else list(value) if type(value) is list else [value]
            continue
        values = [item.get(key) for item in current if isinstance(item, dict)]
        if list in map(type, values):
            flat: list[Any] = []
            for value in values:
                if type(value) is list:
                    flat.extend(value)
                elif value is not None:
                    flat.append(value)
            values = flat
        elif None in values:
            values = [v for v in values if v is not None]
        current = values
    return current
