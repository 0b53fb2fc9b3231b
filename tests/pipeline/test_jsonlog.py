"""Worker log lines are JSON with the EDI context fields and nothing else from ``extra``."""

from __future__ import annotations

import json
import logging

from gateway.worker.jsonlog import JsonLinesFormatter


def test_context_fields_kept_and_unknown_extras_dropped() -> None:
    record = logging.LogRecord("acorn.pipeline", logging.INFO, __file__, 1, "translated", (), None)
    record.__dict__.update({"partner": "amazon", "isa13": "000000101", "stage": "translate", "count": 2,
                            "payload": "ISA*00*secret", "password": "hunter2"})
    line = json.loads(JsonLinesFormatter().format(record))
    assert line["event"] == "translated" and line["partner"] == "amazon" and line["count"] == 2
    assert line["isa13"] == "000000101" and line["level"] == "info"
    assert "payload" not in line and "password" not in line
