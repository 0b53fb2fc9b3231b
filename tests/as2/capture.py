"""Read an HTTP capture (headers, blank line, body) as the samples store them."""

from __future__ import annotations

import re
from pathlib import Path


def read_capture(path: Path) -> tuple[dict[str, str], bytes]:
    raw = path.read_bytes()
    match = re.search(rb"\r?\n\r?\n", raw)
    assert match is not None, f"{path}: no blank line between headers and body"
    head, body = raw[: match.start()], raw[match.end() :]
    headers: dict[str, str] = {}
    last = None
    for line in head.decode("latin-1").splitlines():
        if line[:1] in (" ", "\t") and last:
            headers[last] += " " + line.strip()
            continue
        name, _, value = line.partition(":")
        last = name.strip()
        headers[last] = value.strip()
    return headers, body
