"""What the canonical model says about each key a map reader writes, as generated lines for the reader itself.

The generated reader (readgen, codegen) knows at each write which model field it sets and from which element;
this module turns the model's facts about that field into the least run-time work that keeps the reader's output
certain to be the model's JSON form: value checks only where the type needs one (dates, decimals, patterns),
order marks only where a key may land after a later field, required keys checked once per object at the end of
the loop instance that made it. Any doubt sets ``reader.sure`` to False and the caller falls back to the
generated checker and pydantic (``ModelChecker.read_form``), which stay the authority.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from gateway.canonical.fastpath import INT_TEXT, TIME_TEXT, constraints, is_date, is_decimal, memo, unwrap

UNSURE = "{r}.sure = False"
# finish(reader, envelope): the document's JSON form, or None when the reader is not certain of it
Finisher = Callable[[Any, dict[str, Any]], "dict[str, Any] | None"]


@dataclass(frozen=True, slots=True)
class Slot:
    """One field of a model, by its JSON name, as the reader writes it."""

    key: str
    rank: int  # position in the model's field order (the JSON form's key order)
    required: bool
    kind: str  # text, decimal, int, date, time, literal, model, list, other (never certain)
    min_len: int = 0
    pattern: str | None = None
    values: frozenset[str] = frozenset()  # a Literal's values
    validator: Callable[[Any], Any] | None = None
    model: type[BaseModel] | None = None  # the nested model (single or list item)
    default: Any = None  # written by the JSON form when the key is absent (None: nothing)


@dataclass(slots=True)
class Facts:
    model: type[BaseModel]
    slots: dict[str, Slot]
    rank: dict[str, int]  # JSON name -> rank, held in the generated code's namespace
    rank_name: str


@dataclass(slots=True)
class Scope:
    """An object a reader makes afresh (the document, a loop instance, an HL level) and the paths written in it."""

    model: type[BaseModel] | None  # None: not one the model has
    paths: set[tuple[str, ...]] = field(default_factory=set)


def plain(model: type[BaseModel]) -> bool:
    """No model validators or serializers, field validators only of the simple after-kind on text."""
    decorators = model.__pydantic_decorators__
    if decorators.model_validators or decorators.root_validators or decorators.field_serializers \
            or decorators.model_serializers:
        return False
    return all(dec.info.mode == "after" and len(inspect.signature(dec.func).parameters) == 1
               for dec in decorators.field_validators.values())


class Certifier:
    """The static facts of one map's canonical model and the namespace the generated checks use."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        dates, date_ok = memo(is_date)
        decimals, decimal_ok = memo(is_decimal)
        self.namespace: dict[str, Any] = {"DATES": dates, "date_ok": date_ok, "DECIMALS": decimals,
                                          "decimal_ok": decimal_ok, "INT": INT_TEXT, "TIME": TIME_TEXT}
        self._facts: dict[type[BaseModel], Facts] = {}
        self.ok = self._reachable_plain(model, set())

    def _reachable_plain(self, model: type[BaseModel], seen: set[type[BaseModel]]) -> bool:
        if model in seen:
            return True
        seen.add(model)
        if not plain(model):
            return False
        return all(s.model is None or self._reachable_plain(s.model, seen) for s in self.facts(model).slots.values())

    def facts(self, model: type[BaseModel]) -> Facts:
        found = self._facts.get(model)
        if found is None:
            validators = {name: dec.func for dec in model.__pydantic_decorators__.field_validators.values()
                          for name in dec.info.fields}
            slots = {}
            for rank, (name, info) in enumerate(model.model_fields.items()):
                slot = _slot(rank, name, info, validators.get(name))
                slots[slot.key] = slot
            rank_name = f"RANK_{model.__name__}_{len(self._facts)}"
            found = self._facts[model] = Facts(model, slots, {k: s.rank for k, s in slots.items()}, rank_name)
            self.namespace[rank_name] = found.rank
        return found

    def chain(self, model: type[BaseModel], path: tuple[str, ...]) -> list[tuple[type[BaseModel], Slot]] | None:
        """(model, slot) per step of a path of nested objects ending at a field; None where the model has none."""
        out = []
        for n, key in enumerate(path):
            slot = self.facts(model).slots.get(key)
            if slot is None:
                return None
            out.append((model, slot))
            if n < len(path) - 1:
                if slot.kind != "model" or slot.model is None:
                    return None
                model = slot.model
        return out

    def value_lines(self, slot: Slot, r: str, maybe_empty: bool = False, v: str = "v") -> list[str]:
        """Lines run on the text in ``v`` (non-empty unless ``maybe_empty``) before it is set as ``slot``'s field:
        doubt makes ``r`` unsure. An int is converted later, where it is set (see codegen)."""
        unsure = UNSURE.format(r=r)
        kind = slot.kind
        if kind == "text":
            lines = []
            if slot.min_len > (0 if maybe_empty else 1):
                lines += [f"if len({v}) < {slot.min_len}:", f"    {unsure}"]
            if slot.pattern is not None:
                name = f"pat{len(self.namespace)}"
                search = re.compile(slot.pattern).search
                self.namespace[f"{name}s"], self.namespace[name] = memo(
                    lambda text: search(text) is not None and "\n" not in text)
                lines += [f"if {v} not in {name}s and not {name}({v}):", f"    {unsure}"]
            if slot.validator is not None:
                name = f"val{len(self.namespace)}"
                self.namespace[name] = slot.validator
                lines += ["try:", f"    if {name}({v}) != {v}:", f"        {unsure}", "except ValueError:",
                          f"    {unsure}"]
            return lines
        if kind == "decimal":
            return [f"if {v} not in DECIMALS and not decimal_ok({v}):", f"    {unsure}"]
        if kind == "date":
            return [f"if {v} not in DATES and not date_ok({v}):", f"    {unsure}"]
        if kind == "time":
            return [f"if TIME({v}) is None:", f"    {unsure}"]
        if kind == "int":
            return [f"if INT({v}) is None:", f"    {unsure}"]
        if kind == "literal":
            return [f"if {v} not in {set(slot.values)!r}:", f"    {unsure}"]
        return [unsure]

    def order_lines(self, model: type[BaseModel], var: str, key: str, r: str, maybe_empty: bool = True,
                    rank: int | None = None, dynamic: str | None = None) -> list[str]:
        """Lines run before ``key`` (or keys from the field of rank ``rank`` on, or the key in the local
        ``dynamic``) go into ``var``: a key of a later field already there marks the object for reordering (in
        place, once the document is certain)."""
        facts = self.facts(model)
        if dynamic is not None:
            limit = f"{facts.rank_name}[{dynamic}]"
        else:
            found = facts.rank.get(key) if rank is None else rank
            if found is None or found == len(facts.rank) - 1:  # nothing can come after the last field
                return []
            limit = str(found)
        test = f"{facts.rank_name}[next(reversed({var}))] > {limit}"
        return [f"if {var} and {test}:" if maybe_empty else f"if {test}:",
                f"    {r}.fix.append(({facts.rank_name}, {var}))"]

    def required_lines(self, model: type[BaseModel], var: str, paths: set[tuple[str, ...]], r: str,
                       depth: int = 0, guaranteed: str | None = None) -> list[str]:
        """Lines checking, at the end of a scope, the required fields of ``var`` and of the objects written in it."""
        facts = self.facts(model)
        unsure = UNSURE.format(r=r)
        heads: dict[str, set[tuple[str, ...]]] = {}
        for p in paths:
            if p:
                heads.setdefault(p[0], set()).add(p[1:])
        lines = []
        for key, slot in facts.slots.items():
            if not slot.required:
                continue
            if key not in heads:
                lines.append(unsure)  # never written: only pydantic can word the error
            elif key != guaranteed:
                lines += [f"if {key!r} not in {var}:", f"    {unsure}"]
            if slot.kind == "list" and slot.min_len > 1:
                lines += [f"if {key!r} in {var} and len({var}[{key!r}]) < {slot.min_len}:", f"    {unsure}"]
        for key, rests in heads.items():
            nested = facts.slots.get(key)
            if nested is None or nested.kind != "model" or nested.model is None:
                continue
            sub = self.required_lines(nested.model, f"t{depth}", rests, r, depth + 1,
                                      _guaranteed(self.facts(nested.model), rests))
            if sub:
                lines += [f"t{depth} = {var}.get({key!r})", f"if t{depth} is not None:", *("    " + x for x in sub)]
        return lines

    def root(self) -> Place:
        """The place of the document: where a map's structure starts."""
        scope = Scope(self.model)
        return Place(self, self.model, True, scope, (), scope)

    def finisher(self, scope: Scope) -> Finisher:
        """``finish(reader, envelope)``: the document's JSON form when the reader is certain of it, else None.

        The document's own required fields are checked first, so a None leaves the reader's output untouched for
        the fallback; then marked objects are put in model order, numbers converted, and the top level built in
        the model's field order with its defaults.
        """
        assert scope.model is not None
        facts = self.facts(scope.model)
        lines = ["def finish(r, env):", "    if not r.sure:", "        return None", "    doc = r.doc"]
        lines += ["    " + x for x in Place(self, scope.model, True, scope, (), scope).scope_end("doc")]
        lines += ["    if not r.sure:", "        return None", "    for v in env.values():",
                  "        if type(v) is not str:", "            return None",
                  "    for rank, o in r.fix:", "        fix(rank, o)",
                  "    for o, k in r.ints:", "        o[k] = int(o[k])", "    out = {}"]
        for key, slot in facts.slots.items():
            if key == "envelope":
                lines.append("    out['envelope'] = env")
            elif key == "unmapped":
                lines.append("    out['unmapped'] = r.unmapped")
            else:
                lines += [f"    v = doc.get({key!r})", "    if v is not None:", f"        out[{key!r}] = v"]
                if slot.default is not None:
                    lines += ["    else:", f"        out[{key!r}] = {slot.default!r}"]
        lines.append("    return out")
        namespace = dict(self.namespace, fix=_fix)
        exec(compile("\n".join(lines), "<map reader finish>", "exec"), namespace)  # noqa: S102 - from the model
        finish: Finisher = namespace["finish"]
        return finish


