"""The map's "every field has a place" test as generated code: one function per object level of the map's paths.

``placed(doc)`` answers True only when every non-null leaf of ``doc`` (top-level envelope, unmapped and
documentType aside) is at a path the map writes; False means "look closer", and the caller then names the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Placed = Callable[[dict[str, Any]], bool]


class _Gen:
    def __init__(self, leaf: object) -> None:
        self.leaf = leaf
        self.namespace: dict[str, Any] = {}
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
        lines = [f"def {name}(obj):", "    for key, v in obj.items():"]
        if skipped:
            lines += [f"        if key in {name}_skipped:", "            continue"]
        lines += ["        t = type(v)", "        if t is dict:"]
        lines += self._branch(dicts, "            ", "if not {f}(v):")
        lines += ["        elif t is list:"]
        lines += self._branch(lists, "            ", "for x in v:\n{i}    if type(x) is not dict or not {f}(x):")
        lines += [f"        elif v is not None and key not in {name}_leaves:", "            return False",
                  "    return True"]
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
