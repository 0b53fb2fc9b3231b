"""pyx12 as the reference validator, pointed at our own grammar directory; its findings come back as Issues.

The only module of the gateway that imports pyx12. It is slow (pure-Python map walker) and meant for tests and
investigations, not the hot path: ``gateway.x12.validate`` is the validator the gateway runs.

What is adapted before pyx12 sees the input, and why (pyx12 4.0 source: ``x12file.X12Reader``, ``rawx12file``):
- the input is re-serialized by our writer with the same delimiters and counts (``recompute=False``): pyx12 flags
  indentation after a terminator ("Segment contains a leading space") and mis-reads a CR/LF segment terminator,
  both of which our reader accepts as noise, so it is given each segment on its own line after a ``~``;
- ISA12 ``00400`` is presented as ``00401``: pyx12 knows only 00401 and 00501 control versions and refuses the file
  otherwise (``X12Error: ISA Interchange Control Version Number is unknown``); our maps.xml serves both alike;
- a UTF-8 byte order mark is dropped (pyx12 decodes the first line as ASCII).
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyx12.errors
import pyx12.params
import pyx12.x12n_document

from gateway.errors import X12Error
from gateway.x12.grammar import DEFAULT_MAPS_DIR
from gateway.x12.issues import Issue, Level
from gateway.x12.model import Delimiters, Interchange, Segment
from gateway.x12.reader import Source, read
from gateway.x12.writer import serialize


def _pyx12_ready(ic: Interchange) -> bytes:
    d = ic.delimiters
    taken = {d.element, d.component, d.repetition}
    terminator = d.segment
    if terminator in ("\r", "\n", "\r\n"):
        terminator = next(c for c in "~!^{|\x1c" if c not in taken)
    header = ic.header
    if header[12] == "00400":
        header = Segment([*header.elements[:12], "00401", *header.elements[13:]], header.position)
    copy = replace(ic, header=header)
    return serialize(copy, Delimiters(d.element, d.component, d.repetition, terminator, "\n"), recompute=False)


def _issue(level: Level, code: str, message: str, **where: Any) -> Issue:
    return Issue(level, str(code), f"pyx12: {message}", **where)


def _convert(doc: dict[str, Any]) -> list[Issue]:
    out: list[Issue] = []
    for ic in doc.get("interchanges", []):
        isa13 = str(ic.get("isa_trn_set_id") or "") or None
        out += [_issue(Level.INTERCHANGE, e["err_cde"], e["err_str"], interchange=isa13) for e in ic["errors"]]
        for g in ic.get("groups", []):
            gs06 = str(g.get("gs_control_num") or "") or None
            where: dict[str, Any] = {"interchange": isa13, "group": gs06}
            out += [_issue(Level.GROUP, e["err_cde"], e["err_str"], **where) for e in g["errors"]]
            for t in g.get("transactions", []):
                st = {**where, "transaction_set": t.get("trn_set_control_num"),
                      "transaction_set_code": t.get("trn_set_id")}
                out += [_issue(Level.TRANSACTION_SET, e["err_cde"], e["err_str"], **st) for e in t["errors"]]
                for s in t.get("segments", []):
                    seg = {**st, "segment_id": s["seg_id"], "segment_position": s["seg_count"]}
                    out += [_issue(Level.SEGMENT, e["err_cde"], e["err_str"], found=e.get("err_val"), **seg)
                            for e in s["errors"]]
                    for el in s.get("elements", []):
                        out += [_issue(Level.ELEMENT, e["err_cde"], e["err_str"], found=e.get("err_val"),
                                       element_position=el["ele_pos"], component_position=el.get("subele_pos"),
                                       element_reference=_int(el.get("ele_ref_num")), **seg)
                                for e in el["errors"]]
    return out


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def reference_issues(source: Source, maps_dir: Path | None = None) -> list[Issue]:
    """pyx12's validation of ``source`` against ``<maps_dir>/x12`` (default: the repository's maps), as Issues."""
    map_path = str((maps_dir or DEFAULT_MAPS_DIR) / "x12")
    issues: list[Issue] = []
    for ic in read(source):
        text = _pyx12_ready(ic).decode("latin-1")
        out = io.StringIO()
        try:
            pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), None, None, fd_json=out,
                                              map_path=map_path)
        except (pyx12.errors.X12Error, pyx12.errors.EngineError) as exc:
            raise X12Error(f"pyx12 could not validate interchange {ic.control_number}: {exc}") from exc
        if not out.getvalue():
            raise X12Error(f"pyx12 could not read interchange {ic.control_number} (see the pyx12 log)")
        issues.extend(_convert(json.loads(out.getvalue())))
    return issues


def quiet() -> None:
    """Silence pyx12's own error log (it logs every finding it also returns); for tests and benchmarks."""
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
