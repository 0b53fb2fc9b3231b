"""Computed elements read back (CTT01 count, CTT02 sum): the values at a path, walked by generated code.

``inbound.walk`` takes any JSON data; the walker made here knows from the canonical model which steps are
objects and which are lists, so it loops only where a list is, with no per-step scans. Any value of another shape
than the model's hands the whole walk to ``inbound.walk``, so the answer is always ``walk``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from gateway.mapping.readcert import Certifier

Walker = Callable[[Any], list[Any]]


def build_walker(cert: Certifier, path: tuple[str, ...]) -> Walker:
    """``values(doc)`` = ``walk(doc, list(path))`` for a path from the document through the model's fields."""
    from gateway.mapping.inbound import walk  # inbound's Reader runs what compiled (which calls this) builds
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
