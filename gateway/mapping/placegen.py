"""The map's "every field has a place" test as generated code, driven by the canonical model's fields.

``placed(doc)`` takes a document in its model's JSON form (the canonical check refuses unknown keys first) and
answers True only when no non-null leaf sits at a path the map does not write; False means "look closer", and the
caller then names the field. Since every key of such a document is one of the model's fields, only the fields
the map cannot place need looking at: the generated code reads those and steps into the objects and lists that
hold them, and never visits a part of the document the map places whole (for a partner map, most of it).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

Placed = Callable[[dict[str, Any]], bool]


def has_leaf(value: Any) -> bool:
    """Whether a JSON value holds any non-null scalar (empty objects and lists hold none)."""
    if type(value) is dict:
        return any(map(has_leaf, value.values()))
    if type(value) is list:
        return any(map(has_leaf, value))
    return value is not None


def _shape(annotation: Any) -> tuple[str, Any]:
    """("model", class) | ("list", item annotation) | ("leaf", None) | ("free", None) for a field's annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _shape(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kinds = [_shape(a) for a in typing.get_args(annotation) if a is not type(None)]
        return kinds[0] if len(kinds) == 1 else ("free", None)
    if origin in (list, tuple, set, frozenset):
        return "list", (typing.get_args(annotation) or (Any,))[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    if origin is dict or annotation is Any or annotation is dict:
        return "free", None
    return "leaf", None


class _Gen:
    def __init__(self, placeable: frozenset[str]) -> None:
        self.placeable = placeable
        self.prefixes = {p[:i] for p in placeable for i, ch in enumerate(p) if ch in ".["}
        self.namespace: dict[str, Any] = {"has_leaf": has_leaf, "placeable": placeable, "free_ok": _free_ok}
        self.sources: list[str] = []

    def below(self, pattern: str) -> bool:
        """Whether the map writes anything at or under ``pattern``."""
        return pattern in self.placeable or pattern in self.prefixes

    def model(self, model: type[BaseModel], pattern: str, skipped: frozenset[str]) -> str | None:
        """The function checking one object of ``model`` at ``pattern`` ("" or "a.b."), None when nothing to check."""
        lines: list[str] = []
        for name, info in model.model_fields.items():
            key = info.alias or name
            if key in skipped:
                continue
            lines += self.field(key, info.annotation, f"{pattern}{key}")
        if not lines:
            return None
        func = f"p{len(self.sources)}"
        self.sources.append("\n".join([f"def {func}(o):", *lines, "    return True"]))
        return func

    def field(self, key: str, annotation: Any, path: str) -> list[str]:
        kind, inner = _shape(annotation)
        get = f"    v = o.get({key!r})"
        values = kind == "list" and _shape(inner)[0] == "leaf"  # a list of values: "path[]" is its leaf
        if kind == "leaf" or values or not self.below(path):
            if (path if kind == "leaf" else f"{path}[]") in self.placeable:
                return []  # a placed field, or a list of placed values
            # nothing of it has a place: any leaf in it is an error
            return [get, "    if v is not None and has_leaf(v):", "        return False"]
        if kind == "model":
            func = self.model(inner, f"{path}.", frozenset())
            return [] if func is None else [get, f"    if v is not None and not {func}(v):", "        return False"]
        if kind == "list" and _shape(inner)[0] == "model":
            func = self.model(_shape(inner)[1], f"{path}[].", frozenset())
            return [] if func is None else [get, "    if v:", "        for x in v:",
                                            f"            if not {func}(x):", "                return False"]
        # free-form content with some paths placed below it: each leaf is looked up
        return [get, f"    if v is not None and not free_ok(v, {path!r}, placeable):", "        return False"]


def _free_ok(value: Any, pattern: str, placeable: frozenset[str]) -> bool:
    """Every non-null leaf of free-form ``value`` (at ``pattern``) has a place."""
    if type(value) is dict:
        return all(_free_ok(v, f"{pattern}.{k}", placeable) for k, v in value.items())
    if type(value) is list:
        return all(_free_ok(v, f"{pattern}[]", placeable) for v in value)
    return value is None or pattern in placeable


def build_placed(model: type[BaseModel], placeable: frozenset[str], skipped: frozenset[str]) -> Placed:
    """Generate ``placed`` for documents of ``model`` and the leaf paths a map writes ("items[].sku" form)."""
    gen = _Gen(placeable)
    name = gen.model(model, "", skipped)
    if name is None:  # the map places every field of the model
        return lambda doc: True
    exec(compile("\n\n".join(gen.sources), "<map placeable>", "exec"), gen.namespace)  # noqa: S102 - from the map
    placed: Placed = gen.namespace[name]
    return placed
