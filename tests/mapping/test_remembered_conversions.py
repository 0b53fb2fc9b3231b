"""Dates, times and implied decimals are converted through a per-element memo: same answers, same errors, bounded."""

from __future__ import annotations

import pytest

from gateway.mapping import compiled
from gateway.mapping.compiled import _Remembered
from gateway.mapping.convert import _date_in, _implied_in, _time_in


@pytest.mark.parametrize(("convert", "texts"), [
    (_date_in("CCYYMMDD"), ["20260115", "260115", "20260115", "2026011", "", "abcdefgh", "20260115"]),
    (_time_in, ["1030", "103000", "1030", "10", "10x0", "1030"]),
    (_implied_in(2), ["1250", "-1250", "1250", "12.50", "x", "1250"]),
])
def test_remembered_answers_and_errors_are_the_converters(convert: object, texts: list[str]) -> None:
    assert callable(convert)
    remembered = _Remembered(convert).__getitem__
    for text in texts * 2:
        try:
            expected: object = convert(text)
        except ValueError as exc:
            expected = ("error", str(exc))
        try:
            got: object = remembered(text)
        except ValueError as exc:
            got = ("error", str(exc))
        assert got == expected, text


def test_errors_are_not_kept_and_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled, "_REMEMBERED", 3)
    memo = _Remembered(_date_in("CCYYMMDD"))
    with pytest.raises(ValueError, match="expected a date"):
        memo["2026"]
    assert "2026" not in memo
    for day in range(10, 20):
        assert memo[f"202601{day}"] == f"2026-01-{day}"
    assert len(memo) == 3
