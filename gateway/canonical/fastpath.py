"""Canonical JSON form of a document dict, checked without building pydantic models when the input is plain.

``json_form(model, data)`` returns exactly ``model.model_validate(data)`` dumped in JSON mode (camelCase, no nulls,
empty lists dropped except the top-level ``unmapped``). A generated checker per model accepts only values whose
result it knows for certain (text, plain decimals, ISO dates, whole numbers); anything else, and every error,
goes through pydantic, which stays the authority on what is valid and how an error reads. An object of the input
that is already in its JSON form (fields in the model's order, nothing to convert) is returned as it is, not
copied: callers treat both the input and the answer as read-only.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
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
INT_TEXT = _INT.fullmatch  # whole numbers whose int() the JSON form holds
TIME_TEXT = _TIME.fullmatch  # times already in their JSON form


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
    """``dump(model.model_validate(data))``; builds the model's checker each call (hold a ``ModelChecker`` to reuse)."""
    return ModelChecker(model).json_form(data)


def checker(model: type[BaseModel]) -> Checker:
    """A new generated checker of a model: its JSON form, or FAIL when only pydantic can tell."""
    return _Builder().build(model, top=True)


class ModelChecker:
    """One model's generated checker, built once and held by its owner (a compiled map), with its memos."""

    __slots__ = ("model", "_check", "_read")

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self._check: Checker | None = None  # generated on first use: loading a map stays cheap
        self._read: Checker | None = None

    def json_form(self, data: Any) -> dict[str, Any]:
        """``dump(model.model_validate(data))``, fast for plain input; pydantic's ValidationError when invalid."""
        check = self._check
        if check is None:
            check = self._check = checker(self.model)
        return self._answer(check(data), data)

    def read_form(self, data: Any) -> dict[str, Any]:
        """``json_form`` for documents a map reader made, through a checker of their own.

        Layouts are looked up by their tuple of keys; a reader's keys are the map's own strings and a JSON parser's
        are others, so with one table for both, the layouts one kind found first compare string by string for
        the other kind. Apart, each finds its layouts by identity.
        """
        check = self._read
        if check is None:
            check = self._read = checker(self.model)
        return self._answer(check(data), data)

    def _answer(self, out: Any, data: Any) -> dict[str, Any]:
        if out is FAIL:
            return dump(self.model.model_validate(data))
        return out  # type: ignore[no-any-return]


def memo(test: Callable[[str], bool]) -> tuple[set[str], Callable[[str], bool]]:
    """(known, check): ``check(text)`` runs ``test`` and remembers texts that pass in ``known`` (bounded), so the
    generated code tests ``text in known`` first: documents of one map repeat a few dates and prices."""
    known: set[str] = set()

    def check(text: str) -> bool:
        if not test(text):
            return False
        if len(known) < 100_000:
            known.add(text)
        return True

    return known, check


def is_date(text: str) -> bool:
    if _DATE.fullmatch(text) is None:
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_decimal(text: str) -> bool:
    return _DECIMAL.fullmatch(text) is not None


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


def unwrap(annotation: Any) -> tuple[Any, bool, bool]:
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


def constraints(info: FieldInfo) -> tuple[int, str | None]:
    """(min length, pattern) of a field; ValueError for any other constraint."""
    min_len, pattern = 0, None
    for meta in info.metadata:
        if isinstance(meta, MinLen):
            min_len = meta.min_length
        elif getattr(meta, "pattern", None) is not None and len(vars(meta)) == 1:
            pattern = meta.pattern
        else:
            raise _Unsupported(f"{info.alias}: {meta!r}")
    return min_len, pattern


class _Unsupported(ValueError):
    """A field shape the generated checker does not handle: that model is left to pydantic."""


@dataclass(slots=True)
class _Field:
    key: str  # the JSON name (alias)
    required: bool
    optional: bool  # None is accepted (and dropped from the output)
    is_list: bool
    min_len: int
    check: list[str]  # lines checking/converting ``v`` (known not None), returning FAIL when not certain
    default: str | None  # Python literal written when the key is absent (None: nothing is written)
    keep_empty: bool  # the top-level ``unmapped`` list stays in the output when empty
    plain_text: bool = False  # a str with no constraint: any str is kept as is
    sub: str | None = None  # the checker of a nested (single) model


