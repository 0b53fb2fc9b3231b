"""YAML with line numbers: every mapping carries its file and the line of each key, so errors name file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gateway.errors import ConfigError


class LDict(dict[str, Any]):
    """A YAML mapping that remembers its file, its own line and the line of each key."""

    file: str = ""
    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LList(list[Any]):
    file: str = ""
    line: int = 0
    item_lines: list[int]


def _loader(file: str) -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LDict:
        out = LDict()
        out.file, out.line, out.key_lines = file, node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key = str(key)
            if key in out:
                raise ConfigError(f"duplicate key {key!r}", path=file, line=key_node.start_mark.line + 1)
            out[key] = loader.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LList:
        out = LList(loader.construct_object(child, deep=True) for child in node.value)
        out.file, out.line = file, node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out

    def string(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
        return str(loader.construct_scalar(node))

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, sequence)
    # Codes and element values are text: 00, 92, 0001 and 004010 must never become numbers.
    for tag in ("int", "float", "bool", "timestamp"):
        Loader.add_constructor(f"tag:yaml.org,2002:{tag}", string)
    return Loader


def load_yaml(path: Path) -> Any:
    """Parse one YAML file into LDict/LList (all scalars as text, null as None); ConfigError on bad syntax."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror}", path=str(path)) from exc
    try:
        return yaml.load(text, Loader=_loader(str(path)))  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(f"invalid YAML: {exc.problem}", path=str(path), line=line) from exc


def where(node: Any, key: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ConfigError pointing at ``node`` (or one of its keys)."""
    if isinstance(node, LDict):
        return {"path": node.file or None, "line": node.line_of(key) if key else node.line}
    if isinstance(node, LList):
        return {"path": node.file or None, "line": node.line}
    return {}
