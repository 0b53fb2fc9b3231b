"""Read the shell and Python blocks of docs/json-bridge.md and turn each command into an argv list."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "json-bridge.md"
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


@dataclass(frozen=True, slots=True)
class Command:
    """One command of the walkthrough: an argv list, or an assignment ``VAR=$(argv)``."""

    argv: list[str]
    assign_to: str | None = None


def blocks(language: str, text: str | None = None) -> list[str]:
    """The bodies of the fenced code blocks of one language, in document order."""
    source = DOC.read_text(encoding="utf-8") if text is None else text
    return [body for lang, body in _FENCE.findall(source) if lang == language]


def commands(block: str) -> list[Command]:
    """Split a shell block into commands (joining backslash continuations); no shell is ever involved."""
    joined = re.sub(r"\\\n\s*", " ", block)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"export (\w+)=\$\((.*)\)", line)
        if match:
            out.append(Command(shlex.split(match.group(2)), assign_to=match.group(1)))
            continue
        match = re.fullmatch(r"export (\w+)=(\S+)", line)
        if match:
            out.append(Command([match.group(2)], assign_to=match.group(1)))
            continue
        out.append(Command(shlex.split(line)))
    return out


def substitute(argv: list[str], variables: dict[str, str]) -> list[str]:
    """Replace ``$NAME`` references; an unknown variable is an error, never an empty string."""

    def one(arg: str) -> str:
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in variables:
                raise KeyError(f"walkthrough uses ${name}, which the test does not provide")
            return variables[name]

        return re.sub(r"\$(\w+)", sub, arg)

    return [one(a) for a in argv]