class _Builder:
    """Generates one checker per model: a general one over the model's fields, plus one per input key layout."""

    def __init__(self) -> None:
        dates, date_ok = memo(is_date)
        decimals, decimal_ok = memo(is_decimal)
        self.namespace: dict[str, Any] = {"FAIL": FAIL, "M": _MISSING, "INT": _INT.fullmatch, "TIME": _TIME.fullmatch,
                                          "DATES": dates, "date_ok": date_ok, "DECIMALS": decimals,
                                          "decimal_ok": decimal_ok}
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
        try:
            fields = [self.field(name, field_name, info, validators.get(field_name), top)
                      for field_name, info in model.model_fields.items()]
        except _Unsupported:
            self.namespace[name] = _subtree(model, top)
            return name
        self.sources.append(_general(f"{name}_all", fields))
        self.namespace[f"{name}_shapes"] = _Shapes(fields, self.namespace, f"{name}_all")
        self.sources.append("\n".join([
            f"def {name}(d):", "    if type(d) is not dict:", "        return FAIL",
            f"    return {name}_shapes[tuple(d)](d)"]))
        return name

    def field(self, owner: str, field_name: str, info: FieldInfo, validator: Callable[[Any], Any] | None,
              top: bool) -> _Field:
        key = info.alias or field_name
        inner, optional, is_list = unwrap(info.annotation)
        min_len, pattern = constraints(info)
        keep_empty = top and key == "unmapped"
        if is_list:
            if not (isinstance(inner, type) and issubclass(inner, BaseModel)) or validator or pattern:
                raise _Unsupported(field_name)
            item = self.model(inner)
            shapes = f"{item}_shapes"  # the item's layouts directly (one call per item, not two), when generated
            each = f"{shapes}[tuple(x)](x) if type(x) is dict else FAIL" if shapes in self.namespace else f"{item}(x)"
            check = ["if type(v) is not list:", "    return FAIL", f"v = [{each} for x in v]", "if FAIL in v:",
                     "    return FAIL"]
            if min_len:
                check += [f"if len(v) < {min_len}:", "    return FAIL"]
        else:
            check = self.scalar(inner, f"{owner}_{field_name}", min_len, pattern)
            if validator is not None:
                if inner is not str:
                    raise _Unsupported(f"{field_name}: validator on {inner}")
                self.namespace[f"val_{owner}_{field_name}"] = validator
                check += ["try:", f"    v = val_{owner}_{field_name}(v)", "except ValueError:", "    return FAIL"]
        plain_text = inner is str and not (is_list or min_len or pattern or validator)
        sub = self.names.get(inner) if not is_list else None
        return _Field(key, info.is_required(), optional, is_list, min_len, check,
                      self.default(key, info, is_list, keep_empty), keep_empty, plain_text, sub)

    def default(self, key: str, info: FieldInfo, is_list: bool, keep_empty: bool) -> str | None:
        if info.is_required():
            return None
        if info.default_factory is list and is_list:
            return "[]" if keep_empty else None
        default = info.get_default()
        if default is None:
            return None
        if type(default) in (str, int):
            return repr(default)
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
            # whole numbers without a leading zero first: cheaper than the regex
            return ["if type(v) is int:", "    v = str(v)", "elif type(v) is not str:", "    return FAIL",
                    "elif not (v.isdigit() and v.isascii() and (v[0] != '0' or len(v) == 1)) and v not in DECIMALS \\",
                    "        and not decimal_ok(v):",
                    "    return FAIL"]
        if inner is int:
            return ["if type(v) is str and INT(v) is not None:", "    v = int(v)", "elif type(v) is not int:",
                    "    return FAIL"]
        if inner is dt.date:
            return ["if type(v) is not str or v not in DATES and not date_ok(v):", "    return FAIL"]
        if inner is dt.time:
            return ["if type(v) is not str or TIME(v) is None:", "    return FAIL"]
        if inner is not str:
            raise _Unsupported(f"type {inner}")
        lines = ["if type(v) is not str:", "    return FAIL"]
        if min_len:
            lines += [f"if len(v) < {min_len}:", "    return FAIL"]
        if pattern is not None:
            # pydantic's (Rust) regex has no "$ before a final newline" rule: leave any newline to pydantic.
            search = re.compile(pattern).search
            self.namespace[f"pats_{tag}"], self.namespace[f"pat_{tag}"] = memo(
                lambda text: search(text) is not None and "\n" not in text)
            lines += [f"if v not in pats_{tag} and not pat_{tag}(v):", "    return FAIL"]
        return lines


