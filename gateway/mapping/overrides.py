"""Mapping files on disk: ``extends`` a base map, then ``codes`` / ``override`` / ``remove`` / ``add`` patches.

Node keys are the ones the engine uses: ``id`` when given, else the segment ID plus its first constant
(``N1*ST``, ``REF*BM``), a loop is named after its first segment, ``HL`` the hierarchy; nested nodes are addressed
with ``/`` (``PO1/PID``, ``HL/O/PRF``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from gateway.errors import ConfigError
from gateway.mapping.spec import check_keys
from gateway.partners.yamlsrc import LDict, LList, load_yaml, where

OVERRIDE_KEYS = {"extends", "description", "codes", "override", "remove", "add", "version", "functional_id",
                 "implementation_reference"}


def raw_key(item: Any) -> str:
    """The key the parser will give this raw node (kept in step with spec._Parser)."""
    if not isinstance(item, LDict):
        return "?"
    if "id" in item:
        return str(item["id"])
    if "hl" in item:
        return "HL"
    if "loop" in item:
        children = item.get("structure")
        return raw_key(children[0]) if isinstance(children, LList) and children else str(item["loop"])
    elements = item.get("elements")
    if isinstance(elements, LDict):
        for spec in elements.values():
            if isinstance(spec, LDict) and "const" in spec and "if" not in spec:
                return f"{item.get('segment')}*{spec['const']}"
    return str(item.get("segment"))


def _children(item: LDict, part: str) -> LList | None:
    if "hl" in item:
        levels = item.get("levels")
        level = levels.get(part) if isinstance(levels, LDict) else None
        return level.setdefault("structure", LList()) if isinstance(level, LDict) else None
    structure = item.get("structure")
    return structure if isinstance(structure, LList) else None


def find(structure: LList, key: str, node: Any, field: str) -> tuple[LList, int]:
    """(containing list, index) of the node at ``key`` (a ``/`` path); ConfigError naming the override line."""
    parts = key.split("/")
    current: LList | None = structure
    i = 0
    while i < len(parts):
        assert current is not None
        names = [raw_key(x) for x in current]
        if parts[i] not in names:
            raise ConfigError(f"no node {key!r} in the base map (at this level: {', '.join(names)})",
                              **where(node, field))
        index = names.index(parts[i])
        if i == len(parts) - 1:
            return current, index
        item = current[index]
        if "hl" in item:
            i += 1
            if i == len(parts) - 1:
                raise ConfigError(f"{key!r} names an HL level; address a node inside it", **where(node, field))
        current = _children(item, parts[i])
        if current is None:
            raise ConfigError(f"{key!r}: {parts[i]!r} has no nested nodes", **where(node, field))
        i += 1
    raise AssertionError("unreachable")


def _merge(base: Any, patch: Any, under_elements: bool = False) -> Any:
    if isinstance(base, LDict) and isinstance(patch, LDict):
        for key, value in patch.items():
            if value is None:
                base.pop(key, None)
            elif key in base and not under_elements:
                base[key] = _merge(base[key], value, under_elements=key == "elements")
            else:
                base[key] = value
            base.key_lines[key] = patch.line_of(key)
        return base
    return patch


def resolve_base(ref: str, file: Path, search: list[Path]) -> Path:
    if ref.endswith((".yaml", ".yml")):
        return (file.parent / ref).resolve()
    for folder in search:
        candidate = folder / f"{ref}.yaml"
        if candidate.exists():
            return candidate
    raise ConfigError(f"base map {ref!r} not found in {', '.join(str(s) for s in search)}", path=str(file))


def load_merged(path: Path, search: list[Path], seen: tuple[Path, ...] = ()) -> tuple[LDict, tuple[str, ...]]:
    """The YAML of a mapping file with its ``extends`` chain applied, and the files involved (base first)."""
    path = path.resolve()
    if path in seen:
        raise ConfigError("maps extend each other in a cycle", path=str(path))
    data = load_yaml(path)
    if not isinstance(data, LDict):
        raise ConfigError("a mapping file must be a YAML mapping", path=str(path))
    if "extends" not in data:
        return data, (str(path),)
    check_keys(data, OVERRIDE_KEYS, "override map")
    base_path = resolve_base(str(data["extends"]), path, [path.parent, *search])
    base, files = load_merged(base_path, search, (*seen, path))
    base = copy.deepcopy(base)
    for key in ("version", "functional_id", "implementation_reference", "description"):
        if key in data:
            base[key] = data[key]
            base.key_lines[key] = data.line_of(key)
    if "codes" in data:
        tables = base.setdefault("codes", LDict())
        patch = check_keys(data["codes"], set(data["codes"] or ()), "codes")
        for name, table in patch.items():
            if table is None:
                tables.pop(name, None)
            elif isinstance(tables.get(name), LDict) and isinstance(table, LDict):
                _merge(tables[name], table)
            else:
                tables[name] = table
    structure = base["structure"]
    if "override" in data:
        override = check_keys(data["override"], set(data["override"] or ()), "override")
        for key, patch in override.items():
            container, index = find(structure, key, override, key)
            container[index] = _merge(container[index], patch)
    for _i, key in enumerate(data.get("remove") or ()):
        container, index = find(structure, str(key), data["remove"], "remove")
        del container[index]
    for add in data.get("add") or ():
        add = check_keys(add, {"after", "before", "into", "node"}, "add")
        if "node" not in add or sum(k in add for k in ("after", "before", "into")) != 1:
            raise ConfigError("add needs 'node' and one of after / before / into", **where(add))
        if "into" in add:
            container, index = find(structure, str(add["into"]), add, "into")
            target = container[index]
            parts = str(add["into"]).split("/")
            kids = _children(target, parts[-1]) if "hl" not in target else None
            if kids is None:
                raise ConfigError(f"cannot add into {add['into']!r}", **where(add, "into"))
            kids.append(add["node"])
        else:
            anchor = "after" if "after" in add else "before"
            container, index = find(structure, str(add[anchor]), add, anchor)
            container.insert(index + 1 if anchor == "after" else index, add["node"])
    return base, (*files, str(path))
