"""Regular expressions that match exactly the segments whose elements have no problem (the validator's fast path).

Built for the cost model of Python's regex engine: a single-character repeat is a counting loop, while every
group that can match or not (``?+``, an alternation) costs a nested match context. So optional values that may be
left empty are one counted repeat where their minimum length allows it, optional values and trailing elements
are alternations with an empty branch (no possessive-repeat set-up), and every counted repeat is possessive
(values end at a delimiter, so nothing is ever given back). For ASCII text the value class is a positive set of
ASCII characters, which the engine tests with one bitmap lookup instead of a negated list.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gateway.x12.validate_elements import DT, ID, NUM, REAL, TM, CompiledElement

_DAYS = r"(?:0[1-9]|[12][0-9]|3[01])", r"(?:0[1-9]|[12][0-9]|30)", r"(?:0[1-9]|1[0-9]|2[0-8])"
# one branch per first month digit, entered only when that digit is there; 29 February goes the slow way (leap years)
_DAY = (r"(?!0000)[0-9]{4}+(?:0(?:[13578]" + _DAYS[0] + "|[469]" + _DAYS[1] + "|2" + _DAYS[2] + ")|1(?:[02]"
        + _DAYS[0] + "|1" + _DAYS[1] + "))")
_HOUR = r"(?:[01][0-9]|2[0-3])[0-5][0-9]"
_NEVER = r"(?!)"  # formats the fast path does not cover are always checked in detail
_NUMERIC_SAFE = frozenset("0123456789.-")  # delimiters that would make the numeric patterns ambiguous


def value_class(stops: str, ascii_only: bool) -> str:
    """A character class for any value character: everything but ``stops`` (only ASCII when ``ascii_only``)."""
    if not ascii_only:
        return "[^" + "".join(re.escape(c) for c in sorted(set(stops))) + "]"
    ranges: list[str] = []
    start: int | None = None
    for code in range(129):
        inside = code < 128 and chr(code) not in stops
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            last = code - 1
            ranges.append(re.escape(chr(start)) + (f"-{re.escape(chr(last))}" if last > start else ""))
            start = None
    return "[" + "".join(ranges) + "]" if ranges else _NEVER


def _real(lo: int, hi: int) -> str:
    """R: optional sign, digits with at most one decimal point followed by digits, lo..hi digits in all."""
    if lo <= 1:
        return f"-?+(?:[0-9]{{1,{hi}}}+|(?=[0-9.]{{2,{hi + 1}}}+(?![0-9.]))[0-9]*+\\.[0-9]++)"
    return f"-?+(?:[0-9]{{{lo},{hi}}}+(?![0-9.])|(?=[0-9.]{{{lo + 1},{hi + 1}}}+(?![0-9.]))[0-9]*+\\.[0-9]++)"


def _value_pattern(spec: CompiledElement, cls: str, optional: bool) -> str:
    """A value of this element; when ``optional``, the empty value as well."""
    kind, lo, hi, codes = spec[2], spec[3], spec[4], spec[5]
    if kind <= ID and codes is not None:
        fitting = sorted((c for c in codes if lo <= len(c) <= hi), key=len, reverse=True)
        if not fitting:
            return "" if optional else _NEVER
        codes_alt = "|".join(re.escape(c) for c in fitting)
        return f"(?:{codes_alt}|)" if optional else f"(?:{codes_alt})"
    if kind <= ID:
        if optional and lo <= 1:
            return f"{cls}{{0,{hi}}}+"
        value = f"{cls}{{{lo},{hi}}}+"
    elif kind == NUM:
        value = f"-?+[0-9]{{{max(lo, 1)},{hi}}}+"
    elif kind == REAL:
        value = _real(lo, hi)
    elif kind == DT:
        value = _DAY if lo == hi == 8 else _NEVER
    elif kind == TM and (lo, hi) == (4, 8):
        value = _HOUR + "(?:[0-5][0-9][0-9]{0,2}+)?+"
    elif kind == TM and (lo, hi) == (4, 4):
        value = _HOUR
    else:
        value = _NEVER
    return f"(?:{value}|)" if optional else value


def _sequence(items: list[tuple[bool, str]], sep: str) -> str:
    """Values joined by ``sep``; trailing optional elements may be left off (their values may be empty anyway)."""
    tail = ""
    needed = False
    for required, pattern in reversed(items):
        needed = needed or required
        tail = f"{sep}{pattern}{tail}" if needed else f"(?:{sep}{pattern}{tail}|)"
    return tail


def element_pattern(specs: tuple[CompiledElement, ...], element_sep: str, component_sep: str, stop: str = "",
                    ascii_only: bool = False) -> str:
    """Regex source for the text after a segment ID whose elements have no problem at all.

    ``stop`` lists further characters no value may contain (the segment terminator, for whole-set patterns);
    ``ascii_only`` gives a pattern that is exact on ASCII text (and matches nothing else).
    """
    if _NUMERIC_SAFE & set(element_sep + component_sep + stop):
        ascii_only = False  # such delimiters are hopeless for the numeric patterns anyway: they fail, detail follows
    e, c = re.escape(element_sep), re.escape(component_sep)
    simple = value_class(element_sep + stop, ascii_only)
    composite = value_class(element_sep + component_sep + stop, ascii_only)
    items: list[tuple[bool, str]] = []
    for spec in specs:
        comps = spec[7]
        if not comps:
            items.append((spec[1], _value_pattern(spec, simple, not spec[1])))
            continue
        first = comps[0]
        rest = _sequence([(cs[1], _value_pattern(cs, composite, not cs[1])) for cs in comps[1:]], c)
        whole = _value_pattern(first, composite, not first[1]) + rest
        if spec[1] and not first[1]:  # a required composite may start empty but not be empty
            whole = f"(?!{e}|{re.escape(stop[:1])}|\\Z)" + whole if stop else f"(?!{e}|\\Z)" + whole
        items.append((spec[1], whole if spec[1] else f"(?:{whole}|)"))
    return _sequence(items, e)


def fast_pattern(specs: tuple[CompiledElement, ...], element_sep: str, component_sep: str
                 ) -> Callable[[str, int], object]:
    """``fullmatch(segment_text, len(segment_id))``: a match means the elements have no problem at all."""
    return re.compile(element_pattern(specs, element_sep, component_sep), re.DOTALL).fullmatch