def _guaranteed(facts: Facts, rests: set[tuple[str, ...]]) -> str | None:
    """A nested object's one required key when every write into the object sets it (Money made only by its amount:
    the object exists only with that key), else None."""
    required = [k for k, s in facts.slots.items() if s.required]
    if len(required) == 1 and rests and all(p and p[0] == required[0] for p in rests):
        return required[0]
    return None


def _fix(rank: dict[str, int], obj: dict[str, Any]) -> None:
    """Put an object's keys in its model's field order, in place (its parent keeps the same object)."""
    items = sorted(obj.items(), key=lambda kv: rank[kv[0]])
    obj.clear()
    obj.update(items)


def _slot(rank: int, name: str, info: FieldInfo, validator: Callable[[Any], Any] | None) -> Slot:
    key = info.alias or name
    required = info.is_required()
    default = None
    if not required and type(info.get_default()) in (str, int):
        default = info.get_default()
    try:
        inner, _, is_list = unwrap(info.annotation)
        min_len, pattern = constraints(info)
    except ValueError:  # a shape or constraint only pydantic knows
        return Slot(key, rank, required, "other", default=default)
    is_model = isinstance(inner, type) and issubclass(inner, BaseModel)
    if is_list:
        return Slot(key, rank, required, "list" if is_model else "other", min_len, model=inner if is_model else None,
                    default=default)
    if validator is not None and inner is not str:
        return Slot(key, rank, required, "other", default=default)
    if is_model:
        return Slot(key, rank, required, "model", model=inner, default=default)
    if typing.get_origin(inner) is Literal:
        values = typing.get_args(inner)
        if all(type(x) is str for x in values):
            return Slot(key, rank, required, "literal", values=frozenset(values), default=default)
        return Slot(key, rank, required, "other", default=default)
    kinds = {str: "text", Decimal: "decimal", int: "int", dt.date: "date", dt.time: "time"}
    kind = kinds.get(inner, "other")
    if kind != "text" and (min_len or pattern):
        kind = "other"
    return Slot(key, rank, required, kind, min_len, pattern, validator=validator, default=default)