def _indent(lines: list[str], depth: int) -> list[str]:
    return [" " * (4 * depth) + line for line in lines]


def _general(name: str, fields: list[_Field]) -> str:
    """The checker for any input: walks the model's fields (absent keys, nulls and empty lists included)."""
    lines = [f"def {name}(d):", "    out = {}", "    n = 0"]
    for f in fields:
        absent = "return FAIL" if f.required else "pass" if f.default is None else f"out[{f.key!r}] = {f.default}"
        lines += [f"    v = d.get({f.key!r}, M)", "    if v is M:", f"        {absent}",
                  "    elif v is None:", "        n += 1"]
        if not f.optional:
            lines.append("        return FAIL")
        lines += ["    else:", "        n += 1", *_indent(f.check, 2)]
        if f.is_list and not f.keep_empty:
            lines += ["        if v:", f"            out[{f.key!r}] = v"]
        else:
            lines.append(f"        out[{f.key!r}] = v")
    lines += ["    if n != len(d):", "        return FAIL", "    return out"]
    return "\n".join(lines)


class _Shapes(dict[tuple[str, ...], Checker]):
    """Checkers specialised to one layout of input keys (documents from one map repeat a few), made on first use.

    A specialised checker assumes no nulls and no empty lists; when it meets one it hands over to the general
    checker, which also takes layouts with unknown keys and any layout past the first 64.
    """

    def __init__(self, fields: list[_Field], namespace: dict[str, Any], general: str) -> None:
        super().__init__()
        self.fields = {f.key: f for f in fields}
        self.order = [f.key for f in fields]
        self.namespace = namespace
        self.general = general

    def __missing__(self, keys: tuple[str, ...]) -> Checker:
        fallback: Checker = self.namespace[self.general]
        if len(self) >= 64:
            return fallback
        if any(k not in self.fields for k in keys) or any(f.required and k not in keys
                                                         for k, f in self.fields.items()):
            self[keys] = fallback
            return fallback
        lines = ["def shape(d):"]
        if keys:
            lines.append(f"    {', '.join(f'v{n}' for n in range(len(keys)))}, = d.values()")
        texts = [f"type(v{n}) is str" for n, key in enumerate(keys) if self.fields[key].plain_text]
        if texts:  # any None or non-text among them: the general checker tells which
            lines += [f"    if not ({' and '.join(texts)}):", f"        return {self.general}(d)"]
        # Already the JSON form (the model's order, nothing to add): the input itself is the answer when no value
        # changes (maps write most objects in model order), which saves building the same dict again.
        output = [k for k in self.order if k in keys or self.fields[k].default is not None]
        as_is = output == list(keys)
        if as_is:
            lines.append("    same = True")
        for n, key in enumerate(keys):
            f = self.fields[key]
            if f.plain_text:
                continue
            if f.sub is not None and f"{f.sub}_shapes" in self.namespace:  # nested model: its layout directly
                lines += [f"    if type(v{n}) is not dict:", f"        return {self.general}(d)",
                          f"    v = {f.sub}_shapes[tuple(v{n})](v{n})", "    if v is FAIL:", "        return FAIL"]
            else:
                lines += [f"    v = v{n}", "    if v is None:", f"        return {self.general}(d)",
                          *_indent(f.check, 1)]
                if f.is_list and not f.keep_empty:
                    lines += ["    if not v:", f"        return {self.general}(d)"]
            lines += [f"    if v is not v{n}:", f"        v{n} = v"] + (["        same = False"] if as_is else [])
        if as_is:
            lines += ["    if same:", "        return d"]
        lines.append("    out = {")
        position = {k: n for n, k in enumerate(keys)}
        for key in self.order:  # the model's field order, as pydantic dumps it
            if key in position:
                lines.append(f"        {key!r}: v{position[key]},")
            elif self.fields[key].default is not None:
                lines.append(f"        {key!r}: {self.fields[key].default},")
        lines += ["    }", "    return out"]
        namespace = dict(self.namespace)
        exec(compile("\n".join(lines), f"<checker {self.general} layout>", "exec"), namespace)  # noqa: S102
        found: Checker = namespace["shape"]
        self[keys] = found
        return found
