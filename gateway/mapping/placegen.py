"""The map's "every field has a place" test as generated code: one function per object level of the map's paths.

``placed(doc)`` answers True only when every non-null leaf of ``doc`` (top-level envelope, unmapped and
documentType aside) is at a path the map writes; False means "look closer", and the caller then names the field.

Each level has a general function (a loop over the object's keys) and, per layout of keys met (documents of one
kind repeat a few layouts), a function specialised to it: it unpacks the values in one step and tests their types
without dispatching on key names, and hands the object to the general function when a value is not the kind it
expects (a null, a number, a list where the map writes text...), so both always give the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from typing import Any

Placed = Callable[[dict[str, Any]], bool]
_MAX_LAYOUTS = 64  # past this many layouts of one level, the general function alone


class _Layouts(dict[tuple[str, ...], Placed]):
    """Functions specialised to one layout of keys of one level, made on first use."""

    def __init__(self, general: str, kinds: dict[str, tuple[str, str | None]], skipped: frozenset[str],
                 namespace: dict[str, Any]) -> None:
        super().__init__()
        self.general = general
        self.kinds = kinds  # key -> ("leaf", None) or ("dict"|"list", the child level's function)
        self.skipped = skipped
        self.namespace = namespace

    def __missing__(self, keys: tuple[str, ...]) -> Placed:
        general: Placed = self.namespace[self.general]
        if len(self) >= _MAX_LAYOUTS or any(k not in self.kinds and k not in self.skipped for k in keys):
            return general  # unknown keys: the general function says whether they are null or not placeable
        names = [f"v{n}" for n in range(len(keys))]
        lines = ["def layout(obj):"]
        if keys:
            lines.append(f"    {', '.join(names)}, = obj.values()")
        texts = [f"type({name}) is str" for name, key in zip(names, keys, strict=True)
                 if key not in self.skipped and self.kinds[key][0] == "leaf"]
        if texts:  # any other kind of value: the general function tells (null is fine, an object is not...)
            lines += [f"    if not ({' and '.join(texts)}):", f"        return {self.general}(obj)"]
        for name, key in zip(names, keys, strict=True):
            if key in self.skipped or self.kinds[key][0] == "leaf":
                continue
            kind, func = self.kinds[key]
            lines += [f"    if type({name}) is not {kind}:", f"        return {self.general}(obj)"]
            assert func is not None
            if kind == "dict" and self.namespace[f"{func}_flat"]:
                # a level of fields only (a quantity, an amount): known keys and no object or list among the
                # values is a yes without a call; anything else, its function decides
                lines += [f"    if not ({func}_leaves.issuperset({name}) and "
                          f"not any(map(isinstance, {name}.values(), OBJECTS))):",
                          f"        if not {func}({name}):", "            return False"]
            elif kind == "dict":
                lines += [f"    if not {self.call(func, name)}:", "        return False"]
            else:
                lines += [f"    for x in {name}:", f"        if type(x) is not dict or not {self.call(func, 'x')}:",
                          "            return False"]
        lines.append("    return True")
        made: dict[str, Any] = {}  # the level functions are globals in the namespace; the new one lands here
        exec(compile("\n".join(lines), f"<map placeable {self.general} layout>", "exec"), self.namespace, made)  # noqa: S102
        found: Placed = made["layout"]
        self[keys] = found
        return found


    def call(self, func: str, arg: str) -> str:
        """``func(arg)``, straight to the function for ``arg``'s layout when the level has them."""
        if self.namespace.get(f"{func}_layouts") is None:
            return f"{func}({arg})"
        return f"{func}_layouts[tuple({arg})]({arg})"


class _Gen:
    def __init__(self, leaf: object) -> None:
        self.leaf = leaf
        self.namespace: dict[str, Any] = {"OBJECTS": repeat((dict, list))}  # map() stops with the values
        self.sources: list[str] = []

    def node(self, tree: dict[Any, Any], skipped: frozenset[str]) -> str:
        """The function name for one level of the path tree (keys; "name[]" for lists; ``leaf`` marks a field)."""
        name = f"p{len(self.sources)}"
        self.sources.append("")  # reserve the slot: children are numbered after their parent
        slot = len(self.sources) - 1
        leaves = frozenset(k for k, sub in tree.items() if k is not self.leaf and not k.endswith("[]")
                           and self.leaf in sub)
        dicts = {k: self.node(sub, frozenset()) for k, sub in tree.items()
                 if k is not self.leaf and not k.endswith("[]")}
        lists = {k[:-2]: self.node(sub, frozenset()) for k, sub in tree.items()
                 if k is not self.leaf and k.endswith("[]")}
        self.namespace[f"{name}_leaves"] = leaves
        self.namespace[f"{name}_skipped"] = skipped
        self.namespace[f"{name}_flat"] = not lists and leaves.issuperset(dicts)  # fields only
        lines = [f"def {name}_all(obj):", "    for key, v in obj.items():"]
        if skipped:
            lines += [f"        if key in {name}_skipped:", "            continue"]
        lines += ["        t = type(v)", "        if t is dict:"]
        lines += self._branch(dicts, "            ", "if not {f}(v):")
        lines += ["        elif t is list:"]
        lines += self._branch(lists, "            ", "for x in v:\n{i}    if type(x) is not dict or not {f}(x):")
        lines += [f"        elif v is not None and key not in {name}_leaves:", "            return False",
                  "    return True"]
        # the kind a layout function expects at each key (any other value goes to the general loop); a key with
        # both an object and a list below it in the map is left to the loop
        kinds: dict[str, tuple[str, str | None]] = {}
        for key in dicts.keys() | lists.keys():
            if key in dicts and key in lists:
                continue
            kinds[key] = ("leaf", None) if key in leaves else ("dict", dicts[key]) if key in dicts else \
                ("list", lists[key])
        if len(kinds) == len(dicts.keys() | lists.keys()):
            self.namespace[f"{name}_layouts"] = _Layouts(f"{name}_all", kinds, skipped, self.namespace)
            lines += [f"def {name}(obj):", f"    return {name}_layouts[tuple(obj)](obj)"]
        else:
            lines.append(f"{name} = {name}_all")
        self.sources[slot] = "\n".join(lines)
        return name

    def _branch(self, table: dict[str, str], indent: str, test: str) -> list[str]:
        """Dispatch on ``key`` to a child level's function; an unknown key is not placeable."""
        if not table:
            return [f"{indent}return False"]
        lines = []
        for n, (key, func) in enumerate(table.items()):
            lines.append(f"{indent}{'elif' if n else 'if'} key == {key!r}:")
            body = test.format(f=func, i=indent + "    ")
            lines += [f"{indent}    {line.strip()}" if k == 0 else line for k, line in enumerate(body.split("\n"))]
            extra = "        " if "for x" in test else "    "
            lines.append(f"{indent}{extra}    return False")
        lines.append(f"{indent}else:")
        lines.append(f"{indent}    return False")
        return lines


def build_placed(tree: dict[Any, Any], leaf: object, skipped: frozenset[str]) -> Placed:
    """Generate ``placed`` for a path tree (see ``engine._tree``)."""
    gen = _Gen(leaf)
    name = gen.node(tree, skipped)
    exec(compile("\n\n".join(gen.sources), "<map placeable>", "exec"), gen.namespace)  # noqa: S102 - from the map
    placed: Placed = gen.namespace[name]
    return placed
