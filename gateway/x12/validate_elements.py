"""Element checks of one segment against its grammar: required, type, length, code list.

Segment definitions are compiled once into tuples (no objects per element at validation time); problems come
back as small tuples that the validator turns into Issues only when there are any.
"""

from __future__ import annotations

from datetime import date

from gateway.x12.grammar_model import ElementDef, SegmentDef

# Element kinds, decided once per definition.
AN, ID, NUM, REAL, DT, TM = range(6)
_KINDS = {"AN": AN, "ID": ID, "R": REAL, "DT": DT, "TM": TM, "B": AN}

# (position, required, kind, min, max, codes, data element, components)
CompiledElement = tuple[int, bool, int, int, int, "frozenset[str] | None", str, "tuple[CompiledElement, ...]"]
# (element position, component position or None, AK403 code, message, expected, found, data element)
Problem = tuple[int, "int | None", str, str, "str | None", "str | None", str]

# AK403 / IK403 codes
MISSING, TOO_MANY, TOO_SHORT, TOO_LONG, BAD_CHAR, BAD_CODE, BAD_DATE, BAD_TIME = "1", "3", "4", "5", "6", "7", "8", "9"


def _compile_one(el: ElementDef) -> CompiledElement:
    kind = NUM if el.data_type.startswith("N") else _KINDS.get(el.data_type, AN)
    comps = tuple(_compile_one(c) for c in el.components)
    return (el.position, el.required, kind, el.min_length, el.max_length, el.codes, el.data_element, comps)


def compile_segment(seg: SegmentDef) -> tuple[CompiledElement, ...]:
    return tuple(_compile_one(e) for e in seg.elements)


def _valid_date(v: str) -> bool:
    if len(v) == 6:
        v = ("20" if v[:2] < "50" else "19") + v
    if len(v) != 8:
        return False
    try:
        date(int(v[:4]), int(v[4:6]), int(v[6:]))
    except ValueError:
        return False
    return True


def _valid_time(v: str) -> bool:
    if len(v) not in (4, 6, 7, 8):
        return False
    return v[:2] < "24" and v[2:4] < "60" and (len(v) < 6 or v[4:6] < "60")


def _check_value(value: str, spec: CompiledElement, pos: int, comp: int | None, out: list[Problem]) -> None:
    kind, lo, hi, codes, ref = spec[2], spec[3], spec[4], spec[5], spec[6]
    if kind <= ID:
        n = len(value)
    else:
        digits = value[1:] if value[0] == "-" else value
        if kind == REAL:
            digits = digits.replace(".", "", 1)
        if not (digits.isascii() and digits.isdigit()):
            out.append((pos, comp, BAD_CHAR, "invalid character in a numeric element", None, value, ref))
            return
        n = len(digits)
        if kind == DT and not _valid_date(digits):
            out.append((pos, comp, BAD_DATE, "invalid date", "CCYYMMDD", value, ref))
            return
        if kind == TM and not _valid_time(digits):
            out.append((pos, comp, BAD_TIME, "invalid time", "HHMM[SS[d..]]", value, ref))
            return
    if n < lo:
        out.append((pos, comp, TOO_SHORT, f"element shorter than {lo}", f"{lo}-{hi} characters", value, ref))
    elif n > hi:
        out.append((pos, comp, TOO_LONG, f"element longer than {hi}", f"{lo}-{hi} characters", value, ref))
    elif codes is not None and value not in codes:
        out.append((pos, comp, BAD_CODE, "code not in the element's code list",
                    "/".join(sorted(codes)) if len(codes) <= 12 else f"one of {len(codes)} codes", value, ref))


def check_elements(elements: list[str], specs: tuple[CompiledElement, ...], component_sep: str) -> list[Problem]:
    """Problems of one segment's elements (``elements[0]`` is the segment ID)."""
    out: list[Problem] = []
    count = len(elements) - 1
    if count > len(specs):
        out.append((len(specs) + 1, None, TOO_MANY, f"{count} elements, the segment has {len(specs)}",
                    str(len(specs)), str(count), ""))
    for spec in specs:
        pos = spec[0]
        value = elements[pos] if pos <= count else ""
        if not value:
            if spec[1]:
                out.append((pos, None, MISSING, "required element missing", None, None, spec[6]))
            continue
        comps = spec[7]
        if not comps:
            _check_value(value, spec, pos, None, out)
            continue
        parts = value.split(component_sep)
        if len(parts) > len(comps):
            out.append((pos, None, TOO_MANY, f"{len(parts)} components, the composite has {len(comps)}",
                        str(len(comps)), str(len(parts)), spec[6]))
        for i, cspec in enumerate(comps):
            part = parts[i] if i < len(parts) else ""
            if part:
                _check_value(part, cspec, pos, i + 1, out)
            elif cspec[1]:
                out.append((pos, i + 1, MISSING, "required component missing", None, None, cspec[6]))
    return out