@dataclass(slots=True)
class Place:
    """Where a block's or a fill's object sits, for the certifying reader."""

    cert: Certifier
    model: type[BaseModel] | None  # None: the map's path is not one the model has (every use makes it unsure)
    root: bool  # the document itself: its top level is rebuilt by ``finish`` (no order marks)
    scope: Scope  # the object made afresh that this one belongs to
    prefix: tuple[str, ...]  # this object's path in the scope's object
    doc: Scope  # the document's scope

    def at(self, path: tuple[str, ...], list_path: tuple[str, ...] | None) -> tuple[Place, bool]:
        """The place of a node's object (``path`` below this one, or a new item of ``list_path``); fresh or not."""
        if list_path:
            self.scope.paths.add(self.prefix + list_path)
            item = self.model_at(list_path, "list")
            return Place(self.cert, item, False, Scope(item), (), self.doc), True
        if path:
            self.scope.paths.add(self.prefix + path)
        return Place(self.cert, self.model_at(path, "model"), self.root and not path, self.scope,
                     self.prefix + path, self.doc), False

    def model_at(self, path: tuple[str, ...], kind: str) -> type[BaseModel] | None:
        """The model of the object (``kind`` model) or list item (``list``) at ``path`` below this place."""
        if self.model is None or not path:
            return self.model
        chain = self.cert.chain(self.model, path)
        if chain is None or chain[-1][1].kind != kind:
            return None
        return chain[-1][1].model

    def wrote(self, path: tuple[str, ...]) -> None:
        self.scope.paths.add(self.prefix + path)

    def scope_end(self, var: str) -> list[str]:
        """Lines checking the required fields of this (fresh) object and of what was written in it."""
        if self.scope.model is None:
            return [UNSURE.format(r="r")]
        return self.cert.required_lines(self.scope.model, var, self.scope.paths, "r")
