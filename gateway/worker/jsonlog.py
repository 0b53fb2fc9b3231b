"""JSON-lines log records: message, level, logger and the EDI context fields; never payloads or secrets."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Only these ``extra`` fields are written; anything else a caller attaches is dropped, so a payload, a key or
# a password passed by mistake never reaches the log.
CONTEXT_FIELDS = (
    "partner", "direction", "message_id", "isa13", "gs06", "st02", "stage", "document", "delivery", "job",
    "kind", "worker", "status", "channel", "error", "reason", "run_at", "count", "signal", "task",
)


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, separators=(",", ":"))


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict sending the root logger and uvicorn's loggers to stderr as JSON lines.

    ``acorn serve`` hands it to uvicorn, which applies it in every server process it starts.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonLinesFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {name: {"handlers": [], "propagate": True, "level": level.upper()}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def configure(level: str = "INFO") -> None:
    """Route the root logger to stderr as JSON lines (called by ``acorn worker``)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLinesFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
