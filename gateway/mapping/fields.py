"""Resolving JSON paths of a mapping file against the canonical pydantic models (typos are load errors)."""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from decimal import Decimal
from typing import Any

from pydantic import BaseModel


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, is_list) of Optional[...] / list[...] annotations."""
    is_list = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin is list:
            annotation, is_list = typing.get_args(annotation)[0], True
        else:
            return annotation, is_list


def _aliases(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


class FieldRef(typing.NamedTuple):
    """Where a path lands: the leaf's kind (model, list of models, scalar type)."""

    model: type[BaseModel] | None  # the object at the end when it is a model
    is_list: bool
    scalar: type | None


def resolve(model: type[BaseModel], path: tuple[str, ...]) -> FieldRef:
    """Walk ``path`` through ``model``; ValueError with a suggestion when a name is unknown."""
    current: type[BaseModel] = model
    ref = FieldRef(model, False, None)
    for depth, name in enumerate(path):
        fields = _aliases(current)
        if name not in fields:
            close = difflib.get_close_matches(name, list(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown field {'.'.join(path[: depth + 1])!r} in {current.__name__}{hint}")
        inner, is_list = _unwrap(fields[name])
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            ref = FieldRef(inner, is_list, None)
            current = inner
        else:
            if depth != len(path) - 1:
                raise ValueError(f"field {'.'.join(path[: depth + 1])!r} is a value, it has no {path[depth + 1]!r}")
            scalar = inner if isinstance(inner, type) else str
            ref = FieldRef(None, is_list, scalar)
    return ref


def default_type(scalar: type | None) -> str:
    """The element conversion implied by a model field type."""
    if scalar is dt.date:
        return "date"
    if scalar is dt.time:
        return "time"
    if scalar is int:
        return "int"
    if scalar is Decimal:
        return "decimal"
    return "string"
