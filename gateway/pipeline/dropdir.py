"""Directory drop: write to a temporary name, fsync, then rename atomically so readers never see half a file."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from gateway.errors import DeliveryError

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(name: str) -> str:
    """A file name built from partner data, reduced to a safe character set (no separators, no dot-dot)."""
    cleaned = _SAFE.sub("_", name).lstrip(".")
    return cleaned or "document"


def drop(directory: Path, name: str, body: bytes) -> Path:
    """Write ``body`` as ``directory/name``; the same name twice overwrites with identical content (idempotent)."""
    final = directory / safe_name(name)
    temp = directory / f".{final.name}.{os.getpid()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            view = memoryview(body)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, final)
        _fsync_directory(directory)  # make the rename itself durable
    except OSError as exc:
        with contextlib.suppress(OSError):  # best effort: the original error is the one worth reporting
            temp.unlink(missing_ok=True)
        raise DeliveryError(f"directory drop to {directory}: {exc.strerror or exc}") from exc
    return final


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
