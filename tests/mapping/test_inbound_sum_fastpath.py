"""The whole-number shortcut of computed-sum checks (CTT02) takes only ASCII digit text; the rest goes to Decimal."""

from __future__ import annotations

import pytest

from gateway.mapping.inbound import all_whole


@pytest.mark.parametrize(("values", "expected"), [
    (["1", "20", "300"], True),
    ([], True),
    (["1", ""], False),  # an empty value is not a whole number (int("") would fail)
    (["1", 2], False),  # not text
    (["1.5"], False),
    (["-3", "4"], False),  # "-34" joined must not pass, nor "-3" alone
    (["\u0661"], False),  # Arabic-Indic digit: isdigit() but not ASCII
    ([None], False),
])
def test_all_whole(values: list[object], expected: bool) -> None:
    assert all_whole(values) is expected
