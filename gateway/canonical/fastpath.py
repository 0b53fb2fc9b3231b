"""Canonical JSON form of a document dict, checked without building pydantic models when the input is plain.

``json_form(model, data)`` returns exactly ``model.model_validate(data)`` dumped in JSON mode (camelCase, no nulls,
empty lists dropped except the top-level ``unmapped``). A generated checker per model accepts only values whose
result it knows for certain (text, plain decimals, ISO dates, whole numbers); anything else, and every error,
goes through pydantic, which stays the authority on what is valid and how an error reads.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from annotated_types import MinLen
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

Checker = Callable[[Any], Any]
FAIL = object()  # "not certain": the caller falls back to pydantic
_MISSING = object()
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")  # str(Decimal(text)) == text for these
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]")


def prune(obj: Any, top: bool = False) -> Any:
    """Drop empty lists below ``obj`` (the top-level ``unmapped`` list stays, even when empty)."""
    if isinstance(obj, dict):
        return {k: prune(v) for k, v in obj.items() if not (v == [] and not (top and k == "unmapped"))}
    if isinstance(obj, list):
        return [prune(v) for v in obj]
    return obj


def dump(document: BaseModel) -> dict[str, Any]:
    """A validated model in its canonical JSON form."""
    return prune(document.model_dump(mode="json", by_alias=True, exclude_none=True), top=True)  # type: ignore[no-any-return]


def json_form(model: type[BaseModel], data: Any) -> dict[str, Any]:
    """``dump(model.model_validate(data))``, fast for plain input; pydantic's ValidationError when invalid."""
    out = checker(model)(data)
    if out is FAIL:
        return dump(model.model_validate(data))
    return out  # type: ignore[no-any-return]


_CHECKERS: dict[type[BaseModel], Checker] = {}


def checker(model: type[BaseModel]) -> Checker:
    """The generated checker of a model: its JSON form, or FAIL when only pydantic can tell."""
    found = _CHECKERS.get(model)
    if found is None:
        found = _CHECKERS[model] = _Builder().build(model, top=True)
    return found


def _valid_date(text: str, cache: dict[str, bool] = {}) -> bool:  # noqa: B006 - a bounded memo on purpose
    ok = cache.get(text)
    if ok is None:
        try:
            dt.date.fromisoformat(text)
            ok = True
        except ValueError:
            ok = False
        if len(cache) < 100_000:
            cache[text] = ok
    return ok


def _subtree(model: type[BaseModel], top: bool) -> Checker:
    """Models with their own model validators are checked by pydantic (their subtree only)."""

    def check(value: Any) -> Any:
        if type(value) is not dict:
            return FAIL
        try:
            return prune(model.model_validate(value).model_dump(mode="json", by_alias=True, exclude_none=True), top)
        except ValidationError:
            return FAIL

    return check


def _unwrap(annotation: Any) -> tuple[Any, bool, bool]:
    """(inner type, optional, is_list) of ``X | None`` / ``list[X]`` annotations."""
    optional = is_list = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1 or len(args) == len(typing.get_args(annotation)):
            raise _Unsupported(f"union {annotation}")
        optional, annotation = True, args[0]
        origin = typing.get_origin(annotation)
    if origin is list:
        is_list, annotation = True, typing.get_args(annotation)[0]
    return annotation, optional, is_list


class _Unsupported(Exception):
    """A field shape the generated checker does not handle: that model is left to pydantic."""


