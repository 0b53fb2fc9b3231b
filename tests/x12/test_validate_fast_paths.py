"""The validator's fast paths against its reference checks: the per-segment element regexes (validate_regex)
against check_elements on random good and bad values, and the whole-set regex against the segment walker on
broken 850s and 856s (order, repeats over the maximum, codes, dates, missing elements, HL hierarchies)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from gateway.x12.grammar import library
from gateway.x12.reader import read
from gateway.x12.validate import Validator, validator_for
from gateway.x12.validate_elements import AN, DT, ID, NUM, REAL, TM, CompiledElement, check_elements, compile_segment
from gateway.x12.validate_regex import element_pattern
from tests.x12.test_validator import body_of, doc

STOP = "~"
SEP, COMP = "*", ">"


def _definitions() -> list[tuple[str, tuple[CompiledElement, ...]]]:
    """Every distinct (segment ID, element definitions) of every grammar."""
    lib = library(None)
    seen: dict[tuple[str, tuple[CompiledElement, ...]], None] = {}
    for code, version in lib.available():
        grammar = lib.get(code, version)
        assert grammar is not None
        for seg in grammar.segments():
            seen[(seg.segment_id, compile_segment(seg))] = None
    return list(seen)


DEFINITIONS = _definitions()


def _good(spec: CompiledElement, rng: random.Random) -> str:
    kind, lo, hi, codes = spec[2], spec[3], spec[4], spec[5]
    if kind <= ID and codes:
        fitting = sorted(c for c in codes if lo <= len(c) <= hi)
        if fitting:
            return rng.choice(fitting)
    if kind <= ID:
        return "".join(rng.choice("AZ09 -./#&") for _ in range(rng.randint(lo, min(hi, lo + 6))))
    if kind == NUM:
        return rng.choice(("", "-")) + "".join(rng.choice("0123456789") for _ in range(rng.randint(lo, hi)))
    if kind == REAL:
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(max(lo, 1), min(hi, 9))))
        if len(digits) > 1 and rng.random() < 0.5:
            cut = rng.randrange(len(digits))  # a point before the last digit (a trailing point is slow-path only)
            digits = digits[:cut] + "." + digits[cut:]
        return rng.choice(("", "-")) + digits
    if kind == DT:
        return (date(1990, 1, 1) + timedelta(days=rng.randrange(20000))).strftime("%Y%m%d")
    if kind == TM:
        return f"{rng.randrange(24):02d}{rng.randrange(60):02d}" + (f"{rng.randrange(60):02d}" if hi >= 6 else "")
    return ""


def _bad(spec: CompiledElement, value: str, rng: random.Random) -> str:
    """A variant of a value that may or may not still be valid (the checks decide)."""
    choice = rng.randrange(10)
    if choice == 0:
        return value + "X" * (spec[4] - len(value) + rng.randint(0, 2))  # too long (or just at the maximum)
    if choice == 1:
        return value[: max(spec[3] - 1, 0)]  # too short, or empty
    if choice == 2:
        return value + rng.choice("A.-é€ ")  # a stray character, non-ASCII ones too
    if choice == 3:
        return rng.choice(("20261301", "20260230", "20250229", "20240229", "00000101", "2461", "2400", "1260", "5.",
                           ".5", "-", ".", "1.2.3", "--1", "0"))
    if choice == 4:
        return rng.choice(("ZZZ", "Z", "00", "XX", "")) + (value[:1] if rng.random() < 0.3 else "")
    if choice == 5:
        return value.replace(value[:1], COMP) if value else COMP  # a component separator inside a simple value
    return value


def _segment(specs: tuple[CompiledElement, ...], rng: random.Random, broken: bool) -> list[str]:
    elements: list[str] = []
    for spec in specs:
        if spec[7]:
            comps = [_good(c, rng) if c[1] or rng.random() < 0.5 else "" for c in spec[7]]
            if broken and rng.random() < 0.3:
                comps = [_bad(c, v, rng) for c, v in zip(spec[7], comps, strict=True)]
            while comps and not comps[-1]:
                comps.pop()
            value = COMP.join(comps)
        else:
            value = _good(spec, rng) if spec[1] or rng.random() < 0.5 else ""
            if broken and rng.random() < 0.25:
                value = _bad(spec, value, rng)
        elements.append(value if spec[1] or rng.random() < 0.8 else "")
    if broken and rng.random() < 0.1:
        elements.append("EXTRA")
    keep = len(elements)
    if rng.random() < 0.5:
        while keep and not elements[keep - 1]:
            keep -= 1
    return elements[:keep]


@pytest.mark.parametrize("shard", range(4))
def test_element_regexes_accept_only_what_the_element_checks_pass(shard: int) -> None:
    """Soundness on every definition: a match means no problem; the ASCII pattern equals the general one on ASCII
    text; and valid values of every kind (dates, times, numbers, codes) are matched, not left to the walker."""
    rng = random.Random(f"elements{shard}")
    matched = broken_checked = 0
    for sid, specs in DEFINITIONS[shard::4]:
        general = re.compile(element_pattern(specs, SEP, COMP, STOP), re.DOTALL).fullmatch
        ascii_only = re.compile(element_pattern(specs, SEP, COMP, STOP, ascii_only=True), re.DOTALL).fullmatch
        for n in range(30):
            broken = n % 3 != 0
            elements = _segment(specs, rng, broken)
            text = "".join(SEP + e for e in elements)
            problems = check_elements([sid, *elements], specs, COMP)
            fast = general(text) is not None
            if fast:
                assert problems == [], (sid, text, problems)
                matched += 1
            if text.isascii():
                assert (ascii_only(text) is not None) == fast, (sid, text)
            else:
                assert ascii_only(text) is None
            if not broken:
                assert fast == (problems == []), (sid, text, problems)
            broken_checked += bool(problems)
    assert matched and broken_checked


def test_numeric_and_date_edges() -> None:
    """The value shapes the fast path leaves to the walker, and ones it must never pass."""
    specs = ((1, True, REAL, 1, 4, None, "1", ()), (2, False, NUM, 1, 3, None, "2", ()),
             (3, False, DT, 8, 8, None, "3", ()), (4, False, TM, 4, 8, None, "4", ()), (5, False, AN, 2, 3, None,
                                                                                          "5", ()))
    fast = re.compile(element_pattern(specs, SEP, COMP, STOP), re.DOTALL).fullmatch
    for values, ok in [(["1234"], True), (["12345"], False), (["123.4"], True), (["1234.5"], False),
                       (["-.5"], True), (["."], False), (["-"], False), (["5."], False), (["1", "-"], False),
                       (["1", "-12"], True), (["1", "1234"], False), (["1", "", "20240228"], True),
                       (["1", "", "20240229"], False), (["1", "", "00000101"], False), (["1", "", "", "2400"], False),
                       (["1", "", "", "235959"], True), (["1", "", "", "23595"], False),
                       (["1", "", "", "", "A"], False), (["1", "", "", "", "AB"], True),
                       (["1", "", "", "", "ABCD"], False), (["1", "", ""], True)]:
        text = "".join(SEP + v for v in values)
        assert (fast(text) is not None) == ok, values
        if ok:
            assert check_elements(["X", *values], specs, COMP) == [], values


def _fast_and_walker(code: str, version: str, body: list[list[str]],
                     monkeypatch: pytest.MonkeyPatch) -> tuple[bool, list[object]]:
    data = doc(code, version, body)
    ic = read(data)[0]
    tset = ic.groups[0].transaction_sets[0]
    validator = validator_for(None)
    compiled = validator.compiled(code, version, ic.delimiters)
    assert compiled is not None
    fast = Validator._fast_valid(compiled, tset, "*", "~")
    with monkeypatch.context() as patch:
        patch.setattr(Validator, "_fast_valid", staticmethod(lambda *args: False))
        issues = validator.validate(read(data)[0].groups[0].transaction_sets[0], ic.delimiters, version)
    return fast, list(issues)


def _hl(n: int, parent: str, level: str) -> list[str]:
    return ["HL", str(n), parent, level]


ASN_ITEM = [["LIN", "", "BP", "B000000001"], ["SN1", "", "10", "EA"]]


def _put(index: int, *segments: list[str]) -> Callable[[list[list[str]]], None]:
    def edit(body: list[list[str]]) -> None:
        body[index:index] = [list(s) for s in segments]
    return edit


def _set(index: int, position: int, value: str) -> Callable[[list[list[str]]], None]:
    def edit(body: list[list[str]]) -> None:
        body[index][position] = value
    return edit


def _ctt_first(body: list[list[str]]) -> None:
    body.insert(3, body.pop())


BROKEN_850: dict[str, Callable[[list[list[str]]], None]] = {
    "bad BEG02 code": _set(0, 2, "XX"),
    "bad DTM date": _set(2, 2, "20261301"),
    "leap day on a common year": _set(2, 2, "20250229"),
    "missing BEG03": _set(0, 3, ""),
    "CTT before PO1": _ctt_first,
    "four header PER (max 3)": _put(2, *[["PER", "IC", "X"]] * 4),
    "eleven header DTM (max 10)": _put(2, *[["DTM", "064", "20260110"]] * 10),
    "DTM inside the N1 loop": _put(4, ["DTM", "064", "20260110"]),
    "unknown segment": _put(1, ["ZZZ", "1"]),
    "too many elements": _put(2, ["REF", "CR", "C1", "X", "Y>Z", "Q"]),
}


@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize("name", sorted(BROKEN_850))
def test_broken_850s_leave_the_fast_path(version: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    body = body_of("850")
    BROKEN_850[name](body)
    fast, issues = _fast_and_walker("850", version, body, monkeypatch)
    assert issues and not fast, (name, issues)


def _asn(shape: list[tuple[int, str, str]], extra: list[list[str]] | None = None) -> list[list[str]]:
    body: list[list[str]] = [["BSN", "00", "SH1", "20260105", "0930"]]
    for n, parent, level in shape:
        body.append(_hl(n, parent, level))
        body += {"S": [["TD5", "", "2", "UPSN"]], "O": [["PRF", "PO1001"]], "P": [["MAN", "GM", "0001"]],
                 "T": [["MAN", "GM", "0002"]], "I": [list(s) for s in ASN_ITEM]}.get(level, [])
    return body + (extra or []) + [["CTT", str(len(shape))]]


HIERARCHIES = [
    ([(1, "", "S"), (2, "1", "O"), (3, "2", "P"), (4, "3", "I")], True),
    ([(1, "", "S"), (2, "1", "O"), (3, "2", "P"), (4, "3", "I"), (5, "3", "I"), (6, "2", "P"), (7, "6", "I")], True),
    ([(1, "", "S"), (2, "1", "O"), (3, "2", "I"), (4, "2", "I")], True),
    ([(1, "", "S"), (2, "1", "O"), (3, "2", "T"), (4, "3", "P"), (5, "4", "I")], True),
    ([(1, "", "S"), (2, "1", "O"), (3, "2", "P"), (4, "2", "I")], False),  # item names the order, not its pack
    ([(1, "", "S"), (2, "1", "O"), (4, "2", "P"), (3, "4", "I")], False),  # numbering out of order
    ([(1, "", "S"), (2, "1", "O"), (3, "1", "P"), (4, "3", "I")], False),  # pack names the shipment
    ([(1, "", "S"), (2, "", "O"), (3, "2", "P"), (4, "3", "I")], False),  # order without its shipment
    ([(1, "1", "S"), (2, "1", "O"), (3, "2", "P"), (4, "3", "I")], False),  # shipment names itself
    ([(1, "", "S"), (2, "1", "O"), (3, "2", "P"), (5, "3", "I")], False),  # a gap in the numbering
    ([(1, "", "S"), (2, "1", "I")], False),  # item straight under the shipment
    ([(1, "", "S"), (2, "1", "O"), (3, "2", "P"), (4, "3", "X")], False),  # unknown level code
    ([(1, "", "S"), (2, "1", "S"), (3, "2", "O")], False),  # two shipments
]


@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize(("shape", "valid"), HIERARCHIES)
def test_856_hierarchies_fast_path_agrees_with_the_walker(version: str, shape: list[tuple[int, str, str]],
                                                         valid: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, issues = _fast_and_walker("856", version, _asn(shape), monkeypatch)
    assert (not issues) == valid, issues
    assert fast == valid


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_random_856_mutations_never_pass_the_fast_path_with_issues(version: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded HL reshuffles, level swaps, dropped and repeated segments, bad values in HL-level segments."""
    rng = random.Random(f"asn{version}")
    base = [(1, "", "S"), (2, "1", "O"), (3, "2", "P"), (4, "3", "I"), (5, "3", "I"), (6, "2", "P"), (7, "6", "I")]
    outcomes = set()
    for _ in range(60):
        shape = [list(t) for t in base]
        body = _asn([(int(n), str(p), str(lv)) for n, p, lv in shape])
        for _ in range(rng.randint(1, 3)):
            k = rng.randrange(1, len(body))
            action = rng.randrange(6)
            if action == 0:
                body.insert(rng.randrange(1, len(body)), body.pop(k))
            elif action == 1:
                body.insert(k, list(body[k]))
            elif action == 2 and len(body) > 3:
                del body[k]
            elif action == 3 and body[k][0] == "HL":
                body[k][rng.choice((1, 2))] = str(rng.randint(0, 8))
            elif action == 4 and body[k][0] == "HL":
                body[k][3] = rng.choice("SOPTIX")
            else:
                seg = body[k]
                if len(seg) > 2:
                    seg[rng.randrange(1, len(seg))] = rng.choice(("", "X" * 40, "20261301", "-", "ZZ"))
        fast, issues = _fast_and_walker("856", version, body, monkeypatch)
        if fast:
            assert issues == [], body
        else:
            assert issues, body  # the fast path refuses only sets the walker faults (no valid shape is slow)
        outcomes.add(fast)
    assert outcomes == {True, False}


def test_a_required_composite_may_start_empty_but_not_be_empty() -> None:
    comps = ((1, False, AN, 1, 3, None, "a", ()), (2, False, AN, 1, 3, None, "b", ()))
    specs = ((1, True, AN, 0, 0, None, "C1", comps), (2, False, AN, 1, 3, None, "x", ()))
    for stop in ("", STOP):
        fast = re.compile(element_pattern(specs, SEP, COMP, stop), re.DOTALL).fullmatch
        for values in (["", "X"], [""], [COMP + "B"], ["A"], ["A" + COMP + "B", "X"]):
            text = "".join(SEP + v for v in values)
            assert (fast(text) is not None) == (check_elements(["X", *values], specs, COMP) == []), values