class _Builder:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"FAIL": FAIL, "M": _MISSING, "DEC": _DECIMAL.fullmatch,
                                          "INT": _INT.fullmatch, "DATE": _DATE.fullmatch, "TIME": _TIME.fullmatch,
                                          "valid_date": _valid_date}
        self.names: dict[type[BaseModel], str] = {}
        self.sources: list[str] = []

    def build(self, model: type[BaseModel], top: bool) -> Checker:
        name = self.model(model, top)
        exec(compile("\n\n".join(self.sources), f"<checker {model.__name__}>", "exec"),  # noqa: S102 - built
             self.namespace)  # from the model's own field definitions
        found: Checker = self.namespace[name]
        return found

    def model(self, model: type[BaseModel], top: bool = False) -> str:
        if model in self.names:
            return self.names[model]
        name = self.names[model] = f"check_{model.__name__}_{len(self.names)}"
        decorators = model.__pydantic_decorators__
        if decorators.model_validators or decorators.root_validators or decorators.field_serializers \
                or decorators.model_serializers:
            self.namespace[name] = _subtree(model, top)
            return name
        validators: dict[str, Callable[[Any], Any]] = {}
        for dec in decorators.field_validators.values():
            func = dec.func
            if dec.info.mode != "after" or len(inspect.signature(func).parameters) != 1:
                self.namespace[name] = _subtree(model, top)
                return name
            for field_name in dec.info.fields:
                validators[field_name] = func
        lines = [f"def {name}(d):", "    if type(d) is not dict:", "        return FAIL", "    out = {}", "    n = 0"]
        try:
            for field_name, info in model.model_fields.items():
                lines += self.field(name, field_name, info, validators.get(field_name), top)
        except _Unsupported:
            self.namespace[name] = _subtree(model, top)
            return name
        lines += ["    if n != len(d):", "        return FAIL", "    return out"]
        self.sources.append("\n".join(lines))
        return name

    def field(self, owner: str, field_name: str, info: FieldInfo, validator: Callable[[Any], Any] | None,
              top: bool) -> list[str]:
        key = info.alias or field_name
        inner, optional, is_list = _unwrap(info.annotation)
        min_len, pattern = 0, None
        for meta in info.metadata:
            if isinstance(meta, MinLen):
                min_len = meta.min_length
            elif getattr(meta, "pattern", None) is not None and len(vars(meta)) == 1:
                pattern = meta.pattern
            else:
                raise _Unsupported(f"{field_name}: {meta!r}")
        lines = [f"    v = d.get({key!r}, M)", "    if v is M:"]
        lines += ["        " + line for line in self.missing(key, info, is_list, top)]
        lines += ["    elif v is None:", "        n += 1"]
        if not optional:
            lines.append("        return FAIL")
        lines += ["    else:", "        n += 1"]
        tag = f"{owner}_{field_name}"
        if is_list:
            if not (isinstance(inner, type) and issubclass(inner, BaseModel)) or validator or pattern:
                raise _Unsupported(field_name)
            sub = self.model(inner)
            lines += ["        if type(v) is not list:", "            return FAIL", "        items = []",
                      "        for x in v:", f"            x = {sub}(x)", "            if x is FAIL:",
                      "                return FAIL", "            items.append(x)"]
            if min_len:
                lines += [f"        if len(items) < {min_len}:", "            return FAIL"]
            keep = "True" if top and key == "unmapped" else "items"
            lines += [f"        if {keep}:", f"            out[{key!r}] = items"]
            return lines
        lines += ["        " + line for line in self.scalar(inner, tag, min_len, pattern)]
        if validator is not None:
            if inner is not str:
                raise _Unsupported(f"{field_name}: validator on {inner}")
            self.namespace[f"val_{tag}"] = validator
            lines += ["        try:", f"            v = val_{tag}(v)", "        except ValueError:",
                      "            return FAIL"]
        lines.append(f"        out[{key!r}] = v")
        return lines

    def missing(self, key: str, info: FieldInfo, is_list: bool, top: bool) -> list[str]:
        if info.is_required():
            return ["return FAIL"]
        if info.default_factory is list and is_list:
            return [f"out[{key!r}] = []"] if top and key == "unmapped" else ["pass"]
        default = info.get_default()
        if default is None:
            return ["pass"]
        if type(default) in (str, int):
            return [f"out[{key!r}] = {default!r}"]
        raise _Unsupported(f"{key}: default {default!r}")

    def scalar(self, inner: Any, tag: str, min_len: int, pattern: str | None) -> list[str]:
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return [f"v = {self.model(inner)}(v)", "if v is FAIL:", "    return FAIL"]
        if typing.get_origin(inner) is Literal:
            values = typing.get_args(inner)
            if not all(type(x) is str for x in values):
                raise _Unsupported(f"literal {values}")
            return [f"if type(v) is not str or v not in {set(values)!r}:", "    return FAIL"]
        if inner is Decimal:
            return ["if type(v) is int:", "    v = str(v)", "elif type(v) is not str or DEC(v) is None:",
                    "    return FAIL"]
        if inner is int:
            return ["if type(v) is str and INT(v) is not None:", "    v = int(v)", "elif type(v) is not int:",
                    "    return FAIL"]
        if inner is dt.date:
            return ["if type(v) is not str or DATE(v) is None or not valid_date(v):", "    return FAIL"]
        if inner is dt.time:
            return ["if type(v) is not str or TIME(v) is None:", "    return FAIL"]
        if inner is not str:
            raise _Unsupported(f"type {inner}")
        lines = ["if type(v) is not str:", "    return FAIL"]
        if min_len:
            lines += [f"if len(v) < {min_len}:", "    return FAIL"]
        if pattern is not None:
            # pydantic's (Rust) regex has no "$ before a final newline" rule: leave any newline to pydantic.
            self.namespace[f"pat_{tag}"] = re.compile(pattern).search
            lines += [f"if pat_{tag}(v) is None or '\\n' in v:", "    return FAIL"]
        return lines
